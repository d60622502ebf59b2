package api

import (
	"crypto/sha256"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Response and request shapes beyond the domain types.
type (
	Health struct {
		Status string `json:"status"`
	}
	ActionList struct {
		Actions []kesu.Action `json:"actions"`
	}
	EventList struct {
		Items []kesu.Event `json:"items"`
	}
	AttachmentList struct {
		Items []kesu.Attachment `json:"items"`
	}
	PostBody struct {
		Body string `json:"body"`
	}
	LifecycleTable struct {
		Statuses    []kesu.Status     `json:"statuses"`
		Actions     []kesu.Action     `json:"actions"`
		Transitions []TransitionEntry `json:"transitions"`
	}
	TransitionEntry struct {
		From            kesu.Status `json:"from"`
		Action          kesu.Action `json:"action"`
		To              kesu.Status `json:"to"`
		Roles           []kesu.Role `json:"roles"`
		CustomerVisible bool        `json:"customer_visible"`
	}
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, Health{Status: "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.Ping(r.Context()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Health{Status: "ready"})
	return nil
}

// MaxIdempotencyKey bounds the Idempotency-Key header.
const MaxIdempotencyKey = 200

func (s *Server) createComplaint(w http.ResponseWriter, r *http.Request) error {
	u := caller(r.Context())
	if err := kesu.Can(u.Actor(), kesu.PermRegister); err != nil {
		return err
	}
	body, err := readBody(w, r, s.maxBody)
	if err != nil {
		return err
	}
	var in kesu.NewComplaint
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	var idem *store.Idempotency
	if key := strings.TrimSpace(r.Header.Get("Idempotency-Key")); key != "" {
		if len(key) > MaxIdempotencyKey {
			return &kesu.Error{Code: kesu.EInvalid, Field: "Idempotency-Key", Message: fmt.Sprintf("must be at most %d characters", MaxIdempotencyKey)}
		}
		sum := sha256.Sum256(body)
		idem = &store.Idempotency{UserID: u.ID, Key: key, RequestHash: sum[:]}
	}
	res, err := s.db.CreateComplaint(r.Context(), in, u.Actor(), s.clock.Now(), idem)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/complaints/"+url.PathEscape(res.Complaint.Number))
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, http.StatusCreated, res.Complaint)
	return nil
}

// viewable loads a complaint the caller may see.
func (s *Server) viewable(r *http.Request) (kesu.Complaint, error) {
	c, err := s.db.Complaint(r.Context(), r.PathValue("number"))
	if err != nil {
		return c, err
	}
	return c, kesu.CanView(&c, caller(r.Context()).Actor())
}

func (s *Server) getComplaint(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c.Masked())
	return nil
}

func (s *Server) listComplaints(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	if u := caller(r.Context()); u.Role.DepartmentScoped() {
		f.DepartmentID = u.DepartmentID
	}
	if q, order, ok, err := searchQuery(r.URL.Query()); err != nil {
		return err
	} else if ok {
		return s.searchList(w, r, f, q, order) // search.go
	}
	page, err := s.db.Complaints(r.Context(), f)
	if err != nil {
		return err
	}
	for i := range page.Items {
		page.Items[i] = page.Items[i].Masked()
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// parseFilter reads list parameters strictly: unknown parameters and bad
// values are errors naming the parameter.
func parseFilter(q url.Values) (store.Filter, error) {
	var f store.Filter
	known := map[string]bool{}
	for _, p := range listParams {
		known[p.Name] = true
	}
	for name, vals := range q {
		if !known[name] {
			return f, kesu.FieldError(name, "unknown query parameter")
		}
		if len(vals) > 1 {
			return f, kesu.FieldError(name, "given more than once")
		}
	}
	if v := q.Get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			st = strings.TrimSpace(st)
			if !contains(kesu.Statuses, kesu.Status(st)) {
				return f, kesu.FieldError("status", "unknown status %q", st)
			}
			f.Statuses = append(f.Statuses, kesu.Status(st))
		}
	}
	f.Category, f.Department = q.Get("category"), q.Get("department")
	if v := q.Get("level"); v != "" {
		if !contains(kesu.Levels, kesu.Level(v)) {
			return f, kesu.FieldError("level", "unknown level %q", v)
		}
		f.Level = kesu.Level(v)
	}
	if v := q.Get("channel"); v != "" {
		if !contains(kesu.Channels, kesu.Channel(v)) {
			return f, kesu.FieldError("channel", "unknown channel %q", v)
		}
		f.Channel = kesu.Channel(v)
	}
	if v := q.Get("kind"); v != "" {
		if !contains(kesu.Kinds, kesu.Kind(v)) {
			return f, kesu.FieldError("kind", "unknown kind %q", v)
		}
		f.Kind = kesu.Kind(v)
	}
	if v := q.Get("assignee"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, kesu.FieldError("assignee", "must be a user id")
		}
		f.AssigneeID = id
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}, {"due_before", &f.DueBefore}} {
		if v := q.Get(p.name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				return f, kesu.FieldError(p.name, "must be an RFC 3339 time or a date YYYY-MM-DD")
			}
			*p.dst = &t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxPageSize {
			return f, kesu.FieldError("limit", "must be an integer from 1 to %d", store.MaxPageSize)
		}
		f.Limit = n
	}
	f.Cursor = q.Get("cursor")
	f.SLA = q.Get("sla") // checked by the store
	return f, nil
}

// dateZone is the zone of bare dates in queries (China Standard Time).
var dateZone = time.FixedZone("CST", 8*3600)

func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02", v, dateZone)
}

func contains[T comparable](set []T, v T) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

