package web

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/search"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/transfer"
)

// Queues of the workspace. near_deadline and breached read the SLA clocks
// (package sla): warned and breached complaints.
var queues = []string{"mine", "department", "unassigned", "near_deadline", "breached", "all"}

// phoneQuery is a search that may be a caller's phone number.
var phoneQuery = regexp.MustCompile(`^\+?[0-9]{7,20}$`)

// openStatuses are the statuses someone still has to work on.
var openStatuses = func() []kesu.Status {
	var out []kesu.Status
	for _, s := range kesu.Statuses {
		if s.Open() {
			out = append(out, s)
		}
	}
	return out
}()

type queueTab struct {
	Name   string
	Count  int
	Active bool
	NoData bool
}

type queuePage struct {
	view
	Tabs        []queueTab
	Queue       string
	Items       []kesu.Complaint
	Status      string
	Level       string
	Category    string
	Channel     string
	Sort        string
	Query       string
	NextURL     string // the next page: the same queue, filters, search and order
	ExportURL   string // the queue with its filters as CSV, for those who may export
	Statuses    []kesu.Status
	Levels      []kesu.Level
	Channels    []kesu.Channel
	Categories  []kesu.Category
	Departments map[int64]string
	SLA         map[int64]store.SLAState // deadline summaries of Items
}

// Deadline describes a listed complaint's earliest unmet deadline: when it
// is due, or how long ago it was missed ("" when none).
func (p queuePage) Deadline(id int64) string {
	st, ok := p.SLA[id]
	if !ok || st.Due == nil || st.Status == "done" {
		return ""
	}
	due := st.Due.In(zone).Format("01-02 15:04")
	if late := p.Now.Sub(*st.Due); late > 0 && st.Status == "breached" {
		return p.T("queue.deadline_late", due, p.Span(late))
	}
	return due
}

// DeadlineClass is the sla-* style of a listed complaint's deadline.
func (p queuePage) DeadlineClass(id int64) string {
	switch st := p.SLA[id]; st.Status {
	case "breached", "warning", "paused":
		return "sla-" + st.Status
	case "running":
		return "sla-ok"
	}
	return ""
}

// queueFilter is the filter of a queue for the user; ok is false when the
// queue does not apply (SLA queues without SLA data, department queue for
// a user without a department).
func queueFilter(name string, u kesu.User) (store.Filter, bool) {
	f := store.Filter{}
	switch name {
	case "mine":
		f.AssigneeID = u.ID
		f.Statuses = openStatuses
	case "department":
		if u.DepartmentID == 0 {
			return f, false
		}
		f.DepartmentID = u.DepartmentID
		f.Statuses = openStatuses
	case "unassigned":
		// Waiting for someone to take them: not yet accepted, dispatched or signed for.
		f.Statuses = []kesu.Status{kesu.StatusRegistered, kesu.StatusAccepted, kesu.StatusDispatched}
	case "near_deadline":
		f.SLA = "warning"
		f.Statuses = openStatuses
	case "breached":
		f.SLA = "breached"
		f.Statuses = openStatuses
	case "all":
	default:
		return f, false
	}
	if u.Role.DepartmentScoped() {
		f.DepartmentID = u.DepartmentID
	}
	return f, true
}

// listFilter is queue name's filter for u narrowed by the page's filters
// (status, level, channel, category) and order.
func listFilter(qv url.Values, name string, u kesu.User) (store.Filter, bool) {
	f, ok := queueFilter(name, u)
	if !ok {
		return f, false
	}
	if s := qv.Get("status"); s != "" && contains(kesu.Statuses, kesu.Status(s)) {
		f.Statuses = []kesu.Status{kesu.Status(s)}
	}
	if l := qv.Get("level"); l != "" && contains(kesu.Levels, kesu.Level(l)) {
		f.Level = kesu.Level(l)
	}
	if c := qv.Get("channel"); c != "" && contains(kesu.Channels, kesu.Channel(c)) {
		f.Channel = kesu.Channel(c)
	}
	f.Category = qv.Get("category")
	if o := qv.Get("sort"); contains(store.Orders, o) {
		f.Order = o // over the whole queue, page after page
	}
	return f, true
}

// exportQueue streams the queue with its filters as a CSV file for Excel
// (UTF-8 with a byte order mark, times in China Standard Time), oldest
// first, personal data masked unless the role may see it. Every export is
// audited.
func (s *Server) exportQueue(w http.ResponseWriter, r *http.Request) error {
	q := reqOf(r)
	u := q.user()
	qv := r.URL.Query()
	f, ok := listFilter(qv, qv.Get("queue"), u)
	if !ok {
		return kesu.FieldError("queue", "no such queue for you")
	}
	now := s.clock.Now()
	if err := s.db.Audit(r.Context(), q.actor(), store.AuditExport, 0, "web: "+qv.Encode(), now); err != nil {
		return err
	}
	name := "kesu-" + now.In(zone).Format("20060102-1504") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	out := &countingWriter{w: w}
	_, err := transfer.Export(r.Context(), s.db, out, transfer.ExportOptions{Format: transfer.CSV, Filter: f, BOM: true,
		Location: zone, Mask: !u.Role.Has(kesu.PermUnmask)})
	if err != nil && out.n == 0 {
		w.Header().Del("Content-Disposition")
		return err // nothing sent yet: the error page
	}
	if err != nil {
		// The file is under way: it ends short, and the log says why.
		s.log.Error("export", "err", err)
	}
	return nil
}

