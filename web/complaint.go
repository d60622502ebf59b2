package web

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/i18n"
	"github.com/kesu/kesu/sla"
	"github.com/kesu/kesu/store"
)

type actionForm struct {
	Action kesu.Action
	// Fields the form needs beyond the note.
	Reason, Department, Proposal, Satisfaction, DuplicateOf, NoteRequired bool
	Recourse                                                              bool
}

type complaintPage struct {
	view
	C            kesu.Complaint
	E            kesu.Complaint // the edit form's values: C, or what was typed in a refused edit
	Unmasked     bool
	CanUnmask    bool
	Events       []kesu.Event
	Attachments  []kesu.Attachment
	Others       []kesu.Complaint
	Actions      []actionForm
	Departments  []kesu.Department
	Categories   []kesu.Category
	Scripts      []store.ReplyScript
	Approvals    []store.Approval
	CanApprove   map[int64]bool
	Limit        string
	Unlimited    bool
	Assignee     string
	Reply        string
	Remedies     []kesu.Remedy
	Reasons      []kesu.RejectReason
	Recourses    []kesu.Recourse
	Levels       []kesu.Level
	Natures      []kesu.Nature
	Timings      []kesu.Timing
	Priorities   []kesu.Priority
	Validities   []kesu.Validity
	Intents      []kesu.Intent
	CauseOptions []string
	DeptName     string
	Milestones   []milestoneView
	Insights     insights
}

// milestoneView is one SLA deadline with its countdown, coloured by state.
type milestoneView struct {
	Name  string
	Due   time.Time
	State string        // ok, warning, breached, paused, met
	Left  time.Duration // time left (negative: overdue); 0 once met
}

// milestones turns the SLA clock into countdowns at now.
func milestones(list []sla.Milestone, now time.Time) []milestoneView {
	var out []milestoneView
	for _, m := range list {
		if m.State == sla.Pending || m.State == sla.Cancelled || m.Due == nil {
			continue
		}
		v := milestoneView{Name: string(m.Name), Due: *m.Due, State: "ok"}
		left := m.Due.Sub(now)
		switch {
		case m.MetAt != nil && !m.Breached:
			v.State, left = "met", 0
		case m.Breached || m.State == sla.Breached || left < 0:
			v.State = "breached"
		case m.State == sla.Paused:
			v.State, left = "paused", m.Left
		case m.Warned || (m.WarnAt != nil && !now.Before(*m.WarnAt)):
			v.State = "warning"
		}
		v.Left = left
		out = append(out, v)
	}
	return out
}

// loadViewable loads a complaint the user may see (403 for another
// department's complaint, the same check as the API).
func (s *Server) loadViewable(r *http.Request) (kesu.Complaint, error) {
	c, err := s.db.Complaint(r.Context(), r.PathValue("number"))
	if err != nil {
		return c, err
	}
	return c, kesu.CanOn(reqOf(r).actor(), kesu.PermViewComplaints, &c)
}

func (s *Server) complaintPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderComplaint(w, r, complaintRender{})
}

// complaintRender is how the complaint page is drawn besides the complaint:
// shown unmasked, with an error, a status, a reply draft, and the typed
// values of an edit the store refused (so nothing typed is lost).
type complaintRender struct {
	unmasked bool
	err      string
	status   int
	reply    string
	edit     *kesu.ComplaintPatch
}

