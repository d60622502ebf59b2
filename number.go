package kesu

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultNumberFormat gives numbers like TS20261123000123: a prefix, the
// registration date and a per-day sequence.
const DefaultNumberFormat = "TS{yyyy}{MM}{dd}{seq:6}"

// NumberFormat renders human-readable complaint numbers. Tokens: {yyyy} {yy}
// {MM} {dd} and exactly one {seq:N} (a zero-padded counter of N digits that
// restarts whenever the rest of the number changes, e.g. daily). Literal text
// may use A-Z, a-z, 0-9, '-' and '_'.
type NumberFormat struct {
	parts    []string // literal text or a token
	seqWidth int
}

// ParseNumberFormat checks and compiles a format.
func ParseNumberFormat(s string) (NumberFormat, error) {
	var f NumberFormat
	for len(s) > 0 {
		if s[0] == '{' {
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return f, Errorf(EInvalid, "number format: unclosed {")
			}
			tok := s[1:end]
			switch {
			case tok == "yyyy" || tok == "yy" || tok == "MM" || tok == "dd":
			case strings.HasPrefix(tok, "seq:"):
				w, err := strconv.Atoi(tok[4:])
				if err != nil || w < 1 || w > 12 {
					return f, Errorf(EInvalid, "number format: {seq:N} needs N from 1 to 12")
				}
				if f.seqWidth != 0 {
					return f, Errorf(EInvalid, "number format: only one {seq:N}")
				}
				f.seqWidth = w
				tok = "seq"
			default:
				return f, Errorf(EInvalid, "number format: unknown token {%s}", tok)
			}
			f.parts = append(f.parts, "{"+tok+"}")
			s = s[end+1:]
			continue
		}
		c := s[0]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return f, Errorf(EInvalid, "number format: character %q is not allowed", c)
		}
		f.parts = append(f.parts, string(c))
		s = s[1:]
	}
	if f.seqWidth == 0 {
		return f, Errorf(EInvalid, "number format: {seq:N} is required")
	}
	return f, nil
}

// Scope is the number without its sequence at t (in t's location): the
// counter key. Two complaints with the same scope share one counter.
func (f NumberFormat) Scope(t time.Time) string {
	return f.render(t, "")
}

// Format renders the number for sequence seq at t.
func (f NumberFormat) Format(t time.Time, seq int64) string {
	return f.render(t, fmt.Sprintf("%0*d", f.seqWidth, seq))
}

func (f NumberFormat) render(t time.Time, seq string) string {
	var b strings.Builder
	for _, p := range f.parts {
		switch p {
		case "{yyyy}":
			b.WriteString(t.Format("2006"))
		case "{yy}":
			b.WriteString(t.Format("06"))
		case "{MM}":
			b.WriteString(t.Format("01"))
		case "{dd}":
			b.WriteString(t.Format("02"))
		case "{seq}":
			if seq == "" {
				b.WriteString("#")
			} else {
				b.WriteString(seq)
			}
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}
