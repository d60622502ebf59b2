package i18n

import (
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kesu/kesu"
)

// templateKey finds literal catalog keys in templates: {{$.T "key"}},
// {{.T "key"}}, {{t "key"}}.
var templateKey = regexp.MustCompile(`(?:\.T|\bt) "([A-Za-z0-9_.\-]+)"`)

// TestCatalogWalk walks every template of the workspace and the portal and
// every key made from the domain's codes: each must have a text in both
// languages, and every catalog entry must be translated.
func TestCatalogWalk(t *testing.T) {
	if len(duplicates) > 0 {
		t.Errorf("keys defined twice: %v", duplicates)
	}
	for _, k := range Keys() {
		for _, l := range Langs {
			if !Has(l, k) {
				t.Errorf("catalog key %q has no %s text", k, l)
			}
		}
	}
	walked := 0
	for _, dir := range []string{"../web/templates", "../portal/templates"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.html"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			walked++
			for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
				if strings.HasSuffix(m[1], ".") {
					continue // a prefix completed at run time; checked below
				}
				for _, l := range Langs {
					if !Has(l, m[1]) {
						t.Errorf("%s uses %q, missing in %s", f, m[1], l)
					}
				}
			}
		}
	}
	if walked < 10 {
		t.Errorf("walked only %d templates", walked)
	}
	// Keys made from codes at run time.
	var dynamic []string
	for _, s := range kesu.Statuses {
		dynamic = append(dynamic, "status."+string(s))
	}
	for _, a := range kesu.Actions {
		dynamic = append(dynamic, "action."+string(a))
	}
	for _, r := range append(kesu.StaffRoles, kesu.RoleCustomer, kesu.RoleSystem) {
		dynamic = append(dynamic, "role."+string(r))
	}
	for _, v := range kesu.Kinds {
		dynamic = append(dynamic, "kind."+string(v))
	}
	for _, v := range kesu.Natures {
		dynamic = append(dynamic, "nature."+string(v))
	}
	for _, v := range kesu.Timings {
		dynamic = append(dynamic, "timing."+string(v))
	}
	for _, v := range kesu.Levels {
		dynamic = append(dynamic, "level."+string(v))
	}
	for _, v := range kesu.Priorities {
		dynamic = append(dynamic, "priority."+string(v))
	}
	for _, v := range kesu.Validities {
		dynamic = append(dynamic, "validity."+string(v))
	}
	for _, v := range kesu.Intents {
		dynamic = append(dynamic, "intent."+string(v))
	}
	for _, v := range kesu.Channels {
		dynamic = append(dynamic, "channel."+string(v))
	}
	for _, v := range kesu.Remedies {
		dynamic = append(dynamic, "remedy."+string(v))
	}
	for _, v := range kesu.RejectReasons {
		dynamic = append(dynamic, "reject."+string(v))
	}
	for _, v := range kesu.Recourses {
		dynamic = append(dynamic, "recourse."+string(v))
	}
	for _, v := range kesu.Permissions {
		dynamic = append(dynamic, "perm."+string(v))
	}
	for _, v := range []string{"created", "transition", "note", "message", "updated", "attachment", "sla_warning",
		"sla_breach", "escalated", "reminder", "extended"} {
		dynamic = append(dynamic, "event."+v)
	}
	for _, v := range []string{"mine", "department", "unassigned", "near_deadline", "breached", "all"} {
		dynamic = append(dynamic, "queue."+v)
	}
	for _, v := range []string{"acknowledge", "accept", "sign_off", "first_response", "propose_solution", "resolve", "follow_up"} {
		dynamic = append(dynamic, "milestone."+v)
	}
	for _, v := range []string{"ok", "warning", "breached", "paused", "met"} {
		dynamic = append(dynamic, "sla."+v)
	}
	for _, v := range []string{"newest", "oldest", "level", "updated"} {
		dynamic = append(dynamic, "sort."+v)
	}
	for _, v := range []string{"acknowledge", "apology", "explain", "propose", "close"} {
		dynamic = append(dynamic, "scenario."+v)
	}
	for _, v := range []string{"pending", "approved", "rejected"} {
		dynamic = append(dynamic, "approval."+v)
	}
	for _, v := range []string{"unmask", "export", "login", "password"} {
		dynamic = append(dynamic, "audit."+v)
	}
	for _, c := range []kesu.ErrorCode{kesu.EInvalid, kesu.ENotFound, kesu.EConflict, kesu.EForbidden, kesu.EUnauthorized,
		kesu.ETooLarge, kesu.EUnavailable, kesu.EInternal} {
		dynamic = append(dynamic, "error.title."+string(c))
	}
	for _, k := range dynamic {
		for _, l := range Langs {
			if !Has(l, k) {
				t.Errorf("code key %q missing in %s", k, l)
			}
		}
	}
}

