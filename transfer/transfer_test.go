package transfer

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// Every test here runs on SQLite and on PostgreSQL, against real databases.

var (
	t0    = time.Date(2026, 3, 5, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	clock = kesu.FixedClock{T: t0.Add(30 * 24 * time.Hour)}
	ctx   = context.Background()
)

type fixture struct {
	db             *store.DB
	agent, handler kesu.Actor
}

// open opens a fresh database with the departments, categories and users
// the sample complaints refer to.
func open(t *testing.T, dsn string) *fixture {
	t.Helper()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	for _, d := range []kesu.Department{{Code: "after_sales", Name: "售后部"}, {Code: "logistics", Name: "物流部"}} {
		if _, err := db.CreateDepartment(ctx, d, "", t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CreateCategory(ctx, kesu.Category{Code: "quality", Name: "产品质量"}, store.CategoryRefs{Department: "after_sales"}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateCategory(ctx, kesu.Category{Code: "delivery", Name: "物流配送"}, store.CategoryRefs{Department: "logistics"}, t0); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db}
	mk := func(email string, role kesu.Role, dept string) kesu.Actor {
		u, err := db.CreateUser(ctx, kesu.User{Email: email, Name: email, Role: role}, dept, "", t0)
		if err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		return u.Actor()
	}
	f.agent = mk("agent@example.com", kesu.RoleAgent, "")
	f.handler = mk("handler@example.com", kesu.RoleHandler, "after_sales")
	return f
}

// seed registers a varied set of complaints over several days, one of them
// carried through the lifecycle so that output-only fields have values.
func (f *fixture) seed(t *testing.T) []kesu.Complaint {
	t.Helper()
	yes, no := true, false
	occurred := t0.Add(-48 * time.Hour)
	reg := func(d time.Duration) *time.Time { r := t0.Add(d); return &r }
	ins := []kesu.NewComplaint{
		{Kind: kesu.KindComplaint, Channel: kesu.ChannelPhone, Title: "洗衣机漏水",
			Description: "购买的洗衣机第二次使用就漏水，要求退款。\n第二行：客服说要等一周。",
			Customer:    kesu.Customer{Name: "张三", Phone: "138 1234 5678", Email: "zhang@example.com", VIP: true},
			Nature:      kesu.NatureProduct, Timing: kesu.TimingDelayed, Level: kesu.LevelMajor, Priority: kesu.PriorityHigh,
			Category: "quality", Tags: []string{"漏水", "VIP", "售后"}, Product: "滚筒洗衣机", ProductModel: "XQG100",
			OrderNo: "ORD-2026-0042", Amount: 199900, Currency: "CNY", StaffInvolved: "王师傅", Location: "上海徐汇店",
			Expectation:      kesu.Expectation{Remedy: kesu.RemedyRefund, Amount: 199900, Note: "全额退款"},
			DemandReasonable: &yes, OccurredAt: &occurred, RegisteredAt: reg(0), ExternalID: "crm-1001"},
		{Description: "=HYPERLINK(\"http://evil.example\",\"点我\") 快递三天没动", Title: "+86 客户来电",
			Customer: kesu.Customer{Phone: "+8613900000001"}, Category: "delivery", Channel: kesu.ChannelWeChat,
			Tags: []string{"'引号", "@提及"}, DemandReasonable: &no, RegisteredAt: reg(time.Hour)},
		{Kind: kesu.KindSuggestion, Description: "建议门店延长营业时间", RegisteredAt: reg(24 * time.Hour)},
		{Kind: kesu.KindFeedback, Description: "feedback, with \"quotes\", commas\nand lines", Customer: kesu.Customer{Name: "Li Si", Email: "li@example.com"},
			Amount: 5, Currency: "usd", RegisteredAt: reg(25 * time.Hour)},
		{Description: "同一天第二单：配送员态度差", Customer: kesu.Customer{WeChatID: "wx_openid_1"}, Level: kesu.LevelCritical,
			Timing: kesu.TimingImmediate, RegisteredAt: reg(26 * time.Hour), ExternalID: "crm-1002"},
	}
	var out []kesu.Complaint
	for i, in := range ins {
		res, err := f.db.CreateComplaint(ctx, in, f.agent, clock.Now(), nil)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		out = append(out, res.Complaint)
	}
	num, at := out[0].Number, t0
	for _, step := range []struct {
		actor kesu.Actor
		cmd   kesu.Command
	}{
		{f.agent, kesu.Command{Action: kesu.ActionAccept}},
		{f.agent, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales", CoDepartments: []string{"logistics"}}},
		{f.handler, kesu.Command{Action: kesu.ActionSign}},
		{f.handler, kesu.Command{Action: kesu.ActionPropose, Proposal: &kesu.Proposal{Remedy: kesu.RemedyExchange, Amount: 100, Description: "换新机"}}},
	} {
		at = at.Add(time.Hour)
		if _, err := f.db.Transition(ctx, num, step.cmd, step.actor, at, kesu.DefaultRules); err != nil {
			t.Fatalf("%s: %v", step.cmd.Action, err)
		}
	}
	return all(t, f.db)
}

// all returns every complaint, oldest first.
func all(t *testing.T, db *store.DB) []kesu.Complaint {
	t.Helper()
	var out []kesu.Complaint
	if err := db.EachComplaint(ctx, store.Filter{}, func(c kesu.Complaint) error {
		out = append(out, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// intakeView is what an import must carry over: every field of
// kesu.NewComplaint (found by reflection, not from the column table under
// test), as the CSV export renders it, with the external id an import gives
// a complaint.
func intakeView(c kesu.Complaint, original bool) string {
	paths := map[string]bool{}
	jsonPaths(reflect.TypeOf(kesu.NewComplaint{}), "", paths)
	delete(paths, "customer.id")
	delete(paths, "external_id")
	names := make([]string, 0, len(paths))
	for name := range paths {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "%s=%q ", name, columnByName[name].get(&c, time.UTC))
	}
	ext := c.ExternalID
	if original && ext == "" {
		ext = "kesu:" + c.Number
	}
	fmt.Fprintf(&b, "external_id=%q", ext)
	return b.String()
}

func importAll(t *testing.T, db *store.DB, data []byte, f Format, dry bool) (Report, []RowResult) {
	t.Helper()
	var rows []RowResult
	rep, err := Import(ctx, db, bytes.NewReader(data), ImportOptions{Format: f, Clock: clock, DryRun: dry,
		Location: time.UTC, OnRow: func(r RowResult) { rows = append(rows, r) }})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep, rows
}

func TestColumnsCoverEveryField(t *testing.T) {
	// Every JSON field of Complaint is a column; every intake field is an
	// intake column at the same path; nothing else is.
	all := map[string]bool{}
	jsonPaths(reflect.TypeOf(kesu.Complaint{}), "", all)
	intake := map[string]bool{}
	jsonPaths(reflect.TypeOf(kesu.NewComplaint{}), "", intake)
	delete(intake, "customer.id") // Customer is shared; its id is the store's
	for _, c := range columns {
		if !all[c.name] {
			t.Errorf("column %s is not a field of kesu.Complaint", c.name)
		}
		if intake[c.name] != (c.intake != nil) {
			t.Errorf("column %s: intake field %v, has an intake setter %v", c.name, intake[c.name], c.intake != nil)
		}
		delete(all, c.name)
		delete(intake, c.name)
	}
	for name := range all {
		t.Errorf("kesu.Complaint field %s has no CSV column", name)
	}
	for name := range intake {
		t.Errorf("kesu.NewComplaint field %s has no CSV column", name)
	}
}

// jsonPaths collects the dotted JSON names of t's fields, descending into
// the nested objects (customer, expectation, proposal).
func jsonPaths(t reflect.Type, prefix string, into map[string]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(time.Time{}) {
			jsonPaths(ft, prefix+name+".", into)
			continue
		}
		into[prefix+name] = true
	}
}

func TestRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		src := open(t, dsn)
		orig := src.seed(t)
		for _, format := range []Format{JSONL, CSV} {
			t.Run(string(format), func(t *testing.T) {
				var buf bytes.Buffer
				n, err := Export(ctx, src.db, &buf, ExportOptions{Format: format, BOM: format == CSV})
				if err != nil || n != len(orig) {
					t.Fatalf("export: %d, %v", n, err)
				}
				fresh := storetest.SQLite
				if store.IsPostgresURL(dsn) {
					fresh = storetest.Postgres
				}
				dst := open(t, fresh(t))
				rep, rows := importAll(t, dst.db, buf.Bytes(), format, false)
				if rep != (Report{Created: len(orig)}) {
					t.Fatalf("import: %v %v", rep, rows)
				}
				got := all(t, dst.db)
				if len(got) != len(orig) {
					t.Fatalf("%d complaints after import, want %d", len(got), len(orig))
				}
				for i := range orig {
					if w, g := intakeView(orig[i], true), intakeView(got[i], false); w != g {
						t.Errorf("complaint %d changed:\nwant %s\ngot  %s", i, w, g)
					}
					if got[i].Status != kesu.StatusRegistered || got[i].RegisteredAt.Format("20060102") != orig[i].RegisteredAt.Format("20060102") {
						t.Errorf("complaint %d: %s registered %v", i, got[i].Status, got[i].RegisteredAt)
					}
					evs, err := dst.db.Events(ctx, got[i].ID, false)
					if err != nil || len(evs) != 1 || evs[0].Type != kesu.EventCreated {
						t.Errorf("complaint %d events: %v %v", i, evs, err)
					}
				}
				// Numbers come from the registration day; the export is oldest
				// first, so the new numbers follow the old ones.
				for i := range orig {
					if got[i].Number != orig[i].Number {
						t.Errorf("number %s became %s", orig[i].Number, got[i].Number)
					}
				}

				// A re-run finds every row present and writes nothing.
				rep, rows = importAll(t, dst.db, buf.Bytes(), format, false)
				if rep != (Report{Present: len(orig)}) {
					t.Fatalf("re-run: %v %v", rep, rows)
				}
				for i, r := range rows {
					if r.Outcome != Present || r.Number != got[i].Number {
						t.Errorf("re-run row %d: %+v", i, r)
					}
				}
				if n := len(all(t, dst.db)); n != len(orig) {
					t.Fatalf("re-run made %d complaints", n)
				}
			})
		}
	})
}
