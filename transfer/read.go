package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
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

func newRowReader(r io.Reader, f Format, loc *time.Location, m *Mapping) (rowReader, error) {
	switch f {
	case JSONL:
		if m != nil && len(m.Columns) > 0 {
			return nil, kesu.FieldError("mapping", "a column mapping is for CSV and XLSX files; JSONL uses kesu's field names")
		}
		br := bufio.NewReaderSize(r, 64<<10)
		skipBOM(br)
		return &jsonlReader{br: br}, nil
	case CSV:
		return newCSVReader(r, loc, m)
	case XLSX:
		sheet := ""
		if m != nil {
			sheet = m.Sheet
		}
		src, err := newXLSXRecords(r, sheet)
		if err != nil {
			return nil, err
		}
		return newTableReader(src, loc, m, false, true)
	}
	return nil, kesu.FieldError("format", "unknown format %q (jsonl, csv or xlsx)", f)
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

// records is a table of text cells: a CSV file or an XLSX sheet. next
// returns io.EOF at the end; a record it cannot read is returned as a row
// error (rowErr) with its line, and the table goes on.
type records interface {
	next() (rec []string, line int, rowErr error, err error)
}

// tableReader turns the records of a table into rows, through kesu's own
// column names or a Mapping.
type tableReader struct {
	src   records
	cols  []*column        // by kesu's column names (no mapping)
	cm    *compiledMapping // by a mapping
	loc   *time.Location
	gb    bool // decoded from GB18030: U+FFFD marks undecodable bytes
	excel bool // XLSX: numbers in time fields are Excel serial dates
}

// newCSVReader detects the encoding and reads the header. A header error
// stops the import before any row.
func newCSVReader(r io.Reader, loc *time.Location, m *Mapping) (*tableReader, error) {
	text, gb, err := csvText(r)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1 // a wrong field count is a row error, reported by us with the line
	return newTableReader(&csvRecords{r: cr}, loc, m, gb, false)
}

func newTableReader(src records, loc *time.Location, m *Mapping, gb, excel bool) (*tableReader, error) {
	t := &tableReader{src: src, loc: loc, gb: gb, excel: excel}
	header, _, rowErr, err := src.next()
	if err == io.EOF {
		return nil, kesu.Errorf(kesu.EInvalid, "the file is empty: it needs a header row")
	}
	if err != nil {
		return nil, err
	}
	if rowErr != nil {
		return nil, kesu.Errorf(kesu.EInvalid, "malformed header: %s", kesu.ErrorMessageOf(rowErr))
	}
	if gb {
		for _, h := range header {
			if strings.ContainsRune(h, utf8.RuneError) {
				return nil, kesu.Errorf(kesu.EInvalid, "the header is neither valid UTF-8 nor valid GB18030 text")
			}
		}
	}
	if m != nil && len(m.Columns) > 0 {
		if t.cm, err = m.compile(header); err != nil {
			return nil, err
		}
		return t, nil
	}
	if t.cols, err = parseCSVHeader(header); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tableReader) next() (row, error) {
	for {
		rec, line, rowErr, err := t.src.next()
		if err != nil {
			return row{}, err
		}
		if rowErr != nil {
			return row{line: line, err: rowErr}, nil
		}
		if blankRecord(rec) {
			continue // spreadsheets leave rows of empty cells behind
		}
		var p parsed
		if t.cm != nil {
			p, err = t.cm.apply(rec, t.setField)
		} else {
			p, err = parseCSVRecord(t.cols, rec, t.loc, t.gb, t.excel)
		}
		return row{line: line, parsed: p, err: err}, nil
	}
}

// setField fills a mapped field, with the same checks as a kesu column.
func (t *tableReader) setField(in *kesu.NewComplaint, field, v string) error {
	if t.gb && strings.ContainsRune(v, utf8.RuneError) {
		return kesu.FieldError(field, "is neither valid UTF-8 nor valid GB18030 text")
	}
	if t.excel {
		if c := columnByName[field]; c != nil && c.intake != nil {
			if _, isTime := c.intake(in).(**time.Time); isTime {
				v = excelTime(v, t.loc)
			}
		}
	}
	return SetField(in, field, v, t.loc)
}

type csvRecords struct {
	r *csv.Reader
}

func (c *csvRecords) next() ([]string, int, error, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return nil, 0, nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, pe.StartLine, kesu.Errorf(kesu.EInvalid, "malformed CSV on line %d: %v", pe.Line, pe.Err), nil
	}
	if err != nil {
		return nil, 0, nil, err
	}
	line, _ := c.r.FieldPos(0)
	return rec, line, nil, nil
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
