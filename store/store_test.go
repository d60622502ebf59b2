package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// The store contract: every test here runs on SQLite and on PostgreSQL.

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

type fixture struct {
	db                           *store.DB
	ctx                          context.Context
	agent, handler, other, super kesu.Actor
}

func open(t *testing.T, dsn string) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, ctx: ctx}
	for _, d := range []kesu.Department{{Code: "after_sales", Name: "售后部"}, {Code: "logistics", Name: "物流部"}} {
		if _, err := db.CreateDepartment(ctx, d, "", t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CreateCategory(ctx, kesu.Category{Code: "quality", Name: "产品质量"}, store.CategoryRefs{Department: "after_sales"}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateCategory(ctx, kesu.Category{Code: "quality.battery", Name: "电池"}, store.CategoryRefs{Parent: "quality"}, t0); err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role kesu.Role, dept string) kesu.Actor {
		u, err := db.CreateUser(ctx, kesu.User{Email: email, Name: email, Role: role}, dept, "", t0)
		if err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		return u.Actor()
	}
	f.agent = mk("agent@example.com", kesu.RoleAgent, "")
	f.handler = mk("handler@example.com", kesu.RoleHandler, "after_sales")
	f.other = mk("other@example.com", kesu.RoleHandler, "logistics")
	f.super = mk("super@example.com", kesu.RoleSupervisor, "")
	return f
}

func sample() kesu.NewComplaint {
	occurred := t0.Add(-72 * time.Hour)
	yes := true
	return kesu.NewComplaint{
		Kind: kesu.KindComplaint, Channel: kesu.ChannelPhone, Title: "洗衣机漏水",
		Description: "购买的洗衣机第二次使用就漏水，要求退款。",
		Customer:    kesu.Customer{Name: "张三", Phone: "138 1234 5678", Email: "a@example.com"},
		OrderNo:     "ORD-2026-0042", Product: "滚筒洗衣机", ProductModel: "XQG100", Amount: 199900,
		Nature: kesu.NatureProduct, Timing: kesu.TimingDelayed, Category: "quality", Tags: []string{"漏水", "VIP"},
		StaffInvolved: "王师傅", Location: "上海徐汇店", OccurredAt: &occurred, DemandReasonable: &yes,
		Expectation: kesu.Expectation{Remedy: kesu.RemedyRefund, Amount: 199900, Note: "全额退款"},
	}
}

// counts returns row counts of the tables a failed write must not touch.
func (f *fixture) counts(t *testing.T) string {
	t.Helper()
	var parts []string
	page, err := f.db.Complaints(f.ctx, store.Filter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for _, c := range page.Items {
		evs, err := f.db.Events(f.ctx, c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		events += len(evs)
		parts = append(parts, fmt.Sprintf("%s:%s:v%d", c.Number, c.Status, c.Version))
	}
	return fmt.Sprintf("%d complaints, %d events %v", len(page.Items), events, parts)
}

func TestCreateAndGet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := res.Complaint
		if c.Number != "TS20261123000001" || c.Status != kesu.StatusRegistered || c.ID == 0 {
			t.Fatalf("number %q status %q id %d", c.Number, c.Status, c.ID)
		}
		got, err := f.db.Complaint(f.ctx, c.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Customer.Phone != "13812345678" || got.Customer.Name != "张三" || got.Customer.ID == 0 {
			t.Errorf("customer %+v", got.Customer)
		}
		if got.Amount != 199900 || got.Expectation.Amount != 199900 || got.Expectation.Remedy != kesu.RemedyRefund ||
			got.Category != "quality" || got.OrderNo != "ORD-2026-0042" || strings.Join(got.Tags, ",") != "漏水,VIP" ||
			got.OccurredAt == nil || !got.OccurredAt.Equal(t0.Add(-72*time.Hour)) || !got.RegisteredAt.Equal(t0) ||
			got.DemandReasonable == nil || !*got.DemandReasonable || got.StaffInvolved != "王师傅" ||
			got.Level != kesu.LevelGeneral || got.Currency != "CNY" || got.Version != 1 {
			t.Errorf("round trip lost data: %+v", got)
		}
		evs, err := f.db.Events(f.ctx, c.ID, false)
		if err != nil || len(evs) != 1 || evs[0].Type != kesu.EventCreated || evs[0].ActorID != f.agent.UserID {
			t.Fatalf("events %+v %v", evs, err)
		}
		// A second complaint from the same phone links to the same customer and
		// takes the next number of the day.
		in := sample()
		in.Customer = kesu.Customer{Phone: "13812345678"}
		res2, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0.Add(time.Minute), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res2.Complaint.Customer.ID != got.Customer.ID || res2.Complaint.Customer.Name != "张三" {
			t.Errorf("customer not linked: %+v vs %+v", res2.Complaint.Customer, got.Customer)
		}
		if res2.Complaint.Number != "TS20261123000002" {
			t.Errorf("second number %s", res2.Complaint.Number)
		}
		// A historic complaint is numbered by its own registration day.
		old := t0.AddDate(0, -2, 0)
		in.RegisteredAt = &old
		in.OccurredAt = nil
		res3, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil)
		if err != nil || res3.Complaint.Number != "TS20260923000001" {
			t.Errorf("historic: %v %s", err, res3.Complaint.Number)
		}
		if _, err := f.db.Complaint(f.ctx, "TS00000000000000"); kesu.ErrorCodeOf(err) != kesu.ENotFound {
			t.Errorf("missing complaint: %v", err)
		}
	})
}

func TestCreateIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		idem := &store.Idempotency{UserID: f.agent.UserID, Key: "k1", RequestHash: []byte("h1")}
		a, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, idem)
		if err != nil || a.Replayed {
			t.Fatal(err, a.Replayed)
		}
		b, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0.Add(time.Second), idem)
		if err != nil || !b.Replayed || b.Complaint.Number != a.Complaint.Number {
			t.Fatalf("replay: %v %+v", err, b)
		}
		before := f.counts(t)
		other := &store.Idempotency{UserID: f.agent.UserID, Key: "k1", RequestHash: []byte("h2")}
		if _, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, other); kesu.ErrorCodeOf(err) != kesu.EConflict {
			t.Fatalf("same key, other body: %v", err)
		}
		// External ids make imports idempotent too.
		in := sample()
		in.ExternalID = "crm-1"
		x, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		y, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil)
		if err != nil || !y.Replayed || y.Complaint.ID != x.Complaint.ID {
			t.Fatalf("external id replay: %v %+v", err, y)
		}
		_ = before
	})
}

func TestConcurrentCreatesGetUniqueNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		const n = 60
		var wg sync.WaitGroup
		numbers := make(chan string, n)
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				in := sample()
				in.Customer.Phone = fmt.Sprintf("1390000%04d", i%7) // shared customers race too
				idem := &store.Idempotency{UserID: f.agent.UserID, Key: fmt.Sprintf("k%d", i%30), RequestHash: []byte("same")}
				res, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, idem)
				if err != nil {
					errs <- err
					return
				}
				numbers <- res.Complaint.Number
			}(i)
		}
		wg.Wait()
		close(numbers)
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		seen := map[string]int{}
		for n := range numbers {
			seen[n]++
		}
		if len(seen) != 30 {
			t.Errorf("want 30 distinct complaints for 30 keys, got %d", len(seen))
		}
		page, _ := f.db.Complaints(f.ctx, store.Filter{Limit: 200})
		if len(page.Items) != 30 {
			t.Errorf("stored %d complaints, want 30", len(page.Items))
		}
	})
}

func TestBadCreateChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		if _, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil); err != nil {
			t.Fatal(err)
		}
		before := f.counts(t)
		bad := []func(*kesu.NewComplaint){
			func(in *kesu.NewComplaint) { in.Category = "no_such_category" },
			func(in *kesu.NewComplaint) { in.Description = "" },
			func(in *kesu.NewComplaint) { in.Customer = kesu.Customer{Name: "无联系方式"} },
			func(in *kesu.NewComplaint) { in.Customer.Phone = "phone?" },
			func(in *kesu.NewComplaint) { in.Channel = "pigeon" },
			func(in *kesu.NewComplaint) { in.Amount = -1 },
		}
		for i, mutate := range bad {
			in := sample()
			mutate(&in)
			if _, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil); kesu.ErrorCodeOf(err) != kesu.EInvalid {
				t.Errorf("case %d: want invalid, got %v", i, err)
			}
		}
		if after := f.counts(t); after != before {
			t.Errorf("database changed:\n%s\n%s", before, after)
		}
	})
}

func TestLifecycleWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		num := res.Complaint.Number
		at := t0
		step := func(actor kesu.Actor, cmd kesu.Command, want kesu.Status) kesu.Complaint {
			t.Helper()
			at = at.Add(time.Hour)
			c, err := f.db.Transition(f.ctx, num, cmd, actor, at, kesu.DefaultRules)
			if err != nil {
				t.Fatalf("%s: %v", cmd.Action, err)
			}
			if c.Status != want {
				t.Fatalf("%s: status %s, want %s", cmd.Action, c.Status, want)
			}
			return c
		}
		customer := kesu.Actor{Role: kesu.RoleCustomer, Name: "张三"}
		step(f.agent, kesu.Command{Action: kesu.ActionAccept}, kesu.StatusAccepted)
		step(f.agent, kesu.Command{Action: kesu.ActionDispatch, Department: "logistics"}, kesu.StatusDispatched)
		c := step(f.other, kesu.Command{Action: kesu.ActionReturn, Note: "不是物流问题"}, kesu.StatusAccepted)
		if c.ReturnCount != 1 || c.Department != "" {
			t.Fatalf("return: %+v", c)
		}
		c = step(f.agent, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales", CoDepartments: []string{"logistics"}}, kesu.StatusDispatched)
		if c.Department != "after_sales" || strings.Join(c.CoDepartments, ",") != "logistics" {
			t.Fatalf("dispatch: %+v", c)
		}
		// A handler of another department may not sign.
		before := f.counts(t)
		if _, err := f.db.Transition(f.ctx, num, kesu.Command{Action: kesu.ActionSign}, f.other, at, kesu.DefaultRules); kesu.ErrorCodeOf(err) != kesu.EForbidden {
			t.Fatalf("other department sign: %v", err)
		}
		// An action the table does not allow is a conflict.
		if _, err := f.db.Transition(f.ctx, num, kesu.Command{Action: kesu.ActionClose}, f.super, at, kesu.DefaultRules); kesu.ErrorCodeOf(err) != kesu.EConflict {
			t.Fatalf("close while dispatched: %v", err)
		}
		if after := f.counts(t); after != before {
			t.Fatalf("refused transitions changed the database:\n%s\n%s", before, after)
		}
		c = step(f.handler, kesu.Command{Action: kesu.ActionSign}, kesu.StatusInProgress)
		if c.AssigneeID != f.handler.UserID {
			t.Errorf("sign should assign the handler: %d", c.AssigneeID)
		}
		step(f.handler, kesu.Command{Action: kesu.ActionRequestInfo, Note: "请提供购买凭证"}, kesu.StatusAwaitingCustomer)
		step(customer, kesu.Command{Action: kesu.ActionCustomerReply}, kesu.StatusInProgress)
		step(f.handler, kesu.Command{Action: kesu.ActionPropose, Proposal: &kesu.Proposal{Remedy: kesu.RemedyRepair}}, kesu.StatusSolutionProposed)
		step(customer, kesu.Command{Action: kesu.ActionCustomerObject, Note: "要退款"}, kesu.StatusInProgress)
		c = step(f.handler, kesu.Command{Action: kesu.ActionPropose, Proposal: &kesu.Proposal{Remedy: kesu.RemedyRefund, Amount: 199900}}, kesu.StatusSolutionProposed)
		if c.Proposal == nil || c.Proposal.Amount != 199900 {
			t.Fatalf("proposal %+v", c.Proposal)
		}
		step(customer, kesu.Command{Action: kesu.ActionCustomerAccept}, kesu.StatusExecuting)
		step(f.handler, kesu.Command{Action: kesu.ActionComplete, Note: "已退款"}, kesu.StatusResolved)
		c = step(customer, kesu.Command{Action: kesu.ActionClose, Satisfaction: 2, SatisfactionComment: "太慢"}, kesu.StatusClosed)
		if c.Satisfaction != 2 || c.ClosedAt == nil {
			t.Fatalf("close: %+v", c)
		}
		c = step(customer, kesu.Command{Action: kesu.ActionAppeal, Note: "处理太慢"}, kesu.StatusAppealed)
		if c.AppealCount != 1 || c.Escalation < 1 || c.AssigneeID != 0 {
			t.Fatalf("appeal: %+v", c)
		}
		if _, err := f.db.Transition(f.ctx, num, kesu.Command{Action: kesu.ActionReopen}, f.handler, at, kesu.DefaultRules); kesu.ErrorCodeOf(err) != kesu.EForbidden {
			t.Fatalf("a handler may not decide an appeal: %v", err)
		}
		c = step(f.super, kesu.Command{Action: kesu.ActionReopen, Note: "申诉成立"}, kesu.StatusInProgress)
		if c.ReopenCount != 1 || c.ClosedAt != nil {
			t.Fatalf("reopen: %+v", c)
		}
		step(f.handler, kesu.Command{Action: kesu.ActionComplete, Note: "补偿50元"}, kesu.StatusResolved)
		c = step(f.agent, kesu.Command{Action: kesu.ActionClose, Satisfaction: 5, Upheld: "partial"}, kesu.StatusClosed)
		if c.Upheld != "partial" || c.Satisfaction != 5 {
			t.Fatalf("final close %+v", c)
		}
		all, _ := f.db.Events(f.ctx, c.ID, false)
		visible, _ := f.db.Events(f.ctx, c.ID, true)
		if len(all) != 18 || len(visible) >= len(all) {
			t.Fatalf("events: %d all, %d customer-visible", len(all), len(visible))
		}
		for _, e := range all[1:] {
			if e.Type != kesu.EventTransition || e.Action == "" || e.ToStatus == "" {
				t.Fatalf("event %+v", e)
			}
		}
	})
}

