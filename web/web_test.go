package web

import (
	"fmt"
	"github.com/kesu/kesu/notify"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

func TestLoginSessionsAndLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		// Pages need a session.
		anon := f.browser()
		if p := anon.get("/queue"); p.url != "/login" || !strings.Contains(p.body, `id="login-submit"`) {
			t.Fatalf("anonymous /queue ended at %s", p.url)
		}
		// Wrong password: 401, same message as an unknown email.
		p := anon.post("/login", url.Values{"email": {"agent@kesu.test"}, "password": {"wrong-password-1"}})
		unknown := anon.post("/login", url.Values{"email": {"nobody@kesu.test"}, "password": {"wrong-password-1"}})
		if p.status != 401 || unknown.status != 401 || !strings.Contains(p.body, "邮箱或密码不正确") || !strings.Contains(unknown.body, "邮箱或密码不正确") {
			t.Fatalf("wrong password: %d / %d", p.status, unknown.status)
		}
		// A good login works; the session lives in the database, so a second
		// server over the same database would accept the cookie as well.
		b := f.login("agent")
		if p := b.get("/queue"); p.status != 200 || !strings.Contains(p.body, "投诉工作台") {
			t.Fatalf("queue after login: %d", p.status)
		}
		u, _ := url.Parse(f.srv.URL)
		var token string
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == auth.SessionCookie {
				token = c.Value
			}
		}
		if s, err := f.db.SessionByHash(f.ctx, auth.HashToken(token), f.clock.Now()); err != nil || s.User.Email != "agent@kesu.test" {
			t.Fatalf("session in the database: %+v %v", s, err)
		}
		// The cookie authenticates the API too; unsafe calls need the CSRF header.
		req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/complaints", strings.NewReader(`{"description":"API 经会话","customer":{"phone":"13800000001"}}`))
		if p := b.do(req); p.status != 403 {
			t.Errorf("cookie POST without CSRF header: %d %s", p.status, p.body)
		}
		b.get("/queue")
		csrf := csrfField.FindStringSubmatch(b.last)[1]
		req, _ = http.NewRequest("POST", f.srv.URL+"/api/v1/complaints", strings.NewReader(`{"description":"API 经会话","customer":{"phone":"13800000001"}}`))
		req.Header.Set(auth.CSRFHeader, csrf)
		if p := b.do(req); p.status != 201 {
			t.Errorf("cookie POST with CSRF header: %d %s", p.status, p.body)
		}
		// A form without the CSRF token is refused and changes nothing.
		if p := b.post("/account/tokens", url.Values{"name": {"x"}, "csrf": {"forged"}}); p.status != 403 {
			t.Errorf("forged CSRF: %d", p.status)
		}
		if toks, _ := f.db.Tokens(f.ctx, f.users["agent"].ID); len(toks) != 0 {
			t.Errorf("forged form created a token")
		}
		// API tokens page: create (shown once) and revoke.
		b.get("/account")
		p = b.post("/account/tokens", url.Values{"name": {"脚本"}})
		tok := regexp.MustCompile(`id="new-token">(kesu_[^<]+)<`).FindStringSubmatch(p.body)
		if tok == nil {
			t.Fatalf("token not shown: %d", p.status)
		}
		if _, err := f.db.UserByTokenHash(f.ctx, auth.HashToken(tok[1]), f.clock.Now()); err != nil {
			t.Errorf("new token does not authenticate: %v", err)
		}
		toks, _ := f.db.Tokens(f.ctx, f.users["agent"].ID)
		b.get("/account")
		if p := b.post("/account/tokens/"+itoa(toks[0].ID)+"/revoke", nil); p.status != 200 {
			t.Errorf("revoke: %d", p.status)
		}
		if _, err := f.db.UserByTokenHash(f.ctx, auth.HashToken(tok[1]), f.clock.Now()); err == nil {
			t.Errorf("revoked token still authenticates")
		}
		// Logout ends the session in the database.
		b.get("/queue")
		b.post("/logout", nil)
		if _, err := f.db.SessionByHash(f.ctx, auth.HashToken(token), f.clock.Now()); err == nil {
			t.Errorf("session survives logout")
		}
		if p := b.get("/queue"); p.url != "/login" {
			t.Errorf("after logout /queue ended at %s", p.url)
		}

		// Lockout: after store.MaxFailures failures the right password is refused too (429).
		l := f.browser()
		l.get("/login")
		for i := 0; i < store.MaxFailures; i++ {
			l.post("/login", url.Values{"email": {"handler@kesu.test"}, "password": {"guess-number-" + itoa(int64(i))}})
		}
		if p := l.post("/login", url.Values{"email": {"handler@kesu.test"}, "password": {testPassword}}); p.status != 429 {
			t.Fatalf("locked account: %d", p.status)
		}
		f.clock.Advance(store.LockoutWindow + 1)
		f.login("handler")
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestFirstLoginForcesPasswordChange(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	if err := f.db.RequirePasswordChange(f.ctx, f.users["admin"].ID); err != nil {
		t.Fatal(err)
	}
	b := f.login("admin")
	if p := b.get("/admin/users"); p.url != "/account" || !strings.Contains(p.body, `id="first-login"`) {
		t.Fatalf("first login went to %s", p.url)
	}
	p := b.post("/account/password", url.Values{"current": {testPassword}, "new": {"short"}, "again": {"short"}})
	if p.status != 400 {
		t.Errorf("short password: %d", p.status)
	}
	b.get("/account")
	p = b.post("/account/password", url.Values{"current": {testPassword}, "new": {"a-much-better-secret"}, "again": {"a-much-better-secret"}})
	if p.status != 200 || p.url != "/account" {
		t.Fatalf("change: %d %s", p.status, p.url)
	}
	if p := b.get("/admin/users"); p.status != 200 || p.url != "/admin/users" {
		t.Errorf("after the change /admin/users: %d %s", p.status, p.url)
	}
	audit, _ := f.db.AuditEvents(f.ctx, store.AuditFilter{Action: store.AuditPassword})
	if len(audit) != 1 {
		t.Errorf("password change audit events: %d", len(audit))
	}
}

func TestScopeMaskingAndAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		c := f.complaint("洗衣机漏水，电话 13812345678", "13812345678")
		f.act("agent", c.Number, kesu.Command{Action: kesu.ActionAccept})
		f.act("agent", c.Number, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales"})
		// The handler of another department gets 403 on the page and the API.
		other := f.login("other")
		if p := other.get("/complaints/" + c.Number); p.status != http.StatusForbidden || strings.Contains(p.body, "漏水") {
			t.Errorf("other department: %d", p.status)
		}
		if p := other.get("/api/v1/complaints/" + c.Number); p.status != http.StatusForbidden {
			t.Errorf("other department, API: %d", p.status)
		}
		// The owning department sees it, masked.
		h := f.login("handler")
		p := h.get("/complaints/" + c.Number)
		if p.status != 200 || strings.Contains(p.body, "13812345678") || strings.Contains(p.body, "zhang@example.com") ||
			!strings.Contains(p.body, "138****5678") {
			t.Fatalf("masked page: %d", p.status)
		}
		// Revealing is audited.
		p = h.post("/complaints/"+c.Number+"/unmask", nil)
		if p.status != 200 || !strings.Contains(p.body, "13812345678") {
			t.Fatalf("unmask: %d", p.status)
		}
		ev, err := f.db.AuditEvents(f.ctx, store.AuditFilter{Action: store.AuditUnmask, ComplaintID: c.ID})
		if err != nil || len(ev) != 1 || ev[0].ActorID != f.users["handler"].ID || ev[0].Number != c.Number {
			t.Errorf("unmask audit: %+v %v", ev, err)
		}
		// An analyst has no unmask permission.
		an := f.login("analyst")
		an.get("/complaints/" + c.Number)
		if p := an.post("/complaints/"+c.Number+"/unmask", nil); p.status != http.StatusForbidden || strings.Contains(p.body, "13812345678") {
			t.Errorf("analyst unmask: %d", p.status)
		}
		// The auditor reads the trail.
		au := f.login("auditor")
		if p := au.get("/audit"); p.status != 200 || !strings.Contains(p.body, c.Number) {
			t.Errorf("audit page: %d", p.status)
		}
		if p := au.get("/admin/users"); p.status != http.StatusForbidden {
			t.Errorf("auditor on admin page: %d", p.status)
		}
	})
}

func TestHandlingOnThePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		agent := f.login("agent")
		// Intake with the keyboard form; a double submit registers one complaint.
		p := agent.get("/intake")
		if !strings.Contains(p.body, "autofocus") {
			t.Errorf("intake form has no focused first field")
		}
		form := url.Values{"customer_phone": {"139 0000 1111"}, "customer_name": {"李女士"}, "description": {"快递三天没动，要求退运费"},
			"channel": {"phone"}, "kind": {"complaint"}, "level": {"general"}, "remedy": {"refund"}, "expect_amount": {"12.00"},
			"key": {regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(p.body)[1]}}
		p = agent.post("/intake", form)
		number := strings.TrimPrefix(p.url, "/complaints/")
		if p.status != 200 || !strings.HasPrefix(number, "TS") {
			t.Fatalf("intake: %d %s", p.status, p.url)
		}
		agent.get("/intake")
		if again := agent.post("/intake", form); again.url != p.url {
			t.Errorf("double submit made %s and %s", p.url, again.url)
		}
		// An unknown address is the workspace's own page, in Chinese.
		if p := agent.get("/admin"); p.status != http.StatusNotFound || !strings.Contains(p.body, "没有这个页面") {
			t.Errorf("unknown page: %d %s", p.status, p.body)
		}
		// The search box finds it by a word of its description; a number opens it.
		if p := agent.get("/queue?queue=all&q=" + url.QueryEscape("快递")); !strings.Contains(p.body, number) {
			t.Errorf("search for 快递 does not list %s", number)
		}
		if p := agent.get("/queue?q=" + number); p.url != "/complaints/"+number {
			t.Errorf("searching the number went to %s", p.url)
		}
		// Bad input: a clear message, nothing registered.
		agent.get("/intake")
		bad := agent.post("/intake", url.Values{"description": {"没有联系方式"}, "channel": {"phone"}, "kind": {"complaint"}, "level": {"general"}})
		if bad.status != 400 || !strings.Contains(bad.body, `role="alert"`) || !strings.Contains(bad.body, "请至少填写客户的电话") {
			t.Errorf("intake without contact: %d %s", bad.status, bad.body)
		}
		agent.get("/intake")
		if bad = agent.post("/intake", url.Values{"description": {"电话错了"}, "customer_phone": {"abc"}, "channel": {"phone"},
			"kind": {"complaint"}, "level": {"general"}}); !strings.Contains(bad.body, "不是有效的电话号码") {
			t.Errorf("a bad phone number is not explained in Chinese")
		}
		agent.get("/intake")
		bad = agent.post("/intake", url.Values{"description": {"金额错了"}, "customer_phone": {"13800001111"}, "amount": {"abc"},
			"channel": {"phone"}, "kind": {"complaint"}, "level": {"general"}})
		if !strings.Contains(bad.body, `id="i-amount" aria-invalid="true"`) {
			t.Errorf("the amount field is not marked invalid")
		}
		// The edit form changes the classification fields it names and leaves
		// the empty ones as they are.
		before := mustComplaint(t, f, number)
		agent.get("/complaints/" + number)
		agent.post("/complaints/"+number+"/edit", url.Values{"level": {"major"}, "priority": {"high"}, "nature": {""}})
		if c := mustComplaint(t, f, number); c.Level != kesu.LevelMajor || c.Priority != kesu.PriorityHigh || c.Nature != before.Nature {
			t.Errorf("after edit: level %q priority %q nature %q (was %q)", c.Level, c.Priority, c.Nature, before.Nature)
		}
		// A refused edit shows the page again with the reason and what was
		// typed; nothing is saved.
		agent.get("/complaints/" + number)
		long := strings.Repeat("长", 201)
		p = agent.post("/complaints/"+number+"/edit", url.Values{"title": {long}, "product": {"新型号洗衣机"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "标题：最多 200 个字符") ||
			!strings.Contains(p.body, `value="新型号洗衣机"`) || !strings.Contains(p.body, long) {
			t.Errorf("refused edit: %d", p.status)
		}
		if c := mustComplaint(t, f, number); c.Product == "新型号洗衣机" {
			t.Errorf("a refused edit saved a field")
		}
		// Accept and dispatch with the action buttons.
		agent.get("/complaints/" + number)
		agent.post("/complaints/"+number+"/transition", url.Values{"action": {"accept"}})
		agent.get("/complaints/" + number)
		if p := agent.get("/complaints/" + number); !strings.Contains(p.body, `id="co-dispatch-logistics"`) {
			t.Errorf("no co-department to tick")
		}
		agent.post("/complaints/"+number+"/transition", url.Values{"action": {"dispatch"}, "department": {"after_sales"},
			"co_departments": {"logistics", "after_sales"}})
		if c := mustComplaint(t, f, number); len(c.CoDepartments) != 1 || c.CoDepartments[0] != "logistics" {
			t.Errorf("co-departments: %v", c.CoDepartments)
		}
		h := f.login("handler")
		p = h.get("/complaints/" + number)
		if !strings.Contains(p.body, `id="do-sign"`) || strings.Contains(p.body, `id="do-accept"`) {
			t.Fatalf("handler's buttons are wrong")
		}
		h.post("/complaints/"+number+"/transition", url.Values{"action": {"sign"}})
		// The reply script is filled with this complaint's variables.
		h.get("/complaints/" + number)
		s := h.get("/complaints/" + number + "/script?code=ack")
		if !strings.Contains(s.body, "李女士您好，您的投诉 "+number+" 已受理，由售后李工跟进") {
			t.Errorf("script: %s", s.body)
		}
		// An internal note never reaches the customer's timeline.
		h.get("/complaints/" + number)
		if p := h.post("/complaints/"+number+"/note", url.Values{"body": {"内部：快递公司责任，内部追偿"}}); !strings.Contains(p.body, "已保存。") {
			t.Errorf("no confirmation after a note (%s)", p.url)
		}
		evs, _ := f.db.Events(f.ctx, mustComplaint(t, f, number).ID, true)
		for _, e := range evs {
			if strings.Contains(e.Body, "内部追偿") {
				t.Errorf("internal note on the customer timeline")
			}
		}
		// Above the handler's limit (500.00) a proposal waits for approval.
		h.get("/complaints/" + number)
		if p := h.post("/complaints/"+number+"/transition", url.Values{"action": {"propose"}, "remedy": {"compensation"}, "amount": {"800.00"}}); p.status != 200 {
			t.Fatalf("propose above the limit: %d %s", p.status, p.body)
		}
		if c := mustComplaint(t, f, number); c.Status != kesu.StatusInProgress {
			t.Fatalf("proposal above the limit went through: %s", c.Status)
		}
		c := mustComplaint(t, f, number)
		apps, _ := f.db.Approvals(f.ctx, c.ID)
		if len(apps) != 1 || apps[0].Status != "pending" {
			t.Fatalf("approvals: %+v", apps)
		}
		// The API refuses the same proposal outright.
		h.get("/queue")
		csrf := csrfField.FindStringSubmatch(h.last)[1]
		req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/complaints/"+number+"/transitions",
			strings.NewReader(`{"action":"propose","proposal":{"remedy":"compensation","amount":"800.00"}}`))
		req.Header.Set(auth.CSRFHeader, csrf)
		if p := h.do(req); p.status != http.StatusForbidden {
			t.Errorf("API proposal above the limit: %d", p.status)
		}
		// A second request waits beside the first.
		h.get("/complaints/" + number)
		h.post("/complaints/"+number+"/transition", url.Values{"action": {"propose"}, "remedy": {"compensation"}, "amount": {"900.00"}})
		// A supervisor approves the first: the proposal is made, and the
		// other request is superseded (approving it later would propose over
		// the customer's answer).
		sup := f.login("super")
		sup.get("/complaints/" + number)
		sup.post("/complaints/"+number+"/approvals/"+itoa(apps[0].ID), url.Values{"decision": {"approve"}})
		c = mustComplaint(t, f, number)
		if c.Status != kesu.StatusSolutionProposed || c.Proposal == nil || c.Proposal.Amount != 800_00 {
			t.Fatalf("after approval: %s %+v", c.Status, c.Proposal)
		}
		apps, _ = f.db.Approvals(f.ctx, c.ID)
		if len(apps) != 2 || apps[0].Status != "superseded" || apps[1].Status != "approved" {
			t.Fatalf("approvals after the decision: %+v", apps)
		}
		if p := sup.get("/complaints/" + number); !strings.Contains(p.body, "已被新方案取代") {
			t.Errorf("the superseded request is not shown as such")
		}
		// The customer sees the proposal, not the internal approval step.
		evs, _ = f.db.Events(f.ctx, c.ID, true)
		for _, e := range evs {
			if strings.Contains(e.Body, "approved") || strings.Contains(e.Body, apps[1].RequestedName) {
				t.Errorf("customer-visible event %s: %q", e.Type, e.Body)
			}
		}
	})
}

