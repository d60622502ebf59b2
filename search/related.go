package search

import (
	"context"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/tokenize"
)

// Reasons a complaint is related to another.
const (
	ReasonNearDuplicate = "near_duplicate" // SimHash of title and description within MaxDistance bits
	ReasonSameText      = "same_text"      // the same text (ignoring case and punctuation)
	ReasonOtherChannel  = "other_channel"  // the same text, arrived through another channel
	ReasonSameCustomer  = "same_customer"  // same phone (or email, messaging id) within SignalWindow
	ReasonSameOrder     = "same_order"     // same order number within SignalWindow
	ReasonLinked        = "linked"         // an agent linked them
)

// Summary is a related complaint as an agent scans it.
type Summary struct {
	Number       string       `json:"number"`
	Title        string       `json:"title"`
	Status       kesu.Status  `json:"status"`
	Channel      kesu.Channel `json:"channel"`
	Level        kesu.Level   `json:"level"`
	RegisteredAt time.Time    `json:"registered_at"`
}

func summarize(c *kesu.Complaint) Summary {
	return Summary{Number: c.Number, Title: c.Title, Status: c.Status, Channel: c.Channel, Level: c.Level,
		RegisteredAt: c.RegisteredAt}
}

// RelatedItem is one related complaint with why it is related.
type RelatedItem struct {
	Complaint Summary  `json:"complaint"`
	Reasons   []string `json:"reasons"`
	// Distance is the SimHash distance in bits (0 to 64) of the texts.
	Distance int     `json:"distance"`
	Score    float64 `json:"score"`
}

// Repeat tells whether the customer complains repeatedly.
type Repeat struct {
	Count      int  `json:"count"` // the customer's complaints within the window (a draft included)
	WindowDays int  `json:"window_days"`
	Threshold  int  `json:"threshold"`
	Flagged    bool `json:"flagged"`
}

// Related is what duplicate detection found for a complaint or a draft.
type Related struct {
	Items  []RelatedItem `json:"items"`
	Repeat Repeat        `json:"repeat"`
}

// probe is what duplicate detection compares: a stored complaint or a draft.
type probe struct {
	id         int64 // 0 for a draft
	customerID int64
	orderNo    string
	channel    kesu.Channel
	title      string
	desc       string
	at         time.Time
	draft      bool
}

// maxRelated bounds the list.
const maxRelated = 20

// Related finds the complaints related to a stored complaint.
func (e *Engine) Related(ctx context.Context, c kesu.Complaint) (Related, error) {
	return e.related(ctx, probe{id: c.ID, customerID: c.Customer.ID, orderNo: c.OrderNo, channel: c.Channel,
		title: c.Title, desc: c.Description, at: c.RegisteredAt})
}

// Check finds the complaints a draft (not yet registered) would duplicate
// or relate to, as intake shows them before saving.
func (e *Engine) Check(ctx context.Context, in kesu.NewComplaint, now time.Time) (Related, error) {
	if err := checkDraft(&in); err != nil {
		return Related{}, err
	}
	// A complete draft is normalised exactly as registration would (phone
	// format, trimmed text); an incomplete one is compared as typed.
	cu := in.Customer
	if c, err := in.Build(now, kesu.Actor{Role: kesu.RoleSystem}); err == nil {
		cu, in.Title, in.Description, in.OrderNo, in.Channel = c.Customer, c.Title, c.Description, c.OrderNo, c.Channel
	} else {
		cu.Phone = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(strings.TrimSpace(cu.Phone))
		cu.Email = strings.TrimSpace(cu.Email)
		in.OrderNo = strings.TrimSpace(in.OrderNo)
	}
	id, err := e.db.CustomerIDByContact(ctx, cu)
	if err != nil {
		return Related{}, err
	}
	ch := in.Channel
	return e.related(ctx, probe{customerID: id, orderNo: in.OrderNo, channel: ch, title: in.Title,
		desc: in.Description, at: now, draft: true})
}

