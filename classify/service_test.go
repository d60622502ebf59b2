package classify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/classify"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type env struct {
	ctx   context.Context
	db    *store.DB
	svc   *classify.Service
	admin kesu.Actor
}

func setup(t *testing.T, dsn string) *env {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, d := range []string{"logistics", "after_sales"} {
		if _, err := db.CreateDepartment(ctx, kesu.Department{Code: d, Name: d}, "", t0); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"logistics", "quality", "service", "billing"} {
		if _, err := db.CreateCategory(ctx, kesu.Category{Code: c, Name: c}, store.CategoryRefs{}, t0); err != nil {
			t.Fatal(err)
		}
	}
	u, err := db.CreateUser(ctx, kesu.User{Email: "admin@example.com", Name: "管理员", Role: kesu.RoleAdmin}, "", "", t0)
	if err != nil {
		t.Fatal(err)
	}
	svc := classify.NewService(db, kesu.FixedClock{T: t0}, nil)
	if err := svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	db.AddEffect(svc.Effect())
	if n, err := svc.Suggest(ctx); err != nil || n != 0 { // starts the worker's cursor
		t.Fatal(n, err)
	}
	return &env{ctx: ctx, db: db, svc: svc, admin: u.Actor()}
}

func (e *env) create(t *testing.T, title, desc, category string) kesu.Complaint {
	t.Helper()
	res, err := e.db.CreateComplaint(e.ctx, kesu.NewComplaint{Kind: kesu.KindComplaint, Channel: kesu.ChannelWeb,
		Title: title, Description: desc, Category: category,
		Customer: kesu.Customer{Name: "客户", Phone: fmt.Sprintf("139%08d", time.Now().UnixNano()%1e8)}}, e.admin, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.Suggest(e.ctx); err != nil || n != 1 { // the worker's pass
		t.Fatalf("suggest pass: %d %v", n, err)
	}
	c, err := e.db.Complaint(e.ctx, res.Complaint.Number)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// closeAs drives a complaint through the lifecycle to closed, handled by
// department dept.
func (e *env) closeAs(t *testing.T, number, dept string) {
	t.Helper()
	for _, cmd := range []kesu.Command{{Action: kesu.ActionAccept}, {Action: kesu.ActionDispatch, Department: dept},
		{Action: kesu.ActionSign}, {Action: kesu.ActionComplete, Note: "done"}, {Action: kesu.ActionClose, Satisfaction: 5}} {
		if _, err := e.db.Transition(e.ctx, number, cmd, e.admin, t0, kesu.DefaultRules); err != nil {
			t.Fatalf("%s: %v", cmd.Action, err)
		}
	}
}

func TestIntakeRiskFlags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := setup(t, dsn)
		c := e.create(t, "快递丢件", "再不处理我就找记者曝光，还要打１２３１５", "")
		if c.Escalation != 2 || c.Priority != kesu.PriorityUrgent || c.Version != 2 {
			t.Fatalf("not raised: escalation %d priority %s version %d", c.Escalation, c.Priority, c.Version)
		}
		evs, err := e.db.Events(e.ctx, c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Type != kesu.EventUpdated || !strings.Contains(last.Body, "曝光、记者、12315") || last.Visibility != kesu.VisibilityInternal {
			t.Fatalf("reason event: %+v", last)
		}
		if words, _ := last.Data["risk_words"].([]any); len(words) != 3 {
			t.Fatalf("event data: %+v", last.Data)
		}
		// A quiet complaint is left alone, and has no suggestions without models.
		q := e.create(t, "快递慢", "三天没到", "")
		if q.Escalation != 0 || q.Priority != kesu.PriorityNormal || q.Version != 1 {
			t.Fatalf("quiet complaint changed: %+v", q)
		}
		if ss, err := e.db.Suggestions(e.ctx, q.ID); err != nil || len(ss) != 0 {
			t.Fatalf("suggestions without a model: %v %v", ss, err)
		}
		// The word list is configurable; a removed word no longer flags.
		words, _ := e.db.RiskWords(e.ctx)
		if len(words) != len(classify.DefaultRiskWords) {
			t.Fatalf("migration seeded %d words, the default list has %d", len(words), len(classify.DefaultRiskWords))
		}
		for _, w := range words {
			if w.Word == "记者" {
				if err := e.db.DeleteRiskWord(e.ctx, w.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := e.db.PutRiskWord(e.ctx, store.RiskWord{Word: "黑猫投诉", Escalation: 1, Priority: "high"}, t0); err != nil {
			t.Fatal(err)
		}
		if err := e.db.DeleteRiskWord(e.ctx, 999999); kesu.ErrorCodeOf(err) != kesu.ENotFound {
			t.Fatalf("delete missing: %v", err)
		}
		e.svc.Reload(e.ctx)
		if c := e.create(t, "服务差", "我要找记者", ""); c.Escalation != 0 {
			t.Fatalf("removed word still flags: %d", c.Escalation)
		}
		if c := e.create(t, "服务差", "我要去黑猫投诉", ""); c.Escalation != 1 || c.Priority != kesu.PriorityHigh {
			t.Fatalf("new word does not flag: %d %s", c.Escalation, c.Priority)
		}
	})
}

func TestSuggestionsTrainingAndCorrections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := setup(t, dsn)
		// Too little history: a clear error, nothing stored.
		if _, err := e.svc.TrainFromClosed(e.ctx, "category", e.admin.UserID); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Fatalf("training from nothing: %v", err)
		}
		if _, err := e.svc.TrainFromClosed(e.ctx, "colour", 0); kesu.ErrorFieldOf(err) != "field" {
			t.Fatalf("unknown field: %v", err)
		}
		// History: closed complaints with categories and departments.
		dept := map[string]string{"logistics": "logistics", "quality": "after_sales", "service": "after_sales", "billing": "after_sales"}
		for i, ex := range classify.SampleExamples()[:24] {
			c := e.create(t, fmt.Sprintf("历史投诉 %d", i), ex.Text, ex.Label)
			e.closeAs(t, c.Number, dept[ex.Label])
		}
		res, err := e.svc.TrainFromClosed(e.ctx, "category", e.admin.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Model.Examples != 24 || res.Model.Field != "category" || len(res.Model.Labels) != 4 || res.Model.Source != "closed complaints" {
			t.Fatalf("model %+v", res.Model)
		}
		if _, err := e.svc.TrainFromClosed(e.ctx, "department", e.admin.UserID); err != nil {
			t.Fatal(err)
		}
		// Every new complaint now gets suggestions with confidence.
		c := e.create(t, "包裹没收到", "快递 物流 配送 一直没到", "")
		ss, err := e.db.Suggestions(e.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]store.Suggestion{}
		for _, s := range ss {
			got[s.Field] = s
		}
		if got["category"].Value != "logistics" || got["department"].Value != "logistics" || got["category"].Confidence <= 0.25 ||
			got["category"].Status != store.SuggestionPending || got["category"].ModelID != res.Model.ID {
			t.Fatalf("suggestions %+v", ss)
		}
		// The agent corrects the category; the correction is recorded and
		// becomes training data before the complaint is even closed.
		g, err := e.db.DecideSuggestion(e.ctx, c.ID, "category", "billing", e.admin, t0)
		if err != nil || g.Status != store.SuggestionCorrected || g.FinalValue != "billing" || g.Value != "logistics" {
			t.Fatalf("correct: %+v %v", g, err)
		}
		if g, err := e.db.DecideSuggestion(e.ctx, c.ID, "department", "logistics", e.admin, t0); err != nil || g.Status != store.SuggestionConfirmed {
			t.Fatalf("confirm: %+v %v", g, err)
		}
		rows, err := e.db.TrainingRows(e.ctx, "category", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 25 || !strings.Contains(rows[len(rows)-1].Text, "包裹没收到") || rows[len(rows)-1].Label != "billing" {
			t.Fatalf("training rows: %d, last %+v", len(rows), rows[len(rows)-1])
		}
		evs, _ := e.db.Events(e.ctx, c.ID, false)
		if last := evs[len(evs)-1]; !strings.Contains(last.Body, "confirmed the suggested department") {
			t.Fatalf("decision not on the timeline: %+v", last)
		}
		// A stored model loads, and eval by name finds the newest.
		m, sm, err := classify.LoadModel(e.ctx, e.db, "category")
		if err != nil || sm.ID != res.Model.ID || m.Predict("快递 物流 配送 没到").Label != "logistics" {
			t.Fatalf("load: %v #%d", err, sm.ID)
		}
		if _, _, err := classify.LoadModel(e.ctx, e.db, "nothing"); kesu.ErrorCodeOf(err) != kesu.ENotFound {
			t.Fatalf("missing model: %v", err)
		}
		list, err := e.db.Models(e.ctx)
		if err != nil || len(list) != 2 || list[0].Data != nil {
			t.Fatalf("models: %+v %v", list, err)
		}
	})
}

func TestPredictedLevelRaises(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		e := setup(t, dsn)
		var ex []classify.Example
		for _, s := range classify.SampleExamples() {
			level := "general"
			if s.Label == "quality" {
				level = "critical"
			}
			ex = append(ex, classify.Example{Text: s.Text, Label: level})
		}
		if _, err := e.svc.TrainAndSave(e.ctx, "level", "level", "test", ex, 0); err != nil {
			t.Fatal(err)
		}
		c := e.create(t, "热水器漏水", "质量 故障 漏水 破损", "")
		if c.Escalation != 2 || c.Priority != kesu.PriorityUrgent {
			t.Fatalf("predicted critical did not raise: %d %s", c.Escalation, c.Priority)
		}
		evs, _ := e.db.Events(e.ctx, c.ID, false)
		if last := evs[len(evs)-1]; !strings.Contains(last.Body, "模型预测级别：紧急") || last.Data["predicted_level"] == nil {
			t.Fatalf("reason: %+v", last)
		}
		// Policy: a stricter confidence threshold stops it.
		p := classify.DefaultRiskPolicy
		p.MinConfidence = 1
		if err := e.db.PutClassifySetting(e.ctx, classify.RiskPolicySetting, p, t0); err != nil {
			t.Fatal(err)
		}
		e.svc.Reload(e.ctx)
		if e.svc.Policy().MinConfidence != 1 {
			t.Fatal("policy not reloaded")
		}
		if c := e.create(t, "热水器漏水", "质量 故障 漏水 破损", ""); c.Escalation != 0 {
			t.Fatalf("raised despite policy: %d", c.Escalation)
		}
	})
}

