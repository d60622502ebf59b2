package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// SMSConfig names an HTTP JSON SMS gateway (wire format in doc.go).
type SMSConfig struct {
	URL    string // POST endpoint
	Token  string // sent as "Authorization: Bearer <token>" when set
	Sender string // sender id or signature (短信签名), passed through
}

// Validate checks the configuration.
func (c *SMSConfig) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return kesu.FieldError("sms-url", "must be an absolute http or https URL")
	}
	return nil
}

// SMSRequest is the JSON body kesu posts to the gateway.
type SMSRequest struct {
	To             string `json:"to"`
	Text           string `json:"text"`
	Sender         string `json:"sender,omitempty"`
	Template       string `json:"template"`
	IdempotencyKey string `json:"idempotency_key"`
}

// SMSResponse is what the gateway answers with a 2xx status.
type SMSResponse struct {
	ID string `json:"id"`
}

func (n *Notifier) sendSMS(ctx context.Context, m store.OutboxMessage) (int, error) {
	c := n.cfg.SMS
	to := kesu.NormalizePhone(m.Recipient)
	if to == "" || strings.Trim(to, "+0123456789") != "" {
		return 0, permanentf("recipient %q is not a phone number", m.Recipient)
	}
	_, text, _, err := n.renderMessage(ctx, m)
	if err != nil {
		return 0, err
	}
	body, err := json.Marshal(SMSRequest{To: to, Text: strings.TrimSpace(text), Sender: c.Sender, Template: m.Template,
		IdempotencyKey: m.IdempotencyKey})
	if err != nil {
		return 0, permanent{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return 0, permanent{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotency, m.IdempotencyKey)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := n.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		var r SMSResponse
		if json.Unmarshal(answer, &r) != nil || r.ID == "" {
			// Accepted but unreadable: retrying could send twice, and the
			// gateway dedups by key anyway; count it as sent.
			n.log.Warn("sms gateway answered without an id", "status", resp.StatusCode)
		}
		return resp.StatusCode, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests &&
		resp.StatusCode != http.StatusRequestTimeout:
		return resp.StatusCode, permanentf("sms gateway refused the message: HTTP %d %s", resp.StatusCode,
			strings.TrimSpace(string(answer)))
	}
	return resp.StatusCode, fmt.Errorf("sms gateway: HTTP %d", resp.StatusCode)
}