func TestRejectMergeWithdraw(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		mk := func() string {
			res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			return res.Complaint.Number
		}
		a, b, c := mk(), mk(), mk()
		if _, err := f.db.Transition(f.ctx, a, kesu.Command{Action: kesu.ActionReject}, f.agent, t0, kesu.DefaultRules); kesu.ErrorFieldOf(err) != "reason" {
			t.Fatalf("reject without reason: %v", err)
		}
		if got, err := f.db.Transition(f.ctx, a, kesu.Command{Action: kesu.ActionReject, Reason: "out_of_scope"}, f.agent, t0, kesu.DefaultRules); err != nil || got.RejectReason != "out_of_scope" {
			t.Fatal(err)
		}
		if _, err := f.db.Transition(f.ctx, b, kesu.Command{Action: kesu.ActionMerge, DuplicateOf: b}, f.agent, t0, kesu.DefaultRules); kesu.ErrorFieldOf(err) != "duplicate_of" {
			t.Fatalf("merge into itself: %v", err)
		}
		got, err := f.db.Transition(f.ctx, b, kesu.Command{Action: kesu.ActionMerge, DuplicateOf: c}, f.agent, t0, kesu.DefaultRules)
		if err != nil || got.Status != kesu.StatusMerged || got.DuplicateOf != c {
			t.Fatalf("merge: %v %+v", err, got)
		}
		if _, err := f.db.Transition(f.ctx, c, kesu.Command{Action: kesu.ActionMerge, DuplicateOf: b}, f.agent, t0, kesu.DefaultRules); kesu.ErrorFieldOf(err) != "duplicate_of" {
			t.Fatalf("merge into a merged complaint: %v", err)
		}
		if got, err := f.db.Transition(f.ctx, c, kesu.Command{Action: kesu.ActionWithdraw}, kesu.Actor{Role: kesu.RoleCustomer}, t0, kesu.DefaultRules); err != nil || got.Status != kesu.StatusWithdrawn {
			t.Fatal(err)
		}
		if _, err := f.db.Transition(f.ctx, c, kesu.Command{Action: kesu.ActionAccept}, f.agent, t0, kesu.DefaultRules); kesu.ErrorCodeOf(err) != kesu.EConflict {
			t.Fatalf("withdrawn is terminal: %v", err)
		}
		if _, err := f.db.Transition(f.ctx, "TS404", kesu.Command{Action: kesu.ActionAccept}, f.agent, t0, kesu.DefaultRules); kesu.ErrorCodeOf(err) != kesu.ENotFound {
			t.Fatalf("missing: %v", err)
		}
	})
}

func TestUpdateComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		num := res.Complaint.Number
		level, cause, cat := kesu.LevelCritical, "product.safety", "quality.battery"
		c, err := f.db.UpdateComplaint(f.ctx, num, kesu.ComplaintPatch{Level: &level, Cause: &cause, Category: &cat}, f.agent, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if c.Level != level || c.Cause != cause || c.Category != cat || c.Escalation != 2 || c.Version != 2 {
			t.Fatalf("patch: %+v", c)
		}
		evs, _ := f.db.Events(f.ctx, c.ID, false)
		last := evs[len(evs)-1]
		if last.Type != kesu.EventUpdated || last.Visibility != kesu.VisibilityInternal || last.Data["level"] == nil {
			t.Fatalf("update event %+v", last)
		}
		before := f.counts(t)
		bad := "nope"
		if _, err := f.db.UpdateComplaint(f.ctx, num, kesu.ComplaintPatch{Category: &bad, Level: &level}, f.agent, t0); kesu.ErrorFieldOf(err) != "category" {
			t.Fatalf("bad category: %v", err)
		}
		badCause := "weather"
		if _, err := f.db.UpdateComplaint(f.ctx, num, kesu.ComplaintPatch{Cause: &badCause}, f.agent, t0); kesu.ErrorFieldOf(err) != "cause" {
			t.Fatalf("bad cause: %v", err)
		}
		if _, err := f.db.UpdateComplaint(f.ctx, num, kesu.ComplaintPatch{Cause: &cause}, f.other, t0); kesu.ErrorCodeOf(err) != kesu.EForbidden {
			t.Fatalf("handler of an undispatched complaint: %v", err)
		}
		if after := f.counts(t); after != before {
			t.Fatalf("refused patch changed the database:\n%s\n%s", before, after)
		}
	})
}

func TestPostsAndVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		res, _ := f.db.CreateComplaint(f.ctx, sample(), f.agent, t0, nil)
		num := res.Complaint.Number
		if _, err := f.db.AddPost(f.ctx, num, kesu.NewPost{Body: "客户情绪激动，注意措辞"}, f.agent, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.AddPost(f.ctx, num, kesu.NewPost{Body: "您好，我们已收到", Visibility: kesu.VisibilityCustomer}, f.agent, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.AddPost(f.ctx, num, kesu.NewPost{Body: " "}, f.agent, t0); kesu.ErrorFieldOf(err) != "body" {
			t.Fatalf("empty body: %v", err)
		}
		visible, _ := f.db.Events(f.ctx, res.Complaint.ID, true)
		for _, e := range visible {
			if strings.Contains(e.Body, "注意措辞") || e.Visibility != kesu.VisibilityCustomer {
				t.Fatalf("internal note visible to the customer: %+v", e)
			}
		}
		if len(visible) != 2 {
			t.Fatalf("want created + message visible, got %d", len(visible))
		}
	})
}

func TestListFiltersAndCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		for i := 0; i < 25; i++ {
			in := sample()
			if i%2 == 0 {
				in.Channel = kesu.ChannelEmail
			}
			if i%5 == 0 {
				in.Category = "quality.battery"
			}
			if _, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0.Add(time.Duration(i%3)*time.Minute), nil); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		cursor := ""
		var prev *kesu.Complaint
		for pages := 0; ; pages++ {
			page, err := f.db.Complaints(f.ctx, store.Filter{Limit: 7, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for i := range page.Items {
				c := page.Items[i]
				if seen[c.Number] {
					t.Fatalf("%s twice", c.Number)
				}
				seen[c.Number] = true
				if prev != nil && (c.RegisteredAt.After(prev.RegisteredAt) || c.RegisteredAt.Equal(prev.RegisteredAt) && c.ID > prev.ID) {
					t.Fatalf("not newest first")
				}
				prev = &c
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		if len(seen) != 25 {
			t.Fatalf("paged through %d of 25", len(seen))
		}
		count := func(f2 store.Filter) int {
			t.Helper()
			f2.Limit = 200
			page, err := f.db.Complaints(f.ctx, f2)
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Items)
		}
		from, to := t0.Add(time.Minute), t0.Add(2*time.Minute)
		checks := []struct {
			f    store.Filter
			want int
		}{
			{store.Filter{Channel: kesu.ChannelEmail}, 13},
			{store.Filter{Category: "quality"}, 25}, // parent includes children
			{store.Filter{Category: "quality.battery"}, 5},
			{store.Filter{Statuses: []kesu.Status{kesu.StatusRegistered, kesu.StatusClosed}}, 25},
			{store.Filter{Statuses: []kesu.Status{kesu.StatusClosed}}, 0},
			{store.Filter{Department: "after_sales"}, 0},
			{store.Filter{From: &from, To: &to}, 8},
			{store.Filter{Phone: "138-1234-5678"}, 25},
			{store.Filter{Phone: "13900000000"}, 0},
		}
		for i, c := range checks {
			if got := count(c.f); got != c.want {
				t.Errorf("filter %d: %d, want %d", i, got, c.want)
			}
		}
		if _, err := f.db.Complaints(f.ctx, store.Filter{Cursor: "garbage!"}); kesu.ErrorFieldOf(err) != "cursor" {
			t.Errorf("bad cursor: %v", err)
		}
		n := 0
		if err := f.db.EachComplaint(f.ctx, store.Filter{}, func(kesu.Complaint) error { n++; return nil }); err != nil || n != 25 {
			t.Errorf("each: %d %v", n, err)
		}
	})
}

// Every list order holds over the whole list, page after page, and a
// cursor of one order is refused by another.
func TestListOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		levels := []kesu.Level{kesu.LevelGeneral, kesu.LevelCritical, kesu.LevelMajor}
		var numbers []string
		for i := 0; i < 11; i++ {
			in := sample()
			in.Level = levels[i%3]
			c, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0.Add(time.Duration(i%4)*time.Minute), nil)
			if err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, c.Complaint.Number)
		}
		// The oldest complaint changed last.
		if _, err := f.db.Transition(f.ctx, numbers[0], kesu.Command{Action: kesu.ActionAccept}, f.agent, t0.Add(time.Hour), kesu.DefaultRules); err != nil {
			t.Fatal(err)
		}
		all, err := f.db.Complaints(f.ctx, store.Filter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		rank := map[kesu.Level]int{kesu.LevelCritical: 0, kesu.LevelMajor: 1, kesu.LevelGeneral: 2}
		newer := func(a, b kesu.Complaint) bool { // a before b, newest first
			return a.RegisteredAt.After(b.RegisteredAt) || a.RegisteredAt.Equal(b.RegisteredAt) && a.ID > b.ID
		}
		before := map[string]func(a, b kesu.Complaint) bool{
			store.OrderNewest: newer,
			store.OrderOldest: func(a, b kesu.Complaint) bool { return newer(b, a) },
			store.OrderLevel: func(a, b kesu.Complaint) bool {
				if rank[a.Level] != rank[b.Level] {
					return rank[a.Level] < rank[b.Level]
				}
				return newer(a, b)
			},
			store.OrderUpdated: func(a, b kesu.Complaint) bool {
				return a.UpdatedAt.After(b.UpdatedAt) || a.UpdatedAt.Equal(b.UpdatedAt) && a.ID > b.ID
			},
		}
		for _, order := range store.Orders {
			want := slices.Clone(all.Items)
			slices.SortFunc(want, func(a, b kesu.Complaint) int {
				if before[order](a, b) {
					return -1
				}
				return 1
			})
			var got []string
			cursor := ""
			for {
				page, err := f.db.Complaints(f.ctx, store.Filter{Order: order, Limit: 3, Cursor: cursor})
				if err != nil {
					t.Fatalf("%s: %v", order, err)
				}
				for _, c := range page.Items {
					got = append(got, c.Number)
				}
				if page.NextCursor == "" {
					break
				}
				cursor = page.NextCursor
			}
			var wantNumbers []string
			for _, c := range want {
				wantNumbers = append(wantNumbers, c.Number)
			}
			if !slices.Equal(got, wantNumbers) {
				t.Errorf("%s:\n got  %v\n want %v", order, got, wantNumbers)
			}
		}
		if got := all.Items[0].Number; got == numbers[0] {
			t.Fatalf("the fixture does not tell orders apart")
		}
		first, _ := f.db.Complaints(f.ctx, store.Filter{Order: store.OrderLevel, Limit: 2})
		if _, err := f.db.Complaints(f.ctx, store.Filter{Order: store.OrderOldest, Cursor: first.NextCursor}); kesu.ErrorFieldOf(err) != "cursor" {
			t.Errorf("a level cursor on the oldest order: %v", err)
		}
		if _, err := f.db.Complaints(f.ctx, store.Filter{Order: "random"}); kesu.ErrorFieldOf(err) != "sort" {
			t.Errorf("unknown order: %v", err)
		}
	})
}

func TestOrgErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		if _, err := f.db.CreateDepartment(f.ctx, kesu.Department{Code: "after_sales", Name: "x"}, "", t0); kesu.ErrorCodeOf(err) != kesu.EConflict {
			t.Errorf("duplicate department: %v", err)
		}
		if _, err := f.db.CreateDepartment(f.ctx, kesu.Department{Code: "Bad Code", Name: "x"}, "", t0); kesu.ErrorFieldOf(err) != "code" {
			t.Errorf("bad code: %v", err)
		}
		if _, err := f.db.CreateCategory(f.ctx, kesu.Category{Code: "x", Name: "x"}, store.CategoryRefs{Parent: "nope"}, t0); kesu.ErrorFieldOf(err) != "parent" {
			t.Errorf("bad parent: %v", err)
		}
		if _, err := f.db.CreateUser(f.ctx, kesu.User{Email: "agent@example.com", Name: "x", Role: kesu.RoleAgent}, "", "", t0); kesu.ErrorCodeOf(err) != kesu.EConflict {
			t.Errorf("duplicate user: %v", err)
		}
		if _, err := f.db.CreateUser(f.ctx, kesu.User{Email: "h@example.com", Name: "x", Role: kesu.RoleHandler}, "", "", t0); kesu.ErrorFieldOf(err) != "department" {
			t.Errorf("handler without department: %v", err)
		}
		deps, _ := f.db.Departments(f.ctx)
		if len(deps) != 2 {
			t.Errorf("departments: %d", len(deps))
		}
		hash := []byte("0123456789abcdef0123456789abcdef")
		if _, err := f.db.CreateToken(f.ctx, f.agent.UserID, "cli", hash, t0); err != nil {
			t.Fatal(err)
		}
		u, err := f.db.UserByTokenHash(f.ctx, hash, t0)
		if err != nil || u.ID != f.agent.UserID {
			t.Fatalf("token: %v %+v", err, u)
		}
		if _, err := f.db.UserByTokenHash(f.ctx, []byte("nope"), t0); kesu.ErrorCodeOf(err) != kesu.EUnauthorized {
			t.Errorf("bad token: %v", err)
		}
	})
}

