package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// The customer's whole journey over HTTP, on both backends: submit (with a
// bad try first and a double submit), track with a code, reply, add
// evidence, object to and accept a solution, rate, appeal, and never see an
// internal note.
func TestJourney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		code, body := f.get("/portal/")
		if code != 200 || !strings.Contains(body, "我要投诉") || !strings.Contains(body, `lang="zh-CN"`) {
			t.Fatalf("home: %d\n%s", code, body)
		}
		if code, body := f.get("/portal/static/portal.css"); code != 200 || !strings.Contains(body, "max-width") {
			t.Fatalf("css: %d", code)
		}

		// Bad input: a clear error on the page, nothing registered.
		v := f.submitValues(map[string]string{"description": "", "amount": "12.345", "category": "nope"})
		code, body = f.postMultipart("/portal/submit", v)
		if code != http.StatusBadRequest || !strings.Contains(body, "请填写问题描述") ||
			!strings.Contains(body, "请至少填写手机号码或电子邮箱中的一项") || !strings.Contains(body, "金额格式不正确") ||
			!strings.Contains(body, "请选择列表中的问题类型") || !strings.Contains(body, `id="error-summary"`) {
			t.Fatalf("bad submit: %d\n%s", code, body)
		}
		if n := f.complaintCount(); n != 0 {
			t.Fatalf("a bad submit registered %d complaints", n)
		}
		v = f.submitValues(map[string]string{"phone": "13812345678", "description": "洗衣机漏水", "email": "not-an-email"})
		if code, body = f.postMultipart("/portal/submit", v); code != 400 || !strings.Contains(body, "电子邮箱格式不正确") {
			t.Fatalf("bad email: %d\n%s", code, body)
		}
		// A number that cannot receive the code would lock the customer out.
		for _, phone := range []string{"12345", "1380000111122223333", "021-62345678"} {
			v = f.submitValues(map[string]string{"phone": phone, "description": "洗衣机漏水"})
			if code, body = f.postMultipart("/portal/submit", v); code != 400 || !strings.Contains(body, "请填写能接收短信验证码的手机号码") {
				t.Fatalf("phone %s: %d", phone, code)
			}
		}
		if n := f.complaintCount(); n != 0 {
			t.Fatalf("a number that cannot take a code registered %d complaints", n)
		}
		// A file type that is not evidence is refused, and nothing registered.
		v = f.submitValues(map[string]string{"phone": "13812345678", "description": "洗衣机漏水"})
		if code, body = f.postMultipart("/portal/submit", v, upload{"photos", "x.exe", []byte("MZ\x90\x00\x03binary\x00\x00")}); code != 400 || !strings.Contains(body, "文件无法接受") {
			t.Fatalf("bad file: %d\n%s", code, body)
		}
		if n := f.complaintCount(); n != 0 {
			t.Fatalf("a refused file registered %d complaints", n)
		}

		// A good submit, sent twice (double tap): one complaint.
		v = f.submitValues(map[string]string{"name": "张三", "phone": "138 1234 5678", "category": "quality.battery",
			"description": "电动车电池充不进电，第二次了。", "remedy": "refund", "amount": "1999.00", "order_no": "ORD-9"})
		code, body = f.postMultipart("/portal/submit", v, upload{"photos", "电池.png", pngBytes})
		if code != 200 || !strings.Contains(body, "投诉已提交") {
			t.Fatalf("submit: %d\n%s", code, body)
		}
		number := numberOn(t, body)
		code, body = f.postMultipart("/portal/submit", v, upload{"photos", "电池.png", pngBytes})
		if code != 200 || numberOn(t, body) != number || f.complaintCount() != 1 {
			t.Fatalf("double submit: %d, %d complaints\n%s", code, f.complaintCount(), body)
		}
		c, err := f.db.Complaint(f.ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		if c.Channel != kesu.ChannelWeb || c.Category != "quality.battery" || c.Customer.Phone != "13812345678" ||
			c.Expectation.Remedy != kesu.RemedyRefund || c.Expectation.Amount != 199900 || c.OrderNo != "ORD-9" {
			t.Fatalf("registered: %+v", c)
		}
		atts, _ := f.db.Attachments(f.ctx, c.ID, false)
		if len(atts) != 1 || atts[0].Visibility != kesu.VisibilityCustomer || atts[0].ContentType != "image/png" {
			t.Fatalf("attachments after a double submit: %+v", atts)
		}

		// Staff work, with internal notes and an internal attachment.
		f.transition(number, kesu.Command{Action: kesu.ActionAccept}, f.agent)
		f.transition(number, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales", Note: "内部派单说明SECRET1"}, f.agent)
		f.transition(number, kesu.Command{Action: kesu.ActionSign}, f.handler)
		if _, err := f.db.AddPost(f.ctx, number, kesu.NewPost{Body: "内部备注SECRET2：客户疑似恶意索赔"}, f.handler, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.AddAttachment(f.ctx, number, kesu.Attachment{Filename: "internal-SECRET3.png", ContentType: "image/png",
			Size: int64(len(pngBytes)), SHA256: atts[0].SHA256, Visibility: kesu.VisibilityInternal}, f.handler, t0); err != nil {
			t.Fatal(err)
		}
		f.transition(number, kesu.Command{Action: kesu.ActionRequestInfo, Note: "请提供购买凭证"}, f.handler)

		// Track: a session on the complaint with the customer-visible timeline.
		f.client = f.newClient()
		body = f.signIn(strings.ToLower(number))
		for _, secret := range []string{"SECRET1", "SECRET2", "SECRET3", "恶意"} {
			if strings.Contains(body, secret) {
				t.Fatalf("internal content %q on the customer page:\n%s", secret, body)
			}
		}
		if !strings.Contains(body, "等待您补充信息") || !strings.Contains(body, "请提供购买凭证") || !strings.Contains(body, `id="reply-needed"`) {
			t.Fatalf("tracking page:\n%s", body)
		}
		// The customer-visible photo can be downloaded, the internal one not.
		all, _ := f.db.Attachments(f.ctx, c.ID, false)
		if code, _ := f.get("/portal/complaint/attachments/" + itoa(all[0].ID)); code != 200 {
			t.Fatalf("download: %d", code)
		}
		if code, _ := f.get("/portal/complaint/attachments/" + itoa(all[1].ID)); code != 404 {
			t.Fatalf("internal attachment: %d", code)
		}
		f.get("/portal/complaint")

		// Reply: resumes handling (customer_reply).
		if code, body = f.post("/portal/complaint/reply", url.Values{"body": {"  "}}); code != 400 || !strings.Contains(body, "请填写留言内容") {
			t.Fatalf("empty reply: %d\n%s", code, body)
		}
		if code, body = f.post("/portal/complaint/reply", url.Values{"body": {"凭证已上传"}}); code != 200 || !strings.Contains(body, "留言已发送") {
			t.Fatalf("reply: %d\n%s", code, body)
		}
		if s := f.status(number); s != kesu.StatusInProgress {
			t.Fatalf("after reply: %s", s)
		}
		// Evidence.
		if code, body = f.postMultipart("/portal/complaint/evidence", url.Values{}, upload{"files", "发票.png", pngBytes}); code != 200 || !strings.Contains(body, "材料已上传") || !strings.Contains(body, "发票.png") {
			t.Fatalf("evidence: %d\n%s", code, body)
		}
		// A message while in progress is a plain post.
		if code, _ = f.post("/portal/complaint/reply", url.Values{"body": {"什么时候处理好？"}}); code != 200 || f.status(number) != kesu.StatusInProgress {
			t.Fatalf("message: %d %s", code, f.status(number))
		}

		// A solution: object (a reason is required), then accept the next one.
		f.transition(number, kesu.Command{Action: kesu.ActionPropose, Proposal: &kesu.Proposal{Remedy: kesu.RemedyRepair, Description: "免费维修"}}, f.handler)
		code, body = f.get("/portal/complaint")
		if !strings.Contains(body, `id="accept-button"`) || !strings.Contains(body, `id="object-button"`) || !strings.Contains(body, "免费维修") {
			t.Fatalf("proposal page:\n%s", body)
		}
		if code, body = f.post("/portal/complaint/action", url.Values{"action": {"customer_object"}}); code != 400 || !strings.Contains(body, "请说明不接受方案的原因") {
			t.Fatalf("objection without reason: %d\n%s", code, body)
		}
		if s := f.status(number); s != kesu.StatusSolutionProposed {
			t.Fatalf("a refused objection changed the status: %s", s)
		}
		if code, _ = f.post("/portal/complaint/action", url.Values{"action": {"customer_object"}, "note": {"我要退款，不要维修"}}); code != 200 || f.status(number) != kesu.StatusInProgress {
			t.Fatalf("objection: %d %s", code, f.status(number))
		}
		// An action the lifecycle does not allow now.
		if code, body = f.post("/portal/complaint/action", url.Values{"action": {"customer_accept"}}); code != 409 || !strings.Contains(body, "投诉状态已经变化") {
			t.Fatalf("accept in progress: %d\n%s", code, body)
		}
		// Staff-only actions are refused outright.
		if code, _ = f.post("/portal/complaint/action", url.Values{"action": {"complete"}}); code != 400 {
			t.Fatalf("staff action: %d", code)
		}
		amount, _ := kesu.ParseMoney("1999.00")
		f.transition(number, kesu.Command{Action: kesu.ActionPropose, Proposal: &kesu.Proposal{Remedy: kesu.RemedyRefund, Amount: amount}}, f.handler)
		f.get("/portal/complaint")
		if code, _ = f.post("/portal/complaint/action", url.Values{"action": {"customer_accept"}}); code != 200 || f.status(number) != kesu.StatusExecuting {
			t.Fatalf("accept: %d %s", code, f.status(number))
		}
		f.transition(number, kesu.Command{Action: kesu.ActionComplete, Note: "已退款"}, f.handler)

		// Rate 2 (a rating is required), then appeal within the window.
		code, body = f.get("/portal/complaint")
		if !strings.Contains(body, `id="rate-form"`) || !strings.Contains(body, `id="satisfaction-2"`) {
			t.Fatalf("rating form:\n%s", body)
		}
		if code, body = f.post("/portal/complaint/action", url.Values{"action": {"close"}, "satisfaction": {"7"}}); code != 400 || !strings.Contains(body, "请选择1到5分的满意度") {
			t.Fatalf("bad rating: %d\n%s", code, body)
		}
		if code, _ = f.post("/portal/complaint/action", url.Values{"action": {"close"}, "satisfaction": {"2"}, "comment": {"太慢了"}}); code != 200 {
			t.Fatalf("rate: %d", code)
		}
		c, _ = f.db.Complaint(f.ctx, number)
		if c.Status != kesu.StatusClosed || c.Satisfaction != 2 || c.SatisfactionComment != "太慢了" {
			t.Fatalf("after rating: %s %d %q", c.Status, c.Satisfaction, c.SatisfactionComment)
		}
		code, body = f.get("/portal/complaint")
		if !strings.Contains(body, `id="appeal-button"`) {
			t.Fatalf("no appeal offered:\n%s", body)
		}
		if code, _ = f.post("/portal/complaint/action", url.Values{"action": {"appeal"}, "note": {"处理太慢，要求赔偿"}}); code != 200 || f.status(number) != kesu.StatusAppealed {
			t.Fatalf("appeal: %d %s", code, f.status(number))
		}
		f.transition(number, kesu.Command{Action: kesu.ActionReopen}, f.super)
		if s := f.status(number); s != kesu.StatusInProgress {
			t.Fatalf("reopened: %s", s)
		}

		// The complaint's events written by the portal carry the customer role.
		evs, _ := f.db.Events(f.ctx, c.ID, false)
		customerEvents := 0
		for _, e := range evs {
			if e.ActorRole == kesu.RoleCustomer {
				customerEvents++
				if e.Visibility != kesu.VisibilityCustomer {
					t.Fatalf("customer event not visible to the customer: %+v", e)
				}
			}
		}
		if customerEvents < 8 {
			t.Fatalf("customer events: %d", customerEvents)
		}

		// Withdraw, then nothing more can be posted; sign out ends the session.
		f.get("/portal/complaint")
		if code, _ = f.post("/portal/complaint/action", url.Values{"action": {"withdraw"}, "note": {"已私下解决"}}); code != 200 || f.status(number) != kesu.StatusWithdrawn {
			t.Fatalf("withdraw: %d %s", code, f.status(number))
		}
		if code, _ = f.post("/portal/complaint/reply", url.Values{"body": {"还在吗"}}); code != 409 {
			t.Fatalf("reply after withdraw: %d", code)
		}
		f.get("/portal/complaint")
		if code, _ = f.post("/portal/signout", url.Values{}); code != 200 {
			t.Fatalf("signout: %d", code)
		}
		if code, body = f.get("/portal/complaint"); !strings.Contains(body, `id="track-form"`) {
			t.Fatalf("after signout: %d\n%s", code, body)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Asking for a code answers the same for a number that exists and one that
// does not; a wrong code and an unknown number fail the same way.
func TestCodeNonDisclosure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		res, err := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Description: "漏水", Customer: kesu.Customer{Email: "a@example.com"}},
			kesu.Actor{Role: kesu.RoleCustomer}, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		known := res.Complaint.Number
		unknown := "TS20261123999999"
		page := func(number string) (int, string) {
			f.get("/portal/track")
			code, body := f.post("/portal/track", url.Values{"number": {number}})
			body = strings.ReplaceAll(body, number, "NUMBER")
			return code, csrfPattern.ReplaceAllString(body, "")
		}
		c1, b1 := page(known)
		c2, b2 := page(unknown)
		if c1 != 200 || c1 != c2 || b1 != b2 {
			t.Fatalf("the answers differ:\n%d %s\n---\n%d %s", c1, b1, c2, b2)
		}
		msgs, _ := f.db.Outbox(f.ctx, store.OutboxFilter{})
		if len(msgs) != 1 || msgs[0].Channel != "email" || msgs[0].Recipient != "a@example.com" {
			t.Fatalf("outbox: %+v", msgs)
		}
		verify := func(number, code string) (int, string) {
			st, body := f.post("/portal/verify", url.Values{"number": {number}, "code": {code}})
			body = strings.ReplaceAll(body, number, "NUMBER")
			return st, csrfPattern.ReplaceAllString(body, "")
		}
		wrong := "000000"
		if f.latestCode(known) == wrong {
			wrong = "111111"
		}
		c1, b1 = verify(known, wrong)
		c2, b2 = verify(unknown, wrong)
		if c1 != 400 || c1 != c2 || b1 != b2 || !strings.Contains(b1, "验证码错误或已过期") {
			t.Fatalf("wrong-code answers differ:\n%d %s\n---\n%d %s", c1, b1, c2, b2)
		}
		// A malformed number is refused for its shape only.
		if code, body := f.post("/portal/track", url.Values{"number": {"<script>"}}); code != 400 || !strings.Contains(body, "请输入正确的投诉编号") {
			t.Fatalf("malformed number: %d\n%s", code, body)
		}
	})
}

func TestCodeExpiryAndRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		res, err := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Description: "漏水", Customer: kesu.Customer{Phone: "13900000000"}},
			kesu.Actor{Role: kesu.RoleCustomer}, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		number := res.Complaint.Number
		f.get("/portal/track")
		f.post("/portal/track", url.Values{"number": {number}})
		code := f.latestCode(number)
		f.clock.Advance(10*time.Minute + time.Second)
		if st, body := f.post("/portal/verify", url.Values{"number": {number}, "code": {code}}); st != 400 || !strings.Contains(body, "验证码错误或已过期") {
			t.Fatalf("expired code: %d\n%s", st, body)
		}
		// Within the hour: 5 codes per number, then refused (4 more here).
		for i := 0; i < 4; i++ {
			if st, _ := f.post("/portal/track", url.Values{"number": {number}}); st != 200 {
				t.Fatalf("request %d: %d", i, st)
			}
		}
		st, body := f.post("/portal/track", url.Values{"number": {number}})
		if st != http.StatusTooManyRequests || !strings.Contains(body, "操作太频繁") {
			t.Fatalf("sixth request: %d\n%s", st, body)
		}
		// The latest code still works within its 10 minutes.
		if st, _ := f.post("/portal/verify", url.Values{"number": {number}, "code": {f.latestCode(number)}}); st != 200 {
			t.Fatalf("latest code: %d", st)
		}
		// A session is short-lived.
		if st, body := f.get("/portal/complaint"); st != 200 || !strings.Contains(body, number) {
			t.Fatalf("session: %d", st)
		}
		f.clock.Advance(31 * time.Minute)
		if _, body := f.get("/portal/complaint"); !strings.Contains(body, `id="track-form"`) {
			t.Fatalf("expired session still open:\n%s", body)
		}
	})
}