func (s *Server) renderComplaint(w http.ResponseWriter, r *http.Request, o complaintRender) error {
	unmasked, errMsg, status, reply := o.unmasked, o.err, o.status, o.reply
	if status == 0 {
		status = http.StatusOK
	}
	c, err := s.loadViewable(r)
	if err != nil {
		return err
	}
	q := reqOf(r)
	actor := q.actor()
	ctx := r.Context()
	v := s.view(r, "complaint.title", "queue")
	v.Title = c.Number + " · " + v.T("complaint.title")
	v.Error = errMsg
	p := complaintPage{view: v, Unmasked: unmasked, CanUnmask: actor.Role.Has(kesu.PermUnmask), Reply: reply,
		Remedies: kesu.Remedies, Reasons: kesu.RejectReasons, Recourses: kesu.Recourses, Levels: kesu.Levels,
		Natures: kesu.Natures, Timings: kesu.Timings, Priorities: kesu.Priorities, Validities: kesu.Validities,
		Intents: kesu.Intents, CanApprove: map[int64]bool{}}
	for fam, subs := range kesu.Causes {
		p.CauseOptions = append(p.CauseOptions, fam)
		for _, sub := range subs {
			p.CauseOptions = append(p.CauseOptions, fam+"."+sub)
		}
	}
	sortStrings(p.CauseOptions)
	if unmasked {
		p.C = c
	} else {
		p.C = c.Masked()
	}
	p.E = p.C
	if o.edit != nil {
		p.E = typedBack(p.E, *o.edit)
	}
	if p.Events, err = s.db.Events(ctx, c.ID, false); err != nil {
		return err
	}
	if !unmasked {
		for i := range p.Events {
			p.Events[i] = p.Events[i].Masked()
		}
	}
	if p.Attachments, err = s.db.Attachments(ctx, c.ID, false); err != nil {
		return err
	}
	if c.Customer.ID != 0 {
		f := store.Filter{CustomerID: c.Customer.ID, Limit: 20}
		if actor.Role.DepartmentScoped() {
			f.DepartmentID = actor.DepartmentID
		}
		page, err := s.db.Complaints(ctx, f)
		if err != nil {
			return err
		}
		for _, o := range page.Items {
			if o.ID != c.ID {
				p.Others = append(p.Others, o.Masked())
			}
		}
	}
	for _, a := range kesu.AllowedActions(&c, actor, s.clock.Now(), s.cfg.Rules) {
		f := actionForm{Action: a}
		switch a {
		case kesu.ActionReject:
			f.Reason = true
		case kesu.ActionDispatch:
			f.Department = true
		case kesu.ActionPropose:
			f.Proposal = true
		case kesu.ActionClose:
			f.Satisfaction = c.Status == kesu.StatusResolved
			f.Recourse = c.Status == kesu.StatusAppealed
		case kesu.ActionMerge:
			f.DuplicateOf = true
		case kesu.ActionReturn, kesu.ActionCustomerObject:
			f.NoteRequired = true
		}
		p.Actions = append(p.Actions, f)
	}
	if p.Departments, err = s.db.Departments(ctx); err != nil {
		return err
	}
	if p.Categories, err = s.db.Categories(ctx); err != nil {
		return err
	}
	if p.Scripts, err = s.db.ReplyScripts(ctx, true); err != nil {
		return err
	}
	if p.Approvals, err = s.db.Approvals(ctx, c.ID); err != nil {
		return err
	}
	auth, err := s.db.Authority(ctx)
	if err != nil {
		return err
	}
	for _, a := range p.Approvals {
		p.CanApprove[a.ID] = a.Status == "pending" && auth.CheckApproval(actor, a.Proposal.Amount) == nil
	}
	limit, unlimited := auth.Limit(actor.Role)
	p.Limit, p.Unlimited = limit.String(), unlimited
	for _, d := range p.Departments {
		if d.ID == c.DepartmentID {
			p.DeptName = d.Name
		}
	}
	ms, err := s.db.Milestones(ctx, c.ID)
	if err != nil {
		return err
	}
	p.Milestones = milestones(ms, s.clock.Now())
	if err := s.loadInsights(ctx, &p, &c, actor, unmasked); err != nil {
		return err
	}
	if c.AssigneeID != 0 {
		if u, err := s.db.UserByID(ctx, c.AssigneeID); err == nil {
			p.Assignee = u.Name
		}
	}
	return s.render(w, status, "complaint", p)
}

func sortStrings(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// transition performs a lifecycle action through the same store.Transition
// the API uses. A proposal above the user's limit becomes an approval
// request instead.
func (s *Server) transition(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return kesu.Errorf(kesu.EInvalid, "malformed form")
	}
	q := reqOf(r)
	number := r.PathValue("number")
	cmd := kesu.Command{Action: kesu.Action(r.PostFormValue("action")), Note: r.PostFormValue("note"),
		Reason: r.PostFormValue("reason"), Department: r.PostFormValue("department"),
		DuplicateOf: strings.TrimSpace(r.PostFormValue("duplicate_of")), Upheld: r.PostFormValue("upheld"),
		SatisfactionComment: r.PostFormValue("satisfaction_comment")}
	// Co-departments are ticked (one value each); a typed list "a,b" is
	// still read.
	for _, co := range r.PostForm["co_departments"] {
		for _, d := range strings.Split(co, ",") {
			if d = strings.TrimSpace(d); d != "" && d != cmd.Department {
				cmd.CoDepartments = append(cmd.CoDepartments, d)
			}
		}
	}
	if v := r.PostFormValue("satisfaction"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return kesu.FieldError("satisfaction", "must be 1 to 5")
		}
		cmd.Satisfaction = n
	}
	if cmd.Action == kesu.ActionPropose {
		p := kesu.Proposal{Remedy: kesu.Remedy(r.PostFormValue("remedy")), Description: r.PostFormValue("description")}
		if a := strings.TrimSpace(r.PostFormValue("amount")); a != "" {
			m, err := kesu.ParseMoney(a)
			if err != nil {
				return kesu.FieldError("proposal.amount", "not an amount such as 199.00")
			}
			p.Amount = m
		}
		cmd.Proposal = &p
		auth, err := s.db.Authority(r.Context())
		if err != nil {
			return err
		}
		if auth.CheckProposal(q.actor(), &p) != nil {
			if _, err := s.db.RequestApproval(r.Context(), number, p, q.actor(), s.clock.Now()); err != nil {
				return err
			}
			return redirect(w, r, "/complaints/"+number, "flash.approval_requested")
		}
	}
	if _, err := s.db.Transition(r.Context(), number, cmd, q.actor(), s.clock.Now(), s.cfg.Rules); err != nil {
		if code := kesu.ErrorCodeOf(err); code == kesu.EInvalid || code == kesu.EConflict {
			v := s.view(r, "complaint.title", "queue")
			return s.renderComplaint(w, r, complaintRender{err: v.T("complaint.action_failed") + " — " + i18n.ErrorText(v.Lang, err)})
		}
		return err
	}
	return redirect(w, r, "/complaints/"+number, "flash.done")
}

