package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/search"
	"github.com/kesu/kesu/store"
)

// Request and response shapes of search, duplicates and similar cases.
type (
	// RelatedAction merges the complaint into another one (duplicate_of) or
	// links the two as related.
	RelatedAction struct {
		Action string `json:"action"` // merge or link
		Number string `json:"number"` // the other complaint
		Note   string `json:"note,omitempty"`
	}
	SimilarList struct {
		Items []search.SimilarCase `json:"items"`
	}
)

// searchQuery reads q and order from a list's parameters; q is "" when
// the list is not a search.
func searchQuery(v url.Values) (search.Query, search.Order, bool, error) {
	order, err := search.ParseOrder(v.Get("order"))
	if err != nil {
		return search.Query{}, "", false, err
	}
	raw := v.Get("q")
	if strings.TrimSpace(raw) == "" {
		if order == search.Ranked {
			return search.Query{}, "", false, kesu.FieldError("order", "rank needs a query q / 按相关度排序需要搜索词")
		}
		return search.Query{}, order, false, nil
	}
	q, err := search.Parse(raw)
	return q, order, err == nil, err
}

// listFilter is parseFilter with the caller's department scope.
func listFilter(r *http.Request) (store.Filter, error) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		return f, err
	}
	if u := caller(r.Context()); u.Role.DepartmentScoped() {
		f.DepartmentID = u.DepartmentID
	}
	return f, nil
}

// searchList answers GET /api/v1/complaints when q is given.
func (s *Server) searchList(w http.ResponseWriter, r *http.Request, f store.Filter, q search.Query, order search.Order) error {
	page, err := s.search.List(r.Context(), f, q, order)
	if err != nil {
		return err
	}
	for i := range page.Items {
		page.Items[i] = page.Items[i].Masked()
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) searchComplaints(w http.ResponseWriter, r *http.Request) error {
	f, err := listFilter(r)
	if err != nil {
		return err
	}
	q, order, ok, err := searchQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if !ok {
		return kesu.FieldError("q", "is required / 请输入搜索词")
	}
	res, err := s.search.Search(r.Context(), f, q, order)
	if err != nil {
		return err
	}
	for i := range res.Items {
		res.Items[i].Complaint = res.Items[i].Complaint.Masked()
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) relatedComplaints(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	rel, err := s.search.Related(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rel)
	return nil
}

func (s *Server) checkDuplicates(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermRegister); err != nil {
		return err
	}
	var in kesu.NewComplaint
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	rel, err := s.search.Check(r.Context(), in, s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rel)
	return nil
}

// actOnRelated is the one-click merge or link from the related list.
func (s *Server) actOnRelated(w http.ResponseWriter, r *http.Request) error {
	var a RelatedAction
	if err := s.decode(w, r, &a); err != nil {
		return err
	}
	a.Number = strings.TrimSpace(a.Number)
	if a.Number == "" {
		return kesu.FieldError("number", "the other complaint's number is required / 请填写另一件投诉的编号")
	}
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	u := caller(r.Context())
	switch a.Action {
	case "merge":
		// Through the lifecycle table: who may merge, and from which state.
		c, err = s.db.Transition(r.Context(), c.Number, kesu.Command{Action: kesu.ActionMerge, DuplicateOf: a.Number,
			Note: a.Note}, u.Actor(), s.clock.Now(), s.rules)
		if err != nil {
			return err
		}
	case "link":
		if err := kesu.Can(u.Actor(), kesu.PermEdit); err != nil {
			return err
		}
		other, err := s.db.Complaint(r.Context(), a.Number)
		if err != nil {
			return kesu.FieldError("number", "no complaint %s", a.Number)
		}
		if err := kesu.CanView(&other, u.Actor()); err != nil {
			return err
		}
		if err := s.db.Link(r.Context(), c.ID, other.ID, u.Actor(), s.clock.Now()); err != nil {
			return err
		}
	default:
		return kesu.FieldError("action", "must be merge or link / 操作只能是 merge（合并）或 link（关联）")
	}
	writeJSON(w, http.StatusOK, c.Masked())
	return nil
}

func (s *Server) similarCases(w http.ResponseWriter, r *http.Request) error {
	limit := 5
	for name, vals := range r.URL.Query() {
		if name != "limit" {
			return kesu.FieldError(name, "unknown query parameter")
		}
		n, err := strconv.Atoi(vals[0])
		if err != nil || n < 1 || n > 20 || len(vals) > 1 {
			return kesu.FieldError("limit", "must be an integer from 1 to 20")
		}
		limit = n
	}
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	cases, err := s.search.Similar(r.Context(), c, limit)
	if err != nil {
		return err
	}
	for i := range cases {
		cases[i].Title = kesu.MaskText(cases[i].Title)
		cases[i].Resolution = kesu.MaskText(cases[i].Resolution)
	}
	writeJSON(w, http.StatusOK, SimilarList{Items: cases})
	return nil
}
