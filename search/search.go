package search

import (
	"context"
	"encoding/base64"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/tokenize"
)

// Engine answers searches, duplicate checks and similar-case lookups.
type Engine struct {
	db *store.DB
	// SignalWindow is how far apart complaints with the same phone or order
	// count as related (default 30 days).
	SignalWindow time.Duration
	// RepeatWindow and RepeatThreshold flag a repeat complainant: at least
	// RepeatThreshold complaints within RepeatWindow (default 3 in 90 days).
	RepeatWindow    time.Duration
	RepeatThreshold int
	// MaxDistance is the largest SimHash distance (of 64 bits) that counts
	// as a near duplicate (default 8). The band lookup finds every
	// fingerprint up to 7 bits away and most of those a little further.
	MaxDistance int
}

// New returns an Engine with the default settings.
func New(db *store.DB) *Engine {
	return &Engine{db: db, SignalWindow: 30 * 24 * time.Hour, RepeatWindow: 90 * 24 * time.Hour,
		RepeatThreshold: 3, MaxDistance: 8}
}

// Order of search results.
type Order string

const (
	Newest Order = "newest" // registered_at descending (the list's order)
	Ranked Order = "rank"   // relevance, then newest
)

// ParseOrder reads an order parameter ("" is newest).
func ParseOrder(s string) (Order, error) {
	switch Order(s) {
	case "", Newest:
		return Newest, nil
	case Ranked:
		return Ranked, nil
	}
	return "", kesu.FieldError("order", "%s", msg("bad_order"))
}

// Hit is one search result.
type Hit struct {
	Complaint kesu.Complaint `json:"complaint"`
	// Field names where Snippet comes from: title, description, message,
	// customer, order_no, number, product or product_model.
	Field string `json:"field"`
	// Snippet is HTML: escaped text with every match in <mark>...</mark>.
	Snippet string `json:"snippet"`
	// Rank is the relevance score (higher is better); set in ranked order.
	Rank float64 `json:"rank"`
}