func (s *Server) decideApproval(w http.ResponseWriter, r *http.Request) error {
	q := reqOf(r)
	number := r.PathValue("number")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return kesu.FieldError("id", "not an approval id")
	}
	c, err := s.loadViewable(r)
	if err != nil {
		return err
	}
	list, err := s.db.Approvals(r.Context(), c.ID)
	if err != nil {
		return err
	}
	var amount kesu.Money = -1
	for _, a := range list {
		if a.ID == id {
			amount = a.Proposal.Amount
		}
	}
	if amount < 0 {
		return kesu.Errorf(kesu.ENotFound, "no approval request %d on %s", id, number)
	}
	auth, err := s.db.Authority(r.Context())
	if err != nil {
		return err
	}
	if err := auth.CheckApproval(q.actor(), amount); err != nil {
		return err
	}
	approve := r.PostFormValue("decision") == "approve"
	if _, err := s.db.DecideApproval(r.Context(), number, id, approve, q.actor(), s.clock.Now(), s.cfg.Rules); err != nil {
		return err
	}
	return redirect(w, r, "/complaints/"+number, "flash.done")
}

// formEnum is the posted value of a classification field, or nil when it is
// empty (left as it is); the store checks that it is one of the allowed values.
func formEnum[T ~string](r *http.Request, name string) *T {
	v := r.PostFormValue(name)
	if v == "" {
		return nil
	}
	t := T(v)
	return &t
}

// edit changes classification and details (store.UpdateComplaint, as the
// API's PATCH). Empty fields are left as they are.
func (s *Server) edit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return kesu.Errorf(kesu.EInvalid, "malformed form")
	}
	if _, err := s.loadViewable(r); err != nil {
		return err
	}
	var p kesu.ComplaintPatch
	str := func(name string) *string {
		if _, ok := r.PostForm[name]; !ok {
			return nil
		}
		v := strings.TrimSpace(r.PostFormValue(name))
		return &v
	}
	p.Title, p.Category, p.Cause, p.CauseNote = str("title"), str("category"), str("cause"), str("cause_note")
	p.Product, p.ProductModel, p.OrderNo, p.StaffInvolved, p.Location = str("product"), str("product_model"), str("order_no"), str("staff_involved"), str("location")
	p.Level, p.Nature, p.Timing = formEnum[kesu.Level](r, "level"), formEnum[kesu.Nature](r, "nature"), formEnum[kesu.Timing](r, "timing")
	p.Priority, p.Validity, p.Intent = formEnum[kesu.Priority](r, "priority"), formEnum[kesu.Validity](r, "validity"), formEnum[kesu.Intent](r, "intent")
	if v := r.PostFormValue("escalation"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return kesu.FieldError("escalation", "must be 0 to 3")
		}
		p.Escalation = &n
	}
	if _, ok := r.PostForm["vip"]; ok || r.PostFormValue("vip_present") == "1" {
		vip := r.PostFormValue("vip") == "on"
		p.VIP = &vip
	}
	if p.Cause != nil && *p.Cause == "" {
		p.Cause = nil
	}
	number := r.PathValue("number")
	if _, err := s.db.UpdateComplaint(r.Context(), number, p, reqOf(r).actor(), s.clock.Now()); err != nil {
		if kesu.ErrorCodeOf(err) != kesu.EInvalid {
			return err
		}
		v := s.view(r, "complaint.title", "queue")
		return s.renderComplaint(w, r, complaintRender{err: v.T("complaint.action_failed") + " — " + i18n.ErrorText(v.Lang, err),
			status: http.StatusBadRequest, edit: &p})
	}
	return redirect(w, r, "/complaints/"+number, "flash.saved")
}

