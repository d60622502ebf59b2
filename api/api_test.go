package api

// The JSON API tested over HTTP against a real Server, on SQLite and on
// PostgreSQL (storetest.Each). Bad input has its own file
// (badinput_test.go), attachments too (attachments_test.go).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// fullComplaintBody is the intake request of the API documentation, with
// every common field.
const fullComplaintBody = `{"kind":"complaint","channel":"phone","title":"洗衣机漏水",` +
	`"description":"购买的洗衣机第二次使用就漏水，要求退款。",` +
	`"customer":{"name":"张三","phone":"13812345678","email":"a@example.com"},` +
	`"order_no":"ORD-2026-0042","product":"滚筒洗衣机","amount":"199.00",` +
	`"occurred_at":"2026-11-20T10:00:00+08:00","expectation":{"remedy":"refund","amount":"199.00"}}`

var numberPattern = regexp.MustCompile(`^TS20261123[0-9]{6}$`)

func TestAPICreateComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		r := f.do(t, "POST", "/api/v1/complaints", f.agent, fullComplaintBody)
		c := decodeInto[kesu.Complaint](t, r, http.StatusCreated)
		if c.ID <= 0 || !numberPattern.MatchString(c.Number) || c.Status != kesu.StatusRegistered {
			t.Fatalf("id %d, number %q, status %q; want an id, TS20261123nnnnnn, registered", c.ID, c.Number, c.Status)
		}
		if loc := r.Header.Get("Location"); loc != "/api/v1/complaints/"+c.Number {
			t.Errorf("Location %q", loc)
		}
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("a first request is not a replay")
		}
		var sent, got map[string]any
		mustUnmarshal(t, []byte(fullComplaintBody), &sent)
		mustUnmarshal(t, r.Body, &got)
		assertEchoed(t, "", sent, got)

		// Reading it back gives the same complaint.
		again := decodeInto[map[string]any](t, f.do(t, "GET", "/api/v1/complaints/"+c.Number, f.agent, nil), http.StatusOK)
		// Reads mask the customer's contact (privacy.go); the contact
		// endpoint reveals it to a role with the unmask permission.
		if cu, _ := again["customer"].(map[string]any); cu["phone"] != "138****5678" || cu["email"] != "a***@example.com" {
			t.Errorf("read-back customer not masked: %v", again["customer"])
		}
		contact := decodeInto[map[string]any](t, f.do(t, "GET", "/api/v1/complaints/"+c.Number+"/contact", f.agent, nil), http.StatusOK)
		again["customer"] = contact["customer"]
		// (Times are compared as instants: the POST response keeps the
		// zone the client sent, the stored complaint is in UTC.)
		assertEchoed(t, "", got, again)
		assertEchoed(t, "", again, got)

		// A phone number alone is enough.
		phoneOnly := f.createComplaint(t, f.agent, `{"description":"物流太慢了","customer":{"phone":"139 0000 0000"}}`)
		if phoneOnly.Customer.Phone != "13900000000" || phoneOnly.Customer.Email != "" || phoneOnly.Channel != kesu.ChannelAPI ||
			phoneOnly.Kind != kesu.KindComplaint || phoneOnly.Title != "物流太慢了" || phoneOnly.Number == c.Number {
			t.Errorf("phone-only complaint: %+v", phoneOnly)
		}
		// The same phone is the same customer.
		same := f.createComplaint(t, f.agent, `{"description":"又来了","customer":{"phone":"13812345678"}}`)
		if same.Customer.ID != c.Customer.ID || same.Customer.Name != "张三" {
			t.Errorf("the second complaint of 13812345678 has customer %+v, want %+v", same.Customer, c.Customer)
		}
		if s := f.snapshot(t); s["complaints"] != 3 || s["customers"] != 2 || s["events"] != 3 {
			t.Errorf("after three complaints: %v", s)
		}
	})
}

func mustUnmarshal(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
}

