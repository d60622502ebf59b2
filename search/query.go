// Package search finds complaints by any phrase in Chinese or English,
// spots duplicates and related complaints, and finds similar past cases.
//
// Search has substring semantics: the index (package tokenize's CJK bigrams,
// words and digit runs, in SQLite FTS5 or a PostgreSQL tsvector) yields
// candidates, and each candidate's stored text is checked for the query's
// terms, so bigram overlap never gives a false positive and both backends
// return the same set.
package search

import (
	"strings"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/tokenize"
)

// Limits on a query, so a pasted page of text cannot make an expensive one.
const (
	MaxQueryRunes = 200
	MaxTerms      = 10
	MaxTokens     = 48
)

// Term is one part of a query: text that must occur in one field of a
// complaint (after tokenize.Normalize), and the index tokens that find it.
type Term struct {
	Text   string
	Tokens []tokenize.Token
}

// exact reports whether the index match alone proves the term occurs: a
// single token that is the whole term.
func (t Term) exact() bool {
	return len(t.Tokens) == 1 && t.Tokens[0].Text == t.Text
}

// Query is a parsed search: every term must occur.
type Query struct {
	Raw   string
	Terms []Term
	// partial: some tokens were left out of the index lookup (too broad),
	// so every candidate's text must be checked.
	partial bool
}

// Parse reads a search box's text. Terms are separated by spaces; text in
// double quotes ("..." or “...”) is one term, spaces included. Punctuation
// inside a term separates words the way it does in stored text, so
// "ORD-2026-0042" finds "ord 2026/0042". The error names the field "q".
func Parse(q string) (Query, error) {
	if !utf8.ValidString(q) {
		return Query{}, kesu.FieldError("q", "%s", msg("invalid_utf8"))
	}
	if utf8.RuneCountInString(q) > MaxQueryRunes {
		return Query{}, kesu.FieldError("q", msg("too_long"), MaxQueryRunes)
	}
	query := Query{Raw: q}
	ntok := 0
	seen := map[string]bool{}
	for _, part := range splitTerms(q) {
		text := tokenize.Normalize(part)
		if text == "" || seen[text] {
			continue
		}
		toks := tokenize.QueryTokens(nil, part)
		if len(toks) == 0 {
			continue
		}
		seen[text] = true
		ntok += len(toks)
		query.Terms = append(query.Terms, Term{Text: text, Tokens: toks})
	}
	switch {
	case len(query.Terms) == 0:
		return Query{}, kesu.FieldError("q", "%s", msg("empty"))
	case len(query.Terms) > MaxTerms:
		return Query{}, kesu.FieldError("q", msg("too_many_terms"), MaxTerms)
	case ntok > MaxTokens:
		return Query{}, kesu.FieldError("q", "%s", msg("too_many_tokens"))
	}
	return query, nil
}

// splitTerms splits on white space outside double quotes.
func splitTerms(q string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range q {
		switch {
		case r == '"' || r == '“' || r == '”':
			flush()
			quoted = !quoted
		case !quoted && (r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000'):
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// Tokens are the index tokens of every term, without repeats.
func (q Query) Tokens() []tokenize.Token {
	var out []tokenize.Token
	seen := map[tokenize.Token]bool{}
	for _, t := range q.Terms {
		for _, tok := range t.Tokens {
			if !seen[tok] {
				seen[tok] = true
				out = append(out, tok)
			}
		}
	}
	return out
}

// exact reports whether index matches need no check against the text.
func (q Query) exact() bool {
	if q.partial {
		return false
	}
	for _, t := range q.Terms {
		if !t.exact() {
			return false
		}
	}
	return true
}

// fields are a complaint's searchable texts, named as snippets report them.
func fields(c *kesu.Complaint, messages []string) []field {
	fs := []field{{"title", c.Title}, {"description", c.Description}}
	for _, m := range messages {
		fs = append(fs, field{"message", m})
	}
	return append(fs, field{"customer", c.Customer.Name}, field{"order_no", c.OrderNo},
		field{"number", c.Number}, field{"product", c.Product}, field{"product_model", c.ProductModel})
}

type field struct{ name, text string }

// Matches reports whether every term occurs in some field.
func (q Query) Matches(c *kesu.Complaint, messages []string) bool {
	return q.matchesNorm(normFields(c, messages))
}

// normField is a field's normalised text; anywhere marks an identifier
// (order or complaint number), whose every fragment is indexed.
type normField struct {
	text     string
	anywhere bool
}

// normFields are the complaint's fields (as fields lists them), normalised.
func normFields(c *kesu.Complaint, messages []string) []normField {
	fs := fields(c, messages)
	norm := make([]normField, len(fs))
	for i, f := range fs {
		norm[i] = normField{tokenize.Normalize(f.text), f.name == "order_no" || f.name == "number"}
	}
	return norm
}

func (q Query) matchesNorm(norm []normField) bool {
	for _, t := range q.Terms {
		found := false
		for _, n := range norm {
			if occurs(n, t.Text) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// occurs reports whether term is in the field where the index can find it:
// anywhere in an identifier, else starting where a token starts (a Latin
// word from its beginning, Chinese at any character). The check then gives
// exactly the index's answers, whichever tokens found the candidates.
func occurs(f normField, term string) bool {
	if f.anywhere {
		return strings.Contains(f.text, term)
	}
	for from := 0; from < len(f.text); {
		i := strings.Index(f.text[from:], term)
		if i < 0 {
			return false
		}
		i += from
		if tokenize.StartsToken(f.text, i) {
			return true
		}
		_, size := utf8.DecodeRuneInString(f.text[i:])
		from = i + size
	}
	return false
}