func TestCSRFAndCookies(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), Config{})
	f.get("/portal/track")
	// No token, a wrong token, a cross-site request: refused, nothing done.
	for _, v := range []url.Values{{"number": {"TS1"}, "csrf": {""}}, {"number": {"TS1"}, "csrf": {"forged"}}} {
		req, _ := http.NewRequest("POST", f.srv.URL+"/portal/track", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if code, body := f.do(req); code != 403 || !strings.Contains(body, "页面已过期") {
			t.Fatalf("bad token: %d\n%s", code, body)
		}
	}
	f.get("/portal/track")
	req, _ := http.NewRequest("POST", f.srv.URL+"/portal/track", strings.NewReader(url.Values{"number": {"TS1"}, "csrf": {f.csrf()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if code, _ := f.do(req); code != 403 {
		t.Fatalf("cross-site post: %d", code)
	}
	msgs, _ := f.db.Outbox(f.ctx, store.OutboxFilter{})
	if len(msgs) != 0 {
		t.Fatalf("a refused post did something: %+v", msgs)
	}
	// A fresh client (no cookie) posting a token from another visitor: refused.
	tok := f.csrf()
	f.client = f.newClient()
	if code, _ := f.post("/portal/track", url.Values{"number": {"TS1"}, "csrf": {tok}}); code != 403 {
		t.Fatalf("token without its cookie: %d", code)
	}
	// Session cookie flags.
	res, _ := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Description: "x", Customer: kesu.Customer{Phone: "13900000001"}}, kesu.Actor{Role: kesu.RoleCustomer}, t0, nil)
	f.get("/portal/track")
	f.post("/portal/track", url.Values{"number": {res.Complaint.Number}})
	f.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	v := url.Values{"number": {res.Complaint.Number}, "code": {f.latestCode(res.Complaint.Number)}, "csrf": {f.csrf()}}
	req, _ = http.NewRequest("POST", f.srv.URL+"/portal/verify", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			sc = c
		}
	}
	if resp.StatusCode != 303 || sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/portal/" || sc.MaxAge <= 0 {
		t.Fatalf("session cookie: %d %+v", resp.StatusCode, sc)
	}
}

