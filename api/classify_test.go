package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/classify"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// withClassify serves the fixture's API again with a classification
// service whose intake effect is registered on the fixture's database.
func (f *apiFixture) withClassify(t *testing.T) *classify.Service {
	svc := classify.NewService(f.db, f.clock, nil)
	if err := svc.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.db.AddEffect(svc.Effect())
	f.srv.Close()
	f.srv = httptest.NewServer(New(Config{DB: f.db, Clock: f.clock, Classify: svc,
		Logger: slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelWarn}))}))
	t.Cleanup(f.srv.Close)
	return svc
}

func TestClassifyAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		f.withClassify(t)

		// Risk words at intake raise escalation and priority, with the reason
		// on the timeline.
		c := f.createComplaint(t, f.agent, minimalComplaint("三番五次不处理，我要找律师起诉，还要向媒体曝光", "13800000001"))
		got := decodeInto[kesu.Complaint](t, f.do(t, "GET", "/api/v1/complaints/"+c.Number, f.agent, nil), http.StatusOK)
		if got.Escalation != 2 || got.Priority != kesu.PriorityUrgent {
			t.Fatalf("risk not raised: escalation %d priority %s", got.Escalation, got.Priority)
		}
		evs := decodeInto[EventList](t, f.do(t, "GET", "/api/v1/complaints/"+c.Number+"/events", f.agent, nil), http.StatusOK)
		if last := evs.Items[len(evs.Items)-1]; !strings.Contains(last.Body, "风险词：媒体、曝光、律师、起诉") {
			t.Fatalf("reason not shown: %+v", last)
		}
		customer := decodeInto[EventList](t, f.do(t, "GET", "/api/v1/complaints/"+c.Number+"/events?visibility=customer", f.agent, nil), http.StatusOK)
		for _, e := range customer.Items {
			if strings.Contains(e.Body, "风险") {
				t.Fatal("the risk reason is internal, not for the customer")
			}
		}
		sl := decodeInto[SuggestionList](t, f.do(t, "GET", "/api/v1/complaints/"+c.Number+"/suggestions", f.agent, nil), http.StatusOK)
		if len(sl.Items) != 0 || strings.Join(sl.RiskWords, ",") != "媒体,曝光,律师,起诉" {
			t.Fatalf("suggestions before any model: %+v", sl)
		}

		// Training needs history: refused clearly, and only for staff who may.
		wantError(t, f.do(t, "POST", "/api/v1/models/train", f.admin, map[string]any{"field": "category"}), 400, kesu.EInvalid, "")
		wantError(t, f.do(t, "POST", "/api/v1/models/train", f.admin, map[string]any{"field": "colour"}), 400, kesu.EInvalid, "field")
		wantError(t, f.do(t, "POST", "/api/v1/models/train", f.agent, map[string]any{"field": "category"}), 403, kesu.EForbidden, "")

		// Agents classify: each decision is training data.
		texts := map[string][]string{
			"delivery": {"快递三天没到", "物流信息不更新", "包裹丢了", "配送员态度差还不送货上门"},
			"quality":  {"洗衣机漏水", "电池鼓包", "屏幕坏了", "质量太差用了一天就故障"},
		}
		phone := 13900000000
		for cat, list := range texts {
			for _, text := range list {
				phone++
				n := f.createComplaint(t, f.agent, minimalComplaint(text, "1"+strings.TrimPrefix(itoa(phone), "1"))).Number
				g := decodeInto[store.Suggestion](t, f.do(t, "POST", "/api/v1/complaints/"+n+"/suggestions/category", f.agent,
					map[string]any{"value": cat}), http.StatusOK)
				if g.Status != store.SuggestionCorrected || g.FinalValue != cat {
					t.Fatalf("decision %+v", g)
				}
				if got := decodeInto[kesu.Complaint](t, f.do(t, "GET", "/api/v1/complaints/"+n, f.agent, nil), http.StatusOK); got.Category != cat {
					t.Fatalf("category not set on the complaint: %q", got.Category)
				}
			}
		}
		res := decodeInto[classify.TrainResult](t, f.do(t, "POST", "/api/v1/models/train", f.supervisor, map[string]any{"field": "category"}), http.StatusCreated)
		if res.Model.Examples != 8 || len(res.Model.Labels) != 2 {
			t.Fatalf("trained %+v", res.Model)
		}
		ms := decodeInto[ModelList](t, f.do(t, "GET", "/api/v1/models", f.admin, nil), http.StatusOK)
		if len(ms.Items) != 1 || ms.Items[0].ID != res.Model.ID {
			t.Fatalf("models %+v", ms)
		}
		// New complaints get a suggestion with a confidence; the agent confirms.
		n := f.createComplaint(t, f.agent, minimalComplaint("快递一直没到，物流不更新", "13700000001")).Number
		sl = decodeInto[SuggestionList](t, f.do(t, "GET", "/api/v1/complaints/"+n+"/suggestions", f.agent, nil), http.StatusOK)
		if len(sl.Items) != 1 || sl.Items[0].Field != "category" || sl.Items[0].Value != "delivery" || sl.Items[0].Confidence <= 0.5 {
			t.Fatalf("suggestions %+v", sl)
		}
		g := decodeInto[store.Suggestion](t, f.do(t, "POST", "/api/v1/complaints/"+n+"/suggestions/category", f.agent,
			map[string]any{"value": "delivery"}), http.StatusOK)
		if g.Status != store.SuggestionConfirmed {
			t.Fatalf("confirm %+v", g)
		}

		// Bad input changes nothing.
		before := f.snapshot(t)
		wantError(t, f.do(t, "POST", "/api/v1/complaints/"+n+"/suggestions/category", f.agent, map[string]any{"value": "nonsense"}), 400, kesu.EInvalid, "value")
		wantError(t, f.do(t, "POST", "/api/v1/complaints/"+n+"/suggestions/level", f.agent, map[string]any{"value": "huge"}), 400, kesu.EInvalid, "value")
		wantError(t, f.do(t, "POST", "/api/v1/complaints/"+n+"/suggestions/department", f.agent, map[string]any{"value": "nowhere"}), 400, kesu.EInvalid, "value")
		wantError(t, f.do(t, "POST", "/api/v1/complaints/"+n+"/suggestions/category", f.agent, map[string]any{"value": " "}), 400, kesu.EInvalid, "value")
		wantError(t, f.do(t, "POST", "/api/v1/complaints/"+n+"/suggestions/colour", f.agent, map[string]any{"value": "x"}), 404, kesu.ENotFound, "")
		wantError(t, f.do(t, "POST", "/api/v1/complaints/"+n+"/suggestions/category", f.auditor, map[string]any{"value": "delivery"}), 403, kesu.EForbidden, "")
		wantError(t, f.do(t, "POST", "/api/v1/risk-words", f.admin, map[string]any{"word": " · "}), 400, kesu.EInvalid, "word")
		wantError(t, f.do(t, "POST", "/api/v1/risk-words", f.admin, map[string]any{"word": "法院", "escalation": 7}), 400, kesu.EInvalid, "escalation")
		wantError(t, f.do(t, "POST", "/api/v1/risk-words", f.agent, map[string]any{"word": "法院"}), 403, kesu.EForbidden, "")
		wantError(t, f.do(t, "PUT", "/api/v1/risk-policy", f.admin, map[string]any{"min_confidence": 1.5}), 400, kesu.EInvalid, "min_confidence")
		wantError(t, f.do(t, "DELETE", "/api/v1/risk-words/abc", f.admin, nil), 404, kesu.ENotFound, "")
		f.wantUnchanged(t, before)

		// The word list is configurable and takes effect at once.
		w := decodeInto[store.RiskWord](t, f.do(t, "POST", "/api/v1/risk-words", f.admin,
			map[string]any{"word": "银保监", "escalation": 1, "priority": "high"}), http.StatusOK)
		c = f.createComplaint(t, f.agent, minimalComplaint("我要向银 保 监反映", "13600000001"))
		if got := decodeInto[kesu.Complaint](t, f.do(t, "GET", "/api/v1/complaints/"+c.Number, f.agent, nil), http.StatusOK); got.Escalation != 1 {
			t.Fatalf("new word did not flag: %d", got.Escalation)
		}
		if r := f.do(t, "DELETE", "/api/v1/risk-words/"+itoa(int(w.ID)), f.admin, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %s", r)
		}
		ws := decodeInto[RiskWordList](t, f.do(t, "GET", "/api/v1/risk-words", f.supervisor, nil), http.StatusOK)
		if len(ws.Items) != len(classify.DefaultRiskWords) {
			t.Fatalf("%d words", len(ws.Items))
		}
		p := decodeInto[classify.RiskPolicy](t, f.do(t, "PUT", "/api/v1/risk-policy", f.admin,
			map[string]any{"min_confidence": 0.9, "major": map[string]any{"escalation": 1}, "critical": map[string]any{"escalation": 3, "priority": "urgent"}}), http.StatusOK)
		if got := decodeInto[classify.RiskPolicy](t, f.do(t, "GET", "/api/v1/risk-policy", f.admin, nil), http.StatusOK); got != p {
			t.Fatalf("policy %+v, want %+v", got, p)
		}
	})
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			break
		}
	}
	return string(b[i:])
}

