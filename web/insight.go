package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/classify"
	"github.com/kesu/kesu/i18n"
	"github.com/kesu/kesu/search"
)

// Insight panels of the complaint page (issue 6): the classifier's
// suggestions with confirm/correct, the risk words and what the risk policy
// did, related complaints with one-click merge or link, and similar closed
// cases. The same Go calls as the API's /suggestions, /related and
// /similar, never HTTP.

// Sep separates the items of a list in the page's language.
func (v view) Sep() string {
	if v.Lang == "en" {
		return ", "
	}
	return "、"
}

// option is one value of a select.
type option struct {
	Value, Label string
}

// suggestionView is one suggestion as the agent decides on it.
type suggestionView struct {
	Field      string
	Value      string
	Label      string // Value as the agent reads it
	Percent    int
	Status     string
	FinalLabel string
	Options    []option
}

// relatedView is one related complaint.
type relatedView struct {
	search.Summary
	Reasons  []string
	Distance int
	Linked   bool
}

// insights is what the panels show; the zero value shows nothing.
type insights struct {
	HasClassify bool
	Suggestions []suggestionView
	CanDecide   bool
	RiskWords   []string
	RiskReason  string
	Related     []relatedView
	Repeat      search.Repeat
	CanMerge    bool
	CanLink     bool
	Similar     []search.SimilarCase
}

// suggestionOptions are the valid values of each suggested field.
func suggestionOptions(v view, field string, cats []kesu.Category, depts []kesu.Department) []option {
	var out []option
	switch field {
	case "category":
		for _, c := range cats {
			name := c.Name
			if v.Lang == "en" && c.NameEN != "" {
				name = c.NameEN
			}
			out = append(out, option{c.Code, name})
		}
	case "level":
		for _, l := range kesu.Levels {
			out = append(out, option{string(l), v.T("level." + string(l))})
		}
	case "department":
		for _, d := range depts {
			if d.Active {
				out = append(out, option{d.Code, d.Name})
			}
		}
	}
	return out
}

func labelOf(opts []option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// loadInsights fills the panels of the complaint page.
func (s *Server) loadInsights(ctx context.Context, p *complaintPage, c *kesu.Complaint, actor kesu.Actor, unmasked bool) error {
	in := &p.Insights
	mask := func(t string) string {
		if unmasked {
			return t
		}
		return kesu.MaskText(t)
	}
	in.HasClassify = s.cfg.Classify != nil
	in.CanDecide = kesu.Can(actor, kesu.PermEdit) == nil
	list, err := classify.Suggestions(ctx, s.db, s.cfg.Classify, c, s.clock.Now())
	if err != nil {
		return err
	}
	for _, g := range list {
		opts := suggestionOptions(p.view, g.Field, p.Categories, p.Departments)
		in.Suggestions = append(in.Suggestions, suggestionView{Field: g.Field, Value: g.Value, Label: labelOf(opts, g.Value),
			Percent: int(g.Confidence*100 + 0.5), Status: g.Status, FinalLabel: labelOf(opts, g.FinalValue), Options: opts})
	}
	// The risk reason is the latest risk-policy event (written at intake or
	// by the suggestion worker); the words are matched on the text now.
	for _, e := range p.Events {
		if _, ok := e.Data["risk_words"]; ok {
			in.RiskReason = e.Body
			if ws, ok := e.Data["risk_words"].([]any); ok && s.cfg.Classify == nil {
				in.RiskWords = in.RiskWords[:0]
				for _, w := range ws {
					if str, ok := w.(string); ok {
						in.RiskWords = append(in.RiskWords, str)
					}
				}
			}
		}
	}
	if svc := s.cfg.Classify; svc != nil {
		for _, h := range svc.Risk(classify.Text(c)) {
			in.RiskWords = append(in.RiskWords, h.Word)
		}
	}
	if s.cfg.Search == nil {
		return nil
	}
	rel, err := s.cfg.Search.Related(ctx, *c)
	if err != nil {
		return err
	}
	in.Repeat = rel.Repeat
	if rel.Items, err = s.visibleRelated(ctx, actor, rel.Items); err != nil {
		return err
	}
	for _, it := range rel.Items {
		sum := it.Complaint
		sum.Title = mask(sum.Title)
		in.Related = append(in.Related, relatedView{Summary: sum, Reasons: it.Reasons, Distance: it.Distance,
			Linked: slices.Contains(it.Reasons, search.ReasonLinked)})
	}
	// Merging goes through the lifecycle table: offered when merge is an
	// action this user may take on this complaint now.
	in.CanMerge = slices.Contains(kesu.AllowedActions(c, actor, s.clock.Now(), s.cfg.Rules), kesu.ActionMerge)
	in.CanLink = kesu.Can(actor, kesu.PermEdit) == nil
	if in.Similar, err = s.cfg.Search.Similar(ctx, *c, 5); err != nil {
		return err
	}
	for i := range in.Similar {
		in.Similar[i].Title = mask(in.Similar[i].Title)
		in.Similar[i].Resolution = mask(in.Similar[i].Resolution)
	}
	return nil
}

// visibleRelated drops, for department-scoped users, related complaints of
// other departments: the page lists only what the user may open, as the
// customer's history does.
func (s *Server) visibleRelated(ctx context.Context, actor kesu.Actor, items []search.RelatedItem) ([]search.RelatedItem, error) {
	if !actor.Role.DepartmentScoped() {
		return items, nil
	}
	var out []search.RelatedItem
	for _, it := range items {
		o, err := s.db.Complaint(ctx, it.Complaint.Number)
		if kesu.ErrorCodeOf(err) == kesu.ENotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		if kesu.CanView(&o, actor) == nil {
			out = append(out, it)
		}
	}
	return out, nil
}

// decideSuggestion confirms or corrects a suggestion, as the API's POST
// /suggestions/{field}: category and level are set on the complaint, a
// department is only recorded (dispatching chooses it).
func (s *Server) decideSuggestion(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return kesu.Errorf(kesu.EInvalid, "malformed form")
	}
	field := r.PathValue("field")
	if !slices.Contains(classify.SuggestedFields, field) {
		return kesu.Errorf(kesu.ENotFound, "no suggestion field %q (category, level, department)", field)
	}
	value := strings.TrimSpace(r.PostFormValue("value"))
	c, err := s.loadViewable(r)
	if err != nil {
		return err
	}
	actor := reqOf(r).actor()
	if err := kesu.Can(actor, kesu.PermEdit); err != nil {
		return err
	}
	if _, err := classify.Decide(r.Context(), s.db, s.cfg.Classify, &c, field, value, actor, s.clock.Now()); err != nil {
		if kesu.ErrorCodeOf(err) == kesu.EInvalid {
			v := s.view(r, "complaint.title", "queue")
			return s.renderComplaint(w, r, complaintRender{err: v.T("complaint.action_failed") + " — " + i18n.ErrorText(v.Lang, err), status: http.StatusBadRequest})
		}
		return err
	}
	return redirect(w, r, "/complaints/"+c.Number, "flash.saved")
}