// BenchmarkIntakeEffect measures registering a complaint on SQLite with the
// classification effect, without models (risk words only) and with
// category, level and department models trained on the real Chinese data.
func BenchmarkIntakeEffect(b *testing.B) {
	for _, models := range []int{0, 3} {
		b.Run(fmt.Sprintf("models=%d", models), func(b *testing.B) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.SQLite(b), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			svc := classify.NewService(db, kesu.FixedClock{T: t0}, nil)
			examples := classify.SampleExamples()
			if models > 0 {
				for _, field := range classify.SuggestedFields {
					if _, err := svc.TrainAndSave(ctx, field, field, "bench", examples, 0); err != nil {
						b.Fatal(err)
					}
				}
			}
			db.AddEffect(svc.Effect())
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				_, err := db.CreateComplaint(ctx, kesu.NewComplaint{Kind: kesu.KindComplaint, Channel: kesu.ChannelWeb,
					Title: "投诉", Description: examples[i%len(examples)].Text,
					Customer: kesu.Customer{Phone: fmt.Sprintf("139%08d", i)}}, kesu.SystemActor, t0, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The suggestion worker starts at the newest complaint on an existing
// database, and two processes never handle the same complaints.
func TestSuggestWorkerSharesTheStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		mk := func(text string) {
			if _, err := db.CreateComplaint(ctx, kesu.NewComplaint{Kind: kesu.KindComplaint, Channel: kesu.ChannelWeb,
				Description: text, Customer: kesu.Customer{Phone: fmt.Sprintf("137%08d", time.Now().UnixNano()%1e8)}}, kesu.SystemActor, t0, nil); err != nil {
				t.Fatal(err)
			}
		}
		mk("历史投诉一")
		mk("历史投诉二")
		a := classify.NewService(db, kesu.FixedClock{T: t0}, nil)
		b := classify.NewService(db, kesu.FixedClock{T: t0}, nil)
		if _, err := a.TrainAndSave(ctx, "category", "category", "test", classify.SampleExamples(), 0); err != nil {
			t.Fatal(err)
		}
		b.Reload(ctx)
		if n, err := a.Suggest(ctx); n != 0 || err != nil {
			t.Fatalf("first pass: %d %v", n, err)
		}
		mk("快递 物流 没到")
		mk("质量 漏水")
		if n, err := b.Suggest(ctx); n != 2 || err != nil {
			t.Fatalf("b: %d %v", n, err)
		}
		if n, err := a.Suggest(ctx); n != 0 || err != nil {
			t.Fatalf("a after b: %d %v", n, err)
		}
		for id, want := range map[int64]int{1: 0, 2: 0, 3: 1, 4: 1} {
			if ss, _ := db.Suggestions(ctx, id); len(ss) != want {
				t.Errorf("complaint #%d has %d suggestions, want %d", id, len(ss), want)
			}
		}
	})
}