func mustComplaint(t *testing.T, f *fixture, number string) kesu.Complaint {
	t.Helper()
	c, err := f.db.Complaint(f.ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// untranslated finds catalog keys that reached a page as text.
var untranslated = regexp.MustCompile(`[>\s(](?:app|nav|field|status|action|role|queue|complaint|intake|admin|account|login|level|channel|remedy|kind|perm|audit|error|flash|scenario|sort|filter|common|approval|event|reject|recourse|priority|nature|timing|validity|intent|upheld|cause)\.[a-z_.]*[a-z_][<\s)]`)

// Every page is served in Chinese and in English, with no catalog key left
// untranslated.
func TestEveryPageInBothLanguages(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.complaint("页面测试", "13812345678")
	f.act("agent", c.Number, kesu.Command{Action: kesu.ActionAccept})
	b := f.login("admin")
	b.post("/complaints/"+c.Number+"/note", url.Values{"body": {"内部备注"}, "csrf": {csrfField.FindStringSubmatch(b.get("/queue").body)[1]}})
	pages := []string{"/queue", "/queue?queue=all", "/queue?queue=breached", "/intake", "/complaints/" + c.Number, "/account",
		"/admin/users", "/admin/departments", "/admin/categories", "/admin/roles", "/admin/scripts", "/audit", "/complaints/TS404"}
	for _, lang := range []struct{ accept, htmlLang, marker string }{{"zh-CN", `lang="zh-CN"`, "退出登录"}, {"en", `lang="en"`, "Sign out"}} {
		b.lang = lang.accept
		for _, path := range pages {
			p := b.get(path)
			if (p.status != 200 && path != "/complaints/TS404") || !strings.Contains(p.body, lang.htmlLang) || !strings.Contains(p.body, lang.marker) {
				t.Errorf("%s in %s: %d", path, lang.accept, p.status)
			}
			if m := untranslated.FindString(p.body); m != "" {
				t.Errorf("%s in %s: untranslated %q", path, lang.accept, m)
			}
		}
	}
	// The switch sets a cookie that wins over Accept-Language.
	b.lang = "zh-CN"
	if p := b.get("/queue?lang=en"); !strings.Contains(p.body, "Complaint queues") {
		t.Errorf("?lang=en did not switch")
	}
	if p := b.get("/queue"); !strings.Contains(p.body, "Complaint queues") {
		t.Errorf("the switch was not remembered")
	}
	anon := f.browser()
	anon.lang = "en"
	if p := anon.get("/login"); !strings.Contains(p.body, "Sign in") {
		t.Errorf("login page in English")
	}
}

// Deadlines: the complaint page counts down each milestone, coloured by
// state, and the near-deadline and breached queues list what the SLA clocks
// say.
func TestSLAQueuesAndCountdowns(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	c := f.complaint("时限测试：冰箱不制冷", "13812345678")
	b := f.login("agent")
	if p := b.get("/complaints/" + c.Number); !strings.Contains(p.body, `data-state="ok"`) || strings.Contains(p.body, `data-state="breached"`) ||
		!strings.Contains(p.body, "（剩余 ") {
		t.Errorf("a new complaint's deadlines are not all on track")
	}
	f.clock.Advance(60 * 24 * time.Hour)
	if _, err := f.sla.FireDue(f.ctx); err != nil {
		t.Fatal(err)
	}
	b = f.login("agent")
	if p := b.get("/complaints/" + c.Number); !strings.Contains(p.body, `data-state="breached"`) || !strings.Contains(p.body, "sla-breached") ||
		!regexp.MustCompile(`（超时 \d+ 天）`).MatchString(p.body) {
		t.Errorf("the overdue complaint shows no breached deadline")
	}
	if p := b.get("/queue?queue=breached"); !strings.Contains(p.body, c.Number) || !regexp.MustCompile(`class="sla-breached">[^<]*（已超时 \d+ 天）`).MatchString(p.body) {
		t.Errorf("the breached queue does not list %s with how late it is", c.Number)
	}
	// The timeline says which deadline was missed, when it was due, and to
	// which level the complaint was escalated; the system is named as such.
	p := b.get("/complaints/" + c.Number)
	for _, want := range []string{`<span class="detail">首次响应 · 时限 `, "督办级别 0 → 1", `<span class="who">系统</span>`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
}

// The queue's next page keeps the search and the order, and the order holds
// over the whole queue, not one page of it.
func TestQueuePagesKeepSearchAndOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		var parcel []string // oldest first
		for i := 0; i < 105; i++ {
			parcel = append(parcel, f.complaint(fmt.Sprintf("快递丢件第%d次", i), "13800000000").Number)
			f.complaint("洗衣机漏水", "13900000000")
			f.clock.Advance(time.Minute)
		}
		agent := f.login("agent")
		p := agent.get("/queue?queue=all&sort=oldest&q=" + url.QueryEscape("快递"))
		next := regexp.MustCompile(`id="queue-next" href="([^"]+)"`).FindStringSubmatch(p.body)
		if next == nil || !strings.Contains(p.body, ">"+parcel[0]+"<") || strings.Contains(p.body, ">"+parcel[104]+"<") {
			t.Fatalf("first page of the oldest 快递 complaints: next %v", next)
		}
		p = agent.get(html.UnescapeString(next[1]))
		for _, n := range parcel[100:] {
			if !strings.Contains(p.body, ">"+n+"<") {
				t.Errorf("page 2 lacks %s", n)
			}
		}
		if strings.Contains(p.body, "洗衣机漏水") || strings.Contains(p.body, ">"+parcel[0]+"<") || strings.Contains(p.body, `id="queue-next"`) {
			t.Errorf("page 2 lost the search or the order")
		}
		// A caller's number finds their complaints (phones are masked on the
		// page, so it cannot be found by reading); other digits are text.
		p = agent.get("/queue?queue=all&q=" + url.QueryEscape("139 0000 0000"))
		if !strings.Contains(p.body, "洗衣机漏水") || strings.Contains(p.body, "快递丢件") {
			t.Errorf("search by the caller's phone")
		}
		if p = agent.get("/queue?queue=all&q=13700000000"); !strings.Contains(p.body, `id="queue-empty"`) {
			t.Errorf("a number nobody has lists complaints")
		}
	})
}