func TestOrgUpdates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		name, dept := "质量问题", "logistics"
		c, err := f.db.UpdateCategory(f.ctx, "quality", store.CategoryPatch{Name: &name, Department: &dept})
		if err != nil || c.Name != name || c.DepartmentID == 0 {
			t.Fatalf("category: %v %+v", err, c)
		}
		off := false
		if _, err := f.db.UpdateCategory(f.ctx, "quality.battery", store.CategoryPatch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		in := sample()
		in.Category = "quality.battery"
		if _, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil); kesu.ErrorFieldOf(err) != "category" {
			t.Fatalf("inactive category accepted: %v", err)
		}
		// A deactivated user's and a revoked token stop working.
		hash := []byte("0123456789abcdef0123456789abcdef")
		tokenID, err := f.db.CreateToken(f.ctx, f.agent.UserID, "t", hash, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.UpdateUser(f.ctx, f.agent.UserID, store.UserPatch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.UserByTokenHash(f.ctx, hash, t0); kesu.ErrorCodeOf(err) != kesu.EUnauthorized {
			t.Fatalf("deactivated user's token: %v", err)
		}
		on := true
		if _, err := f.db.UpdateUser(f.ctx, f.agent.UserID, store.UserPatch{Active: &on}); err != nil {
			t.Fatal(err)
		}
		if err := f.db.RevokeToken(f.ctx, tokenID, f.super.UserID, t0); kesu.ErrorCodeOf(err) != kesu.ENotFound {
			t.Fatalf("someone else's token: %v", err)
		}
		if err := f.db.RevokeToken(f.ctx, tokenID, f.agent.UserID, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.UserByTokenHash(f.ctx, hash, t0); kesu.ErrorCodeOf(err) != kesu.EUnauthorized {
			t.Fatalf("revoked token: %v", err)
		}
		// The last active administrator cannot be demoted or deactivated.
		admin, err := f.db.CreateUser(f.ctx, kesu.User{Email: "root@example.com", Name: "root", Role: kesu.RoleAdmin}, "", "", t0)
		if err != nil {
			t.Fatal(err)
		}
		agentRole := kesu.RoleAgent
		if _, err := f.db.UpdateUser(f.ctx, admin.ID, store.UserPatch{Role: &agentRole}); kesu.ErrorCodeOf(err) != kesu.EConflict {
			t.Fatalf("demoting the last admin: %v", err)
		}
		handlerRole := kesu.RoleHandler
		if _, err := f.db.UpdateUser(f.ctx, f.agent.UserID, store.UserPatch{Role: &handlerRole}); kesu.ErrorFieldOf(err) != "department" {
			t.Fatalf("handler without department: %v", err)
		}
	})
}

// What a write returns is exactly what a later read returns (times included,
// to the microsecond the database keeps).
func TestWriteResultsEqualReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		at := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.UTC)
		res, err := f.db.CreateComplaint(f.ctx, sample(), f.agent, at, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.db.Complaint(f.ctx, res.Complaint.Number)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Complaint, got) {
			t.Fatalf("create returned\n%+v\nread\n%+v", res.Complaint, got)
		}
		moved, err := f.db.Transition(f.ctx, got.Number, kesu.Command{Action: kesu.ActionAccept}, f.agent, at.Add(time.Hour), kesu.DefaultRules)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ = f.db.Complaint(f.ctx, got.Number); !reflect.DeepEqual(moved, got) {
			t.Fatalf("transition returned\n%+v\nread\n%+v", moved, got)
		}
	})
}

// Customers link across channels by phone, else email, else messaging id; a
// name alone links nothing, so two customers known only by name stay apart.
func TestCustomerContactKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := open(t, dsn)
		mk := func(cu kesu.Customer) int64 {
			t.Helper()
			// Feedback may come without a way to reach the customer.
			in := kesu.NewComplaint{Kind: kesu.KindFeedback, Channel: kesu.ChannelStore, Description: "门店服务态度差", Customer: cu}
			res, err := f.db.CreateComplaint(f.ctx, in, f.agent, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			return res.Complaint.Customer.ID
		}
		byPhone := mk(kesu.Customer{Name: "张三", Phone: "13812345678"})
		if again := mk(kesu.Customer{Phone: "13812345678", Email: "z@example.com"}); again != byPhone {
			t.Errorf("same phone: customer %d, then %d", byPhone, again)
		}
		a, b := mk(kesu.Customer{Name: "王五"}), mk(kesu.Customer{Name: "赵六"})
		if a == 0 || b == 0 || a == b || a == byPhone {
			t.Errorf("name-only customers: %d and %d (phone customer %d)", a, b, byPhone)
		}
		if id, err := f.db.CustomerIDByContact(f.ctx, kesu.Customer{Phone: "13812345678"}); err != nil || id != byPhone {
			t.Errorf("lookup by phone = %d, %v; want %d", id, err, byPhone)
		}
		if id, err := f.db.CustomerIDByContact(f.ctx, kesu.Customer{Name: "王五"}); err != nil || id != 0 {
			t.Errorf("lookup by name alone = %d, %v; want 0", id, err)
		}
	})
}
