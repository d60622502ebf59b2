package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// SMTPConfig says how to send email.
type SMTPConfig struct {
	Host string
	Port int // default 587 (465 with TLS "tls", 25 with "none")
	User string
	Pass string
	// From is the sender, e.g. "客诉中心 <kefu@example.com>".
	From string
	// TLS: "starttls" (required), "tls" (implicit, port 465), "none", or
	// "" = STARTTLS when the server offers it.
	TLS string
	// InsecureSkipVerify accepts any server certificate (test servers only).
	InsecureSkipVerify bool
	// Timeout bounds one delivery (default 30 s).
	Timeout time.Duration
}

// Validate checks the configuration.
func (c *SMTPConfig) Validate() error {
	if strings.TrimSpace(c.Host) == "" {
		return kesu.FieldError("smtp-host", "missing")
	}
	switch c.TLS {
	case "", "starttls", "tls", "none":
	default:
		return kesu.FieldError("smtp-tls", "must be starttls, tls, none or empty (STARTTLS when offered)")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return kesu.FieldError("smtp-from", "not an email address: %v", err)
	}
	if c.Port < 0 || c.Port > 65535 {
		return kesu.FieldError("smtp-port", "out of range")
	}
	return nil
}

func (c *SMTPConfig) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.TLS == "tls":
		return 465
	case c.TLS == "none":
		return 25
	}
	return 587
}

// Headers a message's Data["headers"] may set; X-* headers are allowed too.
var allowedHeaders = map[string]bool{"Message-Id": true, "In-Reply-To": true, "References": true,
	"Reply-To": true, "Auto-Submitted": true}

// sendEmail renders and sends an email message.
func (n *Notifier) sendEmail(ctx context.Context, m store.OutboxMessage) (int, error) {
	c := n.cfg.SMTP
	to, err := mail.ParseAddress(m.Recipient)
	if err != nil {
		return 0, permanentf("recipient %q is not an email address", m.Recipient)
	}
	subject, body, number, err := n.renderMessage(ctx, m)
	if err != nil {
		return 0, err
	}
	if number != "" && !strings.Contains(subject, number) {
		subject = "[" + number + "] " + subject
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return 0, fmt.Errorf("smtp-from: %w", err)
	}
	if s := dataString(m, "from"); s != "" {
		// The mailbox a conversation runs through answers it.
		override, err := mail.ParseAddress(s)
		if err != nil {
			return 0, permanentf("data.from %q is not an email address", s)
		}
		if override.Name == "" {
			override.Name = from.Name
		}
		from = override
	}
	extra, err := extraHeaders(m.Data["headers"])
	if err != nil {
		return 0, permanent{err}
	}
	msg := buildEmail(from, to, subject, body, m.IdempotencyKey, number, extra, n.cfg.Clock.Now())
	return c.send(ctx, from.Address, to.Address, msg)
}

// extraHeaders validates Data["headers"]: a JSON object of header name to
// string value.
func extraHeaders(v any) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("data.headers must be an object of strings")
	}
	out := map[string]string{}
	for k, raw := range obj {
		val, ok := raw.(string)
		name := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		if !ok || strings.ContainsAny(val, "\r\n") || strings.ContainsAny(name, " :\r\n") || len(val) > 4000 {
			return nil, fmt.Errorf("data.headers[%q] is not a one-line string", k)
		}
		if !allowedHeaders[name] && !strings.HasPrefix(name, "X-") {
			return nil, fmt.Errorf("data.headers may not set %q", k)
		}
		out[name] = val
	}
	return out, nil
}

// MessageID is the stable Message-ID of the outbox message with key: a
// resend carries the same one, so mail clients show a repeat once.
func MessageID(key, domain string) string {
	sum := sha256.Sum256([]byte(key))
	safe := strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return r
		}
		return '-'
	}, key)
	if len(safe) > 64 {
		safe = safe[:64]
	}
	return "<kesu." + safe + "." + hex.EncodeToString(sum[:6]) + "@" + domain + ">"
}

