// Package tokenize turns complaint text into search tokens. Chinese words are
// mostly two characters (退款, 物流), so runs of CJK characters become
// overlapping character bigrams; Latin text becomes lowercased words and
// digits become digit runs. Both database backends index these same tokens,
// so they return the same results.
package tokenize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// class of a rune for segmentation.
type class int

const (
	sep class = iota
	cjk
	word
)

func classify(r rune) class {
	if r < utf8.RuneSelf { // the same answers, without the Unicode tables
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return word
		}
		return sep
	}
	switch {
	case isCJK(r):
		return cjk
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return word
	}
	return sep
}

// isCJK covers Han ideographs, kana and Hangul: scripts written without
// spaces between words.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// MaxTokenBytes bounds a single token; longer Latin runs are cut.
const MaxTokenBytes = 64

// Tokens appends the index tokens of s to dst and returns it: the bigrams of
// every CJK run plus its last character, and lowercased words and digit runs.
func Tokens(dst []string, s string) []string {
	eachRun(s, func(runes []rune) {
		for k := 0; k+1 < len(runes); k++ {
			dst = append(dst, string(runes[k:k+2]))
		}
		// The run's last character as a unigram: every character of the run
		// then starts some token, so a one-character query is a prefix query
		// (退 matches 退款; 款 matches this unigram).
		dst = append(dst, string(runes[len(runes)-1]))
	}, func(w string) {
		dst = append(dst, splitWord(w)...)
	})
	return dst
}

// eachRun splits s into runs of CJK characters and runs of letters and
// digits, skipping everything else: the one scanner behind document and
// query tokens.
func eachRun(s string, cjkRun func(runes []rune), wordRun func(w string)) {
	var runes []rune
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		kind := classify(r)
		if kind == sep {
			i += size
			continue
		}
		j := i
		runes = runes[:0]
		for j < len(s) {
			r2, sz := utf8.DecodeRuneInString(s[j:])
			if classify(r2) != kind {
				break
			}
			if kind == cjk {
				runes = append(runes, r2)
			}
			j += sz
		}
		if kind == cjk {
			cjkRun(runes)
		} else {
			wordRun(s[i:j])
		}
		i = j
	}
}

// splitWord lowercases a letter/digit run and separates letters from digits,
// so "ORD2026ABC" yields "ord", "2026", "abc".
func splitWord(w string) []string {
	var out []string
	start := 0
	prevDigit := false
	for k, r := range w {
		d := unicode.IsDigit(r)
		if k > start && d != prevDigit {
			out = append(out, clip(strings.ToLower(w[start:k])))
			start = k
		}
		prevDigit = d
	}
	return append(out, clip(strings.ToLower(w[start:])))
}

func clip(t string) string {
	if len(t) <= MaxTokenBytes {
		return t
	}
	cut := MaxTokenBytes
	for cut > 0 && !utf8.RuneStart(t[cut]) {
		cut--
	}
	return t[:cut]
}

// Document joins the tokens of several texts with spaces: the indexed form
// stored in SQLite FTS5 (unicode61) and PostgreSQL tsvector('simple').
func Document(texts ...string) string {
	var toks []string
	for _, t := range texts {
		toks = Tokens(toks, t)
	}
	return strings.Join(toks, " ")
}