func TestEnglishAndPages(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), Config{})
	code, body := f.get("/portal/submit?lang=en")
	if code != 200 || !strings.Contains(body, "Submit a complaint") || !strings.Contains(body, `lang="en"`) ||
		!strings.Contains(body, "Battery") || !strings.Contains(body, `href="/portal/submit?lang=zh-CN"`) {
		t.Fatalf("english submit page: %d\n%s", code, body)
	}
	// The choice is kept by a cookie.
	if _, body = f.get("/portal/track"); !strings.Contains(body, "Track your complaint") {
		t.Fatalf("language not kept:\n%s", body)
	}
	if code, body = f.get("/portal/nowhere"); code != 404 || !strings.Contains(body, "There is no such page") {
		t.Fatalf("404: %d\n%s", code, body)
	}
	if code, _ = f.get("/portal/complaint/attachments/1"); code != 401 {
		t.Fatalf("attachment without a session: %d", code)
	}
	// Every page has labels for its fields and a viewport for phones.
	for _, p := range []string{"/portal/", "/portal/submit", "/portal/track"} {
		_, body := f.get(p + "?lang=zh-CN")
		if !strings.Contains(body, `name="viewport"`) || strings.Count(body, "<input id=") > strings.Count(body, "<label") {
			t.Fatalf("%s: labels or viewport missing", p)
		}
	}
}

