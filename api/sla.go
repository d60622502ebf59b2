package api

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/sla"
	"github.com/kesu/kesu/sla/engine"
	"github.com/kesu/kesu/store"
)

// SLA endpoints: business calendars, policies, a complaint's milestones and
// extensions (延期), and due-date arithmetic for scripts.

// Names the route table uses for the SLA packages' types.
type (
	SLAView          = engine.SLAView
	ExtensionRequest = engine.ExtensionRequest
	Extension        = store.Extension
	CalendarSpec     = sla.CalendarSpec
	SLAPolicy        = sla.Policy
)

type (
	CalendarList struct {
		Items []sla.CalendarSpec `json:"items"`
	}
	HolidayImport struct {
		Calendar string `json:"calendar"`
		Imported int    `json:"imported"` // days read from the file
		Holidays int    `json:"holidays"`
		Workdays int    `json:"workdays"` // adjusted working days (调休)
	}
	// PolicyBody is an SLA policy as written by an administrator.
	PolicyBody struct {
		Name           string                    `json:"name"`
		Level          kesu.Level                `json:"level,omitempty"`
		Priority       kesu.Priority             `json:"priority,omitempty"`
		Category       string                    `json:"category,omitempty"`
		Channel        kesu.Channel              `json:"channel,omitempty"`
		Department     string                    `json:"department,omitempty"`
		Targets        map[string]sla.TargetSpec `json:"targets"`
		WarnShare      float64                   `json:"warn_share,omitempty"`
		PauseStates    []kesu.Status             `json:"pause_states,omitempty"`
		Calendar       string                    `json:"calendar,omitempty"`
		EscalateEvery  string                    `json:"escalate_every,omitempty"`
		RemindEvery    string                    `json:"remind_every,omitempty"`
		ExtensionLimit string                    `json:"extension_limit,omitempty"`
		Active         *bool                     `json:"active,omitempty"` // default true
	}
	PolicyList struct {
		Items []sla.Policy `json:"items"`
	}
	ExtensionList struct {
		Items []store.Extension `json:"items"`
	}
	ExtensionDecision struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note,omitempty"`
	}
	DueAnswer struct {
		Calendar string    `json:"calendar"`
		From     time.Time `json:"from"`
		Duration string    `json:"duration"`
		Due      time.Time `json:"due"` // RFC 3339 in the calendar's time zone
	}
	BetweenAnswer struct {
		Calendar string    `json:"calendar"`
		From     time.Time `json:"from"`
		To       time.Time `json:"to"`
		Business string    `json:"business"` // business time, e.g. 11h0m0s
		Seconds  int64     `json:"seconds"`
	}
)

var (
	calendarDueParams = []Param{
		{"from", "start instant, RFC 3339"},
		{"duration", "business time such as 2h, 90m or 3d (a day is the calendar's working day)"},
		{"calendar", "calendar name (default: default)"},
	}
	calendarBetweenParams = []Param{
		{"from", "start instant, RFC 3339"},
		{"to", "end instant, RFC 3339"},
		{"calendar", "calendar name (default: default)"},
	}
)

func requireStaff(r *http.Request) error {
	if u := caller(r.Context()); u.Role == kesu.RoleCustomer || u.Role == "" {
		return kesu.Errorf(kesu.EForbidden, "staff only")
	}
	return nil
}

func (s *Server) complaintSLA(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	v, err := s.sla.View(r.Context(), &c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) requestExtension(w http.ResponseWriter, r *http.Request) error {
	var in engine.ExtensionRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	ext, err := s.sla.Extend(r.Context(), r.PathValue("number"), in, caller(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ext)
	return nil
}

func (s *Server) listExtensions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	list, err := s.db.Extensions(r.Context(), c.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ExtensionList{Items: list})
	return nil
}

func (s *Server) pendingExtensions(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermApprove); err != nil {
		return err
	}
	list, err := s.db.PendingExtensions(r.Context(), 500)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ExtensionList{Items: list})
	return nil
}

