package api

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	mailin "github.com/kesu/kesu/channels/email"
	"github.com/kesu/kesu/store"
)

// oaEmail exercises the email channel's routes for the OpenAPI test.
func oaEmail(h *oaHarness, admin string) {
	t := h.t
	agent, _ := h.token("email.agent@example.com", kesu.RoleAgent, "")
	account := map[string]any{"name": "support", "address": "support@example.com", "host": "imap.example.com",
		"username": "support", "password": "secret", "security": "tls"}
	h.call(oaCall{op: "createEmailAccount", path: "/api/v1/channels/email/accounts", token: admin, want: 201, body: account})
	h.call(oaCall{op: "createEmailAccount", path: "/api/v1/channels/email/accounts", token: admin, want: 409, body: account})
	h.call(oaCall{op: "createEmailAccount", path: "/api/v1/channels/email/accounts", token: agent, want: 403, body: account})
	h.call(oaCall{op: "createEmailAccount", path: "/api/v1/channels/email/accounts", token: admin, want: 400,
		body: map[string]any{"name": "x", "address": "x@example.com", "host": "h", "username": "u", "password": "p", "security": "ssl3"}})
	list, _ := h.call(oaCall{op: "listEmailAccounts", path: "/api/v1/channels/email/accounts", token: admin, want: 200})
	if strings.Contains(oaJSON(list), "secret") {
		t.Errorf("the account list shows the password: %s", oaJSON(list))
	}
	h.call(oaCall{op: "updateEmailAccount", path: "/api/v1/channels/email/accounts/support", token: admin, want: 200,
		body: map[string]any{"poll_seconds": 120}})
	h.call(oaCall{op: "updateEmailAccount", path: "/api/v1/channels/email/accounts/nobody", token: admin, want: 404,
		body: map[string]any{"poll_seconds": 120}})
	h.call(oaCall{op: "deleteEmailAccount", path: "/api/v1/channels/email/accounts/support", token: admin, want: 204})

	raw := []byte("From: 孙八 <sun@example.com>\nSubject: 投诉快递员态度\n\n快递员态度恶劣。\n")
	q, err := h.db.QuarantineEmail(context.Background(), store.EmailSource{}, mailin.ContentKey(raw), raw, "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id := oaItoa(q.ID)
	h.call(oaCall{op: "listEmailQuarantine", path: "/api/v1/channels/email/quarantine", token: admin, want: 200})
	h.call(oaCall{op: "listEmailQuarantine", path: "/api/v1/channels/email/quarantine?status=bogus", token: admin, want: 400})
	h.call(oaCall{op: "downloadQuarantinedEmail", path: "/api/v1/channels/email/quarantine/" + id + "/raw", token: admin, want: 200})
	res, _ := h.call(oaCall{op: "retryQuarantinedEmail", path: "/api/v1/channels/email/quarantine/" + id + "/retry", token: admin, want: 200})
	if !strings.Contains(oaJSON(res), "投诉快递员态度") {
		t.Errorf("retry result %s", oaJSON(res))
	}
	h.call(oaCall{op: "retryQuarantinedEmail", path: "/api/v1/channels/email/quarantine/" + id + "/retry", token: admin, want: 409})
	h.call(oaCall{op: "retryQuarantinedEmail", path: "/api/v1/channels/email/quarantine/999999/retry", token: admin, want: 404})
	h.call(oaCall{op: "emailHealth", path: "/api/v1/channels/email/health", token: admin, want: 200})
}

func oaJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func oaItoa(n int64) string { return strconv.FormatInt(n, 10) }