// ThreadID is the Message-ID every email about a complaint refers to, so
// they thread together in the customer's mail client.
func ThreadID(number, domain string) string {
	return "<complaint." + number + "@" + domain + ">"
}

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && at < len(addr)-1 {
		return addr[at+1:]
	}
	return "kesu.local"
}

// buildEmail writes a UTF-8 text/plain message with base64 body.
func buildEmail(from, to *mail.Address, subject, body, key, number string, extra map[string]string, now time.Time) []byte {
	domain := domainOf(from.Address)
	h := map[string]string{
		"From":                      from.String(),
		"To":                        to.String(),
		"Subject":                   mime.BEncoding.Encode("UTF-8", subject),
		"Date":                      now.Format(time.RFC1123Z),
		"Message-Id":                MessageID(key, domain),
		"Mime-Version":              "1.0",
		"Content-Type":              "text/plain; charset=UTF-8",
		"Content-Transfer-Encoding": "base64",
		"X-Kesu-Idempotency-Key":    key,
		"Auto-Submitted":            "auto-generated",
	}
	if number != "" {
		h["X-Kesu-Complaint"] = number
		h["References"] = ThreadID(number, domain)
		h["In-Reply-To"] = ThreadID(number, domain)
	}
	for k, v := range extra {
		h[k] = v
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, k := range names {
		name := k
		if k == "Message-Id" {
			name = "Message-ID"
		}
		b.WriteString(name + ": " + h[k] + "\r\n")
	}
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// send delivers msg over one SMTP session. A 5xx reply is permanent.
func (c *SMTPConfig) send(ctx context.Context, from, to string, msg []byte) (int, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.port()))
	tlsCfg := &tls.Config{ServerName: c.Host, InsecureSkipVerify: c.InsecureSkipVerify}
	var conn net.Conn
	var err error
	d := &net.Dialer{}
	if c.TLS == "tls" {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tlsCfg}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return 0, fmt.Errorf("smtp connect %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return smtpCode(err)
	}
	defer cl.Close()
	if c.TLS == "" || c.TLS == "starttls" {
		if ok, _ := cl.Extension("STARTTLS"); ok {
			if err := cl.StartTLS(tlsCfg); err != nil {
				return smtpCode(err)
			}
		} else if c.TLS == "starttls" {
			return 0, fmt.Errorf("smtp server %s does not offer STARTTLS", addr)
		}
	}
	if c.User != "" {
		// A refused login or sender is the configuration's fault, not the
		// message's: retried, never dead on the first try.
		if err := cl.Auth(smtp.PlainAuth("", c.User, c.Pass, c.Host)); err != nil {
			code, err := smtpCode(err)
			return code, errors.Unwrap(err)
		}
	}
	if err := cl.Mail(from); err != nil {
		code, err := smtpCode(err)
		return code, errors.Unwrap(err)
	}
	if err := cl.Rcpt(to); err != nil {
		return smtpCode(err)
	}
	w, err := cl.Data()
	if err != nil {
		return smtpCode(err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpCode(err)
	}
	if err := w.Close(); err != nil {
		return smtpCode(err)
	}
	cl.Quit()
	return 250, nil
}

// smtpCode extracts the reply code; 5xx replies are permanent failures.
func smtpCode(err error) (int, error) {
	var te *textproto.Error
	if errors.As(err, &te) {
		if te.Code >= 500 {
			return te.Code, permanent{fmt.Errorf("smtp: %w", err)}
		}
		return te.Code, transient{fmt.Errorf("smtp: %w", err)}
	}
	return 0, transient{fmt.Errorf("smtp: %w", err)}
}

// transient wraps a retryable error so that errors.Unwrap of either kind
// gives the plain error.
type transient struct{ err error }

func (t transient) Error() string { return t.err.Error() }
func (t transient) Unwrap() error { return t.err }