// A dispatch reaches the department's handler as an in-app notification:
// the header counts it on every page, the notifications page lists it, and
// opening it marks it read.
func TestNotificationsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		n := notify.New(notify.Config{DB: f.db, Clock: f.clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		f.db.AddEffect(n.Effect)
		c := f.complaint("快递丢件", "13800000000")
		f.act("agent", c.Number, kesu.Command{Action: kesu.ActionAccept})
		f.act("agent", c.Number, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales"})
		if _, err := n.DeliverDue(f.ctx); err != nil {
			t.Fatal(err)
		}
		h := f.login("handler")
		p := h.get("/queue")
		if !strings.Contains(p.body, `id="unread-count"`) {
			t.Fatalf("no unread count in the header")
		}
		p = h.get("/notifications")
		item := regexp.MustCompile(`id="notification-(\d+)" class="unread"`).FindStringSubmatch(p.body)
		if item == nil || !strings.Contains(p.body, "新派单 "+c.Number) {
			t.Fatalf("notifications page: %s", p.body)
		}
		if p = h.post("/notifications/"+item[1]+"/read", url.Values{"number": {c.Number}}); p.url != "/complaints/"+c.Number {
			t.Errorf("opening the notification went to %s", p.url)
		}
		if p = h.get("/notifications"); strings.Contains(p.body, `class="unread"`) || strings.Contains(p.body, `id="unread-count"`) {
			t.Errorf("the notification is still unread")
		}
		// Someone else's notification cannot be marked.
		if p = f.login("other").post("/notifications/"+item[1]+"/read", nil); p.status != http.StatusNotFound {
			t.Errorf("another user's notification: %d", p.status)
		}
		if p = f.login("agent").get("/notifications"); !strings.Contains(p.body, `id="notifications-empty"`) {
			t.Errorf("the agent sees notifications that are not theirs")
		}
	})
}