// post adds an internal note or a customer-visible message.
func (s *Server) post(vis kesu.Visibility) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.loadViewable(r); err != nil {
			return err
		}
		number := r.PathValue("number")
		_, err := s.db.AddPost(r.Context(), number, kesu.NewPost{Body: r.PostFormValue("body"), Visibility: vis},
			reqOf(r).actor(), s.clock.Now())
		if err != nil {
			return err
		}
		return redirect(w, r, "/complaints/"+number+"#timeline", "flash.saved")
	}
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Files == nil {
		return kesu.Errorf(kesu.EUnavailable, "attachment storage is not configured")
	}
	if _, err := s.loadViewable(r); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxAttachment+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return kesu.Errorf(kesu.ETooLarge, "the file is too large or the form is malformed")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return kesu.FieldError("file", "choose a file")
	}
	defer f.Close()
	vis := kesu.VisibilityInternal
	if r.FormValue("visibility") == string(kesu.VisibilityCustomer) {
		vis = kesu.VisibilityCustomer
	}
	name := kesu.CleanFilename(hdr.Filename)
	stored, err := s.cfg.Files.Save(f, s.cfg.MaxAttachment, name)
	if err != nil {
		return err
	}
	number := r.PathValue("number")
	_, err = s.db.AddAttachment(r.Context(), number, kesu.Attachment{Filename: name, ContentType: stored.ContentType,
		Size: stored.Size, SHA256: stored.SHA256, Visibility: vis}, reqOf(r).actor(), s.clock.Now())
	if err != nil {
		return err
	}
	return redirect(w, r, "/complaints/"+number+"#attachments", "flash.saved")
}

// unmask shows the page with personal data revealed, once, and records the
// reveal in the audit trail.
func (s *Server) unmask(w http.ResponseWriter, r *http.Request) error {
	c, err := s.loadViewable(r)
	if err != nil {
		return err
	}
	actor := reqOf(r).actor()
	if err := kesu.CanOn(actor, kesu.PermUnmask, &c); err != nil {
		return err
	}
	if err := s.db.Audit(r.Context(), actor, store.AuditUnmask, c.ID, "web: complaint page", s.clock.Now()); err != nil {
		return err
	}
	return s.renderComplaint(w, r, complaintRender{unmasked: true})
}

// script fills a reply script with the complaint's variables and returns
// the reply textarea (htmx swaps it in).
func (s *Server) script(w http.ResponseWriter, r *http.Request) error {
	c, err := s.loadViewable(r)
	if err != nil {
		return err
	}
	q := reqOf(r)
	v := s.view(r, "complaint.title", "queue")
	code := r.URL.Query().Get("code")
	body := ""
	if code != "" {
		list, err := s.db.ReplyScripts(r.Context(), true)
		if err != nil {
			return err
		}
		for _, sc := range list {
			if sc.Code == code {
				body = sc.BodyZH
				if v.Lang == "en" && sc.BodyEN != "" {
					body = sc.BodyEN
				}
			}
		}
	}
	name := c.Customer.Name
	if name == "" {
		name = v.T("complaint.customer_default_name")
	}
	due := ""
	if c.RegisteredAt.Year() > 1 {
		due = c.RegisteredAt.Add(24 * time.Hour).In(zone).Format("2006-01-02 15:04")
	}
	filled := kesu.FillScript(body, map[string]string{"name": name, "number": c.Number, "handler": q.user().Name, "due": due,
		"title": c.Title})
	return s.renderFragment(w, "complaint", "reply", struct {
		view
		Reply string
	}{v, filled})
}

// idempotencyOf turns the intake form's hidden key into an Idempotency, so
// a double submit registers one complaint.
func idempotencyOf(userID int64, key string, body []byte) *store.Idempotency {
	if key == "" || len(key) > 200 {
		return nil
	}
	sum := sha256.Sum256(body)
	return &store.Idempotency{UserID: userID, Key: "web:" + key, RequestHash: sum[:]}
}

// typedBack puts the values of a refused edit back into the form's view of
// the complaint, as typed.
func typedBack(c kesu.Complaint, p kesu.ComplaintPatch) kesu.Complaint {
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&c.Title, p.Title}, {&c.Category, p.Category}, {&c.Cause, p.Cause}, {&c.CauseNote, p.CauseNote},
		{&c.Product, p.Product}, {&c.ProductModel, p.ProductModel}, {&c.OrderNo, p.OrderNo},
		{&c.StaffInvolved, p.StaffInvolved}, {&c.Location, p.Location}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if p.Level != nil {
		c.Level = *p.Level
	}
	if p.Priority != nil {
		c.Priority = *p.Priority
	}
	if p.Nature != nil {
		c.Nature = *p.Nature
	}
	if p.Timing != nil {
		c.Timing = *p.Timing
	}
	if p.Validity != nil {
		c.Validity = *p.Validity
	}
	if p.Intent != nil {
		c.Intent = *p.Intent
	}
	if p.Escalation != nil {
		c.Escalation = *p.Escalation
	}
	if p.VIP != nil {
		c.Customer.VIP = *p.VIP
	}
	return c
}
