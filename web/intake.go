package web

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/i18n"
)

// The fast intake form: the complaint handling card (投诉处理卡, DOMAIN.md
// section 1) in the order a hotline agent asks, usable with the keyboard
// alone (native controls, first field focused, Enter submits).
type intakePage struct {
	view
	Key        string
	Form       url.Values
	Channels   []kesu.Channel
	Kinds      []kesu.Kind
	Levels     []kesu.Level
	Remedies   []kesu.Remedy
	Categories []kesu.Category
	Field      string
}

func (s *Server) intakePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderIntake(w, r, url.Values{"channel": {"phone"}, "kind": {"complaint"}, "level": {"general"}}, http.StatusOK, "", "")
}

func (s *Server) renderIntake(w http.ResponseWriter, r *http.Request, form url.Values, status int, errMsg, field string) error {
	v := s.view(r, "intake.title", "intake")
	v.Error = errMsg
	cats, err := s.db.Categories(r.Context())
	if err != nil {
		return err
	}
	key := form.Get("key")
	if key == "" {
		key = randomToken()
	}
	return s.render(w, status, "intake", intakePage{view: v, Key: key, Form: form, Channels: kesu.Channels, Kinds: kesu.Kinds,
		Levels: kesu.Levels, Remedies: kesu.Remedies, Categories: cats, Field: field})
}

func (s *Server) intake(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return kesu.Errorf(kesu.EInvalid, "malformed form")
	}
	f := r.PostForm
	in := kesu.NewComplaint{
		Kind: kesu.Kind(f.Get("kind")), Channel: kesu.Channel(f.Get("channel")), Title: f.Get("title"),
		Description: f.Get("description"), Level: kesu.Level(f.Get("level")), Category: f.Get("category"),
		Customer: kesu.Customer{Name: f.Get("customer_name"), Phone: f.Get("customer_phone"), Email: f.Get("customer_email"),
			VIP: f.Get("vip") == "on"},
		Product: f.Get("product"), ProductModel: f.Get("product_model"), OrderNo: f.Get("order_no"),
		StaffInvolved: f.Get("staff_involved"), Location: f.Get("location"),
		Expectation: kesu.Expectation{Remedy: kesu.Remedy(f.Get("remedy")), Note: f.Get("expect_note")},
	}
	fail := func(err error) error {
		if kesu.ErrorCodeOf(err) == kesu.EInvalid {
			v := s.view(r, "intake.title", "intake")
			return s.renderIntake(w, r, f, http.StatusBadRequest, v.T("intake.invalid")+" — "+i18n.ErrorText(v.Lang, err), kesu.ErrorFieldOf(err))
		}
		return err
	}
	if a := strings.TrimSpace(f.Get("amount")); a != "" {
		m, err := kesu.ParseMoney(a)
		if err != nil {
			return fail(kesu.FieldError("amount", "not an amount such as 199.00"))
		}
		in.Amount = m
	}
	if a := strings.TrimSpace(f.Get("expect_amount")); a != "" {
		m, err := kesu.ParseMoney(a)
		if err != nil {
			return fail(kesu.FieldError("expectation.amount", "not an amount such as 199.00"))
		}
		in.Expectation.Amount = m
	}
	switch f.Get("reasonable") {
	case "yes":
		t := true
		in.DemandReasonable = &t
	case "no":
		b := false
		in.DemandReasonable = &b
	}
	if v := strings.TrimSpace(f.Get("occurred_at")); v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, zone)
		if err != nil {
			return fail(kesu.FieldError("occurred_at", "not a date and time"))
		}
		in.OccurredAt = &t
	}
	q := reqOf(r)
	// The idempotency key binds the form's content: a double submit of the
	// same form registers one complaint.
	keys := make([]string, 0, len(f))
	for k := range f {
		if k != "csrf" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var body strings.Builder
	for _, k := range keys {
		body.WriteString(k + "=" + strings.Join(f[k], ",") + "\n")
	}
	res, err := s.db.CreateComplaint(r.Context(), in, q.actor(), s.clock.Now(), idempotencyOf(q.user().ID, f.Get("key"), []byte(body.String())))
	if err != nil {
		return fail(err)
	}
	return redirect(w, r, "/complaints/"+res.Complaint.Number, "flash.registered")
}
