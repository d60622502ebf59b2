package api

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// oaNotify calls the notification operations for TestOpenAPIContract:
// webhooks, the delivery log and replay, in-app notifications.
func oaNotify(h *oaHarness, admin string) {
	t, ctx, now := h.t, context.Background(), time.Now()
	staff, u := h.token("notify.staff@example.com", kesu.RoleAgent, "")
	wh, _ := h.call(oaCall{op: "createWebhook", path: "/api/v1/webhooks", token: admin, want: 201,
		body: map[string]any{"name": "crm", "url": "https://hooks.example.com/kesu", "event_types": []string{"created", "transition.dispatch"}}})
	h.call(oaCall{op: "createWebhook", path: "/api/v1/webhooks", token: admin, want: 409,
		body: map[string]any{"name": "crm", "url": "https://hooks.example.com/other"}})
	h.call(oaCall{op: "createWebhook", path: "/api/v1/webhooks", token: admin, want: 400,
		body: map[string]any{"name": "ftp", "url": "ftp://hooks.example.com/"}})
	h.call(oaCall{op: "createWebhook", path: "/api/v1/webhooks", token: staff, want: 403,
		body: map[string]any{"name": "mine", "url": "https://hooks.example.com/"}})
	h.call(oaCall{op: "listWebhooks", path: "/api/v1/webhooks", token: admin, want: 200})
	whPath := "/api/v1/webhooks/" + oaField(wh, "id")
	h.call(oaCall{op: "updateWebhook", path: whPath, token: admin, want: 200, body: map[string]any{"active": false}})
	h.call(oaCall{op: "updateWebhook", path: "/api/v1/webhooks/999999", token: admin, want: 404, body: map[string]any{"active": false}})

	// An in-app message delivered, and a one-time code waiting.
	for _, m := range []store.OutboxMessage{
		{Channel: "inapp", Recipient: strconv.FormatInt(u.ID, 10), Template: "assigned", IdempotencyKey: "oa-inapp"},
		{Channel: "email", Recipient: "c@example.com", Template: "otp", IdempotencyKey: "oa-otp",
			Data: map[string]any{"code": "123456", "number": "TS1"}},
	} {
		if err := h.db.Enqueue(ctx, m, now); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := h.db.ClaimOutbox(ctx, []string{"inapp"}, now, time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := h.db.DeliverInApp(ctx, claimed[0], store.Notification{UserID: u.ID, Kind: "assigned", Title: "分配给您"},
		store.Attempt{StartedAt: now}, now); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(claimed[0].ID, 10)
	h.call(oaCall{op: "listOutbox", path: "/api/v1/outbox?status=sent&channel=inapp&limit=10", token: admin, want: 200})
	list, _ := h.call(oaCall{op: "listOutbox", path: "/api/v1/outbox?template=otp", token: admin, want: 200})
	if items := list.(map[string]any)["items"].([]any); len(items) != 1 ||
		items[0].(map[string]any)["data"].(map[string]any)["code"] != "******" {
		t.Errorf("the delivery log shows one-time codes: %v", list)
	}
	h.call(oaCall{op: "listOutbox", path: "/api/v1/outbox?status=lost", token: admin, want: 400})
	h.call(oaCall{op: "listOutbox", path: "/api/v1/outbox", token: staff, want: 403})
	h.call(oaCall{op: "getOutbox", path: "/api/v1/outbox/" + id, token: admin, want: 200})
	h.call(oaCall{op: "getOutbox", path: "/api/v1/outbox/999999", token: admin, want: 404})
	h.call(oaCall{op: "replayOutbox", path: "/api/v1/outbox/" + id + "/replay", token: admin, want: 200})
	otp := oaField(list.(map[string]any)["items"].([]any)[0], "id")
	h.call(oaCall{op: "replayOutbox", path: "/api/v1/outbox/" + otp + "/replay", token: admin, want: 409})

	notes, _ := h.call(oaCall{op: "listNotifications", path: "/api/v1/notifications?unread=1", token: staff, want: 200})
	items := notes.(map[string]any)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("notifications: %v", notes)
	}
	h.call(oaCall{op: "listNotifications", path: "/api/v1/notifications?unread=maybe", token: staff, want: 400})
	h.call(oaCall{op: "readNotification", path: "/api/v1/notifications/" + oaField(items[0], "id") + "/read", token: admin, want: 404})
	h.call(oaCall{op: "readNotification", path: "/api/v1/notifications/" + oaField(items[0], "id") + "/read", token: staff, want: 204})
	h.call(oaCall{op: "readAllNotifications", path: "/api/v1/notifications/read", token: staff, want: 204})
	h.call(oaCall{op: "deleteWebhook", path: whPath, token: admin, want: 204})
	h.call(oaCall{op: "deleteWebhook", path: whPath, token: admin, want: 404})
}

// Webhook administration and the notification inbox, on both backends.
func TestNotifyAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		created := decodeInto[store.WebhookEndpoint](t, f.do(t, "POST", "/api/v1/webhooks", f.admin,
			map[string]any{"name": "erp", "url": "http://127.0.0.1:9/hook"}), 201)
		if len(created.Secret) != 64 || len(created.EventTypes) != 1 || created.EventTypes[0] != "*" || !created.Active {
			t.Fatalf("created %+v", created)
		}
		before := f.snapshot(t)
		wantError(t, f.do(t, "POST", "/api/v1/webhooks", f.admin, map[string]any{"name": "bad", "url": "http://x/",
			"event_types": []string{"DROP TABLE"}}), 400, kesu.EInvalid, "event_types")
		wantError(t, f.do(t, "POST", "/api/v1/webhooks", f.admin, map[string]any{"name": "bad", "url": "http://x/",
			"secret": "short"}), 400, kesu.EInvalid, "secret")
		wantError(t, f.do(t, "PATCH", "/api/v1/webhooks/"+strconv.FormatInt(created.ID, 10), f.admin,
			map[string]any{"url": "javascript:alert(1)"}), 400, kesu.EInvalid, "url")
		wantError(t, f.do(t, "GET", "/api/v1/webhooks", f.agent, nil), 403, kesu.EForbidden, "")
		f.wantUnchanged(t, before)
		list := decodeInto[WebhookList](t, f.do(t, "GET", "/api/v1/webhooks", f.admin, nil), 200)
		if len(list.Items) != 1 || list.Items[0].Secret != "" {
			t.Fatalf("list shows %+v", list.Items)
		}
		// Creating a complaint queues a webhook message for the endpoint
		// only when an effect is wired; here the store is bare, so the
		// delivery log is empty and filters answer.
		log := decodeInto[OutboxList](t, f.do(t, "GET", "/api/v1/outbox?channel=webhook", f.admin, nil), 200)
		if len(log.Items) != 0 {
			t.Fatalf("log %+v", log)
		}
		wantError(t, f.do(t, "GET", "/api/v1/outbox?complaint=TS404", f.admin, nil), 404, kesu.ENotFound, "")
		wantError(t, f.do(t, "GET", "/api/v1/outbox?limit=-1", f.admin, nil), 400, kesu.EInvalid, "limit")
		inbox := decodeInto[NotificationList](t, f.do(t, "GET", "/api/v1/notifications", f.handlerA, nil), 200)
		if len(inbox.Items) != 0 || inbox.Unread != 0 {
			t.Fatalf("inbox %+v", inbox)
		}
	})
}