func (s *Server) decideExtension(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return kesu.Errorf(kesu.ENotFound, "no extension %q", r.PathValue("id"))
	}
	var in ExtensionDecision
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	ext, err := s.sla.Decide(r.Context(), id, in.Approve, in.Note, caller(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ext)
	return nil
}

func (s *Server) listCalendars(w http.ResponseWriter, r *http.Request) error {
	if err := requireStaff(r); err != nil {
		return err
	}
	list, err := s.db.SLACalendars(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CalendarList{Items: list})
	return nil
}

func (s *Server) getCalendar(w http.ResponseWriter, r *http.Request) error {
	if err := requireStaff(r); err != nil {
		return err
	}
	spec, err := s.db.SLACalendar(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, spec)
	return nil
}

// checkCalendar validates a spec as it will be stored.
func checkCalendar(spec *sla.CalendarSpec) error {
	if spec.Days == nil {
		spec.Days = []sla.Day{}
	}
	if spec.Hours == nil {
		spec.Hours = map[string]string{}
	}
	if spec.TimeZone == "" {
		spec.TimeZone = "Asia/Shanghai"
	}
	if spec.Holidays == "" {
		spec.Holidays = "cn"
	}
	if len(spec.Days) > 20000 {
		return kesu.FieldError("days", "at most 20000 days")
	}
	_, err := sla.Compile(*spec)
	return err
}

func (s *Server) createCalendar(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var spec sla.CalendarSpec
	if err := s.decode(w, r, &spec); err != nil {
		return err
	}
	if err := checkCalendar(&spec); err != nil {
		return err
	}
	if err := s.db.PutSLACalendar(r.Context(), spec, true, s.clock.Now()); err != nil {
		return err
	}
	s.sla.Invalidate()
	writeJSON(w, http.StatusCreated, spec)
	return nil
}

func (s *Server) replaceCalendar(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var spec sla.CalendarSpec
	if err := s.decode(w, r, &spec); err != nil {
		return err
	}
	name := r.PathValue("name")
	if spec.Name != "" && spec.Name != name {
		return kesu.FieldError("name", "a calendar cannot be renamed; create a new one")
	}
	spec.Name = name
	if err := checkCalendar(&spec); err != nil {
		return err
	}
	if err := s.db.PutSLACalendar(r.Context(), spec, false, s.clock.Now()); err != nil {
		return err
	}
	s.sla.Invalidate()
	writeJSON(w, http.StatusOK, spec)
	return nil
}

func (s *Server) deleteCalendar(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	if err := s.db.DeleteSLACalendar(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	s.sla.Invalidate()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) importHolidays(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return kesu.Errorf(kesu.EInvalid, "upload with Content-Type multipart/form-data and a field named file")
	}
	r.Body = http.MaxBytesReader(w, r.Body, sla.MaxHolidayFile+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return kesu.Errorf(kesu.EInvalid, "malformed multipart body")
	}
	var body []byte
	var filename string
	for {
		part, err := mr.NextPart()
		if err != nil {
			return kesu.FieldError("file", "a part named file is required")
		}
		if part.FormName() != "file" {
			continue
		}
		filename = part.FileName()
		body, err = io.ReadAll(io.LimitReader(part, sla.MaxHolidayFile+1))
		if err != nil {
			return kesu.Errorf(kesu.ETooLarge, "the upload is too large")
		}
		break
	}
	days, err := sla.ParseHolidays(body, filename)
	if err != nil {
		return err
	}
	res, err := importDays(r.Context(), s.db, r.PathValue("name"), days, s.clock.Now())
	if err != nil {
		return err
	}
	s.sla.Invalidate()
	writeJSON(w, http.StatusOK, res)
	return nil
}

// importDays merges days into a calendar.
func importDays(ctx context.Context, db *store.DB, name string, days []sla.Day, now time.Time) (HolidayImport, error) {
	res := HolidayImport{Calendar: name, Imported: len(days)}
	for _, d := range days {
		if d.Kind == sla.Holiday {
			res.Holidays++
		} else {
			res.Workdays++
		}
	}
	_, err := db.AddSLACalendarDays(ctx, name, days, func(spec sla.CalendarSpec) error { return checkCalendar(&spec) }, now)
	return res, err
}