// assertEchoed checks that every value sent is in the response, comparing
// times as instants (the response may use another zone).
func assertEchoed(t *testing.T, path string, sent, got any) {
	t.Helper()
	switch s := sent.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: sent an object, got %v", path, got)
			return
		}
		for k, v := range s {
			assertEchoed(t, strings.TrimPrefix(path+"."+k, "."), v, g[k])
		}
	case string:
		g, _ := got.(string)
		st, err1 := time.Parse(time.RFC3339, s)
		gt, err2 := time.Parse(time.RFC3339, g)
		if err1 == nil && err2 == nil {
			if !st.Equal(gt) {
				t.Errorf("%s: sent %s, got %s", path, s, g)
			}
			return
		}
		if s != g {
			t.Errorf("%s: sent %q, got %v", path, s, got)
		}
	default:
		if !reflect.DeepEqual(sent, got) {
			t.Errorf("%s: sent %v, got %v", path, sent, got)
		}
	}
}

func TestAPIIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		first := f.do(t, "POST", "/api/v1/complaints", f.agent, fullComplaintBody, "Idempotency-Key", "order-42-retry")
		c1 := decodeInto[kesu.Complaint](t, first, http.StatusCreated)
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("the first request says it was replayed")
		}
		before := f.snapshot(t)

		retry := f.do(t, "POST", "/api/v1/complaints", f.agent, fullComplaintBody, "Idempotency-Key", "order-42-retry")
		c2 := decodeInto[kesu.Complaint](t, retry, http.StatusCreated)
		if c2.ID != c1.ID || c2.Number != c1.Number {
			t.Errorf("retry gave %s, first %s", c2.Number, c1.Number)
		}
		if retry.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: Idempotent-Replayed %q, want true", retry.Header.Get("Idempotent-Replayed"))
		}
		if loc := retry.Header.Get("Location"); loc != "/api/v1/complaints/"+c1.Number {
			t.Errorf("retry Location %q", loc)
		}
		f.wantUnchanged(t, before)

		// The same key with another body is a client bug: refused, nothing made.
		other := strings.Replace(fullComplaintBody, "洗衣机漏水", "冰箱不制冷", 1)
		wantError(t, f.do(t, "POST", "/api/v1/complaints", f.agent, other, "Idempotency-Key", "order-42-retry"),
			http.StatusConflict, kesu.EConflict, "")
		f.wantUnchanged(t, before)

		// Keys belong to their user: another user's same key is a new request.
		mine := f.do(t, "POST", "/api/v1/complaints", f.supervisor, fullComplaintBody, "Idempotency-Key", "order-42-retry")
		if c4 := decodeInto[kesu.Complaint](t, mine, http.StatusCreated); c4.Number == c1.Number || mine.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("another user's key replayed %s", c4.Number)
		}

		// An over-long key is refused with the header named.
		wantError(t, f.do(t, "POST", "/api/v1/complaints", f.agent, fullComplaintBody, "Idempotency-Key", strings.Repeat("k", MaxIdempotencyKey+1)),
			http.StatusBadRequest, kesu.EInvalid, "Idempotency-Key")

		// A refused request does not use up its key: the corrected retry
		// with the same key registers the complaint.
		before = f.snapshot(t)
		wantError(t, f.do(t, "POST", "/api/v1/complaints", f.agent, `{"description":"漏水","customer":{"phone":"13812345678"},"channel":"pigeon"}`,
			"Idempotency-Key", "fixed-later"), http.StatusBadRequest, kesu.EInvalid, "channel")
		f.wantUnchanged(t, before)
		fixed := f.do(t, "POST", "/api/v1/complaints", f.agent, `{"description":"漏水","customer":{"phone":"13812345678"},"channel":"phone"}`,
			"Idempotency-Key", "fixed-later")
		if decodeInto[kesu.Complaint](t, fixed, http.StatusCreated); fixed.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("the corrected request was taken for a replay")
		}

		// Concurrent retries with one key create exactly one complaint. The
		// requests start together, and the race is run a few times, so
		// that a store that lets two of them in fails here most runs.
		const clients, rounds = 10, 3
		for round := range rounds {
			before = f.snapshot(t)
			key := fmt.Sprintf("concurrent-key-%d", round)
			var wg sync.WaitGroup
			start := make(chan struct{})
			results := make([]apiResponse, clients)
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = f.do(t, "POST", "/api/v1/complaints", f.agent, `{"description":"并发重试","customer":{"phone":"13700000000"}}`,
						"Idempotency-Key", key)
				}()
			}
			close(start)
			wg.Wait()
			numbers := map[string]bool{}
			fresh := 0
			for _, r := range results {
				c := decodeInto[kesu.Complaint](t, r, http.StatusCreated)
				numbers[c.Number] = true
				if r.Header.Get("Idempotent-Replayed") != "true" {
					fresh++
				}
			}
			if len(numbers) != 1 || fresh != 1 {
				t.Errorf("%d concurrent retries: numbers %v, %d not replayed; want one number, one fresh", clients, numbers, fresh)
			}
			after := f.snapshot(t)
			if after["complaints"] != before["complaints"]+1 || after["idempotency_keys"] != before["idempotency_keys"]+1 ||
				after["events"] != before["events"]+1 {
				t.Errorf("concurrent retries: before %v, after %v; want one complaint, one key, one event more", before, after)
			}
		}
	})
}

