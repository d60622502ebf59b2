package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/i18n"
	"github.com/kesu/kesu/store"
)

// submitForm is the complaint form as typed, kept to show it again after an
// error.
type submitForm struct {
	Name, Phone, Email, Category, Description, OrderNo, Remedy, Amount, ExpectNote, FormToken string
}

type categoryOption struct {
	Code, Label string
	Child       bool
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, p *page) error {
	p.Title = "portal.home.title"
	s.render(w, p, http.StatusOK, "home")
	return nil
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, p *page) error {
	s.message(w, p, http.StatusNotFound, "portal.err.no_page")
	return nil
}

func (s *Server) submitPage(w http.ResponseWriter, r *http.Request, p *page) error {
	return s.showSubmit(w, r, p, &submitForm{FormToken: newFormToken()}, http.StatusOK)
}

func (s *Server) showSubmit(w http.ResponseWriter, r *http.Request, p *page, f *submitForm, status int) error {
	cats, err := s.categories(r, p.Lang)
	if err != nil {
		return err
	}
	p.Title, p.Submit, p.Categories = "portal.submit.title", f, cats
	s.render(w, p, status, "submit")
	return nil
}

// categories lists the active category tree, parents before their children.
func (s *Server) categories(r *http.Request, lang i18n.Lang) ([]categoryOption, error) {
	all, err := s.cfg.DB.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	label := func(c kesu.Category) string {
		if lang == i18n.EN && c.NameEN != "" {
			return c.NameEN
		}
		return c.Name
	}
	active := map[int64]bool{}
	for _, c := range all {
		if c.Active {
			active[c.ID] = true
		}
	}
	var out []categoryOption
	for _, c := range all {
		if !c.Active || c.ParentID != 0 && active[c.ParentID] {
			continue
		}
		out = append(out, categoryOption{Code: c.Code, Label: label(c)})
		for _, k := range all {
			if k.Active && k.ParentID == c.ID {
				out = append(out, categoryOption{Code: k.Code, Label: label(k), Child: true})
			}
		}
	}
	return out, nil
}

// parseSubmit reads the complaint form. Problems come back as field ->
// catalog key; the complaint is only meaningful when there are none.
func parseSubmit(v url.Values) (submitForm, kesu.NewComplaint, []fieldError) {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	f := submitForm{Name: get("name"), Phone: get("phone"), Email: get("email"), Category: get("category"),
		Description: get("description"), OrderNo: get("order_no"), Remedy: get("remedy"), Amount: get("amount"),
		ExpectNote: get("expect_note"), FormToken: get("form_token")}
	var errs []fieldError
	in := kesu.NewComplaint{Kind: kesu.KindComplaint, Channel: kesu.ChannelWeb, Description: f.Description,
		Customer: kesu.Customer{Name: f.Name, Phone: f.Phone, Email: f.Email}, Category: f.Category, OrderNo: f.OrderNo,
		Expectation: kesu.Expectation{Remedy: kesu.Remedy(f.Remedy), Note: f.ExpectNote}}
	if f.Description == "" {
		errs = append(errs, fieldError{"description", "portal.err.description_required"})
	}
	if f.Phone == "" && f.Email == "" {
		errs = append(errs, fieldError{"phone", "portal.err.contact_required"})
	} else if f.Email == "" && !receivesSMS(f.Phone) {
		// The customer follows the complaint with a code sent to this
		// number: one that cannot receive it would lock them out.
		errs = append(errs, fieldError{"phone", "portal.err.mobile"})
	}
	if f.Remedy != "" && !validRemedy(f.Remedy) {
		errs = append(errs, fieldError{"remedy", "portal.err.remedy"})
	}
	if m, err := kesu.ParseMoney(f.Amount); err != nil || m < 0 {
		errs = append(errs, fieldError{"amount", "portal.err.amount"})
	} else {
		in.Expectation.Amount = m
	}
	if !validFormToken(f.FormToken) {
		errs = append(errs, fieldError{"form_token", "portal.err.form"})
	}
	return f, in, errs
}

// internationalMobile is a number in international form (E.164) outside
// the mainland, which an SMS gateway may reach.
var internationalMobile = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// receivesSMS reports whether a one-time code can be sent to phone: a
// mainland mobile number, or an international one written with its +.
func receivesSMS(phone string) bool {
	p := kesu.NormalizePhone(phone)
	return kesu.IsMobile(p) || (internationalMobile.MatchString(p) && !strings.HasPrefix(p, "+86"))
}

