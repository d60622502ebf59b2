package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Config is what a Notifier needs; cmd/kesu builds it from flags.
type Config struct {
	DB    *store.DB
	Clock kesu.Clock
	Log   *slog.Logger
	// SMTP sends email; nil leaves email messages queued (visible in the
	// delivery log) until it is configured.
	SMTP *SMTPConfig
	// SMS sends text messages through an HTTP gateway; nil leaves them queued.
	SMS *SMSConfig
	// HTTPClient posts webhooks and SMS (default: 15 s timeout).
	HTTPClient *http.Client
	// Location formats promised times (default Asia/Shanghai).
	Location *time.Location
	// ResolveDue returns the promised resolution time of a complaint (the
	// resolve milestone's due instant); ok is false when none is known.
	// The acknowledgement names it. nil: never named.
	ResolveDue func(ctx context.Context, complaintID int64) (due time.Time, ok bool, err error)

	// Lease is how long a claimed message stays with its worker before it
	// is due again (default 2 min: longer than any send's timeout).
	Lease time.Duration
	// Batch is how many messages one claim takes (default 32); Concurrency
	// how many are sent at once (default 4).
	Batch, Concurrency int
	// MaxAttempts after which a failing message is dead (default 12).
	MaxAttempts int
	// Backoff is the wait after failed attempt n (1-based); default
	// exponential from 30 s, doubling, at most 6 h, with 10% jitter.
	Backoff func(attempt int) time.Duration
	// PollEvery bounds the sleep when nothing is due, to pick up messages
	// enqueued by other processes (default 30 s). Enqueues in this process
	// wake the worker at once.
	PollEvery time.Duration
}

// Notifier delivers the outbox and writes it (its Effect) from complaint
// changes.
type Notifier struct {
	cfg  Config
	db   *store.DB
	log  *slog.Logger
	wake chan struct{}
}

