package search

import (
	"html"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/tokenize"
)

// Snippet context around the first match, in characters.
const (
	snippetBefore = 30
	snippetAfter  = 90
)

// mapped is a field's normalized text (tokenize.Normalize) with, for each
// of its bytes, the range of the original text it came from.
type mapped struct {
	norm       string
	start, end []int // by byte of norm: original byte range
}

func mapText(s string) mapped {
	var m mapped
	var b strings.Builder
	spaceFrom := -1
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if tokenize.Separator(r) {
			if b.Len() > 0 && spaceFrom < 0 {
				spaceFrom = i
			}
			i += size
			continue
		}
		if spaceFrom >= 0 {
			b.WriteByte(' ')
			m.start = append(m.start, spaceFrom)
			m.end = append(m.end, i)
			spaceFrom = -1
		}
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
		b.Write(buf[:n])
		for k := 0; k < n; k++ {
			m.start = append(m.start, i)
			m.end = append(m.end, i+size)
		}
		i += size
	}
	m.norm = b.String()
	return m
}

// matches returns the original byte ranges where any term occurs.
func (m mapped) matches(terms []Term) [][2]int {
	var out [][2]int
	for _, t := range terms {
		from := 0
		for from <= len(m.norm) {
			i := strings.Index(m.norm[from:], t.Text)
			if i < 0 {
				break
			}
			i += from
			j := i + len(t.Text)
			out = append(out, [2]int{m.start[i], m.end[j-1]})
			from = j
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
	return out
}

// snippet is the HTML excerpt of the first field where a term occurs:
// escaped text, every match in <mark>, "…" where text was cut.
func snippet(q Query, c *kesu.Complaint, messages []string) (string, string) {
	for _, f := range fields(c, messages) {
		// Contact data inside free text stays masked in snippets, as in
		// every read (a match inside it is then not shown).
		text := f.text
		if f.name != "number" && f.name != "order_no" {
			text = kesu.MaskText(text)
		}
		m := mapText(text)
		ms := m.matches(q.Terms)
		if len(ms) == 0 {
			continue
		}
		return f.name, highlight(text, ms)
	}
	// The index matched words the text no longer shows (an exact-token
	// query on a field that has changed since): show the title.
	return "title", html.EscapeString(kesu.MaskText(c.Title))
}

// highlight cuts s around its first match and marks every match inside.
func highlight(s string, ms [][2]int) string {
	from := backRunes(s, ms[0][0], snippetBefore)
	to := forwardRunes(s, ms[0][1], snippetAfter)
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := from
	for _, m := range ms {
		start, end := max(m[0], pos), min(m[1], to)
		if start >= end {
			continue
		}
		b.WriteString(html.EscapeString(s[pos:start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(s[start:end]))
		b.WriteString("</mark>")
		pos = end
	}
	if pos < to {
		b.WriteString(html.EscapeString(s[pos:to]))
	}
	if to < len(s) {
		b.WriteString("…")
	}
	return b.String()
}

func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