func validRemedy(r string) bool {
	for _, x := range kesu.Remedies {
		if string(x) == r {
			return true
		}
	}
	return false
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request, p *page) error {
	f, in, errs := parseSubmit(r.PostForm)
	if !validFormToken(f.FormToken) {
		f.FormToken = newFormToken()
	}
	fail := func(field, key string, status int) error {
		p.addError(field, key)
		return s.showSubmit(w, r, p, &f, status)
	}
	for _, e := range errs {
		p.addError(e.Field, e.Key)
	}
	now := s.now()
	actor := kesu.Actor{Role: kesu.RoleCustomer, Name: f.Name}
	if len(errs) == 0 {
		// A dry run of the domain's checks, so that bad input is refused
		// before any file is stored.
		if _, err := in.Build(now, actor); err != nil {
			if kesu.ErrorCodeOf(err) != kesu.EInvalid {
				return err
			}
			p.addError(formField(kesu.ErrorFieldOf(err)), errorKey(err))
		}
	}
	if f.Category != "" {
		cats, err := s.categories(r, p.Lang)
		if err != nil {
			return err
		}
		if !hasCategory(cats, f.Category) {
			p.addError("category", "portal.err.category")
		}
	}
	uploads := uploadedFiles(r, "photos")
	if len(uploads) > s.cfg.MaxFiles {
		p.addError("photos", "portal.err.too_many_files")
	}
	if len(p.ErrorList) > 0 {
		return s.showSubmit(w, r, p, &f, http.StatusBadRequest)
	}
	if ok, err := s.cfg.DB.PortalAllow(r.Context(), "submit:ip:"+s.cfg.ClientIP(r), s.cfg.SubmitsPerHour, time.Hour, now); err != nil {
		return err
	} else if !ok {
		return fail("form", "portal.err.rate_limited", http.StatusTooManyRequests)
	}
	stored, err := s.saveUploads(uploads)
	if err != nil {
		if c := kesu.ErrorCodeOf(err); c == kesu.EInvalid || c == kesu.ETooLarge {
			return fail("photos", errorKey(err), http.StatusBadRequest)
		}
		return err
	}
	body, _ := json.Marshal(in)
	hash := sha256.Sum256(body)
	res, err := s.cfg.DB.CreateComplaint(r.Context(), in, actor, now,
		&store.Idempotency{UserID: 0, Key: "portal:" + f.FormToken, RequestHash: hash[:]})
	switch kesu.ErrorCodeOf(err) {
	case "":
	case kesu.EInvalid:
		return fail(formField(kesu.ErrorFieldOf(err)), errorKey(err), http.StatusBadRequest)
	case kesu.EConflict:
		// The same form was sent before with other content.
		f.FormToken = newFormToken()
		return fail("form", "portal.err.resubmitted", http.StatusConflict)
	default:
		return err
	}
	if !res.Replayed {
		for _, a := range stored {
			if _, err := s.cfg.DB.AddAttachment(r.Context(), res.Complaint.Number, a, actor, now); err != nil {
				s.log.Error("portal: attaching a submitted file", "number", res.Complaint.Number, "err", err)
				p.Notice = "portal.notice.attach_failed"
			}
		}
	}
	p.Title, p.Number, p.Replayed = "portal.submitted.title", res.Complaint.Number, res.Replayed
	s.render(w, p, http.StatusOK, "submitted")
	return nil
}

func hasCategory(cats []categoryOption, code string) bool {
	for _, c := range cats {
		if c.Code == code {
			return true
		}
	}
	return false
}

// uploadedFiles lists the files chosen in a multipart field, skipping the
// empty part a browser sends when none was chosen.
func uploadedFiles(r *http.Request, field string) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		out = append(out, fh)
	}
	return out
}

// saveUploads stores the files' contents and returns the attachments to
// record. A file refused here leaves no trace on the complaint.
func (s *Server) saveUploads(fhs []*multipart.FileHeader) ([]kesu.Attachment, error) {
	if len(fhs) > 0 && s.cfg.Files == nil {
		return nil, kesu.Errorf(kesu.EUnavailable, "attachment storage is not configured")
	}
	var out []kesu.Attachment
	for _, fh := range fhs {
		if fh.Size > s.cfg.MaxFile {
			return nil, kesu.Errorf(kesu.ETooLarge, "the file is too large")
		}
		name := kesu.CleanFilename(fh.Filename)
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		st, err := s.cfg.Files.Save(f, s.cfg.MaxFile, name)
		f.Close()
		if err != nil {
			if kesu.ErrorCodeOf(err) == kesu.EInvalid {
				return nil, kesu.FieldError("file", "%s", kesu.ErrorMessageOf(err))
			}
			return nil, err
		}
		out = append(out, kesu.Attachment{Filename: name, ContentType: st.ContentType, Size: st.Size,
			SHA256: st.SHA256, Visibility: kesu.VisibilityCustomer})
	}
	return out, nil
}

// The form token makes a double submit (a second tap, a reload) register
// one complaint: it is the idempotency key of the create.
func newFormToken() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func validFormToken(t string) bool {
	if len(t) < 16 || len(t) > 64 {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// formField maps a domain field name to the portal form's.
func formField(f string) string {
	switch f {
	case "customer.phone":
		return "phone"
	case "customer.email":
		return "email"
	case "customer.name":
		return "name"
	case "expectation.amount":
		return "amount"
	case "expectation.remedy":
		return "remedy"
	case "expectation.note":
		return "expect_note"
	case "file":
		return "photos"
	case "":
		return "form"
	}
	return f
}

// errorKey picks the catalog key that explains an invalid-input error.
func errorKey(err error) string {
	switch kesu.ErrorCodeOf(err) {
	case kesu.ETooLarge:
		return "portal.err.too_large"
	case kesu.EInvalid:
	default:
		return "portal.err.invalid"
	}
	switch f := formField(kesu.ErrorFieldOf(err)); f {
	case "phone", "email", "name", "description", "category", "order_no", "amount", "remedy", "expect_note",
		"photos", "number", "code", "note", "body", "satisfaction", "comment", "title":
		return "portal.err.field." + f
	case "satisfaction_comment":
		return "portal.err.field.comment"
	}
	return "portal.err.invalid"
}