// New builds a Notifier. Register n.Effect with db.AddEffect and n.Wake with
// db.OnOutbox, and run n.Run as a background worker.
func New(cfg Config) *Notifier {
	if cfg.Clock == nil {
		cfg.Clock = kesu.SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Location == nil {
		var err error
		if cfg.Location, err = time.LoadLocation("Asia/Shanghai"); err != nil {
			cfg.Location = time.FixedZone("CST", 8*3600)
		}
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 32
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = 30 * time.Second
	}
	return &Notifier{cfg: cfg, db: cfg.DB, log: cfg.Log, wake: make(chan struct{}, 1)}
}

// DefaultBackoff waits 30 s after the first failure, doubling up to 6 h,
// with up to 10% random jitter so that retries of many messages spread out.
func DefaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 6*time.Hour; i++ {
		d *= 2
	}
	d = min(d, 6*time.Hour)
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// Wake tells the worker that messages were enqueued; it never blocks.
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Channels lists the channels this notifier can deliver.
func (n *Notifier) Channels() []string {
	ch := []string{"inapp", "webhook"}
	if n.cfg.SMTP != nil {
		ch = append(ch, "email")
	}
	if n.cfg.SMS != nil {
		ch = append(ch, "sms")
	}
	return ch
}

// Run delivers due messages until ctx ends, sleeping until the next one is
// due, a wake-up, or PollEvery.
func (n *Notifier) Run(ctx context.Context) error {
	for {
		claimed, err := n.DeliverDue(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wait := n.cfg.PollEvery
		due, ok, err := n.db.NextOutboxDue(ctx, n.Channels())
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if ok {
			wait = min(wait, due.Sub(n.cfg.Clock.Now()))
		}
		if claimed == 0 {
			// Due but not claimable (another process holds it): do not spin.
			wait = max(wait, 50*time.Millisecond)
		}
		if wait <= 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-n.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// DeliverDue claims and delivers every message due now, batch by batch, and
// returns how many it claimed.
func (n *Notifier) DeliverDue(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		msgs, err := n.db.ClaimOutbox(ctx, n.Channels(), n.cfg.Clock.Now(), n.cfg.Lease, n.cfg.Batch)
		if err != nil {
			return total, err
		}
		total += len(msgs)
		sem := make(chan struct{}, n.cfg.Concurrency)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var firstErr error
		for _, m := range msgs {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				if err := n.deliver(ctx, m); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if firstErr != nil {
			return total, firstErr
		}
		if len(msgs) < n.cfg.Batch {
			break
		}
	}
	return total, nil
}

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

func permanentf(format string, args ...any) error { return permanent{fmt.Errorf(format, args...)} }

// deliver sends one claimed message and records the outcome. It returns an
// error only when the outcome could not be recorded; the lease then makes
// the message due again.
func (n *Notifier) deliver(ctx context.Context, m store.OutboxMessage) error {
	started := n.cfg.Clock.Now()
	clockStart := time.Now()
	a := store.Attempt{StartedAt: started}
	if until, ok := validUntil(m); ok && started.After(until) {
		// Sent late it would mislead (an acknowledgement days after the
		// complaint, a code that no longer works): the log says why not.
		a.Error = "expired: not sent before " + until.Format(time.RFC3339)
		n.log.Warn("outbox message expired", "id", m.ID, "channel", m.Channel, "template", m.Template, "valid_until", until)
		return n.db.OutboxFailed(ctx, m, a, nil)
	}
	var code int
	var newData map[string]any
	var err error
	switch m.Channel {
	case "inapp":
		var note store.Notification
		if note, err = n.inApp(ctx, m); err == nil {
			a.Duration = time.Since(clockStart)
			return n.db.DeliverInApp(ctx, m, note, a, n.cfg.Clock.Now())
		}
	case "email":
		code, err = n.sendEmail(ctx, m)
	case "sms":
		code, err = n.sendSMS(ctx, m)
	case "webhook":
		code, err = n.sendWebhook(ctx, m)
	default:
		err = permanentf("unknown channel %q", m.Channel)
	}
	a.Duration, a.StatusCode = time.Since(clockStart), code
	now := n.cfg.Clock.Now()
	if err == nil {
		if m.Template == "otp" {
			// The code has done its work: do not keep it readable.
			newData = map[string]any{}
			for k, v := range m.Data {
				newData[k] = v
			}
			newData["code"] = ""
		}
		n.log.Debug("outbox sent", "id", m.ID, "channel", m.Channel, "template", m.Template, "attempt", m.Attempts)
		return n.db.OutboxSent(ctx, m, a, newData, now)
	}
	a.Error = err.Error()
	var p permanent
	if errors.As(err, &p) || m.Attempts >= n.cfg.MaxAttempts {
		n.log.Warn("outbox message dead", "id", m.ID, "channel", m.Channel, "template", m.Template,
			"attempts", m.Attempts, "err", err)
		return n.db.OutboxFailed(ctx, m, a, nil)
	}
	retry := now.Add(n.cfg.Backoff(m.Attempts))
	n.log.Info("outbox send failed; will retry", "id", m.ID, "channel", m.Channel, "attempt", m.Attempts,
		"retry_at", retry, "err", err)
	return n.db.OutboxFailed(ctx, m, a, &retry)
}

// dataString reads a string from a message's data.
// AckLifetime is how long an acknowledgement is worth sending: by then a
// person should have answered the complaint (DOMAIN.md: a human response
// within 24 hours), and "we have received your complaint" would only confuse.
// It matters when a channel was down or not configured for a while.
const AckLifetime = 24 * time.Hour

// validUntil is the time after which m must not be sent: its data's
// "expires_at" (RFC 3339; one-time codes), or for an acknowledgement
// AckLifetime after it was queued.
func validUntil(m store.OutboxMessage) (time.Time, bool) {
	if s := dataString(m, "expires_at"); s != "" {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true
		}
	}
	if m.Template == "ack" {
		return m.CreatedAt.Add(AckLifetime), true
	}
	return time.Time{}, false
}

func dataString(m store.OutboxMessage, key string) string {
	switch v := m.Data[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// renderMessage renders m's template in its locale from the database as it
// is now; number is the complaint's number ("" if none).
func (n *Notifier) renderMessage(ctx context.Context, m store.OutboxMessage) (subject, body, number string, err error) {
	l := parseLang(m.Locale)
	var v view
	if m.ComplaintID != 0 {
		mc, err := n.db.MessageContextOf(ctx, m.ComplaintID)
		if kesu.ErrorCodeOf(err) == kesu.ENotFound {
			return "", "", "", permanent{err}
		}
		if err != nil {
			return "", "", "", err
		}
		v = complaintView(l, mc.Complaint, mc.DepartmentName, mc.AssigneeName)
		if m.Template == "ack" || m.Template == "status" {
			if n.cfg.ResolveDue != nil {
				due, ok, err := n.cfg.ResolveDue(ctx, m.ComplaintID)
				if err != nil {
					return "", "", "", err
				}
				if ok {
					v.Due = formatDue(l, due, n.cfg.Location)
				}
			}
		}
	}
	if s := dataString(m, "number"); s != "" && v.Number == "" {
		v.Number = s
	}
	if s := dataString(m, "status"); s != "" {
		v.StatusLabel = label(l, "status."+s)
	}
	v.Note, v.Body, v.Code = dataString(m, "note"), dataString(m, "body"), dataString(m, "code")
	if lvl, err := strconv.Atoi(dataString(m, "escalation")); err == nil {
		v.Escalation = lvl
	}
	if m.Template == "otp" && v.Code == "" {
		return "", "", "", permanentf("the one-time code is missing (already sent and blanked?)")
	}
	if !HasTemplate(m.Template) {
		return "", "", "", permanentf("no template %q", m.Template)
	}
	key := m.Template
	if m.Channel == "sms" && HasTemplate(key+smsVariant) {
		// A text message has no subject and nothing to reply to: a short
		// form of the same news, with notes and replies cut to length.
		key += smsVariant
		v.Note, v.Body = clip(v.Note, smsTextLimit), clip(v.Body, smsTextLimit)
	}
	subject, body, err = render(key, l, v)
	if err != nil {
		return "", "", "", permanent{err}
	}
	if s := dataString(m, "subject"); s != "" {
		subject = s
	}
	return subject, body, v.Number, nil
}

// inApp renders an in-app notification for its user.
func (n *Notifier) inApp(ctx context.Context, m store.OutboxMessage) (store.Notification, error) {
	uid, err := strconv.ParseInt(m.Recipient, 10, 64)
	if err != nil {
		return store.Notification{}, permanentf("in-app recipient %q is not a user id", m.Recipient)
	}
	title, body, _, err := n.renderMessage(ctx, m)
	if err != nil {
		return store.Notification{}, err
	}
	return store.Notification{UserID: uid, Kind: m.Template, Title: title, Body: body}, nil
}