func (s *Server) dueArgs(r *http.Request, keys ...string) (*sla.Calendar, map[string]time.Time, error) {
	if err := requireStaff(r); err != nil {
		return nil, nil, err
	}
	q := r.URL.Query()
	for k := range q {
		if k != "calendar" && k != "duration" && !contains(keys, k) {
			return nil, nil, kesu.FieldError(k, "unknown parameter")
		}
	}
	cal, err := s.sla.Calendar(r.Context(), q.Get("calendar"))
	if err != nil {
		return nil, nil, err
	}
	times := map[string]time.Time{}
	for _, k := range keys {
		v := strings.TrimSpace(q.Get(k))
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, nil, kesu.FieldError(k, "must be an RFC 3339 instant such as 2026-09-30T17:00:00+08:00")
		}
		times[k] = t
	}
	return cal, times, nil
}

func (s *Server) calendarDue(w http.ResponseWriter, r *http.Request) error {
	cal, times, err := s.dueArgs(r, "from")
	if err != nil {
		return err
	}
	dur := r.URL.Query().Get("duration")
	d, err := sla.ParseTarget(dur, true, cal.DayLength())
	if err != nil {
		return kesu.FieldError("duration", "%v", err)
	}
	due := cal.Add(times["from"], d).In(cal.Loc)
	writeJSON(w, http.StatusOK, DueAnswer{Calendar: cal.Name, From: times["from"], Duration: dur, Due: due})
	return nil
}

func (s *Server) calendarBetween(w http.ResponseWriter, r *http.Request) error {
	cal, times, err := s.dueArgs(r, "from", "to")
	if err != nil {
		return err
	}
	if r.URL.Query().Has("duration") {
		return kesu.FieldError("duration", "unknown parameter")
	}
	d := cal.Between(times["from"], times["to"])
	writeJSON(w, http.StatusOK, BetweenAnswer{Calendar: cal.Name, From: times["from"], To: times["to"],
		Business: d.String(), Seconds: int64(d / time.Second)})
	return nil
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) error {
	if err := requireStaff(r); err != nil {
		return err
	}
	list, err := s.db.SLAPolicies(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PolicyList{Items: list})
	return nil
}

func policyID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, kesu.Errorf(kesu.ENotFound, "no SLA policy %q", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	if err := requireStaff(r); err != nil {
		return err
	}
	id, err := policyID(r)
	if err != nil {
		return err
	}
	p, err := s.db.SLAPolicy(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (b PolicyBody) policy() (sla.Policy, error) {
	p := sla.Policy{Name: b.Name, Level: b.Level, Priority: b.Priority, Category: strings.TrimSpace(b.Category),
		Channel: b.Channel, Department: strings.TrimSpace(b.Department), Targets: b.Targets, WarnShare: b.WarnShare,
		PauseStates: b.PauseStates, Calendar: b.Calendar, EscalateEvery: b.EscalateEvery, RemindEvery: b.RemindEvery,
		ExtensionLimit: b.ExtensionLimit, Active: b.Active == nil || *b.Active}
	return p, p.Validate()
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in PolicyBody
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	p, err := in.policy()
	if err != nil {
		return err
	}
	if p, err = s.db.CreateSLAPolicy(r.Context(), p, s.clock.Now()); err != nil {
		return err
	}
	s.sla.Invalidate()
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) replacePolicy(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	id, err := policyID(r)
	if err != nil {
		return err
	}
	var in PolicyBody
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	p, err := in.policy()
	if err != nil {
		return err
	}
	old, err := s.db.SLAPolicy(r.Context(), id)
	if err != nil {
		return err
	}
	p.ID, p.CreatedAt = id, old.CreatedAt
	if p, err = s.db.UpdateSLAPolicy(r.Context(), p, s.clock.Now()); err != nil {
		return err
	}
	s.sla.Invalidate()
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	id, err := policyID(r)
	if err != nil {
		return err
	}
	if err := s.db.DeleteSLAPolicy(r.Context(), id); err != nil {
		return err
	}
	s.sla.Invalidate()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
