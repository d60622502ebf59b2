package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Webhook wire format (see doc.go): a JSON POST signed with HMAC-SHA256.
const (
	HeaderSignature   = "X-Kesu-Signature"
	HeaderIdempotency = "X-Kesu-Idempotency-Key"
	HeaderEvent       = "X-Kesu-Event"
	HeaderDelivery    = "X-Kesu-Delivery"
	HeaderAttempt     = "X-Kesu-Attempt"
)

// Sign returns the signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<unix seconds>.<body>")>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// VerifySignature checks a signature header against body: a receiver's
// side of Sign. Signatures older or newer than tolerance are refused, so a
// captured request cannot be replayed later.
func VerifySignature(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("malformed signature header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("signature timestamp outside the tolerance")
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return errors.New("signature does not match")
}

// webhookBody is the JSON a webhook receives; its bytes are the same on
// every attempt.
func webhookBody(m store.OutboxMessage) ([]byte, error) {
	body := map[string]any{"id": m.IdempotencyKey}
	for k, v := range m.Data {
		body[k] = v
	}
	return json.Marshal(body)
}

func (n *Notifier) sendWebhook(ctx context.Context, m store.OutboxMessage) (int, error) {
	id, err := strconv.ParseInt(m.Recipient, 10, 64)
	if err != nil {
		return 0, permanentf("webhook recipient %q is not an endpoint id", m.Recipient)
	}
	ep, err := n.db.Webhook(ctx, id)
	if kesu.ErrorCodeOf(err) == kesu.ENotFound {
		return 0, permanentf("webhook endpoint %d was deleted", id)
	}
	if err != nil {
		return 0, err
	}
	if !ep.Active {
		return 0, permanentf("webhook endpoint %q is inactive", ep.Name)
	}
	body, err := webhookBody(m)
	if err != nil {
		return 0, permanent{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, permanent{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kesu-webhook/1")
	req.Header.Set(HeaderIdempotency, m.IdempotencyKey)
	req.Header.Set("Idempotency-Key", m.IdempotencyKey)
	req.Header.Set(HeaderEvent, dataString(m, "type"))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(m.ID, 10))
	req.Header.Set(HeaderAttempt, strconv.Itoa(m.Attempts))
	req.Header.Set(HeaderSignature, Sign(ep.Secret, n.cfg.Clock.Now(), body))
	resp, err := n.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook %s: %w", ep.Name, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode == http.StatusGone:
		return resp.StatusCode, permanentf("webhook %s: HTTP %d: the receiver is gone", ep.Name, resp.StatusCode)
	}
	return resp.StatusCode, fmt.Errorf("webhook %s: HTTP %d", ep.Name, resp.StatusCode)
}