func TestLanguageChoice(t *testing.T) {
	cases := []struct {
		url, cookie, accept string
		want                Lang
	}{
		{"/", "", "", ZH},
		{"/", "", "en-US,en;q=0.9", EN},
		{"/", "", "zh-CN,zh;q=0.9,en;q=0.8", ZH},
		{"/", "", "fr-FR", ZH},
		{"/", "en", "zh-CN", EN},
		{"/?lang=zh-CN", "en", "en", ZH},
		{"/?lang=en", "", "", EN},
		{"/?lang=xx", "", "en", EN},
		{"/", "", strings.Repeat("en;q=0.1,", 100), ZH}, // absurd header: ignored
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.url, nil)
		if c.cookie != "" {
			r.Header.Set("Cookie", CookieName+"="+c.cookie)
		}
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if got := FromRequest(r); got != c.want {
			t.Errorf("%s cookie=%q accept=%q: %s, want %s", c.url, c.cookie, c.accept, got, c.want)
		}
	}
	if T(EN, "status.closed") != "Closed" || T(ZH, "status.closed") != "已结案" {
		t.Errorf("status.closed: %q / %q", T(EN, "status.closed"), T(ZH, "status.closed"))
	}
	if T(EN, "login.locked", 3) != "Too many attempts; try again in 3 minutes." {
		t.Errorf("args: %q", T(EN, "login.locked", 3))
	}
}

func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{"en", "zh-CN,zh;q=0.9", "*", "en;q=x", ";;;", "zh-Hant-TW"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", s)
		if l := FromRequest(r); l != ZH && l != EN {
			t.Fatalf("%q gave %q", s, l)
		}
	})
}

// A page shows a domain error in the reader's language, after the label of
// the field it names; codes in it are named; the API's English stays.
func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		err  error
		lang Lang
		want string
	}{
		{kesu.FieldError("title", "is required"), ZH, "标题：必填"},
		{kesu.FieldError("title", "is required"), EN, "Title: is required"},
		{kesu.FieldError("customer.phone", "not a phone number"), ZH, "电话：不是有效的电话号码"},
		{kesu.FieldError("description", "must be at most %d characters", 20000), ZH, "投诉内容：最多 20000 个字符"},
		{kesu.Errorf(kesu.EConflict, "action %s is not allowed in status %s", kesu.ActionSign, kesu.StatusClosed), ZH,
			"投诉当前的状态（已结案）不允许“签收”"},
		{kesu.FieldError("cursor", "not a cursor returned by this API"), ZH, "not a cursor returned by this API"},
		{&kesu.Error{Code: kesu.EConflict, Message: "already exists"}, ZH, "已存在"},
		{errors.New("disk full"), ZH, "系统出错了，请稍后再试。"},
	} {
		got := ErrorText(c.lang, c.err)
		if got != c.want {
			t.Errorf("ErrorText(%s, %v) = %q, want %q", c.lang, c.err, got, c.want)
		}
	}
	if len(duplicates) > 0 {
		t.Errorf("catalog problems: %v", duplicates)
	}
}
