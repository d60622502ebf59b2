package email

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// lookupCharset maps a declared charset label to a decoder; nil means
// UTF-8/ASCII or unknown (the caller then detects). GB2312 and GBK labels
// decode as GB18030, their superset: mailers routinely label GBK text (and
// characters outside GB2312) as gb2312.
func lookupCharset(label string) (enc encoding.Encoding, known bool) {
	l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch l {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "unicode-1-1-utf-8", "x-unknown", "unknown-8bit", "default":
		return nil, l != "" && l != "x-unknown" && l != "unknown-8bit" && l != "default"
	case "gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "x-euc-cn", "gb_2312-80", "chinese", "csgb2312", "ms936", "windows-936", "x-gb2312":
		return simplifiedchinese.GB18030, true
	case "big5", "big-5", "big5-hkscs", "x-big5", "cn-big5", "cp950", "ms950", "windows-950", "csbig5", "x-x-big5":
		return traditionalchinese.Big5, true
	case "hz-gb-2312":
		return simplifiedchinese.HZGB2312, true
	}
	if e, err := htmlindex.Get(l); err == nil {
		return e, true
	}
	if e, err := ianaindex.MIME.Encoding(l); err == nil && e != nil {
		return e, true
	}
	return nil, false
}

// decodeWith decodes b and counts the bytes the decoder could not map.
func decodeWith(enc encoding.Encoding, b []byte) (string, int) {
	if enc == nil {
		if utf8.Valid(b) {
			return string(b), 0
		}
		bad := 0
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				bad++
			}
			i += max(n, 1)
		}
		return strings.ToValidUTF8(string(b), "\uFFFD"), bad
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), len(b)
	}
	s := string(out)
	bad := strings.Count(s, "\uFFFD") - bytes.Count(b, []byte("\uFFFD"))
	return s, max(bad, 0)
}

// hasWideRune reports whether valid UTF-8 b has a rune of three or more
// bytes (CJK in UTF-8): then it is almost surely UTF-8, whatever the label.
func hasWideRune(b []byte) bool {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r >= 0x800 {
			return true
		}
		i += n
	}
	return false
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// decodeText turns b, declared to be in charset label (possibly empty or
// wrong), into UTF-8. A declaration is believed when the bytes are valid in
// it; otherwise, or without one, the decoding that fits best wins among
// UTF-8, GB18030 and Big5 (the charsets of Chinese mail).
func decodeText(b []byte, label string) string {
	if isASCII(b) {
		return string(b)
	}
	if utf8.Valid(b) && hasWideRune(b) {
		return string(b)
	}
	enc, known := lookupCharset(label)
	if known {
		s, bad := decodeWith(enc, b)
		if bad == 0 && (enc != nil || utf8.Valid(b)) {
			if other := swapCJK(enc); other != nil {
				// GBK and Big5 bytes are mostly valid in each other's
				// charset: believe the label unless the other reading is
				// clearly more plausible.
				sample := b[:min(len(b), 8192)]
				ms, _ := decodeWith(enc, sample)
				mine := implausible(ms, enc)
				o, obad := decodeWith(other, sample)
				if theirs := obad*8 + implausible(o, other); mine >= 3 && theirs*2 < mine {
					full, _ := decodeWith(other, b)
					return full
				}
			}
			return s
		}
	}
	return detect(b, enc)
}

// swapCJK is the Chinese charset text labelled enc is most often really in.
func swapCJK(enc encoding.Encoding) encoding.Encoding {
	switch enc {
	case simplifiedchinese.GB18030:
		return traditionalchinese.Big5
	case traditionalchinese.Big5:
		return simplifiedchinese.GB18030
	}
	return nil
}

// detect picks the most plausible Chinese decoding of b. hint, the declared
// or surrounding charset, wins ties.
func detect(b []byte, hint encoding.Encoding) string {
	candidates := []encoding.Encoding{hint, nil, simplifiedchinese.GB18030, traditionalchinese.Big5}
	best, bestScore := "", -1
	sample := b
	if len(sample) > 8192 {
		sample = sample[:8192]
	}
	for i, enc := range candidates {
		if i > 0 && enc == hint {
			continue
		}
		if i == 0 && hint == nil {
			continue
		}
		s, bad := decodeWith(enc, sample)
		score := bad*8 + implausible(s, enc)
		if bestScore < 0 || score < bestScore {
			bestScore = score
			best = func() string {
				if len(sample) == len(b) {
					return s
				}
				full, _ := decodeWith(enc, b)
				return full
			}()
		}
	}
	return best
}

// implausible counts characters that real text in enc would rarely
// contain: for GB18030, Han characters outside GB2312 (Big5 bytes read as
// GBK land there) and kana or private-use characters; for Big5, Han
// characters outside its frequent block (GB2312 bytes read as Big5 land
// there) and private-use ones; for UTF-8, C1 controls.
func implausible(s string, enc encoding.Encoding) int {
	n := 0
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
		case r >= 0xE000 && r <= 0xF8FF, r >= 0x80 && r < 0xA0:
			n += 2
		case enc == simplifiedchinese.GB18030:
			if unicode.Is(unicode.Han, r) && !inGB2312(r) {
				n++
			} else if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Greek, unicode.Cyrillic) {
				n++
			}
		case enc == traditionalchinese.Big5:
			if unicode.Is(unicode.Han, r) && !big5Frequent(r) {
				n++
			}
		}
	}
	return n
}

// inGB2312 reports whether r is one of GB2312's characters.
func inGB2312(r rune) bool {
	out, err := simplifiedchinese.HZGB2312.NewEncoder().String(string(r)) // encoders are not safe to share
	return err == nil && !strings.Contains(out, "\x1a")
}

// big5Frequent reports whether r is in Big5's block of frequently used
// characters (A440-C67E).
func big5Frequent(r rune) bool {
	out, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(string(r)))
	if err != nil || len(out) != 2 {
		return false
	}
	return out[0] >= 0xA4 && (out[0] < 0xC6 || (out[0] == 0xC6 && out[1] <= 0x7E))
}
