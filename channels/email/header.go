package email

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// decodeHeader turns a raw header value into text: RFC 2047 encoded words
// are decoded, and adjacent words in one charset are joined as bytes before
// decoding, because mailers split words in the middle of a multi-byte
// character. Raw 8-bit text is decoded with hint (the body's charset) or
// detected.
func decodeHeader(v []byte, hint string) string {
	type segment struct {
		encoded bool
		charset string
		data    []byte
	}
	var segs []segment
	for len(v) > 0 {
		i := bytes.Index(v, []byte("=?"))
		if i < 0 {
			segs = append(segs, segment{data: v})
			break
		}
		charset, enc, text, n, ok := encodedWord(v[i:])
		if !ok {
			segs = append(segs, segment{data: v[:i+2]})
			v = v[i+2:]
			continue
		}
		if i > 0 {
			segs = append(segs, segment{data: v[:i]})
		}
		var data []byte
		if enc == 'B' {
			data = decodeBase64(text)
		} else {
			data = decodeQWord(text)
		}
		segs = append(segs, segment{encoded: true, charset: charset, data: data})
		v = v[i+n:]
	}
	// Whitespace between two encoded words is dropped (RFC 2047 6.2), and
	// adjacent words in one charset are joined before decoding.
	var merged []segment
	for i, sg := range segs {
		if !sg.encoded && len(bytes.TrimSpace(sg.data)) == 0 && i > 0 && i+1 < len(segs) && segs[i-1].encoded && segs[i+1].encoded {
			continue
		}
		if n := len(merged); n > 0 && sg.encoded && merged[n-1].encoded && strings.EqualFold(merged[n-1].charset, sg.charset) {
			merged[n-1].data = append(merged[n-1].data, sg.data...)
			continue
		}
		if n := len(merged); n > 0 && !sg.encoded && !merged[n-1].encoded {
			merged[n-1].data = append(merged[n-1].data, sg.data...)
			continue
		}
		merged = append(merged, segment{encoded: sg.encoded, charset: sg.charset, data: append([]byte(nil), sg.data...)})
	}
	var out strings.Builder
	for _, sg := range merged {
		switch {
		case sg.encoded:
			out.WriteString(decodeText(sg.data, sg.charset))
		case utf8.Valid(sg.data):
			out.Write(sg.data)
		default:
			out.WriteString(decodeText(sg.data, hint))
		}
	}
	return out.String()
}

// encodedWord reads "=?charset?B|Q?text?=" at the start of b; n is its
// length. A language suffix (charset*lang) is dropped.
func encodedWord(b []byte) (charset string, enc byte, text []byte, n int, ok bool) {
	if !bytes.HasPrefix(b, []byte("=?")) {
		return
	}
	rest := b[2:]
	q1 := bytes.IndexByte(rest, '?')
	if q1 <= 0 || q1 > 60 || q1+2 >= len(rest) || rest[q1+2] != '?' {
		return
	}
	charset = string(rest[:q1])
	if i := strings.IndexByte(charset, '*'); i >= 0 {
		charset = charset[:i]
	}
	enc = rest[q1+1] &^ 0x20 // upper case
	if enc != 'B' && enc != 'Q' {
		return
	}
	body := rest[q1+3:]
	end := bytes.Index(body, []byte("?="))
	if end < 0 || bytes.ContainsAny(body[:end], " \t\n") {
		return
	}
	return charset, enc, body[:end], 2 + q1 + 3 + end + 2, true
}

// decodeQWord decodes the Q encoding: "_" is a space, "=XX" a byte.
func decodeQWord(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(b):
			if h, ok := unhex(b[i+1]); ok {
				if l, ok := unhex(b[i+2]); ok {
					out = append(out, h<<4|l)
					i += 2
					continue
				}
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
