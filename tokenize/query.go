package tokenize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is a query token: the index must hold Text itself, or with Prefix a
// token that starts with Text.
type Token struct {
	Text   string
	Prefix bool
}

// QueryTokens returns the tokens a text needs in the index. CJK bigrams
// must be present as they are (every adjacent pair of a document's CJK runs
// is indexed); a lone CJK character and Latin words and digit runs match as
// prefixes (Tokens indexes each run's last character, so every character
// starts some token; a word matches the words it begins).
func QueryTokens(dst []Token, s string) []Token {
	eachRun(s, func(runes []rune) {
		if len(runes) == 1 {
			dst = append(dst, Token{Text: string(runes), Prefix: true})
		}
		for k := 0; k+1 < len(runes); k++ {
			dst = append(dst, Token{Text: string(runes[k : k+2])})
		}
	}, func(w string) {
		for _, t := range splitWord(w) {
			dst = append(dst, Token{Text: t, Prefix: true})
		}
	})
	return dst
}

// maxFragmentToken bounds the words whose suffixes Fragments indexes.
const maxFragmentToken = 32

// Fragments returns the index tokens of an identifier (an order or complaint
// number) followed by every proper suffix of its words and digit runs, so
// that a prefix query finds any fragment of it: "JD2026112312345" is found
// by "2312345" and "d2026".
func Fragments(s string) string {
	toks := Tokens(nil, s)
	n := len(toks)
	for _, t := range toks[:n] {
		if len(t) > maxFragmentToken {
			continue
		}
		r, _ := utf8.DecodeRuneInString(t)
		if classify(r) != word {
			continue
		}
		for k := range t {
			if k > 0 {
				toks = append(toks, t[k:])
			}
		}
	}
	return strings.Join(toks, " ")
}

// Normalize is the form in which query text is looked for in stored text:
// lowercased, with every run of separators (spaces, punctuation, symbols)
// turned into one space and none at either end (lowercased rune by rune, so
// that positions map back to the original text for highlighting). "ORD-2026 / 退款，" becomes
// "ord 2026 退款".
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if classify(r) == sep {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Separator reports whether r separates words (Normalize drops it).
func Separator(r rune) bool { return classify(r) == sep }

// StartsToken reports whether byte offset i of a normalised text is where an
// index token can start: a CJK character (each starts a bigram, or is a run's
// last character), or the first letter or digit of a word or digit run.
// Text found there has its query tokens in the index (package search checks
// matches with it, so that its answers equal the index's).
func StartsToken(s string, i int) bool {
	if i <= 0 || i >= len(s) {
		return i == 0
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	c := classify(r)
	if c != word {
		return true
	}
	p, _ := utf8.DecodeLastRuneInString(s[:i])
	if classify(p) != word {
		return true
	}
	return unicode.IsDigit(p) != unicode.IsDigit(r)
}
