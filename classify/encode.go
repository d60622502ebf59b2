package classify

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/kesu/kesu"
)

// The model file: magic, a length-prefixed JSON header, then for each row
// (sorted by bucket) the bucket's delta as a uvarint, its IDF and one weight
// per label as float32 - all deflated.
const magic = "KESUCLS1"

type header struct {
	Labels   []string  `json:"labels"`
	Examples int       `json:"examples"`
	Bits     uint8     `json:"bits"`
	Features Features  `json:"features"`
	Rows     int       `json:"rows"`
	Bias     []float32 `json:"bias"`
}

// MaxLabels bounds the labels of a model.
const MaxLabels = 10000

// MaxModelBytes bounds a decoded model.
const MaxModelBytes = 256 << 20

// MarshalBinary encodes the model compactly.
func (m *Model) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(magic)
	zw, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		return nil, err
	}
	h, err := json.Marshal(header{Labels: m.Labels, Examples: m.Examples, Bits: m.bits, Features: m.features,
		Rows: len(m.idf), Bias: m.bias})
	if err != nil {
		return nil, err
	}
	var tmp [binary.MaxVarintLen64]byte
	zw.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(h)))])
	zw.Write(h)
	buckets := make([]uint32, 0, len(m.rows))
	for b := range m.rows {
		buckets = append(buckets, b)
	}
	slices.Sort(buckets)
	C := len(m.Labels)
	var prev uint32
	row := make([]byte, 4*(C+1))
	for _, b := range buckets {
		r := int(m.rows[b])
		zw.Write(tmp[:binary.PutUvarint(tmp[:], uint64(b-prev))])
		prev = b
		binary.LittleEndian.PutUint32(row, math.Float32bits(m.idf[r]))
		for c := range C {
			binary.LittleEndian.PutUint32(row[4+4*c:], math.Float32bits(m.w[r*C+c]))
		}
		if _, err := zw.Write(row); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalModel decodes a model written by MarshalBinary.
func UnmarshalModel(data []byte) (*Model, error) {
	bad := func(format string, args ...any) error {
		return kesu.Errorf(kesu.EInvalid, "not a kesu model: "+format, args...)
	}
	if !bytes.HasPrefix(data, []byte(magic)) {
		return nil, bad("wrong header")
	}
	br := bytes.NewReader(data[len(magic):]) // a ByteReader: flate reads no further than its stream
	zr := flate.NewReader(br)
	defer zr.Close()
	r := &countingReader{r: zr, left: MaxModelBytes}
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 1<<20 {
		return nil, bad("header length")
	}
	hb := make([]byte, n)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, bad("header: %v", err)
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, bad("header: %v", err)
	}
	C := len(h.Labels)
	if C < 2 || len(h.Bias) != C || h.Bits < 10 || h.Bits > 24 || h.Rows < 0 || h.Rows > 1<<h.Bits ||
		h.Features.CJKMax < 1 || h.Features.CJKMax > 3 || h.Features.Stem < 0 {
		return nil, bad("inconsistent header")
	}
	if C > MaxLabels || int64(h.Rows)*int64(C+1)*4 > MaxModelBytes {
		return nil, bad("too large")
	}
	// Grown while reading, so that a header that lies runs out of data
	// before it can make us allocate much.
	m := &Model{Labels: h.Labels, Examples: h.Examples, bits: h.Bits, features: h.Features, bias: h.Bias,
		rows: map[uint32]int32{}}
	row := make([]byte, 4*(C+1))
	var b uint64
	for i := 0; i < h.Rows; i++ {
		d, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, bad("row %d: %v", i, err)
		}
		if b += d; b >= 1<<h.Bits || (i > 0 && d == 0) {
			return nil, bad("row %d: bucket out of order", i)
		}
		if _, err := io.ReadFull(r, row); err != nil {
			return nil, bad("row %d: %v", i, err)
		}
		m.rows[uint32(b)] = int32(i)
		m.idf = append(m.idf, math.Float32frombits(binary.LittleEndian.Uint32(row)))
		for c := range C {
			m.w = append(m.w, math.Float32frombits(binary.LittleEndian.Uint32(row[4+4*c:])))
		}
	}
	if _, err := r.Read(row[:1]); !errors.Is(err, io.EOF) || br.Len() > 0 {
		return nil, bad("trailing data")
	}
	m.buildTable()
	for _, part := range [][]float32{m.w, m.idf, m.bias} {
		for _, f := range part {
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return nil, bad("not a number in weights")
			}
		}
	}
	return m, nil
}

type countingReader struct {
	r    io.Reader
	left int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("model larger than %d bytes", MaxModelBytes)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	var b [1]byte
	_, err := io.ReadFull(c, b[:])
	return b[0], err
}
