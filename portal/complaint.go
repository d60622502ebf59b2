package portal

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// customerActions are the lifecycle actions the tracking page offers, with
// the form fields each takes; the lifecycle table decides which apply now.
var customerActions = []kesu.Action{kesu.ActionCustomerAccept, kesu.ActionCustomerObject, kesu.ActionClose,
	kesu.ActionReopen, kesu.ActionAppeal, kesu.ActionWithdraw}

// notices after a successful post (the ok= query of the redirect).
var notices = map[string]string{
	"reply": "portal.notice.reply", "evidence": "portal.notice.evidence",
	"customer_accept": "portal.notice.customer_accept", "customer_object": "portal.notice.customer_object",
	"close": "portal.notice.close", "reopen": "portal.notice.reopen", "appeal": "portal.notice.appeal",
	"withdraw": "portal.notice.withdraw",
}

// loadView reads the signed-in customer's complaint into p.
func (s *Server) loadView(r *http.Request, p *page) (store.PortalSession, error) {
	sess, err := s.session(r)
	if err != nil {
		return sess, err
	}
	v, err := s.cfg.DB.CustomerView(r.Context(), sess.ComplaintID, s.now(), s.cfg.Rules)
	if err != nil {
		return sess, err
	}
	p.View, p.Number, p.Title = &v, v.Complaint.Number, "portal.complaint.title"
	return sess, nil
}