// oaClassify exercises the classification routes for the OpenAPI contract
// test, against a server built with a classification service.
func oaClassify(h *oaHarness, admin string) {
	svc := classify.NewService(h.db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := svc.Reload(h.t.Context()); err != nil {
		h.t.Fatal(err)
	}
	saved := h.http
	h.http = httptest.NewServer(New(Config{DB: h.db, Classify: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer func() { h.http.Close(); h.http = saved }()

	var numbers []string
	for i, text := range []string{"洗衣机漏水", "质量太差漏水", "物流太慢", "快递没到物流"} {
		c, _ := h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, want: 201,
			body: map[string]any{"description": text, "customer": map[string]any{"phone": "1350000000" + itoa(i)}}})
		numbers = append(numbers, oaField(c, "number"))
	}
	for i, n := range numbers {
		value := "quality"
		if i >= 2 {
			value = "quality.leak"
		}
		h.call(oaCall{op: "decideSuggestion", path: "/api/v1/complaints/" + n + "/suggestions/category", token: admin, want: 200,
			body: map[string]any{"value": value}})
	}
	h.call(oaCall{op: "decideSuggestion", path: "/api/v1/complaints/" + numbers[0] + "/suggestions/category", token: admin, want: 400,
		refused: true, body: map[string]any{"value": "x", "extra": 1}})
	h.call(oaCall{op: "trainModel", path: "/api/v1/models/train", token: admin, want: 201, body: map[string]any{"field": "category"}})
	h.call(oaCall{op: "listModels", path: "/api/v1/models", token: admin, want: 200})
	h.call(oaCall{op: "listSuggestions", path: "/api/v1/complaints/" + numbers[0] + "/suggestions", token: admin, want: 200})
	h.call(oaCall{op: "listSuggestions", path: "/api/v1/complaints/TS000/suggestions", token: admin, want: 404})
	w, _ := h.call(oaCall{op: "putRiskWord", path: "/api/v1/risk-words", token: admin, want: 200,
		body: map[string]any{"word": "黑猫投诉", "escalation": 1, "priority": "high"}})
	h.call(oaCall{op: "listRiskWords", path: "/api/v1/risk-words", token: admin, want: 200})
	h.call(oaCall{op: "deleteRiskWord", path: "/api/v1/risk-words/" + oaField(w, "id"), token: admin, want: 204})
	h.call(oaCall{op: "deleteRiskWord", path: "/api/v1/risk-words/" + oaField(w, "id"), token: admin, want: 404})
	h.call(oaCall{op: "getRiskPolicy", path: "/api/v1/risk-policy", token: admin, want: 200})
	h.call(oaCall{op: "putRiskPolicy", path: "/api/v1/risk-policy", token: admin, want: 200,
		body: map[string]any{"min_confidence": 0.8, "major": map[string]any{"escalation": 1, "priority": "high"},
			"critical": map[string]any{"escalation": 2, "priority": "urgent"}}})
}