func (s *Server) updateComplaint(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, s.maxBody)
	if err != nil {
		return err
	}
	var p kesu.ComplaintPatch
	if err := decodeJSON(body, &p); err != nil {
		return err
	}
	if _, err := s.viewable(r); err != nil {
		return err
	}
	if err := require(r.Context(), kesu.PermEdit); err != nil {
		return err
	}
	c, err := s.db.UpdateComplaint(r.Context(), r.PathValue("number"), p, caller(r.Context()).Actor(), s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c.Masked())
	return nil
}

func (s *Server) transition(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, s.maxBody)
	if err != nil {
		return err
	}
	var cmd kesu.Command
	if err := decodeJSON(body, &cmd); err != nil {
		return err
	}
	if cmd.Action == "" {
		return kesu.FieldError("action", "is required")
	}
	if cmd.Action == kesu.ActionPropose && cmd.Proposal != nil {
		// Compensation authority: above the caller's limit a remedy needs approval.
		a, err := s.db.Authority(r.Context())
		if err != nil {
			return err
		}
		if err := a.CheckProposal(caller(r.Context()).Actor(), cmd.Proposal); err != nil {
			return err
		}
	}
	c, err := s.db.Transition(r.Context(), r.PathValue("number"), cmd, caller(r.Context()).Actor(), s.clock.Now(), s.rules)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c.Masked())
	return nil
}

func (s *Server) allowedActions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	actions := kesu.AllowedActions(&c, caller(r.Context()).Actor(), s.clock.Now(), s.rules)
	if actions == nil {
		actions = []kesu.Action{}
	}
	writeJSON(w, http.StatusOK, ActionList{Actions: actions})
	return nil
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	customerOnly := false
	for name := range r.URL.Query() {
		if name != "visibility" {
			return kesu.FieldError(name, "unknown query parameter")
		}
	}
	switch v := r.URL.Query().Get("visibility"); v {
	case "":
	case "customer":
		customerOnly = true
	default:
		return kesu.FieldError("visibility", "must be customer or absent")
	}
	evs, err := s.db.Events(r.Context(), c.ID, customerOnly)
	if err != nil {
		return err
	}
	for i := range evs {
		evs[i] = evs[i].Masked()
	}
	writeJSON(w, http.StatusOK, EventList{Items: evs})
	return nil
}

func (s *Server) addPost(vis kesu.Visibility) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(w, r, s.maxBody)
		if err != nil {
			return err
		}
		var in PostBody
		if err := decodeJSON(body, &in); err != nil {
			return err
		}
		if _, err := s.viewable(r); err != nil {
			return err
		}
		ev, err := s.db.AddPost(r.Context(), r.PathValue("number"), kesu.NewPost{Body: in.Body, Visibility: vis},
			caller(r.Context()).Actor(), s.clock.Now())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, ev)
		return nil
	}
}

// evidenceUpload checks that the caller may see the complaint and opens the
// multipart body of an upload to it, capped at the attachment limit.
func (s *Server) evidenceUpload(w http.ResponseWriter, r *http.Request) (*multipart.Reader, error) {
	if s.files == nil {
		return nil, kesu.Errorf(kesu.EUnavailable, "attachment storage is not configured")
	}
	if _, err := s.viewable(r); err != nil {
		return nil, err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, kesu.Errorf(kesu.EInvalid, "upload with Content-Type multipart/form-data and a field named file")
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxAttachment+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, kesu.Errorf(kesu.EInvalid, "malformed multipart body")
	}
	return mr, nil
}

func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) error {
	mr, err := s.evidenceUpload(w, r)
	if err != nil {
		return err
	}
	vis := kesu.VisibilityInternal
	for {
		part, err := mr.NextPart()
		if err != nil {
			return kesu.FieldError("file", "a part named file is required (send visibility before file)")
		}
		switch part.FormName() {
		case "visibility":
			var b [16]byte
			n, _ := part.Read(b[:])
			vis = kesu.Visibility(strings.TrimSpace(string(b[:n])))
			if vis != kesu.VisibilityInternal && vis != kesu.VisibilityCustomer {
				return kesu.FieldError("visibility", "must be internal or customer")
			}
			continue
		case "file":
		default:
			return kesu.FieldError(part.FormName(), "unknown form field")
		}
		name := kesu.CleanFilename(part.FileName())
		stored, err := s.files.Save(part, s.maxAttachment, name)
		if err != nil {
			return err
		}
		a, err := s.db.AddAttachment(r.Context(), r.PathValue("number"), kesu.Attachment{
			Filename: name, ContentType: stored.ContentType, Size: stored.Size, SHA256: stored.SHA256, Visibility: vis,
		}, caller(r.Context()).Actor(), s.clock.Now())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, a)
		return nil
	}
}

func (s *Server) listAttachments(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	list, err := s.db.Attachments(r.Context(), c.ID, false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AttachmentList{Items: list})
	return nil
}

func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.db.Attachment(r.Context(), c.ID, id)
	if err != nil {
		return err
	}
	if s.files == nil {
		return kesu.Errorf(kesu.EUnavailable, "attachment storage is not configured")
	}
	f, err := s.files.Open(a.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	http.ServeContent(w, r, "", a.UploadedAt, f)
	return nil
}

func (s *Server) lifecycle(w http.ResponseWriter, r *http.Request) error {
	t := LifecycleTable{Statuses: kesu.Statuses, Actions: kesu.Actions}
	for _, tr := range kesu.Lifecycle {
		t.Transitions = append(t.Transitions, TransitionEntry{tr.From, tr.Action, tr.To, tr.Roles, tr.CustomerVisible})
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}