// The queue exports as CSV for Excel with its filters, to the roles that may
// export; personal data is masked for a role that may not see it, and every
// export is in the audit trail.
func TestQueueExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.complaint("快递丢件", "13812345678")
		other := f.complaint("洗衣机漏水", "13900001111")
		f.act("agent", other.Number, kesu.Command{Action: kesu.ActionAccept})
		sup := f.login("super")
		p := sup.get("/queue?queue=all&status=registered")
		link := regexp.MustCompile(`id="queue-export" href="([^"]+)"`).FindStringSubmatch(p.body)
		if link == nil {
			t.Fatalf("no export link for the supervisor")
		}
		p = sup.get(html.UnescapeString(link[1]))
		if p.status != 200 || !strings.HasPrefix(p.body, "\ufeff") || !strings.Contains(p.body, "快递丢件") ||
			strings.Contains(p.body, "洗衣机漏水") || !strings.Contains(p.body, "13812345678") {
			t.Fatalf("supervisor's export (%d): %q", p.status, p.body)
		}
		if p = f.login("analyst").get(html.UnescapeString(link[1])); p.status != 200 || strings.Contains(p.body, "13812345678") ||
			!strings.Contains(p.body, "138****5678") {
			t.Errorf("analyst's export is not masked: %q", p.body)
		}
		agent := f.login("agent")
		if p = agent.get("/queue?queue=all"); strings.Contains(p.body, `id="queue-export"`) {
			t.Errorf("an agent is offered the export")
		}
		if p = agent.get(html.UnescapeString(link[1])); p.status != http.StatusForbidden {
			t.Errorf("agent export: %d", p.status)
		}
		ev, err := f.db.AuditEvents(f.ctx, store.AuditFilter{Action: store.AuditExport})
		if err != nil || len(ev) != 2 {
			t.Errorf("audited exports: %d %v", len(ev), err)
		}
	})
}

// An admin form the store refuses shows the page again with the reason, in
// Chinese, and what was typed; nothing is created.
func TestAdminFormsKeepWhatWasTyped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		a := f.login("admin")
		a.get("/admin/departments")
		p := a.post("/admin/departments", url.Values{"code": {"after_sales"}, "name": {"售后二部"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `role="alert"`) || !strings.Contains(p.body, `value="售后二部"`) {
			t.Errorf("duplicate department: %d", p.status)
		}
		a.get("/admin/users")
		p = a.post("/admin/users", url.Values{"email": {"agent@kesu.test"}, "name": {"重名的人"}, "role": {"handler"}, "department": {"logistics"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `value="重名的人"`) ||
			!regexp.MustCompile(`<option value="logistics" selected>`).MatchString(p.body) {
			t.Errorf("duplicate user: %d", p.status)
		}
		a.get("/admin/categories")
		p = a.post("/admin/categories", url.Values{"code": {"Bad Code!"}, "name": {"新分类"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `value="Bad Code!"`) {
			t.Errorf("bad category code: %d", p.status)
		}
		deps, _ := f.db.Departments(f.ctx)
		for _, d := range deps {
			if d.Name == "售后二部" {
				t.Errorf("a refused department was created")
			}
		}
	})
}
