package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/kesu/kesu"
)

// MaxLine is the longest JSONL line import reads, in bytes: far above the
// largest valid complaint (a 20,000-character description), so a longer
// line is a broken file rather than data.
const MaxLine = 4 << 20

// row is one input row, parsed or refused.
type row struct {
	line int // 1-based line of the file where the row starts
	parsed
	err error
}

// rowReader yields rows until io.EOF; any other error is fatal (the input
// cannot be read, or a CSV header is wrong).
type rowReader interface {
	next() (row, error)
}

func newRowReader(r io.Reader, f Format, loc *time.Location) (rowReader, error) {
	switch f {
	case JSONL:
		br := bufio.NewReaderSize(r, 64<<10)
		skipBOM(br)
		return &jsonlReader{br: br}, nil
	case CSV:
		return newCSVReader(r, loc)
	}
	return nil, kesu.FieldError("format", "unknown format %q (jsonl or csv)", f)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// skipBOM drops a UTF-8 byte order mark (Excel and Notepad write one) and
// reports whether there was one.
func skipBOM(br *bufio.Reader) bool {
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		br.Discard(3)
		return true
	}
	return false
}

type jsonlReader struct {
	br   *bufio.Reader
	buf  []byte
	line int
}

func (j *jsonlReader) next() (row, error) {
	for {
		text, tooLong, err := j.readLine()
		if err != nil {
			return row{}, err
		}
		j.line++
		if tooLong {
			return row{line: j.line, err: kesu.Errorf(kesu.EInvalid, "the line is longer than %d bytes", MaxLine)}, nil
		}
		if len(bytes.TrimSpace(text)) == 0 {
			continue // blank lines separate nothing in JSONL; skip them
		}
		p, err := parseJSONLine(text)
		return row{line: j.line, parsed: p, err: err}, nil
	}
}

// readLine returns the next line without its end of line; a line longer
// than MaxLine is skipped and reported as tooLong. err is io.EOF only when
// no line is left.
func (j *jsonlReader) readLine() (line []byte, tooLong bool, err error) {
	j.buf = j.buf[:0]
	readAny := false
	for {
		chunk, err := j.br.ReadSlice('\n')
		readAny = readAny || len(chunk) > 0
		if !tooLong {
			if len(j.buf)+len(chunk) > MaxLine+2 { // +2: the line's own CR LF
				tooLong, j.buf = true, j.buf[:0]
			} else {
				j.buf = append(j.buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && !readAny:
			return nil, false, io.EOF
		case err != nil && err != io.EOF:
			return nil, false, err
		}
		return bytes.TrimRight(j.buf, "\r\n"), tooLong, nil
	}
}

type csvReader struct {
	r    *csv.Reader
	cols []*column
	loc  *time.Location
	gb   bool // decoded from GB18030
}

// newCSVReader detects the encoding and reads the header. A header error
// stops the import before any row.
func newCSVReader(r io.Reader, loc *time.Location) (*csvReader, error) {
	text, gb, err := csvText(r)
	if err != nil {
		return nil, err
	}
	c := &csvReader{r: csv.NewReader(text), loc: loc, gb: gb}
	c.r.FieldsPerRecord = -1 // a wrong field count is a row error, reported by us with the line
	header, err := c.r.Read()
	if err == io.EOF {
		return nil, kesu.Errorf(kesu.EInvalid, "the CSV file is empty: it needs a header row")
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, kesu.Errorf(kesu.EInvalid, "line %d: malformed CSV header: %v", pe.Line, pe.Err)
	}
	if err != nil {
		return nil, err
	}
	if c.cols, err = parseCSVHeader(header); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *csvReader) next() (row, error) {
	for {
		rec, err := c.r.Read()
		if err == io.EOF {
			return row{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return row{line: pe.StartLine, err: kesu.Errorf(kesu.EInvalid, "malformed CSV on line %d: %v", pe.Line, pe.Err)}, nil
		}
		if err != nil {
			return row{}, err
		}
		line, _ := c.r.FieldPos(0)
		if blankRecord(rec) {
			continue // spreadsheets leave rows of empty cells behind
		}
		p, err := parseCSVRecord(c.cols, rec, c.loc, c.gb)
		return row{line: line, parsed: p, err: err}, nil
	}
}

func blankRecord(rec []string) bool {
	for _, v := range rec {
		if len(bytes.TrimSpace([]byte(v))) > 0 {
			return false
		}
	}
	return true
}

// sampleSize is how much of an unseekable CSV stream decides its encoding.
const sampleSize = 1 << 20

// csvText returns the CSV input as UTF-8 text without a byte order mark.
// Input that is not UTF-8 is decoded as GB18030, which covers GBK and
// GB2312 (what Excel on a Chinese Windows writes). A file is taken as UTF-8
// when it is valid UTF-8, or when its valid multi-byte characters far
// outnumber its invalid bytes: then a few bad rows are reported as bad
// rather than the whole file being garbled. The whole file decides when it
// can be read twice (a file); a stream is judged by its first MiB.
func csvText(r io.Reader) (text io.Reader, gb bool, err error) {
	var tally utf8Tally
	var br *bufio.Reader
	if rs, ok := r.(io.ReadSeeker); ok {
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			if err := tally.readAll(rs); err != nil {
				return nil, false, err
			}
			if _, err := rs.Seek(start, io.SeekStart); err != nil {
				return nil, false, err
			}
			br = bufio.NewReaderSize(rs, 64<<10)
		}
	}
	if br == nil {
		br = bufio.NewReaderSize(r, sampleSize)
		sample, err := br.Peek(sampleSize)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, false, err
		}
		tally.add(sample, len(sample) < sampleSize)
	}
	if skipBOM(br) || tally.looksUTF8() {
		return br, false, nil
	}
	return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), true, nil
}

// utf8Tally counts, over a byte stream, multi-byte characters that are
// valid UTF-8 and bytes that are not. GBK text read as UTF-8 has about three
// invalid bytes per accidentally valid character.
type utf8Tally struct {
	multibyte, invalid int
	carry              []byte // an incomplete character at the end of the last chunk
}

func (t *utf8Tally) add(b []byte, final bool) {
	if len(t.carry) > 0 {
		b = append(t.carry, b...)
		t.carry = nil
	}
	for len(b) > 0 {
		if !final && !utf8.FullRune(b) {
			t.carry = append([]byte(nil), b...)
			return
		}
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			t.invalid++
		case n > 1:
			t.multibyte++
		}
		b = b[n:]
	}
}

func (t *utf8Tally) readAll(r io.Reader) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		t.add(buf[:n], false)
		if err == io.EOF {
			t.add(nil, true)
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (t *utf8Tally) looksUTF8() bool {
	return t.invalid == 0 || t.multibyte >= 4*t.invalid
}