// listed is one complaint of the list fixture with what the filters see.
type listed struct {
	name       string
	registered time.Time
	channel    kesu.Channel
	kind       kesu.Kind
	level      kesu.Level
	category   string
	department string // dispatched to, "" = not dispatched
	accept     bool   // accepted but not dispatched
	number     string
}

func TestAPIListComplaints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, cst) }
		all := []*listed{
			{name: "c1", registered: day(1, 10), channel: kesu.ChannelPhone, kind: kesu.KindComplaint, level: kesu.LevelGeneral, category: "quality", department: "after_sales"},
			{name: "c2", registered: day(10, 10), channel: kesu.ChannelEmail, kind: kesu.KindComplaint, level: kesu.LevelMajor, category: "quality.battery"},
			{name: "c3", registered: day(15, 9), channel: kesu.ChannelWeb, kind: kesu.KindComplaint, level: kesu.LevelCritical, category: "delivery", department: "logistics"},
			{name: "c4", registered: day(20, 10), channel: kesu.ChannelPhone, kind: kesu.KindFeedback, level: kesu.LevelGeneral, accept: true},
			// Several at the very same instant: the cursor must break ties.
			{name: "c5", registered: apiT0, channel: kesu.ChannelWeChat, kind: kesu.KindComplaint, level: kesu.LevelGeneral, category: "delivery"},
			{name: "c6", registered: apiT0, channel: kesu.ChannelWeChat, kind: kesu.KindComplaint, level: kesu.LevelGeneral},
			{name: "c7", registered: apiT0, channel: kesu.ChannelStore, kind: kesu.KindSuggestion, level: kesu.LevelGeneral, department: "after_sales"},
			{name: "c8", registered: apiT0, channel: kesu.ChannelWeChat, kind: kesu.KindComplaint, level: kesu.LevelMajor},
			{name: "c9", registered: apiT0, channel: kesu.ChannelPhone, kind: kesu.KindComplaint, level: kesu.LevelGeneral},
		}
		byNumber := map[string]*listed{}
		for i, l := range all {
			body := map[string]any{"kind": l.kind, "channel": l.channel, "level": l.level,
				"description": "列表测试 " + l.name, "customer": map[string]any{"phone": fmt.Sprintf("1380000%04d", i)},
				"registered_at": l.registered.Format(time.RFC3339)}
			if l.category != "" {
				body["category"] = l.category
			}
			c := f.createComplaint(t, f.agent, body)
			l.number = c.Number
			byNumber[c.Number] = l
			if l.department != "" || l.accept {
				f.act(t, f.agent, c.Number, map[string]any{"action": "accept"})
			}
			if l.department != "" {
				f.act(t, f.agent, c.Number, map[string]any{"action": "dispatch", "department": l.department})
			}
		}
		names := func(numbers []string) []string {
			var out []string
			for _, n := range numbers {
				out = append(out, byNumber[n].name)
			}
			sort.Strings(out)
			return out
		}
		list := func(token, query string) store.Page {
			t.Helper()
			return decodeInto[store.Page](t, f.do(t, "GET", "/api/v1/complaints?"+query, token, nil), http.StatusOK)
		}
		// everything pages through the list and returns the numbers in order.
		everything := func(token, query string, limit int) []string {
			t.Helper()
			var numbers []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > len(all)+1 {
					t.Fatalf("%s: the cursor never ends", query)
				}
				q := url.Values{}
				if query != "" {
					var err error
					if q, err = url.ParseQuery(query); err != nil {
						t.Fatal(err)
					}
				}
				q.Set("limit", fmt.Sprint(limit))
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				page := list(token, q.Encode())
				if len(page.Items) > limit {
					t.Fatalf("%s: page of %d items with limit %d", query, len(page.Items), limit)
				}
				for _, c := range page.Items {
					numbers = append(numbers, c.Number)
				}
				if page.NextCursor == "" {
					return numbers
				}
				if len(page.Items) == 0 {
					t.Fatalf("%s: an empty page with a next cursor", query)
				}
				cursor = page.NextCursor
			}
		}

		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"}},
			{"status=registered", []string{"c2", "c5", "c6", "c8", "c9"}},
			{"status=accepted,dispatched", []string{"c1", "c3", "c4", "c7"}},
			{"status=closed", nil},
			{"category=quality", []string{"c1", "c2"}}, // with its child quality.battery
			{"category=quality.battery", []string{"c2"}},
			{"category=delivery", []string{"c3", "c5"}},
			{"category=nothing", nil},
			{"department=after_sales", []string{"c1", "c7"}},
			{"department=logistics", []string{"c3"}},
			{"level=major", []string{"c2", "c8"}},
			{"level=critical", []string{"c3"}},
			{"channel=wechat", []string{"c5", "c6", "c8"}},
			{"channel=phone&level=general", []string{"c1", "c4", "c9"}},
			{"kind=feedback", []string{"c4"}},
			{"from=2026-11-10", []string{"c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"}},
			{"to=2026-11-15", []string{"c1", "c2"}},
			{"from=2026-11-10T00:00:00%2B08:00&to=2026-11-20T00:00:00%2B08:00", []string{"c2", "c3"}},
			{"from=2026-11-15T01:00:00Z", []string{"c3", "c4", "c5", "c6", "c7", "c8", "c9"}}, // c3 is 01:00Z exactly
			{"to=2026-11-15T01:00:00Z", []string{"c1", "c2"}},
			{"status=registered&channel=wechat&from=2026-11-23", []string{"c5", "c6", "c8"}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				for _, limit := range []int{200, 2} {
					got := everything(f.agent, tc.query, limit)
					if !slices.Equal(names(got), tc.want) {
						t.Errorf("limit %d: got %v, want %v", limit, names(got), tc.want)
					}
				}
			})
		}

		// Paging with every page size visits each complaint exactly once,
		// newest first, ties broken by id.
		idx := map[*listed]int{}
		for i, l := range all {
			idx[l] = i
		}
		newestFirst := slices.Clone(all)
		sort.Slice(newestFirst, func(i, j int) bool {
			a, b := newestFirst[i], newestFirst[j]
			if !a.registered.Equal(b.registered) {
				return a.registered.After(b.registered)
			}
			return idx[a] > idx[b] // created later: higher id
		})
		var want []string
		for _, l := range newestFirst {
			want = append(want, l.number)
		}
		for limit := 1; limit <= len(all)+1; limit++ {
			if got := everything(f.agent, "", limit); !slices.Equal(got, want) {
				t.Errorf("limit %d: got %v, want %v", limit, got, want)
			}
		}
		if page := list(f.agent, "limit=3"); len(page.Items) != 3 || page.NextCursor == "" {
			t.Errorf("limit=3: %d items, cursor %q", len(page.Items), page.NextCursor)
		}

		// A handler sees their own department's complaints only, whatever
		// they ask for.
		if got := names(everything(f.handlerA, "", 2)); !slices.Equal(got, []string{"c1", "c7"}) {
			t.Errorf("handler A lists %v", got)
		}
		if got := names(everything(f.handlerB, "department=after_sales", 50)); got != nil {
			t.Errorf("handler B lists after_sales complaints %v", got)
		}
	})
}