func (e *Engine) related(ctx context.Context, p probe) (Related, error) {
	items := map[int64]*RelatedItem{}
	var order []int64
	found := map[int64]kesu.Complaint{}
	add := func(c kesu.Complaint, reason string) {
		it, ok := items[c.ID]
		if !ok {
			it = &RelatedItem{Complaint: summarize(&c), Distance: -1}
			items[c.ID] = it
			order = append(order, c.ID)
			found[c.ID] = c
		}
		for _, r := range it.Reasons {
			if r == reason {
				return
			}
		}
		it.Reasons = append(it.Reasons, reason)
	}
	h := tokenize.SimHash(p.title, p.desc)
	since := p.at.Add(-e.SignalWindow)
	if p.customerID != 0 {
		cs, err := e.db.RecentByCustomer(ctx, p.customerID, since, p.id, maxRelated)
		if err != nil {
			return Related{}, err
		}
		for _, c := range cs {
			add(c, ReasonSameCustomer)
		}
	}
	if p.orderNo != "" {
		cs, err := e.db.RecentByOrder(ctx, p.orderNo, since, p.id, maxRelated)
		if err != nil {
			return Related{}, err
		}
		for _, c := range cs {
			add(c, ReasonSameOrder)
		}
	}
	var ids []int64
	dist := map[int64]int{}
	if h != 0 {
		fps, err := e.db.NearDuplicates(ctx, h, p.id, e.MaxDistance, maxRelated)
		if err != nil {
			return Related{}, err
		}
		for _, fp := range fps {
			dist[fp.ComplaintID] = tokenize.Distance(h, fp.Hash)
			ids = append(ids, fp.ComplaintID)
		}
	}
	var linked []int64
	if p.id != 0 {
		var err error
		if linked, err = e.db.LinkedIDs(ctx, p.id); err != nil {
			return Related{}, err
		}
		ids = append(ids, linked...)
	}
	if len(ids) > 0 {
		cs, err := e.db.ComplaintsByID(ctx, ids)
		if err != nil {
			return Related{}, err
		}
		byID := map[int64]kesu.Complaint{}
		for _, c := range cs {
			byID[c.ID] = c
		}
		text := tokenize.Normalize(p.title + " " + p.desc)
		for _, id := range ids {
			c, ok := byID[id]
			if !ok {
				continue
			}
			if _, near := dist[id]; near {
				add(c, ReasonNearDuplicate)
				if tokenize.Normalize(c.Title+" "+c.Description) == text {
					add(c, ReasonSameText)
					if c.Channel != p.channel {
						add(c, ReasonOtherChannel)
					}
				}
			}
		}
		for _, id := range linked {
			if c, ok := byID[id]; ok {
				add(c, ReasonLinked)
			}
		}
	}
	out := Related{Items: []RelatedItem{}}
	for _, id := range order {
		it := items[id]
		if d, ok := dist[id]; ok {
			it.Distance = d
		} else if fh := found[id]; fh.ID != 0 {
			it.Distance = tokenize.Distance(h, tokenize.SimHash(fh.Title, fh.Description))
		}
		it.Score = relatedScore(it)
		out.Items = append(out.Items, *it)
	}
	sort.SliceStable(out.Items, func(a, b int) bool {
		if out.Items[a].Score != out.Items[b].Score {
			return out.Items[a].Score > out.Items[b].Score
		}
		return out.Items[a].Complaint.RegisteredAt.After(out.Items[b].Complaint.RegisteredAt)
	})
	if len(out.Items) > maxRelated {
		out.Items = out.Items[:maxRelated]
	}
	out.Repeat = Repeat{WindowDays: int(e.RepeatWindow / (24 * time.Hour)), Threshold: e.RepeatThreshold}
	if p.customerID != 0 {
		n, err := e.db.CountByCustomer(ctx, p.customerID, p.at.Add(-e.RepeatWindow))
		if err != nil {
			return Related{}, err
		}
		if p.draft {
			n++
		}
		out.Repeat.Count = n
		out.Repeat.Flagged = n >= e.RepeatThreshold
	}
	return out, nil
}

// relatedScore orders related complaints: exact signals first, then text
// closeness.
func relatedScore(it *RelatedItem) float64 {
	s := 0.0
	for _, r := range it.Reasons {
		switch r {
		case ReasonSameOrder:
			s += 3
		case ReasonSameText:
			s += 2
		case ReasonSameCustomer:
			s += 2
		case ReasonLinked:
			s += 1
		}
	}
	if it.Distance >= 0 {
		s += 3 * (1 - float64(it.Distance)/64)
	}
	return float64(int(s*1000)) / 1000
}

// checkDraft validates the parts of a draft that the check reads.
func checkDraft(in *kesu.NewComplaint) error {
	if utf8.RuneCountInString(in.Title) > kesu.MaxTitle {
		return kesu.FieldError("title", "too long / 标题过长")
	}
	if utf8.RuneCountInString(in.Description) > kesu.MaxDescription {
		return kesu.FieldError("description", "too long / 内容过长")
	}
	cu := in.Customer
	if in.Title == "" && in.Description == "" && cu.Phone == "" && cu.Email == "" && cu.WeChatID == "" && in.OrderNo == "" {
		return kesu.FieldError("description", "nothing to check: give a text, a contact or an order number / 请提供内容、联系方式或订单号")
	}
	return nil
}
