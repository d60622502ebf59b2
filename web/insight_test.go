package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/classify"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// withClassify serves the workspace again with a classification service
// whose intake effect (risk words) is registered on the fixture's database.
func (f *fixture) withClassify(t *testing.T) *classify.Service {
	t.Helper()
	svc := classify.NewService(f.db, f.clock, nil)
	if err := svc.Reload(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.db.AddEffect(svc.Effect())
	cfg := f.webCfg
	cfg.Classify = svc
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.web = w
	return svc
}

// Issue 6 on the complaint page and the intake card: suggestions with
// confirm/correct, the risk alert, related complaints with one-click merge,
// and the duplicate check before saving.
func TestInsightPanels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		svc := f.withClassify(t)
		if _, err := f.db.CreateCategory(f.ctx, kesu.Category{Code: "delivery", Name: "物流配送", NameEN: "Delivery"},
			store.CategoryRefs{Department: "logistics"}, t0); err != nil {
			t.Fatal(err)
		}
		var ex []classify.Example
		for _, s := range []string{"快递三天没到", "物流信息不更新", "包裹丢了", "配送员不送货上门", "快递一直没到物流不更新"} {
			ex = append(ex, classify.Example{Text: s, Label: "delivery"})
		}
		for _, s := range []string{"洗衣机漏水", "电池鼓包", "屏幕坏了", "质量太差用了一天就故障", "冰箱不制冷"} {
			ex = append(ex, classify.Example{Text: s, Label: "quality"})
		}
		if _, err := svc.TrainAndSave(f.ctx, "category", "category", "test", ex, f.users["admin"].ID); err != nil {
			t.Fatal(err)
		}

		// A suggestion with its confidence; confirming records the decision
		// and sets the category.
		c := f.complaint("快递一直没到，物流不更新", "13811110001")
		agent := f.login("agent")
		p := agent.get("/complaints/" + c.Number)
		if p.status != 200 || !strings.Contains(p.body, `id="suggestion-category"`) || !strings.Contains(p.body, "物流配送") ||
			!strings.Contains(p.body, `id="confirm-category"`) || !strings.Contains(p.body, `id="correct-category"`) {
			t.Fatalf("suggestion not shown: %d", p.status)
		}
		if p := agent.post("/complaints/"+c.Number+"/suggestions/category", url.Values{"value": {"delivery"}}); p.status != 200 {
			t.Fatalf("confirm: %d", p.status)
		}
		ss, err := f.db.Suggestions(f.ctx, c.ID)
		if err != nil || len(ss) != 1 || ss[0].Status != store.SuggestionConfirmed || ss[0].FinalValue != "delivery" {
			t.Fatalf("decision not recorded: %+v %v", ss, err)
		}
		if got, _ := f.db.Complaint(f.ctx, c.Number); got.Category != "delivery" {
			t.Fatalf("category %q", got.Category)
		}
		if p := agent.get("/complaints/" + c.Number); !strings.Contains(p.body, "已确认") || strings.Contains(p.body, `id="confirm-category"`) {
			t.Fatal("confirmed suggestion still offered")
		}
		// A wrong value changes nothing.
		agent.get("/complaints/" + c.Number)
		if p := agent.post("/complaints/"+c.Number+"/suggestions/level", url.Values{"value": {"huge"}}); p.status != 400 {
			t.Fatalf("bad level: %d", p.status)
		}

		// Risk words and what the policy did are shown prominently.
		risky := f.complaint("三番五次不处理，我要找律师起诉，还要向媒体曝光", "13811110002")
		p = agent.get("/complaints/" + risky.Number)
		if !strings.Contains(p.body, `id="risk-alert"`) || !strings.Contains(p.body, "<mark>律师</mark>") ||
			!strings.Contains(p.body, `id="risk-reason"`) {
			t.Fatal("risk alert not shown")
		}

		// A near-duplicate through another channel is related; merging from
		// the page merges the complaint.
		text := "洗衣机漏水，地板全湿了，要求上门维修并赔偿损失"
		first := f.complaint(text, "13811110003")
		second := f.complaint(text+"。", "13811110004")
		p = agent.get("/complaints/" + second.Number)
		if !strings.Contains(p.body, `id="related-`+first.Number+`"`) || !strings.Contains(p.body, `id="merge-`+first.Number+`"`) {
			t.Fatalf("near-duplicate not in the related panel")
		}
		// Someone who may not merge sees no button and is refused.
		auditor := f.login("auditor")
		p = auditor.get("/complaints/" + second.Number)
		if p.status != 200 || !strings.Contains(p.body, `id="related-`+first.Number+`"`) || strings.Contains(p.body, `id="merge-`) {
			t.Fatalf("auditor's related panel: %d", p.status)
		}
		if p := auditor.post("/complaints/"+second.Number+"/related", url.Values{"action": {"merge"}, "number": {first.Number}}); p.status != 403 {
			t.Fatalf("auditor merge: %d", p.status)
		}
		if p := auditor.post("/complaints/"+second.Number+"/suggestions/category", url.Values{"value": {"quality"}}); p.status != 403 {
			t.Fatalf("auditor decides a suggestion: %d", p.status)
		}
		if got, _ := f.db.Complaint(f.ctx, second.Number); got.Status != kesu.StatusRegistered {
			t.Fatalf("refused merge changed the status: %s", got.Status)
		}
		agent.get("/complaints/" + second.Number)
		if p := agent.post("/complaints/"+second.Number+"/related", url.Values{"action": {"merge"}, "number": {first.Number}}); p.status != 200 {
			t.Fatalf("merge: %d", p.status)
		}
		if got, _ := f.db.Complaint(f.ctx, second.Number); got.Status != kesu.StatusMerged || got.DuplicateOf != first.Number {
			t.Fatalf("after merge: %s %q", got.Status, got.DuplicateOf)
		}

		// The intake card checks a draft before saving.
		p = agent.get("/intake")
		if !strings.Contains(p.body, `id="dup-check-btn"`) || !strings.Contains(p.body, `hx-post="/intake/duplicates"`) {
			t.Fatal("intake has no duplicate check")
		}
		p = agent.post("/intake/duplicates", url.Values{"description": {text}, "customer_phone": {"13811110009"}, "channel": {"phone"}})
		if p.status != 200 || !strings.Contains(p.body, `id="dup-`+first.Number+`"`) {
			t.Fatalf("duplicate check: %d %s", p.status, p.body)
		}
		agent.get("/intake")
		if p := agent.post("/intake/duplicates", url.Values{"channel": {"phone"}}); p.status != 200 || !strings.Contains(p.body, "请先填写") {
			t.Fatalf("empty draft: %d %s", p.status, p.body)
		}
		auditor.get("/queue")
		if p := auditor.post("/intake/duplicates", url.Values{"description": {text}}); p.status != 403 {
			t.Fatalf("auditor duplicate check: %d", p.status)
		}
	})
}