// relatedAction is the one-click merge (through the lifecycle, as the API's
// POST /related) or link of a related complaint.
func (s *Server) relatedAction(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return kesu.Errorf(kesu.EInvalid, "malformed form")
	}
	other := strings.TrimSpace(r.PostFormValue("number"))
	if other == "" {
		return kesu.FieldError("number", "the other complaint's number is required / 请填写另一件投诉的编号")
	}
	c, err := s.loadViewable(r)
	if err != nil {
		return err
	}
	actor := reqOf(r).actor()
	switch r.PostFormValue("action") {
	case "merge":
		_, err = s.db.Transition(r.Context(), c.Number, kesu.Command{Action: kesu.ActionMerge, DuplicateOf: other,
			Note: r.PostFormValue("note")}, actor, s.clock.Now(), s.cfg.Rules)
	case "link":
		if err := kesu.Can(actor, kesu.PermEdit); err != nil {
			return err
		}
		o, oerr := s.db.Complaint(r.Context(), other)
		if oerr != nil {
			return kesu.FieldError("number", "no complaint %s", other)
		}
		if err := kesu.CanView(&o, actor); err != nil {
			return err
		}
		err = s.db.Link(r.Context(), c.ID, o.ID, actor, s.clock.Now())
	default:
		return kesu.FieldError("action", "must be merge or link / 操作只能是 merge（合并）或 link（关联）")
	}
	if err != nil {
		if code := kesu.ErrorCodeOf(err); code == kesu.EInvalid || code == kesu.EConflict {
			v := s.view(r, "complaint.title", "queue")
			return s.renderComplaint(w, r, complaintRender{err: v.T("complaint.action_failed") + " — " + i18n.ErrorText(v.Lang, err)})
		}
		return err
	}
	return redirect(w, r, "/complaints/"+c.Number, "flash.done")
}

// duplicatesView is the intake card's duplicate-check fragment.
type duplicatesView struct {
	view
	Checked bool // false: nothing to compare yet
	Items   []relatedView
	Repeat  search.Repeat
}

// checkDuplicates shows, before saving, the complaints the intake draft
// may duplicate (search.Engine.Check, as the API's /duplicates/check).
func (s *Server) checkDuplicates(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return kesu.Errorf(kesu.EInvalid, "malformed form")
	}
	f := r.PostForm
	v := s.view(r, "intake.title", "intake")
	out := duplicatesView{view: v}
	in := kesu.NewComplaint{Kind: kesu.Kind(f.Get("kind")), Channel: kesu.Channel(f.Get("channel")), Title: f.Get("title"),
		Description: f.Get("description"), OrderNo: f.Get("order_no"),
		Customer: kesu.Customer{Name: f.Get("customer_name"), Phone: f.Get("customer_phone"), Email: f.Get("customer_email")}}
	if s.cfg.Search != nil {
		rel, err := s.cfg.Search.Check(r.Context(), in, s.clock.Now())
		switch {
		case kesu.ErrorCodeOf(err) == kesu.EInvalid:
			// Nothing to compare yet (or too long): the form reports it on save.
		case err != nil:
			return err
		default:
			out.Checked, out.Repeat = true, rel.Repeat
			if rel.Items, err = s.visibleRelated(r.Context(), reqOf(r).actor(), rel.Items); err != nil {
				return err
			}
			for _, it := range rel.Items {
				sum := it.Complaint
				sum.Title = kesu.MaskText(sum.Title)
				out.Items = append(out.Items, relatedView{Summary: sum, Reasons: it.Reasons, Distance: it.Distance})
			}
		}
	}
	return s.renderFragment(w, "intake", "duplicates", out)
}