// The appeal is offered only within the window; a rejected complaint shows
// its reason; a dismissed appeal shows the recourse.
func TestAppealWindowAndOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, Config{})
		mk := func(phone string) string {
			res, err := f.db.CreateComplaint(f.ctx, kesu.NewComplaint{Description: "空调不制冷", Customer: kesu.Customer{Phone: phone}},
				kesu.Actor{Role: kesu.RoleCustomer}, f.clock.Now(), nil)
			if err != nil {
				t.Fatal(err)
			}
			return res.Complaint.Number
		}
		// Rejected: the reason in plain words; nothing to do but read.
		rejected := mk("13700000001")
		f.transition(rejected, kesu.Command{Action: kesu.ActionReject, Reason: "in_litigation"}, f.agent)
		body := f.signIn(rejected)
		if !strings.Contains(body, "已进入诉讼或仲裁程序") || strings.Contains(body, `id="reply-form"`) || strings.Contains(body, `id="withdraw-form"`) {
			t.Fatalf("rejected page:\n%s", body)
		}

		// Closed, then the window passes.
		f.client = f.newClient()
		n := mk("13700000002")
		f.transition(n, kesu.Command{Action: kesu.ActionAccept}, f.agent)
		f.transition(n, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales"}, f.agent)
		f.transition(n, kesu.Command{Action: kesu.ActionSign}, f.handler)
		if _, err := f.db.AddPost(f.ctx, n, kesu.NewPost{Body: "师傅明天上门", Visibility: kesu.VisibilityCustomer}, f.handler, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.transition(n, kesu.Command{Action: kesu.ActionComplete, Note: "已更换压缩机"}, f.handler)
		f.transition(n, kesu.Command{Action: kesu.ActionClose, Satisfaction: 4}, f.agent)
		body = f.signIn(n)
		if !strings.Contains(body, "师傅明天上门") || !strings.Contains(body, "客服回复") || !strings.Contains(body, `id="appeal-button"`) {
			t.Fatalf("closed page:\n%s", body)
		}
		f.clock.Advance(31 * 24 * time.Hour)
		code, body := f.get("/portal/complaint")
		if code != 401 && strings.Contains(body, `id="appeal-button"`) {
			t.Fatalf("appeal offered after the window:\n%s", body)
		}
		body = f.signIn(n)
		if strings.Contains(body, `id="appeal-button"`) {
			t.Fatalf("appeal offered after the window:\n%s", body)
		}
		if code, _ := f.post("/portal/complaint/action", url.Values{"action": {"appeal"}, "note": {"不服"}}); code != 409 || f.status(n) != kesu.StatusClosed {
			t.Fatalf("late appeal: %d %s", code, f.status(n))
		}

		// A dismissed appeal names the recourse.
		f.client = f.newClient()
		m := mk("13700000003")
		for _, step := range []struct {
			cmd   kesu.Command
			actor kesu.Actor
		}{{kesu.Command{Action: kesu.ActionAccept}, f.agent}, {kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales"}, f.agent},
			{kesu.Command{Action: kesu.ActionSign}, f.handler}, {kesu.Command{Action: kesu.ActionComplete}, f.handler},
			{kesu.Command{Action: kesu.ActionClose, Satisfaction: 1}, f.agent}, {kesu.Command{Action: kesu.ActionAppeal}, f.agent},
			{kesu.Command{Action: kesu.ActionClose, Reason: "mediation"}, f.super}} {
			f.transition(m, step.cmd, step.actor)
		}
		if body = f.signIn(m); !strings.Contains(body, "申请调解") || strings.Contains(body, `id="appeal-button"`) ||
			strings.Contains(body, "可在期限内申诉") {
			t.Fatalf("dismissed appeal page:\n%s", body)
		}
		// Secure cookies when configured (behind a TLS proxy).
		g := newFixture(t, storetest.SQLite(t), Config{SecureCookies: true})
		resp, err := http.Get(g.srv.URL + "/portal/track")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if cs := resp.Cookies(); len(cs) == 0 || !cs[0].Secure || !cs[0].HttpOnly {
			t.Fatalf("cookies: %+v", cs)
		}
	})
}

func TestReceivesSMS(t *testing.T) {
	for phone, want := range map[string]bool{
		"13812345678": true, "+86 138 1234 5678": true, "+85291234567": true, "+1 415 555 2671": true,
		"021-62345678": false, "12345": false, "+8602162345678": false, "": false,
	} {
		if got := receivesSMS(phone); got != want {
			t.Errorf("receivesSMS(%q) = %v, want %v", phone, got, want)
		}
	}
}