// Result is one page of search results.
type Result struct {
	Items      []Hit  `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// Limits on the work one search page does.
const (
	// maxScan bounds the candidates checked for one page; a page that
	// reaches it ends early with a cursor that continues the scan.
	maxScan = 5000
	// RankWindow is how many of the newest matches ranked order sorts by
	// relevance: scoring needs each match's text, so ranking the whole of
	// a common word's matches (a third of a million complaints) would be
	// slow on both backends.
	RankWindow = 200
)

// Search runs q with the list filter f (its Limit and Cursor page the
// results) in the given order, with snippets.
func (e *Engine) Search(ctx context.Context, f store.Filter, q Query, order Order) (Result, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, store.MaxPageSize)
	if err := e.matchTokens(ctx, &f, &q); err != nil {
		return Result{}, err
	}
	var cs []kesu.Complaint
	var ranks []float64
	var next string
	var msgs map[int64][]string
	var err error
	if order == Ranked {
		cs, ranks, next, msgs, err = e.ranked(ctx, f, q)
	} else {
		cs, next, msgs, err = e.newest(ctx, f, q)
	}
	if err != nil {
		return Result{}, err
	}
	if msgs == nil {
		if msgs, err = e.messagesFor(ctx, q, cs); err != nil {
			return Result{}, err
		}
	}
	res := Result{Items: make([]Hit, len(cs)), NextCursor: next}
	for i := range cs {
		h := Hit{Complaint: cs[i]}
		h.Field, h.Snippet = snippet(q, &cs[i], msgs[cs[i].ID])
		if ranks != nil {
			h.Rank = ranks[i]
		}
		res.Items[i] = h
	}
	return res, nil
}

// List is Search without snippets: the complaint list with a q parameter.
func (e *Engine) List(ctx context.Context, f store.Filter, q Query, order Order) (store.Page, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, store.MaxPageSize)
	if err := e.matchTokens(ctx, &f, &q); err != nil {
		return store.Page{}, err
	}
	var cs []kesu.Complaint
	var next string
	var err error
	if order == Ranked {
		cs, _, next, _, err = e.ranked(ctx, f, q)
	} else {
		cs, next, _, err = e.newest(ctx, f, q)
	}
	if err != nil {
		return store.Page{}, err
	}
	return store.Page{Items: cs, NextCursor: next}, nil
}

// matchTokens sets the index tokens that find candidates: the query's,
// without prefixes so broad that checking text is cheaper (the check gives
// the same answers either way). Without all of them the text must be checked.
func (e *Engine) matchTokens(ctx context.Context, f *store.Filter, q *Query) error {
	f.Match = nil
	for _, t := range q.Tokens() {
		broad, err := e.db.BroadPrefix(ctx, t)
		if err != nil {
			return err
		}
		if broad {
			q.partial = true
		} else {
			f.Match = append(f.Match, t)
		}
	}
	if len(f.Match) < 2 {
		return nil
	}
	freqs, err := e.db.TokenFrequencies(ctx, f.Match)
	if err != nil || freqs == nil {
		return err
	}
	// Only the rare tokens (under 1% of complaints), else the rarest one:
	// a database planner misjudges common tokens together as rare.
	var rare []tokenize.Token
	best := 0
	for i, fr := range freqs {
		if fr < 0.01 {
			rare = append(rare, f.Match[i])
		}
		if fr < freqs[best] {
			best = i
		}
	}
	if len(rare) == 0 {
		rare = []tokenize.Token{f.Match[best]}
	}
	if len(rare) < len(f.Match) {
		f.Match, q.partial = rare, true
	}
	return nil
}

// newest pages through index candidates in the list's order (f.Order,
// newest first by default), keeping those whose text holds every term.
func (e *Engine) newest(ctx context.Context, f store.Filter, q Query) ([]kesu.Complaint, string, map[int64][]string, error) {
	if q.exact() {
		page, err := e.db.Complaints(ctx, f)
		return page.Items, page.NextCursor, nil, err
	}
	want := f.Limit
	out := []kesu.Complaint{}
	allMsgs := map[int64][]string{}
	batch := f
	batch.Limit = min(store.MaxPageSize, 2*want+10)
	scanned := 0
	for {
		page, err := e.db.Complaints(ctx, batch)
		if err != nil {
			return nil, "", nil, err
		}
		kept, msgs, err := e.verify(ctx, q, page.Items)
		if err != nil {
			return nil, "", nil, err
		}
		for id, m := range msgs {
			allMsgs[id] = m
		}
		out = append(out, kept...)
		scanned += len(page.Items)
		if len(out) > want {
			return out[:want], f.CursorAfter(out[want-1]), allMsgs, nil
		}
		if page.NextCursor == "" {
			return out, "", allMsgs, nil
		}
		if scanned >= maxScan {
			// Enough work for one page: the cursor continues the scan.
			return out, page.NextCursor, allMsgs, nil
		}
		batch.Cursor = page.NextCursor
	}
}

// verify keeps the candidates whose text holds every term, reading the
// messages of those whose own fields do not.
func (e *Engine) verify(ctx context.Context, q Query, cs []kesu.Complaint) ([]kesu.Complaint, map[int64][]string, error) {
	keep := make([]bool, len(cs))
	var need []int64
	for i := range cs {
		if q.Matches(&cs[i], nil) {
			keep[i] = true
		} else {
			need = append(need, cs[i].ID)
		}
	}
	msgs, err := e.db.MessageTexts(ctx, need)
	if err != nil {
		return nil, nil, err
	}
	var out []kesu.Complaint
	for i := range cs {
		if keep[i] || (len(msgs[cs[i].ID]) > 0 && q.Matches(&cs[i], msgs[cs[i].ID])) {
			out = append(out, cs[i])
		}
	}
	return out, msgs, nil
}

// messagesFor reads the messages of the complaints whose own fields do not
// show a term, for their snippets.
func (e *Engine) messagesFor(ctx context.Context, q Query, cs []kesu.Complaint) (map[int64][]string, error) {
	var need []int64
	for i := range cs {
		if !q.anyIn(&cs[i]) {
			need = append(need, cs[i].ID)
		}
	}
	return e.db.MessageTexts(ctx, need)
}

// anyIn reports whether some term occurs in the complaint's own fields.
func (q Query) anyIn(c *kesu.Complaint) bool {
	for _, f := range fields(c, nil) {
		n := tokenize.Normalize(f.text)
		for _, t := range q.Terms {
			if strings.Contains(n, t.Text) {
				return true
			}
		}
	}
	return false
}

// ranked scores the newest RankWindow matches and pages through them by
// score; the cursor is an offset into that ranking.
func (e *Engine) ranked(ctx context.Context, f store.Filter, q Query) ([]kesu.Complaint, []float64, string, map[int64][]string, error) {
	offset := 0
	if f.Cursor != "" {
		var err error
		if offset, err = decodeRankCursor(f.Cursor); err != nil {
			return nil, nil, "", nil, err
		}
	}
	limit := f.Limit
	w := f
	w.Cursor = ""
	// Pages of 50: PostgreSQL plans a larger LIMIT as a parallel scan, whose
	// start-up costs more than the page on a small machine.
	w.Limit = 50
	var all []kesu.Complaint
	var scores []float64
	msgs := map[int64][]string{}
	scanned := 0
	exact := q.exact()
	for len(all) < RankWindow && scanned < maxScan {
		page, err := e.db.Complaints(ctx, w)
		if err != nil {
			return nil, nil, "", nil, err
		}
		scanned += len(page.Items)
		// Each candidate's text is normalised once, for the check and the score.
		var pending []int
		norms := make([][]normField, len(page.Items))
		for i := range page.Items {
			norms[i] = normFields(&page.Items[i], nil)
			if !exact && !q.matchesNorm(norms[i]) {
				pending = append(pending, i)
			}
		}
		var need []int64
		for _, i := range pending {
			need = append(need, page.Items[i].ID)
		}
		m, err := e.db.MessageTexts(ctx, need)
		if err != nil {
			return nil, nil, "", nil, err
		}
		for _, i := range pending {
			c := &page.Items[i]
			if len(m[c.ID]) == 0 {
				norms[i] = nil
				continue
			}
			msgs[c.ID] = m[c.ID]
			if norms[i] = normFields(c, m[c.ID]); !q.matchesNorm(norms[i]) {
				norms[i] = nil
			}
		}
		for i := range page.Items {
			if norms[i] != nil && len(all) < RankWindow {
				all = append(all, page.Items[i])
				scores = append(scores, score(q, &page.Items[i], norms[i]))
			}
		}
		if page.NextCursor == "" {
			break
		}
		w.Cursor = page.NextCursor
	}
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	// all is newest first, so a stable sort keeps newest first among equals.
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	var cs []kesu.Complaint
	var rs []float64
	for k := offset; k < len(idx) && k < offset+limit; k++ {
		cs = append(cs, all[idx[k]])
		rs = append(rs, scores[idx[k]])
	}
	if cs == nil {
		cs = []kesu.Complaint{}
	}
	next := ""
	if offset+limit < len(idx) {
		next = encodeRankCursor(offset + limit)
	}
	return cs, rs, next, msgs, nil
}

// Field weights of the relevance score: a term in the title says more
// about the complaint than one in a long description.
var weights = map[string]float64{"title": 3, "description": 1, "message": 0.5, "customer": 2,
	"order_no": 3, "number": 3, "product": 2, "product_model": 2}

// score sums, per term, the log-damped weighted count of its occurrences
// (norm: the normalised fields, as normFields), with a bonus for a
// description that is short (denser in the term).
func score(q Query, c *kesu.Complaint, norm []normField) float64 {
	fs := fields(c, nil)
	total := 0.0
	for _, t := range q.Terms {
		n := 0.0
		for i, nf := range norm {
			text := nf.text
			name := "message" // norm is title, description, messages..., then the rest
			if i < 2 {
				name = fs[i].name
			} else if k := i - (len(norm) - len(fs)); k >= 2 {
				name = fs[k].name
			}
			if cnt := strings.Count(text, t.Text); cnt > 0 {
				n += weights[name] * float64(cnt)
			}
		}
		total += math.Log1p(n)
	}
	total /= 1 + math.Log1p(float64(len(c.Description))/500)
	return math.Round(total*10000) / 10000
}

func encodeRankCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("r." + strconv.Itoa(offset)))
}

func decodeRankCursor(s string) (int, error) {
	bad := kesu.FieldError("cursor", "%s", msg("bad_cursor"))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, bad
	}
	v, ok := strings.CutPrefix(string(b), "r.")
	n, err := strconv.Atoi(v)
	if !ok || err != nil || n < 0 || n > RankWindow {
		return 0, bad
	}
	return n, nil
}
