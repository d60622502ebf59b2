package search

import (
	"context"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/tokenize"
)

// SimilarCase is a closed complaint like the one at hand, with how it was
// resolved, for the handler to learn from.
type SimilarCase struct {
	Number       string         `json:"number"`
	Title        string         `json:"title"`
	Category     string         `json:"category,omitempty"`
	Resolution   string         `json:"resolution,omitempty"`
	Proposal     *kesu.Proposal `json:"proposal,omitempty"`
	Upheld       string         `json:"upheld,omitempty"`
	Satisfaction int            `json:"satisfaction,omitempty"`
	ClosedAt     *time.Time     `json:"closed_at,omitempty"`
	// Similarity is the overlap (Jaccard, 0 to 1) of the two texts' tokens.
	Similarity float64 `json:"similarity"`
}

// Similar cases: candidates per lookup and the words that pick them.
const (
	similarCandidates = 300
	similarTokens     = 16
)

// Similar returns the closed complaints most like c (at most limit),
// best first.
func (e *Engine) Similar(ctx context.Context, c kesu.Complaint, limit int) ([]SimilarCase, error) {
	if limit <= 0 {
		limit = 5
	}
	// The title and the start of the description name the problem; their
	// bigrams and longer words (exact, not prefixes) pick the candidates.
	head := c.Description
	if utf8.RuneCountInString(head) > 120 {
		head = string([]rune(head)[:120])
	}
	var toks []tokenize.Token
	seen := map[string]bool{}
	for _, t := range tokenize.QueryTokens(nil, c.Title+"。"+head) {
		if len(toks) == similarTokens {
			break
		}
		if seen[t.Text] || (t.Prefix && utf8.RuneCountInString(t.Text) < 3) {
			continue
		}
		seen[t.Text] = true
		toks = append(toks, tokenize.Token{Text: t.Text})
	}
	cands, err := e.db.ClosedMatching(ctx, toks, c.ID, similarCandidates)
	if err != nil {
		return nil, err
	}
	mine := tokenSet(c.Title, c.Description)
	type scored struct {
		c kesu.Complaint
		s float64
	}
	var all []scored
	for _, o := range cands {
		s := jaccard(mine, tokenSet(o.Title, o.Description))
		if c.Category != "" && o.Category == c.Category {
			s += 0.05 // same category: a small nudge, the text decides
		}
		if s > 0 {
			all = append(all, scored{o, s})
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].s > all[b].s })
	out := []SimilarCase{}
	for _, sc := range all {
		if len(out) == limit {
			break
		}
		o := sc.c
		out = append(out, SimilarCase{Number: o.Number, Title: o.Title, Category: o.Category, Resolution: o.Resolution,
			Proposal: o.Proposal, Upheld: o.Upheld, Satisfaction: o.Satisfaction, ClosedAt: o.ClosedAt,
			Similarity: float64(int(min(sc.s, 1)*1000)) / 1000})
	}
	return out, nil
}

func tokenSet(texts ...string) map[string]bool {
	set := map[string]bool{}
	for _, t := range texts {
		for _, tok := range tokenize.Tokens(nil, t) {
			set[tok] = true
		}
	}
	return set
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
