package portal

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store/storetest"
)

func readFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}

// FuzzParseSubmit feeds arbitrary url-encoded bodies to the complaint form
// parser: it must never panic, and a form it accepts must pass the domain's
// own checks or be refused by them with a field error.
func FuzzParseSubmit(f *testing.F) {
	f.Add("phone=13812345678&description=%E6%BC%8F%E6%B0%B4&amount=199.00&remedy=refund&form_token=abcdefghijklmnopqrstuv")
	f.Add("email=a%40b.c&description=x&amount=-1&remedy=bogus")
	f.Add("description=&phone=&amount=1e9&category=%00")
	f.Add("phone=%2B86+138-1234-5678&description=%FF%FE&amount=99999999999999.99")
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		_, in, errs := parseSubmit(v)
		if len(errs) > 0 {
			return
		}
		if _, err := in.Build(t0, kesu.Actor{Role: kesu.RoleCustomer}); err != nil && kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Fatalf("no message for %v", err)
		}
	})
}

// FuzzParseAction: arbitrary action forms become a known customer action
// with valid arguments, or a field error.
func FuzzParseAction(f *testing.F) {
	f.Add("action=close&satisfaction=2&comment=slow")
	f.Add("action=customer_object&note=")
	f.Add("action=complete")
	f.Add("action=close&satisfaction=-9999999999999999999")
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		cmd, ferr := parseAction(v.Get)
		if ferr != nil {
			return
		}
		known := false
		for _, a := range customerActions {
			known = known || a == cmd.Action
		}
		if !known || (cmd.Action == "close" && (cmd.Satisfaction < 1 || cmd.Satisfaction > 5)) {
			t.Fatalf("accepted %+v", cmd)
		}
	})
}

// FuzzSubmitHTTP posts arbitrary forms to the real submit page: whatever
// comes in, the answer is a page (never a 500) and a refused form registers
// nothing.
func FuzzSubmitHTTP(f *testing.F) {
	f.Add("phone=13812345678&description=%E6%BC%8F%E6%B0%B4&amount=199.00&remedy=refund")
	f.Add("email=%FF%FE&description=%00&category=quality&amount=1.234")
	f.Add("name=" + strings.Repeat("%E5%BC%A0", 200) + "&phone=1&description=x")
	fx := newFixture(f, storetest.SQLite(f), Config{SubmitsPerHour: 1 << 30})
	fx.get("/portal/submit")
	csrf := fx.csrf()
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		fx.t = t // the fixture's helpers report to this input's test
		v.Set("csrf", csrf)
		if v.Get("form_token") == "" {
			v.Set("form_token", newFormToken())
		}
		before := fx.complaintCount()
		req, _ := http.NewRequest("POST", fx.srv.URL+"/portal/submit", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := fx.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%d for %q", resp.StatusCode, body)
		}
		if resp.StatusCode != 200 && fx.complaintCount() != before {
			t.Fatalf("refused (%d) but registered: %q", resp.StatusCode, body)
		}
	})
}