func TestAPIListBadParams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		f.createComplaint(t, f.agent, minimalComplaint("参数测试", "13800000000"))
		for _, tc := range []struct{ query, field string }{
			{"foo=1", "foo"},
			{"Status=registered", "Status"},
			{"status=bogus", "status"},
			{"status=registered,bogus", "status"},
			{"status=registered&status=closed", "status"},
			{"level=extreme", "level"},
			{"channel=pigeon", "channel"},
			{"kind=rant", "kind"},
			{"assignee=me", "assignee"},
			{"assignee=-1", "assignee"},
			{"limit=0", "limit"},
			{"limit=-5", "limit"},
			{"limit=abc", "limit"},
			{"limit=201", "limit"},
			{"limit=1.5", "limit"},
			{"from=yesterday", "from"},
			{"from=2026-13-01", "from"},
			{"to=2026-11-31", "to"},
			{"to=20261120", "to"},
			{"cursor=!!!", "cursor"},
			{"cursor=" + url.QueryEscape("bm90LWEtY3Vyc29y"), "cursor"}, // base64 of "not-a-cursor"
			{"cursor=MTIz", "cursor"},                                   // base64 of "123": no id part
		} {
			t.Run(tc.query, func(t *testing.T) {
				wantError(t, f.do(t, "GET", "/api/v1/complaints?"+tc.query, f.agent, nil), http.StatusBadRequest, kesu.EInvalid, tc.field)
			})
		}
		wantError(t, f.do(t, "GET", "/api/v1/complaints", "", nil), http.StatusUnauthorized, kesu.EUnauthorized, "")
	})
}

func TestAPIComplaintAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		wantError(t, f.do(t, "GET", "/api/v1/complaints/TS20261123999999", f.agent, nil), http.StatusNotFound, kesu.ENotFound, "")
		wantError(t, f.do(t, "GET", "/api/v1/complaints/nothing/events", f.agent, nil), http.StatusNotFound, kesu.ENotFound, "")
		wantError(t, f.do(t, "GET", "/api/v1/no-such-route", f.agent, nil), http.StatusNotFound, kesu.ENotFound, "")

		c := f.createComplaint(t, f.agent, fullComplaintBody)
		n := c.Number
		// Before dispatch no department owns it: handlers do not see it.
		wantError(t, f.do(t, "GET", "/api/v1/complaints/"+n, f.handlerA, nil), http.StatusForbidden, kesu.EForbidden, "")
		f.act(t, f.agent, n, map[string]any{"action": "accept"})
		f.act(t, f.agent, n, map[string]any{"action": "dispatch", "department": "after_sales"})
		if got := decodeInto[kesu.Complaint](t, f.do(t, "GET", "/api/v1/complaints/"+n, f.handlerA, nil), http.StatusOK); got.Department != "after_sales" {
			t.Errorf("handler A reads department %q", got.Department)
		}
		for _, token := range []string{f.supervisor, f.auditor, f.admin} {
			decodeInto[kesu.Complaint](t, f.do(t, "GET", "/api/v1/complaints/"+n, token, nil), http.StatusOK)
		}

		// Handler B, of another department, may do nothing with it.
		before := f.snapshot(t)
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/complaints/" + n, nil},
			{"PATCH", "/api/v1/complaints/" + n, `{"level":"major"}`},
			{"POST", "/api/v1/complaints/" + n + "/notes", `{"body":"不是我们部门的"}`},
			{"POST", "/api/v1/complaints/" + n + "/messages", `{"body":"您好"}`},
			{"GET", "/api/v1/complaints/" + n + "/events", nil},
			{"GET", "/api/v1/complaints/" + n + "/actions", nil},
			{"GET", "/api/v1/complaints/" + n + "/attachments", nil},
			{"POST", "/api/v1/complaints/" + n + "/transitions", `{"action":"sign"}`},
			{"POST", "/api/v1/complaints/" + n + "/transitions", `{"action":"return","note":"不归我们"}`},
		} {
			t.Run(tc.method+" "+strings.TrimPrefix(tc.path, "/api/v1/complaints/"+n), func(t *testing.T) {
				wantError(t, f.do(t, tc.method, tc.path, f.handlerB, tc.body), http.StatusForbidden, kesu.EForbidden, "")
				f.wantUnchanged(t, before)
			})
		}
		for _, query := range []string{"", "department=after_sales", "status=dispatched", "limit=1"} {
			page := decodeInto[store.Page](t, f.do(t, "GET", "/api/v1/complaints?"+query, f.handlerB, nil), http.StatusOK)
			for _, item := range page.Items {
				if item.Number == n {
					t.Errorf("handler B's list ?%s contains %s of after_sales", query, n)
				}
			}
		}
		// The auditor reads but never writes.
		wantError(t, f.do(t, "POST", "/api/v1/complaints/"+n+"/notes", f.auditor, `{"body":"审计"}`), http.StatusForbidden, kesu.EForbidden, "")
		wantError(t, f.do(t, "POST", "/api/v1/complaints/"+n+"/transitions", f.auditor, `{"action":"sign"}`), http.StatusForbidden, kesu.EForbidden, "")
		wantError(t, f.do(t, "PATCH", "/api/v1/complaints/"+n, f.auditor, `{"level":"major"}`), http.StatusForbidden, kesu.EForbidden, "")
		wantError(t, f.do(t, "POST", "/api/v1/complaints", f.auditor, fullComplaintBody), http.StatusForbidden, kesu.EForbidden, "")
		f.wantUnchanged(t, before)
	})
}

func TestAPIUpdateComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		c := f.createComplaint(t, f.agent, fullComplaintBody)
		r := f.do(t, "PATCH", "/api/v1/complaints/"+c.Number, f.agent,
			`{"level":"major","category":"quality","cause":"product.quality","tags":["漏水"," 漏水 ","售后"],"amount":"1999.00"}`)
		got := decodeInto[kesu.Complaint](t, r, http.StatusOK)
		if got.Level != kesu.LevelMajor || got.Category != "quality" || got.Cause != "product.quality" || got.Amount != 199900 ||
			!slices.Equal(got.Tags, []string{"漏水", "售后"}) || got.Escalation != 1 || got.Version != c.Version+1 || got.Status != kesu.StatusRegistered {
			t.Errorf("after PATCH: %+v", got)
		}
		evs := decodeInto[EventList](t, f.do(t, "GET", "/api/v1/complaints/"+c.Number+"/events", f.agent, nil), http.StatusOK)
		last := evs.Items[len(evs.Items)-1]
		if last.Type != kesu.EventUpdated || last.Visibility != kesu.VisibilityInternal || last.Data["level"] == nil {
			t.Errorf("the update event: %+v", last)
		}
		// Patching nothing changes nothing.
		before := f.snapshot(t)
		if same := decodeInto[kesu.Complaint](t, f.do(t, "PATCH", "/api/v1/complaints/"+c.Number, f.agent, `{}`), http.StatusOK); same.Version != got.Version {
			t.Errorf("an empty PATCH moved the version to %d", same.Version)
		}
		f.wantUnchanged(t, before)
	})
}

// step is one lifecycle action of the walk through the table.
type step struct {
	who  string // fixture user
	cmd  map[string]any
	want kesu.Status
}

func TestAPILifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		token := map[string]string{"agent": f.agent, "handlerA": f.handlerA, "supervisor": f.supervisor, "admin": f.admin}
		c := f.createComplaint(t, f.agent, fullComplaintBody)
		n := c.Number
		path := "/api/v1/complaints/" + n

		actions := func(who string) []kesu.Action {
			return decodeInto[ActionList](t, f.do(t, "GET", path+"/actions", token[who], nil), http.StatusOK).Actions
		}
		if got := actions("agent"); !slices.Equal(got, []kesu.Action{"accept", "reject", "withdraw", "merge"}) {
			t.Errorf("agent may %v on a registered complaint", got)
		}
		if got := decodeInto[ActionList](t, f.do(t, "GET", path+"/actions", f.auditor, nil), http.StatusOK); got.Actions == nil || len(got.Actions) != 0 {
			t.Errorf("auditor may %v", got.Actions)
		}

		// An action the table does not allow now is a conflict and changes nothing.
		before := f.snapshot(t)
		for _, cmd := range []string{`{"action":"complete"}`, `{"action":"close","satisfaction":5}`, `{"action":"sign"}`, `{"action":"appeal"}`} {
			wantError(t, f.do(t, "POST", path+"/transitions", f.admin, cmd), http.StatusConflict, kesu.EConflict, "")
		}
		// A role the table does not list for the action is forbidden.
		wantError(t, f.do(t, "POST", path+"/transitions", f.supervisor, `{"action":"review"}`), http.StatusConflict, kesu.EConflict, "")
		f.wantUnchanged(t, before)

		proposal := map[string]any{"remedy": "refund", "amount": "199.00"}
		steps := []step{
			{"agent", map[string]any{"action": "accept"}, kesu.StatusAccepted},
			{"agent", map[string]any{"action": "dispatch", "department": "after_sales"}, kesu.StatusDispatched},
			{"handlerA", map[string]any{"action": "sign"}, kesu.StatusInProgress},
			{"handlerA", map[string]any{"action": "request_info", "note": "请提供购买凭证照片"}, kesu.StatusAwaitingCustomer},
			{"agent", map[string]any{"action": "customer_reply", "note": "客户已发送凭证"}, kesu.StatusInProgress},
			{"handlerA", map[string]any{"action": "propose", "proposal": proposal}, kesu.StatusSolutionProposed},
			{"agent", map[string]any{"action": "customer_object", "note": "要求额外补偿"}, kesu.StatusInProgress},
			{"handlerA", map[string]any{"action": "propose", "proposal": map[string]any{"remedy": "refund", "amount": "199.00", "description": "全额退款并赠送优惠券"}}, kesu.StatusSolutionProposed},
			{"agent", map[string]any{"action": "customer_accept"}, kesu.StatusExecuting},
			{"handlerA", map[string]any{"action": "complete", "note": "已退款"}, kesu.StatusResolved},
			{"agent", map[string]any{"action": "close", "satisfaction": 2, "satisfaction_comment": "太慢了"}, kesu.StatusClosed},
			{"agent", map[string]any{"action": "appeal", "note": "客户对处理时间不满"}, kesu.StatusAppealed},
			{"supervisor", map[string]any{"action": "reopen", "note": "申诉成立"}, kesu.StatusInProgress},
			{"handlerA", map[string]any{"action": "complete", "note": "补发优惠券"}, kesu.StatusResolved},
			{"agent", map[string]any{"action": "close", "satisfaction": 5}, kesu.StatusClosed},
		}
		prev := c
		for i, s := range steps {
			got := f.act(t, token[s.who], n, s.cmd)
			if got.Status != s.want || got.Version != prev.Version+1 {
				t.Fatalf("step %d %v by %s: status %s version %d; want %s version %d", i, s.cmd, s.who, got.Status, got.Version, s.want, prev.Version+1)
			}
			// What the response says is what is stored.
			if stored := decodeInto[kesu.Complaint](t, f.do(t, "GET", path, f.admin, nil), http.StatusOK); !reflect.DeepEqual(stored, got) {
				t.Errorf("step %d: response %+v, stored %+v", i, got, stored)
			}
			switch s.cmd["action"] {
			case "dispatch":
				if got := actions("handlerA"); !slices.Equal(got, []kesu.Action{"sign", "return", "merge"}) {
					t.Errorf("handler A may %v on a complaint dispatched to them", got)
				}
			case "sign":
				if got.AssigneeID != f.users[f.handlerA].ID {
					t.Errorf("sign: assignee %d", got.AssigneeID)
				}
			case "propose":
				if got.Proposal == nil || got.Proposal.Remedy != kesu.RemedyRefund || got.Proposal.Amount != 19900 {
					t.Errorf("propose: proposal %+v", got.Proposal)
				}
			case "appeal":
				if got.AppealCount != 1 || got.AssigneeID != 0 || got.Escalation < 1 {
					t.Errorf("appeal: %+v", got)
				}
			case "reopen":
				if got.ReopenCount != 1 || got.ClosedAt != nil {
					t.Errorf("reopen: %+v", got)
				}
			}
			prev = got
			f.clock.Advance(time.Hour)
		}
		if prev.Satisfaction != 5 || prev.ClosedAt == nil || prev.Department != "after_sales" || prev.Resolution != "补发优惠券" {
			t.Errorf("closed complaint: %+v", prev)
		}

		// Nothing more but the closed complaint's own actions.
		before = f.snapshot(t)
		wantError(t, f.do(t, "POST", path+"/transitions", f.handlerA, `{"action":"sign"}`), http.StatusConflict, kesu.EConflict, "")
		wantError(t, f.do(t, "POST", path+"/transitions", f.agent, `{"action":"withdraw"}`), http.StatusConflict, kesu.EConflict, "")
		f.wantUnchanged(t, before)
		if got := actions("supervisor"); !slices.Equal(got, []kesu.Action{"appeal", "review"}) {
			t.Errorf("supervisor may %v on a closed complaint", got)
		}
		if got := actions("handlerA"); len(got) != 0 {
			t.Errorf("handler may %v on a closed complaint", got)
		}

		// A note and a message, then the timeline.
		note := decodeInto[kesu.Event](t, f.do(t, "POST", path+"/notes", f.handlerA, `{"body":"内部：客户情绪激动，注意措辞"}`), http.StatusCreated)
		msg := decodeInto[kesu.Event](t, f.do(t, "POST", path+"/messages", f.agent, `{"body":"您好，您的投诉已办结。"}`), http.StatusCreated)
		if note.Type != kesu.EventNote || note.Visibility != kesu.VisibilityInternal || msg.Type != kesu.EventMessage || msg.Visibility != kesu.VisibilityCustomer {
			t.Errorf("note %+v, message %+v", note, msg)
		}

		evs := decodeInto[EventList](t, f.do(t, "GET", path+"/events", f.auditor, nil), http.StatusOK).Items
		if len(evs) != 1+len(steps)+2 {
			t.Fatalf("%d events, want created + %d transitions + note + message", len(evs), len(steps))
		}
		if evs[0].Type != kesu.EventCreated || evs[0].ToStatus != kesu.StatusRegistered || evs[0].ActorID != f.users[f.agent].ID {
			t.Errorf("first event %+v", evs[0])
		}
		from := kesu.StatusRegistered
		for i, s := range steps {
			e := evs[1+i]
			if e.Type != kesu.EventTransition || string(e.Action) != s.cmd["action"] || e.FromStatus != from || e.ToStatus != s.want ||
				e.ActorID != f.users[token[s.who]].ID || e.ComplaintID != c.ID {
				t.Errorf("event %d: %+v; want %s %s -> %s by %s", 1+i, e, s.cmd["action"], from, s.want, s.who)
			}
			if note, _ := s.cmd["note"].(string); e.Body != note {
				t.Errorf("event %d: body %q, want the note %q", 1+i, e.Body, note)
			}
			if i > 0 && !e.At.After(evs[i].At) {
				t.Errorf("event %d at %s is not after the one before", 1+i, e.At)
			}
			from = s.want
		}
		if e := evs[len(evs)-2]; e.ID != note.ID || e.Body != note.Body {
			t.Errorf("note event %+v", e)
		}

		// The customer's view: customer-visible events only, never a note.
		cust := decodeInto[EventList](t, f.do(t, "GET", path+"/events?visibility=customer", f.agent, nil), http.StatusOK).Items
		var custActions []string
		for _, e := range cust {
			if e.Visibility != kesu.VisibilityCustomer || e.Type == kesu.EventNote || e.Body == note.Body {
				t.Errorf("customer timeline holds %+v", e)
			}
			if e.Type == kesu.EventTransition {
				custActions = append(custActions, string(e.Action))
			}
		}
		if len(cust) == 0 || cust[0].Type != kesu.EventCreated || cust[len(cust)-1].ID != msg.ID {
			t.Errorf("customer timeline %+v", cust)
		}
		// Every step of the walk but the dispatch is shown to the customer.
		var wantCust []string
		for _, s := range steps {
			if s.cmd["action"] != "dispatch" {
				wantCust = append(wantCust, s.cmd["action"].(string))
			}
		}
		if !slices.Equal(custActions, wantCust) {
			t.Errorf("the customer sees the actions %v, want %v", custActions, wantCust)
		}
		wantError(t, f.do(t, "GET", path+"/events?visibility=internal", f.agent, nil), http.StatusBadRequest, kesu.EInvalid, "visibility")
		wantError(t, f.do(t, "GET", path+"/events?since=1", f.agent, nil), http.StatusBadRequest, kesu.EInvalid, "since")
	})
}

func TestAPIReadOnlyEndpoints(t *testing.T) {
	f := newAPIFixture(t, storetest.SQLite(t))
	table := decodeInto[LifecycleTable](t, f.do(t, "GET", "/api/v1/lifecycle", f.auditor, nil), http.StatusOK)
	if len(table.Transitions) != len(kesu.Lifecycle) || len(table.Statuses) != len(kesu.Statuses) || len(table.Actions) != len(kesu.Actions) {
		t.Errorf("lifecycle: %d transitions, %d statuses, %d actions", len(table.Transitions), len(table.Statuses), len(table.Actions))
	}
	me := decodeInto[kesu.User](t, f.do(t, "GET", "/api/v1/me", f.handlerA, nil), http.StatusOK)
	if me.Email != "handler.a@example.com" || me.Role != kesu.RoleHandler || me.DepartmentID == 0 {
		t.Errorf("me: %+v", me)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		decodeInto[Health](t, f.do(t, "GET", path, "", nil), http.StatusOK)
	}
}