func (s *Server) complaintPage(w http.ResponseWriter, r *http.Request, p *page) error {
	if _, err := s.loadView(r, p); kesu.ErrorCodeOf(err) == kesu.EUnauthorized {
		http.Redirect(w, r, "/portal/track", http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	p.Notice = notices[r.URL.Query().Get("ok")]
	s.render(w, p, http.StatusOK, "complaint")
	return nil
}

// customer is the actor of the signed-in customer's actions.
func (p *page) customer() kesu.Actor {
	return kesu.Actor{Role: kesu.RoleCustomer, Name: p.View.Complaint.CustomerName}
}

// again shows the tracking page with the errors recorded in p.
func (s *Server) again(w http.ResponseWriter, r *http.Request, p *page, status int) error {
	if _, err := s.loadView(r, p); err != nil {
		return err
	}
	s.render(w, p, status, "complaint")
	return nil
}

// done answers a successful post by going back to the tracking page.
func done(w http.ResponseWriter, r *http.Request, what string) error {
	http.Redirect(w, r, "/portal/complaint?ok="+what+"#timeline", http.StatusSeeOther)
	return nil
}

// actionError shows a store error on the tracking page: invalid input by its
// field, a lifecycle refusal (the complaint moved on) as a notice.
func (s *Server) actionError(w http.ResponseWriter, r *http.Request, p *page, field string, err error) error {
	switch kesu.ErrorCodeOf(err) {
	case kesu.EInvalid:
		f := formField(kesu.ErrorFieldOf(err))
		if f == "satisfaction_comment" {
			f = "comment"
		}
		if f == "form" || f == "" {
			f = field
		}
		p.addError(f, errorKey(err))
		return s.again(w, r, p, http.StatusBadRequest)
	case kesu.EConflict, kesu.EForbidden:
		p.addError("form", "portal.err.conflict")
		return s.again(w, r, p, http.StatusConflict)
	}
	return err
}

// reply sends the customer's message; when the complaint waits for the
// customer, the reply is the customer_reply action that resumes handling.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, p *page) error {
	if _, err := s.loadView(r, p); err != nil {
		return err
	}
	if !p.CanPost() {
		p.addError("form", "portal.err.conflict")
		return s.again(w, r, p, http.StatusConflict)
	}
	body := strings.TrimSpace(r.PostForm.Get("body"))
	if body == "" {
		p.addError("body", "portal.err.field.body")
		return s.again(w, r, p, http.StatusBadRequest)
	}
	var err error
	if p.Has(string(kesu.ActionCustomerReply)) {
		_, err = s.cfg.DB.Transition(r.Context(), p.Number, kesu.Command{Action: kesu.ActionCustomerReply, Note: body},
			p.customer(), s.now(), s.cfg.Rules)
	} else {
		_, err = s.cfg.DB.AddPost(r.Context(), p.Number, kesu.NewPost{Body: body, Visibility: kesu.VisibilityCustomer},
			p.customer(), s.now())
	}
	if err != nil {
		if kesu.ErrorCodeOf(err) == kesu.EInvalid {
			err = kesu.FieldError("body", "%s", kesu.ErrorMessageOf(err))
		}
		return s.actionError(w, r, p, "body", err)
	}
	return done(w, r, "reply")
}

// evidence adds photos or documents to the complaint.
func (s *Server) evidence(w http.ResponseWriter, r *http.Request, p *page) error {
	if _, err := s.loadView(r, p); err != nil {
		return err
	}
	if !p.CanPost() {
		p.addError("form", "portal.err.conflict")
		return s.again(w, r, p, http.StatusConflict)
	}
	uploads := uploadedFiles(r, "files")
	switch {
	case len(uploads) == 0:
		p.addError("files", "portal.err.field.files")
		return s.again(w, r, p, http.StatusBadRequest)
	case len(uploads) > s.cfg.MaxFiles:
		p.addError("files", "portal.err.too_many_files")
		return s.again(w, r, p, http.StatusBadRequest)
	}
	atts, err := s.saveUploads(uploads)
	if err != nil {
		if c := kesu.ErrorCodeOf(err); c == kesu.EInvalid || c == kesu.ETooLarge {
			p.addError("files", errorKey(err))
			return s.again(w, r, p, http.StatusBadRequest)
		}
		return err
	}
	for _, a := range atts {
		if _, err := s.cfg.DB.AddAttachment(r.Context(), p.Number, a, p.customer(), s.now()); err != nil {
			return s.actionError(w, r, p, "files", err)
		}
	}
	return done(w, r, "evidence")
}

// parseAction reads an action form into a lifecycle command.
func parseAction(get func(string) string) (kesu.Command, *fieldError) {
	cmd := kesu.Command{Action: kesu.Action(strings.TrimSpace(get("action"))), Note: strings.TrimSpace(get("note"))}
	known := false
	for _, a := range customerActions {
		known = known || a == cmd.Action
	}
	if !known {
		return cmd, &fieldError{"form", "portal.err.invalid"}
	}
	switch cmd.Action {
	case kesu.ActionCustomerObject:
		if cmd.Note == "" {
			return cmd, &fieldError{"note", "portal.err.objection_reason"}
		}
	case kesu.ActionClose:
		n, err := strconv.Atoi(strings.TrimSpace(get("satisfaction")))
		if err != nil || n < 1 || n > 5 {
			return cmd, &fieldError{"satisfaction", "portal.err.field.satisfaction"}
		}
		cmd.Satisfaction = n
		cmd.SatisfactionComment = strings.TrimSpace(get("comment"))
		cmd.Note = ""
	}
	return cmd, nil
}

// action performs one lifecycle action as the customer.
func (s *Server) action(w http.ResponseWriter, r *http.Request, p *page) error {
	if _, err := s.loadView(r, p); err != nil {
		return err
	}
	cmd, ferr := parseAction(r.PostForm.Get)
	if ferr != nil {
		p.addError(ferr.Field, ferr.Key)
		return s.again(w, r, p, http.StatusBadRequest)
	}
	if !p.Has(string(cmd.Action)) {
		p.addError("form", "portal.err.conflict")
		return s.again(w, r, p, http.StatusConflict)
	}
	if _, err := s.cfg.DB.Transition(r.Context(), p.Number, cmd, p.customer(), s.now(), s.cfg.Rules); err != nil {
		return s.actionError(w, r, p, "note", err)
	}
	return done(w, r, string(cmd.Action))
}

// attachment sends one of the complaint's customer-visible files.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, p *page) error {
	sess, err := s.session(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return kesu.Errorf(kesu.ENotFound, "no such attachment")
	}
	a, err := s.cfg.DB.Attachment(r.Context(), sess.ComplaintID, id)
	if err != nil {
		return err
	}
	if a.Visibility != kesu.VisibilityCustomer || s.cfg.Files == nil {
		return kesu.Errorf(kesu.ENotFound, "no such attachment")
	}
	f, err := s.cfg.Files.Open(a.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	disposition := "attachment"
	if strings.HasPrefix(a.ContentType, "image/") {
		disposition = "inline"
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Filename}))
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", a.UploadedAt, f)
	return nil
}
