package api

import (
	"bytes"
	"context"
	"mime/multipart"

	"github.com/kesu/kesu"
)

// oaSLACalls exercises every SLA operation for TestOpenAPIContract.
func oaSLACalls(h *oaHarness, admin string) {
	t := h.t
	t.Helper()
	if err := h.server.sla.Seed(context.Background()); err != nil {
		t.Fatalf("seed SLA: %v", err)
	}
	h.db.AddEffect(h.server.sla.Effect) // the harness's server has no SLA wiring of its own
	super, _ := h.token("super-sla@example.com", kesu.RoleSupervisor, "")
	agent, _ := h.token("agent-sla@example.com", kesu.RoleAgent, "")

	h.call(oaCall{op: "listCalendars", path: "/api/v1/calendars", token: admin, want: 200})
	h.call(oaCall{op: "getCalendar", path: "/api/v1/calendars/default", token: admin, want: 200})
	h.call(oaCall{op: "getCalendar", path: "/api/v1/calendars/nowhere", token: admin, want: 404})
	cal := map[string]any{"name": "shop", "time_zone": "Asia/Shanghai", "holidays": "cn",
		"hours": map[string]string{"mon": "09:00-12:00,13:00-18:00", "tue": "09:00-18:00", "sat": "10:00-16:00"}}
	h.call(oaCall{op: "createCalendar", path: "/api/v1/calendars", token: admin, want: 201, body: cal})
	h.call(oaCall{op: "createCalendar", path: "/api/v1/calendars", token: admin, want: 400, body: cal})
	h.call(oaCall{op: "createCalendar", path: "/api/v1/calendars", token: agent, want: 403,
		body: map[string]any{"name": "x", "hours": map[string]string{"mon": "09:00-18:00"}, "holidays": ""}})
	h.call(oaCall{op: "createCalendar", path: "/api/v1/calendars", token: admin, want: 400,
		body: map[string]any{"name": "bad", "hours": map[string]string{"mon": "18:00-09:00"}, "holidays": ""}})
	cal["holiday_hours"] = "10:00-12:00"
	delete(cal, "name")
	h.call(oaCall{op: "replaceCalendar", path: "/api/v1/calendars/shop", token: admin, want: 200, body: cal})
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "2027.ics")
	fw.Write([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270102\r\nSUMMARY:元旦\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	mw.Close()
	h.call(oaCall{op: "importHolidays", path: "/api/v1/calendars/shop/holidays", token: admin, want: 200,
		raw: form.Bytes(), contentType: mw.FormDataContentType()})
	h.call(oaCall{op: "importHolidays", path: "/api/v1/calendars/shop/holidays", token: admin, want: 400,
		raw: []byte("no"), contentType: "text/plain"})
	h.call(oaCall{op: "deleteCalendar", path: "/api/v1/calendars/shop", token: admin, want: 204})
	h.call(oaCall{op: "deleteCalendar", path: "/api/v1/calendars/default", token: admin, want: 409})

	due, _ := h.call(oaCall{op: "calendarDue", token: agent, want: 200,
		path: "/api/v1/calendar/due?from=2026-09-30T17:00:00%2B08:00&duration=2h"})
	if got := oaField(due, "due"); got != "2026-10-08T10:00:00+08:00" {
		t.Errorf("calendar due = %s, want 2026-10-08T10:00:00+08:00", got)
	}
	h.call(oaCall{op: "calendarDue", path: "/api/v1/calendar/due?from=yesterday&duration=2h", token: agent, want: 400})
	h.call(oaCall{op: "calendarBetween", token: agent, want: 200,
		path: "/api/v1/calendar/between?from=2026-09-30T17:00:00%2B08:00&to=2026-10-08T10:00:00%2B08:00"})

	h.call(oaCall{op: "listPolicies", path: "/api/v1/sla/policies", token: agent, want: 200})
	p, _ := h.call(oaCall{op: "createPolicy", path: "/api/v1/sla/policies", token: admin, want: 201, body: map[string]any{
		"name": "物流 2天解决", "category": "quality", "warn_share": 0.8, "pause_states": []string{"executing"},
		"targets": map[string]any{"resolve": map[string]string{"duration": "2d", "clock": "business"}}}})
	h.call(oaCall{op: "createPolicy", path: "/api/v1/sla/policies", token: admin, want: 400, body: map[string]any{
		"name": "bad", "targets": map[string]any{"resolve": map[string]string{"duration": "soon"}}}})
	id := oaField(p, "id")
	h.call(oaCall{op: "getPolicy", path: "/api/v1/sla/policies/" + id, token: admin, want: 200})
	h.call(oaCall{op: "replacePolicy", path: "/api/v1/sla/policies/" + id, token: admin, want: 200, body: map[string]any{
		"name": "物流 3天解决", "category": "quality", "active": false,
		"targets": map[string]any{"resolve": map[string]string{"duration": "3d"}}}})
	h.call(oaCall{op: "deletePolicy", path: "/api/v1/sla/policies/" + id, token: admin, want: 204})
	h.call(oaCall{op: "getPolicy", path: "/api/v1/sla/policies/" + id, token: admin, want: 404})

	c, _ := h.call(oaCall{op: "createComplaint", path: "/api/v1/complaints", token: agent, want: 201,
		body: map[string]any{"description": "空调不制冷", "customer": map[string]any{"phone": "13700137000"}}})
	base := "/api/v1/complaints/" + oaField(c, "number")
	h.call(oaCall{op: "complaintSLA", path: base + "/sla", token: agent, want: 200})
	// The SLA queues of the list: a new complaint's clock runs, nothing is
	// breached, and its deadlines fall before a date far ahead.
	for q, want := range map[string]int{"sla=running": 1, "sla=breached": 0, "due_before=2099-01-01": 1, "due_before=2000-01-01": 0} {
		page, _ := h.call(oaCall{op: "listComplaints", path: "/api/v1/complaints?" + q, token: agent, want: 200})
		if items, _ := page.(map[string]any)["items"].([]any); len(items) != want {
			t.Errorf("list ?%s: %d complaints, want %d", q, len(items), want)
		}
	}
	h.call(oaCall{op: "listComplaints", path: "/api/v1/complaints?sla=late", token: agent, want: 400})
	h.call(oaCall{op: "requestExtension", path: base + "/extensions", token: agent, want: 201,
		body: map[string]any{"milestone": "resolve", "reason": "等待厂家检测", "duration": "1d"}})
	big, _ := h.call(oaCall{op: "requestExtension", path: base + "/extensions", token: agent, want: 201,
		body: map[string]any{"milestone": "resolve", "reason": "返厂维修", "duration": "10d"}})
	h.call(oaCall{op: "requestExtension", path: base + "/extensions", token: agent, want: 400,
		body: map[string]any{"milestone": "resolve", "duration": "1d"}})
	h.call(oaCall{op: "listExtensions", path: base + "/extensions", token: agent, want: 200})
	h.call(oaCall{op: "pendingExtensions", path: "/api/v1/extensions", token: super, want: 200})
	h.call(oaCall{op: "pendingExtensions", path: "/api/v1/extensions", token: agent, want: 403})
	h.call(oaCall{op: "decideExtension", path: "/api/v1/extensions/" + oaField(big, "id") + "/decision", token: agent, want: 403,
		body: map[string]any{"approve": true}})
	h.call(oaCall{op: "decideExtension", path: "/api/v1/extensions/" + oaField(big, "id") + "/decision", token: super, want: 200,
		body: map[string]any{"approve": true, "note": "同意"}})
	h.call(oaCall{op: "decideExtension", path: "/api/v1/extensions/" + oaField(big, "id") + "/decision", token: super, want: 409,
		body: map[string]any{"approve": false}})
	h.call(oaCall{op: "complaintSLA", path: base + "/sla", token: agent, want: 200})
	h.call(oaCall{op: "listEvents", path: base + "/events", token: agent, want: 200})
}
