package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/search"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// oaSearch exercises the search, duplicate and similar-case operations
// against the OpenAPI document (called from TestOpenAPIContract).
func oaSearch(h *oaHarness, admin string) {
	text := "洗碗机不出热水，洗完的碗还是油的，售后说要等两周才能上门。"
	first, _ := h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, want: 201,
		body: map[string]any{"title": "洗碗机不加热", "description": text, "order_no": "TB2026-5566",
			"customer": map[string]any{"phone": "13600136001"}}})
	second, _ := h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: admin, want: 201,
		body: map[string]any{"title": "洗碗机不加热", "description": text, "channel": "email",
			"customer": map[string]any{"phone": "13600136002"}}})
	n1, n2 := oaField(first, "number"), oaField(second, "number")

	h.call(oaCall{op: "listComplaints", path: "/api/v1/complaints?q=" + url.QueryEscape("洗碗机") + "&limit=5", token: admin, want: 200})
	h.call(oaCall{op: "listComplaints", path: "/api/v1/complaints?q=" + url.QueryEscape("洗碗机") + "&order=rank", token: admin, want: 200})
	h.call(oaCall{op: "listComplaints", path: "/api/v1/complaints?q=" + url.QueryEscape("！？"), token: admin, want: 400})
	h.call(oaCall{op: "listComplaints", path: "/api/v1/complaints?order=rank", token: admin, want: 400})
	h.call(oaCall{op: "search", path: "/api/v1/search?q=" + url.QueryEscape("5566 热水"), token: admin, want: 200})
	h.call(oaCall{op: "search", path: "/api/v1/search?q=" + url.QueryEscape("洗碗机") + "&order=rank&status=registered", token: admin, want: 200})
	h.call(oaCall{op: "search", path: "/api/v1/search", token: admin, want: 400})
	h.call(oaCall{op: "search", path: "/api/v1/search?q=x&order=oldest", token: admin, want: 400})

	h.call(oaCall{op: "relatedComplaints", path: "/api/v1/complaints/" + n1 + "/related", token: admin, want: 200})
	h.call(oaCall{op: "relatedComplaints", path: "/api/v1/complaints/TS000/related", token: admin, want: 404})
	h.call(oaCall{op: "checkDuplicates", path: "/api/v1/duplicates/check", token: admin, want: 200,
		body: map[string]any{"description": text, "customer": map[string]any{"phone": "136 0013 6001"}}})
	h.call(oaCall{op: "checkDuplicates", path: "/api/v1/duplicates/check", token: admin, want: 400, refused: true,
		body: map[string]any{"description": text, "colour": "red"}})
	h.call(oaCall{op: "similarCases", path: "/api/v1/complaints/" + n1 + "/similar?limit=3", token: admin, want: 200})
	h.call(oaCall{op: "similarCases", path: "/api/v1/complaints/" + n1 + "/similar?limit=99", token: admin, want: 400})
	h.call(oaCall{op: "actOnRelated", path: "/api/v1/complaints/" + n2 + "/related", token: admin, want: 200,
		body: map[string]any{"action": "link", "number": n1}})
	h.call(oaCall{op: "actOnRelated", path: "/api/v1/complaints/" + n2 + "/related", token: admin, want: 400,
		body: map[string]any{"action": "split", "number": n1}})
	h.call(oaCall{op: "actOnRelated", path: "/api/v1/complaints/" + n2 + "/related", token: admin, want: 200,
		body: map[string]any{"action": "merge", "number": n1, "note": "同一问题，邮件重复提交"}})
	h.call(oaCall{op: "actOnRelated", path: "/api/v1/complaints/" + n2 + "/related", token: admin, want: 409,
		body: map[string]any{"action": "merge", "number": n1}})
}

// Search through the API on both backends: the list's q, the search
// endpoint's snippets, the related list and a one-click merge.
func TestAPISearchAndDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		body := func(title, desc, phone, order string) map[string]any {
			return map[string]any{"title": title, "description": desc, "order_no": order, "customer": map[string]any{"phone": phone}}
		}
		a := f.createComplaint(t, f.agent, body("申请退款被拒", "耳机坏了，申请退款三次都被拒绝<script>", "13800000001", "JD2026112312345"))
		f.createComplaint(t, f.agent, body("款式不符", "衣服款式不对，要求退货", "13800000002", ""))
		dup := f.createComplaint(t, f.agent, body("申请退款被拒", "耳机坏了，申请退款三次都被拒绝<script>", "13800000003", ""))

		list := decodeInto[store.Page](t, f.do(t, "GET", "/api/v1/complaints?q="+url.QueryEscape("退款"), f.agent, nil), http.StatusOK)
		if len(list.Items) != 2 || list.Items[0].Number != dup.Number {
			t.Fatalf("q=退款: %+v", list.Items)
		}
		list = decodeInto[store.Page](t, f.do(t, "GET", "/api/v1/complaints?q=2312345", f.agent, nil), http.StatusOK)
		if len(list.Items) != 1 || list.Items[0].Number != a.Number {
			t.Fatalf("order fragment: %+v", list.Items)
		}
		// A department-scoped handler sees only their department's matches.
		list = decodeInto[store.Page](t, f.do(t, "GET", "/api/v1/complaints?q="+url.QueryEscape("退款"), f.handlerA, nil), http.StatusOK)
		if len(list.Items) != 0 {
			t.Fatalf("handler sees undispatched complaints: %+v", list.Items)
		}

		res := decodeInto[search.Result](t, f.do(t, "GET", "/api/v1/search?q="+url.QueryEscape("拒绝"), f.agent, nil), http.StatusOK)
		if len(res.Items) != 2 || res.Items[0].Snippet != "耳机坏了，申请退款三次都被<mark>拒绝</mark>&lt;script&gt;" {
			t.Fatalf("search snippet: %+v", res.Items)
		}
		wantError(t, f.do(t, "GET", "/api/v1/search?q=", f.agent, nil), http.StatusBadRequest, kesu.EInvalid, "q")

		rel := decodeInto[search.Related](t, f.do(t, "GET", "/api/v1/complaints/"+dup.Number+"/related", f.agent, nil), http.StatusOK)
		if len(rel.Items) != 1 || rel.Items[0].Complaint.Number != a.Number || !strings.Contains(strings.Join(rel.Items[0].Reasons, ","), "same_text") {
			t.Fatalf("related: %+v", rel)
		}
		merged := decodeInto[kesu.Complaint](t, f.do(t, "POST", "/api/v1/complaints/"+dup.Number+"/related", f.supervisor,
			map[string]any{"action": "merge", "number": a.Number}), http.StatusOK)
		if merged.Status != kesu.StatusMerged || merged.DuplicateOf != a.Number {
			t.Fatalf("merge: %+v", merged)
		}
		before := f.snapshot(t)
		wantError(t, f.do(t, "POST", "/api/v1/complaints/"+a.Number+"/related", f.auditor,
			map[string]any{"action": "link", "number": dup.Number}), http.StatusForbidden, kesu.EForbidden, "")
		f.wantUnchanged(t, before)
	})
}