// countingWriter counts what went through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) error {
	q := reqOf(r)
	u := q.user()
	qv := r.URL.Query()
	// A complaint number typed in the search box opens the complaint.
	if query := strings.TrimSpace(qv.Get("q")); query != "" {
		if _, err := s.db.Complaint(r.Context(), query); err == nil {
			return redirect(w, r, "/complaints/"+query, "")
		}
	}
	name := qv.Get("queue")
	if name == "" {
		name = "mine"
		if u.Role == kesu.RoleAgent || u.Role == kesu.RoleSupervisor || u.Role == kesu.RoleAdmin {
			name = "unassigned"
		}
	}
	v := s.view(r, "queue.title", "queue")
	p := queuePage{view: v, Queue: name, Status: qv.Get("status"), Level: qv.Get("level"), Category: qv.Get("category"),
		Channel: qv.Get("channel"), Sort: qv.Get("sort"), Query: qv.Get("q"),
		Statuses: kesu.Statuses, Levels: kesu.Levels, Channels: kesu.Channels, Departments: map[int64]string{}}
	ctx := r.Context()
	for _, n := range queues {
		tab := queueTab{Name: n, Active: n == name}
		f, ok := queueFilter(n, u)
		if !ok {
			tab.NoData = true
		} else {
			c, err := s.db.CountComplaints(ctx, f)
			if err != nil {
				return err
			}
			tab.Count = c
		}
		p.Tabs = append(p.Tabs, tab)
	}
	f, ok := listFilter(qv, name, u)
	if !ok {
		p.Items = []kesu.Complaint{}
	} else {
		if p.Query == "" && v.Can(string(kesu.PermExport)) {
			keep := url.Values{"queue": {name}}
			for _, k := range []string{"status", "level", "channel", "category"} {
				if v := qv.Get(k); v != "" {
					keep.Set(k, v)
				}
			}
			p.ExportURL = "/queue/export.csv?" + keep.Encode()
		}
		f.Limit = 100
		f.Cursor = qv.Get("cursor")
		var next string
		query := strings.TrimSpace(p.Query)
		if phone := kesu.NormalizePhone(query); phoneQuery.MatchString(phone) {
			// A caller's number: their complaints (the pages mask phones, so
			// the agent cannot find them by reading). Digits that are no
			// customer's number are searched as text (an order number).
			byPhone := f
			byPhone.Phone = phone
			page, err := s.db.Complaints(ctx, byPhone)
			if err != nil {
				return err
			}
			if len(page.Items) > 0 {
				query, next = "", page.NextCursor
				for _, c := range page.Items {
					p.Items = append(p.Items, c.Masked())
				}
			}
		}
		if query != "" {
			// The search box: the same engine as GET /api/v1/complaints?q=.
			sq, err := search.Parse(query)
			if err != nil {
				return err
			}
			res, err := search.New(s.db).Search(ctx, f, sq, search.Newest)
			if err != nil {
				return err
			}
			next = res.NextCursor
			for _, h := range res.Items {
				p.Items = append(p.Items, h.Complaint.Masked())
			}
		} else if p.Items == nil {
			page, err := s.db.Complaints(ctx, f)
			if err != nil {
				return err
			}
			next = page.NextCursor
			for _, c := range page.Items {
				p.Items = append(p.Items, c.Masked())
			}
		}
		if next != "" {
			keep := url.Values{"queue": {name}, "cursor": {next}}
			for _, k := range []string{"status", "level", "channel", "category", "sort", "q"} {
				if v := qv.Get(k); v != "" {
					keep.Set(k, v)
				}
			}
			p.NextURL = "/queue?" + keep.Encode()
		}
	}
	ids := make([]int64, len(p.Items))
	for i, c := range p.Items {
		ids[i] = c.ID
	}
	sla, err := s.db.SLAStates(ctx, ids)
	if err != nil {
		return err
	}
	p.SLA = sla
	cats, err := s.db.Categories(ctx)
	if err != nil {
		return err
	}
	p.Categories = cats
	deps, err := s.db.Departments(ctx)
	if err != nil {
		return err
	}
	for _, d := range deps {
		p.Departments[d.ID] = d.Name
	}
	return s.render(w, http.StatusOK, "queue", p)
}

func contains[T comparable](set []T, v T) bool {
	for _, x := range set {
		if x == v {
			return true
		}
	}
	return false
}
