package web

// Browser tests: chromedp drives headless Chromium (Debian's chromium
// package) through the whole journey of a complaint, across the customer
// portal and the agent workspace, and saves screenshots of the main pages
// at desktop width and at 375 px (a phone).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// ScreenshotDir is where the browser tests save screenshots: $KESU_SCREENSHOTS,
// else kesu-screenshots in the temporary directory (`make test` prints it).
func screenshotDir() string {
	if d := os.Getenv("KESU_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "kesu-screenshots")
}

func chromiumPath() string {
	if p := os.Getenv("KESU_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts headless Chromium with a fresh profile; it skips the
// test (fails under KESU_TEST_REQUIRE_ALL=1) when Chromium is absent.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		storetest.Missing(t, "Chromium: install Debian's chromium package (.ci/run does) or set KESU_CHROMIUM")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"), // the workspace's default language; the English switch is tested too
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// journey is the browser and the server it visits.
type journey struct {
	t      *testing.T
	f      *fixture
	ctx    context.Context
	shots  string
	number string
}

func (j *journey) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	if err := chromedp.Do(j.ctx, actions...); err != nil {
		body, _ := chromedp.Run(j.ctx, chromedp.Text(chromedp.CSS("body")))
		j.t.Fatalf("%s: %v\npage text: %.1500s", what, err, body)
	}
}

func (j *journey) url(path string) string { return j.f.srv.URL + path }

// desktop and phone switch the viewport.
func (j *journey) desktop() { j.run("desktop", chromedp.EmulateViewport(1280, 900)) }
func (j *journey) phone()   { j.run("phone", chromedp.EmulateViewport(375, 812)) }

// shot saves a full-page screenshot of the current page at desktop width
// and at 375 px.
func (j *journey) shot(name string) {
	j.t.Helper()
	for _, v := range []struct {
		suffix string
		w, h   int64
	}{{"desktop", 1280, 900}, {"375px", 375, 812}} {
		j.run("viewport "+name, chromedp.EmulateViewport(v.w, v.h), chromedp.Sleep(50*time.Millisecond))
		png, err := chromedp.Run(j.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			j.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(j.shots, name+"-"+v.suffix+".png"), png, 0o644); err != nil {
			j.t.Fatal(err)
		}
		// Nothing may stick out sideways on a phone: the page would scroll
		// both ways.
		wide, err := chromedp.Run(j.ctx, chromedp.Evaluate[[]string](overflowingElements))
		if err != nil {
			j.t.Fatalf("overflow %s: %v", name, err)
		}
		if len(wide) > 0 {
			j.t.Errorf("%s at %s: wider than the screen: %v", name, v.suffix, wide)
		}
	}
	j.desktop()
}

// overflowingElements lists, when the page scrolls sideways, (up to 5)
// elements whose right edge lies past the viewport, innermost first, as
// tag#id.class.
const overflowingElements = `(() => {
	const w = document.documentElement.clientWidth, out = [];
	if (document.documentElement.scrollWidth <= w) return out; // wide tables scroll in their own box
	for (const el of document.body.querySelectorAll("*")) {
		const r = el.getBoundingClientRect();
		if (r.width > 0 && r.right > w + 1 && ![...el.children].some(c => c.getBoundingClientRect().right > w + 1)) {
			out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " +" + Math.round(r.right - w) + "px");
		}
		if (out.length >= 5) break;
	}
	return out;
})()`

func (j *journey) login(short string) {
	j.t.Helper()
	j.run("login "+short,
		chromedp.Navigate(j.url("/login")),
		chromedp.WaitVisible(chromedp.CSS("#login-submit")),
		chromedp.SendKeys(chromedp.CSS("#email"), short+"@kesu.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#logout")))
}

func (j *journey) logout() {
	j.t.Helper()
	j.run("logout", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-submit")))
}

func (j *journey) openComplaint() {
	j.t.Helper()
	// A navigation that starts while the previous page is still settling
	// (the redirect after a form) can be aborted by the browser: try again.
	for try := 0; ; try++ {
		err := chromedp.Do(j.ctx, chromedp.Navigate(j.url("/complaints/"+j.number)), chromedp.WaitVisible(chromedp.CSS("#complaint-status")))
		if err == nil {
			return
		}
		if try == 2 || !strings.Contains(err.Error(), "ERR_ABORTED") {
			j.t.Fatalf("open %s: %v", j.number, err)
		}
		j.run("settle", chromedp.Sleep(200*time.Millisecond))
	}
}

// act opens an action's form on the complaint page, runs fill and submits.
func (j *journey) act(action kesu.Action, want kesu.Status, fill ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	j.openComplaint()
	steps := []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#action-" + string(action) + " > summary"))}
	steps = append(steps, fill...)
	steps = append(steps, chromedp.Click(chromedp.CSS("#do-"+string(action))),
		chromedp.WaitVisible(chromedp.CSS(`#complaint-status[data-status="`+string(want)+`"]`)))
	j.run(string(action), steps...)
	j.wantStatus(want)
}

func (j *journey) wantStatus(want kesu.Status) {
	j.t.Helper()
	c, err := j.f.db.Complaint(j.f.ctx, j.number)
	if err != nil {
		j.t.Fatal(err)
	}
	if c.Status != want {
		j.t.Fatalf("complaint %s is %s, want %s", j.number, c.Status, want)
	}
}

// portalAct clicks a portal action button and waits for the new status.
func (j *journey) portalAct(what string, want kesu.Status, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	actions = append(actions, chromedp.WaitVisible(chromedp.CSS(`#status[data-status="`+string(want)+`"]`)))
	j.run(what, actions...)
	j.wantStatus(want)
}

// The whole journey: a customer submits on the portal, an agent accepts and
// dispatches, a handler of another department is refused, the handler signs
// and proposes, the customer verifies with a one-time code and accepts, the
// handler completes, the customer rates 2 and appeals, a supervisor reopens,
// the handler completes again and the customer closes it. Internal notes
// never show on the customer's pages.
func TestBrowserJourney(t *testing.T) {
	ctx := newBrowser(t)
	f := newFixture(t, storetest.SQLite(t))
	shots := screenshotDir()
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
	j := &journey{t: t, f: f, ctx: ctx, shots: shots}

	// 1. The customer submits on the portal, on a phone.
	j.phone()
	j.run("portal submit",
		chromedp.Navigate(j.url("/portal/submit")),
		chromedp.WaitVisible(chromedp.CSS("#submit-button")),
		chromedp.SendKeys(chromedp.CSS("#name"), "张三"),
		chromedp.SendKeys(chromedp.CSS("#phone"), "13812345678"),
		chromedp.SetValue(chromedp.CSS("#category"), "quality"),
		chromedp.SendKeys(chromedp.CSS("#description"), "新买的洗衣机第二次使用就漏水，地板泡坏了，要求退款。"),
		chromedp.SetValue(chromedp.CSS("#remedy"), "refund"),
		chromedp.SendKeys(chromedp.CSS("#amount"), "199.00"))
	j.shot("portal-submit")
	j.phone()
	j.run("portal submitted", chromedp.Click(chromedp.CSS("#submit-button")),
		chromedp.WaitVisible(chromedp.CSS("#complaint-number")))
	j.number = strings.TrimSpace(j.text("#complaint-number"))
	j.shot("portal-submitted")
	j.wantStatus(kesu.StatusRegistered)

	// 2. An agent accepts and dispatches to after-sales.
	j.desktop()
	j.run("login page", chromedp.Navigate(j.url("/login")), chromedp.WaitVisible(chromedp.CSS("#login-submit")))
	j.shot("login")
	j.login("agent")
	j.run("queue", chromedp.Navigate(j.url("/queue?queue=unassigned")), chromedp.WaitVisible(chromedp.CSS("#queue-table")))
	queueText := j.text("#queue-table")
	if !strings.Contains(queueText, j.number) || strings.Contains(queueText, "13812345678") || !strings.Contains(queueText, "138****5678") {
		t.Errorf("queue shows %q", queueText)
	}
	j.shot("queue")
	j.act(kesu.ActionAccept, kesu.StatusAccepted)
	j.act(kesu.ActionDispatch, kesu.StatusDispatched, chromedp.SetValue(chromedp.CSS("#department-dispatch"), "after_sales"))
	j.run("intake page", chromedp.Navigate(j.url("/intake")), chromedp.WaitVisible(chromedp.CSS("#intake-submit")))
	// The same story again on the hotline: leaving the description (Tab)
	// shows the portal's complaint as a possible duplicate before saving.
	j.run("intake duplicate check", chromedp.SendKeys(chromedp.CSS("#i-phone"), "13812345678"),
		chromedp.SendKeys(chromedp.CSS("#i-description"), "新买的洗衣机第二次使用就漏水，地板泡坏了，要求退款。\t"),
		chromedp.WaitVisible(chromedp.CSS("#dup-"+j.number)))
	j.shot("intake")
	j.logout()

	// 3. A handler of another department cannot open it.
	j.login("other")
	j.run("other department", chromedp.Navigate(j.url("/complaints/"+j.number)),
		chromedp.WaitVisible(chromedp.CSS("#error-title")))
	errTitle := j.text("#error-title")
	if !strings.HasPrefix(errTitle, "403") {
		t.Errorf("another department's handler sees %q, want 403", errTitle)
	}
	j.logout()

	// 4. The handler signs, writes an internal note and proposes a refund.
	const secret = "内部备注：供应商批次缺陷，向供应商追偿"
	j.login("handler")
	j.act(kesu.ActionSign, kesu.StatusInProgress)
	j.openComplaint()
	j.run("internal note", chromedp.SendKeys(chromedp.CSS("#note-body"), secret), chromedp.Click(chromedp.CSS("#add-note")),
		chromedp.WaitVisible(chromedp.Search(`//li[contains(@class, "internal")]/p[contains(., "供应商批次")]`)))
	j.act(kesu.ActionPropose, kesu.StatusSolutionProposed,
		chromedp.SetValue(chromedp.CSS("#remedy-propose"), "refund"),
		chromedp.SendKeys(chromedp.CSS("#amount-propose"), "199.00"),
		chromedp.SendKeys(chromedp.CSS("#description-propose"), "全额退款并上门取回"))
	j.openComplaint()
	j.shot("complaint")
	j.logout()

	// 5. The customer verifies with a one-time code (read from the outbox:
	// no SMS gateway exists here) and accepts the proposal.
	j.phone()
	j.run("track", chromedp.Navigate(j.url("/portal/track")), chromedp.WaitVisible(chromedp.CSS("#code-button")),
		chromedp.SendKeys(chromedp.CSS("#number"), j.number), chromedp.Click(chromedp.CSS("#code-button")),
		chromedp.WaitVisible(chromedp.CSS("#verify-button")))
	j.run("verify", chromedp.SendKeys(chromedp.CSS("#code"), j.code()), chromedp.Click(chromedp.CSS("#verify-button")),
		chromedp.WaitVisible(chromedp.CSS("#status")))
	j.noInternalNote(secret)
	j.shot("portal-complaint")
	j.phone()
	j.portalAct("customer accepts", kesu.StatusExecuting, chromedp.Click(chromedp.CSS("#accept-button")))

	// 6. The handler completes.
	j.desktop()
	j.login("handler")
	j.act(kesu.ActionComplete, kesu.StatusResolved, chromedp.SendKeys(chromedp.CSS("#note-complete"), "已退款 199.00 元"))
	j.logout()

	// 7. The customer rates 2 and closes, then appeals.
	j.phone()
	j.run("portal again", chromedp.Navigate(j.url("/portal/complaint")), chromedp.WaitVisible(chromedp.CSS("#rate-button")))
	j.portalAct("rate 2", kesu.StatusClosed, chromedp.Click(chromedp.CSS("#satisfaction-2")),
		chromedp.SendKeys(chromedp.CSS("#rate-comment"), "退款太慢"), chromedp.Click(chromedp.CSS("#rate-button")))
	j.portalAct("appeal", kesu.StatusAppealed, chromedp.SendKeys(chromedp.CSS("#appeal-note"), "地板损失没有赔偿"),
		chromedp.Click(chromedp.CSS("#appeal-button")))
	j.noInternalNote(secret)

	// 8. A supervisor reopens (the appeal is upheld); the handler completes
	// again; the customer is satisfied and it is closed.
	j.desktop()
	j.login("super")
	j.act(kesu.ActionReopen, kesu.StatusInProgress, chromedp.SendKeys(chromedp.CSS("#note-reopen"), "申诉成立，补偿地板损失"))
	j.logout()
	j.login("handler")
	j.act(kesu.ActionComplete, kesu.StatusResolved, chromedp.SendKeys(chromedp.CSS("#note-complete"), "已补偿地板损失"))
	j.logout()
	j.phone()
	j.run("portal last", chromedp.Navigate(j.url("/portal/complaint")), chromedp.WaitVisible(chromedp.CSS("#rate-button")))
	j.portalAct("rate 5", kesu.StatusClosed, chromedp.Click(chromedp.CSS("#satisfaction-5")), chromedp.Click(chromedp.CSS("#rate-button")))
	j.noInternalNote(secret)
	c, _ := f.db.Complaint(f.ctx, j.number)
	if c.Satisfaction != 5 || c.ReopenCount != 1 || c.AppealCount != 1 {
		t.Errorf("final complaint: satisfaction %d, reopened %d, appealed %d", c.Satisfaction, c.ReopenCount, c.AppealCount)
	}

	// 9. Screenshots of the remaining main pages, in both languages.
	j.desktop()
	j.login("admin")
	for _, p := range []struct{ name, path, wait string }{
		{"admin-users", "/admin/users", "#nu-email"}, {"admin-roles", "/admin/roles", "#limit-agent"},
		{"admin-scripts", "/admin/scripts", "#s-code"}, {"complaint-closed", "/complaints/" + j.number, "#complaint-status"},
		{"queue-en", "/queue?queue=all&lang=en", "#queue-table"},
	} {
		j.run(p.name, chromedp.Navigate(j.url(p.path)), chromedp.WaitVisible(p.wait))
		j.shot(p.name)
	}
	j.run("back to Chinese", chromedp.Navigate(j.url("/queue?lang=zh-CN")), chromedp.WaitVisible(chromedp.CSS("#queue-table")))
}

// code reads the newest one-time code sent for the complaint.
func (j *journey) code() string {
	j.t.Helper()
	msgs, err := j.f.db.Outbox(j.f.ctx, store.OutboxFilter{})
	if err != nil {
		j.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Template == "otp" && fmt.Sprint(m.Data["number"]) == j.number {
			return fmt.Sprint(m.Data["code"])
		}
	}
	j.t.Fatalf("no one-time code for %s in the outbox", j.number)
	return ""
}

func (j *journey) noInternalNote(secret string) {
	j.t.Helper()
	html, err := chromedp.Run(j.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		j.t.Fatal(err)
	}
	if strings.Contains(html, secret) || strings.Contains(html, "供应商") {
		j.t.Errorf("the customer's page shows the internal note")
	}
}

// text reads the text of the element sel.
func (j *journey) text(sel string) string {
	j.t.Helper()
	s, err := chromedp.Run(j.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		j.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}
