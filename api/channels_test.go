package api

import (
	"bytes"
	"encoding/binary"
	"mime/multipart"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/channels/intake"
	"github.com/kesu/kesu/store"
)

// oaChannels exercises the WeChat, intake, import, hotline and health
// routes for the OpenAPI test, checking what they do on the way.
func oaChannels(h *oaHarness, admin string) {
	t := h.t
	agent, _ := h.token("chan.agent@example.com", kesu.RoleAgent, "")

	// WeChat accounts.
	acc := map[string]any{"name": "shop", "app_id": "wx1234567890abcdef", "token": "kesuToken123",
		"aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "max_skew_seconds": 120}
	created, hdr := h.call(oaCall{op: "createWeChatAccount", path: "/api/v1/channels/wechat", token: admin, want: 201, body: acc})
	if hdr.Get("Location") != "/channels/wechat/shop" || oaField(created, "safe_mode") != "true" {
		t.Errorf("created WeChat account: %v %v", created, hdr)
	}
	h.call(oaCall{op: "createWeChatAccount", path: "/api/v1/channels/wechat", token: admin, want: 409, body: acc})
	h.call(oaCall{op: "createWeChatAccount", path: "/api/v1/channels/wechat", token: admin, want: 400,
		body: map[string]any{"name": "x", "app_id": "wx1", "token": "t!"}})
	h.call(oaCall{op: "createWeChatAccount", path: "/api/v1/channels/wechat", token: agent, want: 403, body: acc})
	list, _ := h.call(oaCall{op: "listWeChatAccounts", path: "/api/v1/channels/wechat", token: admin, want: 200})
	if strings.Contains(oaJSON(list), "kesuToken123") || strings.Contains(oaJSON(list), "abcdefghij") {
		t.Errorf("the account list shows secrets: %s", oaJSON(list))
	}

	// An intake source and its webhook.
	src := map[string]any{"name": "crm", "auth": "hmac", "channel": "regulator",
		"mapping": map[string]string{"external_id": "/case/id", "description": "/case/text", "customer.phone": "/caller",
			"registered_at": "/case/received"}}
	made, _ := h.call(oaCall{op: "createIntakeSource", path: "/api/v1/channels/intake", token: admin, want: 201, body: src})
	secret := oaField(made, "secret")
	if len(secret) < 16 {
		t.Fatalf("no generated secret: %v", made)
	}
	h.call(oaCall{op: "createIntakeSource", path: "/api/v1/channels/intake", token: admin, want: 400,
		body: map[string]any{"name": "bad", "auth": "hmac", "mapping": map[string]string{"colour": "/x"}}})
	list, _ = h.call(oaCall{op: "listIntakeSources", path: "/api/v1/channels/intake", token: admin, want: 200})
	if strings.Contains(oaJSON(list), secret) {
		t.Errorf("the source list shows the secret")
	}
	body := []byte(`{"case":{"id":"12315-0001","text":"商家拒绝退货，消费者向12315投诉","received":"2026-11-01 10:00"},"caller":"13700137000"}`)
	signed := map[string]string{intake.SignatureHeader: intake.Sign(secret, body)}
	c, _ := h.call(oaCall{op: "intakeWebhook", path: "/api/v1/intake/crm", raw: body, contentType: "application/json",
		header: signed, want: 201})
	if oaField(c, "channel") != "regulator" || oaField(c, "external_id") != "crm:12315-0001" {
		t.Errorf("intake complaint: %s", oaJSON(c))
	}
	_, hdr = h.call(oaCall{op: "intakeWebhook", path: "/api/v1/intake/crm", raw: body, contentType: "application/json",
		header: signed, want: 201})
	if hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a repeated delivery was not a replay")
	}
	before := oaCount(h)
	h.call(oaCall{op: "intakeWebhook", path: "/api/v1/intake/crm", raw: body, contentType: "application/json",
		header: map[string]string{intake.SignatureHeader: intake.Sign("wrong secret", body)}, want: 403})
	h.call(oaCall{op: "intakeWebhook", path: "/api/v1/intake/nobody", raw: body, contentType: "application/json",
		header: signed, want: 403})
	noID := []byte(`{"case":{"text":"没有编号"}}`)
	h.call(oaCall{op: "intakeWebhook", path: "/api/v1/intake/crm", raw: noID, contentType: "application/json",
		header: map[string]string{intake.SignatureHeader: intake.Sign(secret, noID)}, want: 400})
	if oaCount(h) != before {
		t.Errorf("refused deliveries created complaints")
	}

	// The hotline: caller ID and a call recording.
	lookup, _ := h.call(oaCall{op: "lookupCaller", path: "/api/v1/customers/lookup?phone=137-0013-7000", token: agent, want: 200})
	if !strings.Contains(oaJSON(lookup), oaField(c, "number")) || !strings.Contains(oaJSON(lookup), "137****7000") {
		t.Errorf("caller history (masked) should list %s: %s", oaField(c, "number"), oaJSON(lookup))
	}
	h.call(oaCall{op: "lookupCaller", path: "/api/v1/customers/lookup?phone=abc", token: agent, want: 400})
	number := oaField(c, "number")
	form, ct := oaRecordingForm("call.wav", wavBytes())
	rec, _ := h.call(oaCall{op: "uploadRecording", path: "/api/v1/complaints/" + number + "/recordings", token: agent, want: 201,
		raw: form, contentType: ct})
	if oaField(rec, "recording") != "true" || oaField(rec, "content_type") != "audio/wave" {
		t.Errorf("recording: %s", oaJSON(rec))
	}
	form, ct = oaRecordingForm("notes.txt", []byte("这不是录音"))
	h.call(oaCall{op: "uploadRecording", path: "/api/v1/complaints/" + number + "/recordings", token: agent, want: 400,
		raw: form, contentType: ct})
	recs, _ := h.call(oaCall{op: "listRecordings", path: "/api/v1/complaints/" + number + "/recordings", token: agent, want: 200})
	if !strings.Contains(oaJSON(recs), "call.wav") {
		t.Errorf("recordings: %s", oaJSON(recs))
	}

	// Import with a mapping: dry run, then for real, then again (nothing new).
	csv := "编号,时间,电话,内容\nX-1,2025-01-02 03:04,13600136000,导入的投诉一\nX-2,2025-01-03,bad,电话错误\n"
	mapping := `{"columns":{"external_id":"编号","registered_at":"时间","customer.phone":"电话","description":"内容"}}`
	imp := func(dry string, want int) any {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("mapping", mapping)
		mw.WriteField("dry_run", dry)
		fw, _ := mw.CreateFormFile("file", "register.csv")
		fw.Write([]byte(csv))
		mw.Close()
		res, _ := h.call(oaCall{op: "importComplaints", path: "/api/v1/imports", token: admin, want: want,
			raw: b.Bytes(), contentType: mw.FormDataContentType()})
		return res
	}
	if r := imp("true", 200); oaField(r, "created") != "1" || oaField(r, "failed") != "1" || oaField(r, "dry_run") != "true" {
		t.Errorf("dry run: %s", oaJSON(r))
	}
	if r := imp("false", 200); oaField(r, "created") != "1" || !strings.Contains(oaJSON(r), "customer.phone") {
		t.Errorf("import: %s", oaJSON(r))
	}
	if r := imp("false", 200); oaField(r, "created") != "0" || oaField(r, "present") != "1" {
		t.Errorf("re-import: %s", oaJSON(r))
	}
	mapping = `{"columns":{"colour":"编号"}}`
	imp("false", 400)
	h.call(oaCall{op: "importFields", path: "/api/v1/imports/fields", token: admin, want: 200})

	health, _ := h.call(oaCall{op: "channelHealth", path: "/api/v1/channels/health", token: admin, want: 200})
	for _, want := range []string{`"wechat"`, `"intake"`, `"import"`} {
		if !strings.Contains(oaJSON(health), want) {
			t.Errorf("health lacks %s: %s", want, oaJSON(health))
		}
	}
	h.call(oaCall{op: "channelHealth", path: "/api/v1/channels/health", token: agent, want: 403})
}

func oaCount(h *oaHarness) int {
	page, err := h.db.Complaints(h.t.Context(), storeFilterAll)
	if err != nil {
		h.t.Fatal(err)
	}
	return len(page.Items)
}

func oaRecordingForm(name string, content []byte) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("caller", "13700137000")
	mw.WriteField("started_at", "2026-11-20T10:00:00+08:00")
	mw.WriteField("duration_ms", "65000")
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// wavBytes is a tiny valid WAV file (8 kHz mono, 16-bit PCM silence).
func wavBytes() []byte {
	var b bytes.Buffer
	data := make([]byte, 1600)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(1))
	binary.Write(&b, binary.LittleEndian, uint16(1))
	binary.Write(&b, binary.LittleEndian, uint32(8000))
	binary.Write(&b, binary.LittleEndian, uint32(16000))
	binary.Write(&b, binary.LittleEndian, uint16(2))
	binary.Write(&b, binary.LittleEndian, uint16(16))
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

var storeFilterAll = store.Filter{Limit: 200}