// Without a classification service the page still shows related
// complaints, and no suggestion panel.
func TestInsightPanelsWithoutClassify(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	text := "电视机屏幕出现竖线，刚买一周"
	a := f.complaint(text, "13811110011")
	b := f.complaint(text, "13811110012")
	// A closed case like it, with how it was resolved.
	old := f.complaint("电视机屏幕有竖线，买了不到一个月", "13811110013")
	f.act("agent", old.Number, kesu.Command{Action: kesu.ActionAccept})
	f.act("agent", old.Number, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales"})
	f.act("handler", old.Number, kesu.Command{Action: kesu.ActionSign})
	f.act("handler", old.Number, kesu.Command{Action: kesu.ActionComplete, Note: "上门更换屏幕"})
	f.act("agent", old.Number, kesu.Command{Action: kesu.ActionClose, Satisfaction: 5})
	agent := f.login("agent")
	for _, lang := range []string{"zh-CN", "en"} {
		agent.lang = lang
		p := agent.get("/complaints/" + b.Number)
		if p.status != 200 || strings.Contains(p.body, `id="suggestions"`) || !strings.Contains(p.body, `id="related-`+a.Number+`"`) {
			t.Fatalf("page without classify: %d", p.status)
		}
		if !strings.Contains(p.body, `id="similar-`+old.Number+`"`) || !strings.Contains(p.body, "上门更换屏幕") {
			t.Fatalf("similar closed case not shown in %s", lang)
		}
		if m := untranslated.FindString(p.body); m != "" {
			t.Errorf("untranslated %q in %s", m, lang)
		}
	}
	// Linking by hand adds a complaint to the panel.
	agent.lang = ""
	agent.get("/complaints/" + b.Number)
	if p := agent.post("/complaints/"+b.Number+"/related", url.Values{"action": {"link"}, "number": {old.Number}}); p.status != 200 ||
		!strings.Contains(p.body, `id="related-`+old.Number+`"`) || !strings.Contains(p.body, "人工关联") {
		t.Fatalf("link: %d", p.status)
	}
	if p := agent.post("/complaints/"+b.Number+"/related", url.Values{"action": {"explode"}, "number": {old.Number}}); p.status != 400 {
		t.Fatalf("unknown action: %d", p.status)
	}
	// A handler sees only related complaints of their own department.
	f.act("agent", b.Number, kesu.Command{Action: kesu.ActionAccept})
	f.act("agent", b.Number, kesu.Command{Action: kesu.ActionDispatch, Department: "logistics"})
	other := f.login("other")
	if p := other.get("/complaints/" + b.Number); p.status != 200 || strings.Contains(p.body, `id="related-`+a.Number+`"`) {
		t.Fatalf("another department's complaint in the related panel: %d", p.status)
	}
}
