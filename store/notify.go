package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// Storage for package notify beyond the outbox itself: webhook endpoints,
// in-app notifications, and what a message needs to be rendered.

// WebhookEndpoint is a receiver of complaint events, signed with Secret.
type WebhookEndpoint struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
	// Secret is the HMAC-SHA256 key; the API shows it only when it is set.
	Secret string `json:"secret,omitempty"`
	// EventTypes are event types ("created", "transition", "sla_breach"),
	// optionally narrowed to one action ("transition.dispatch"); "*" is all.
	EventTypes []string  `json:"event_types"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

var eventTypePattern = regexp.MustCompile(`^(\*|[a-z0-9_]{1,40}(\.[a-z0-9_]{1,40})?)$`)

// Validate checks and normalises an endpoint.
func (w *WebhookEndpoint) Validate() error {
	w.Name = strings.TrimSpace(w.Name)
	w.URL = strings.TrimSpace(w.URL)
	if err := kesu.ValidateName("name", w.Name, 100); err != nil {
		return err
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(w.URL) > 2000 {
		return kesu.FieldError("url", "must be an absolute http or https URL")
	}
	if len(w.Secret) < 16 || len(w.Secret) > 200 {
		return kesu.FieldError("secret", "must be 16 to 200 characters")
	}
	if len(w.EventTypes) == 0 {
		w.EventTypes = []string{"*"}
	}
	seen := map[string]bool{}
	var types []string
	for _, t := range w.EventTypes {
		t = strings.TrimSpace(t)
		if !eventTypePattern.MatchString(t) {
			return kesu.FieldError("event_types", "%q is not an event type (e.g. created, transition.dispatch, sla_breach, *)", t)
		}
		if !seen[t] {
			seen[t] = true
			types = append(types, t)
		}
	}
	if len(types) > 50 {
		return kesu.FieldError("event_types", "at most 50")
	}
	sort.Strings(types)
	w.EventTypes = types
	return nil
}

func joinTypes(types []string) string { return "," + strings.Join(types, ",") + "," }

func splitTypes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' })
}

const webhookCols = `id, name, url, secret, event_types, active, created_at, updated_at`

func scanWebhook(s scanner) (WebhookEndpoint, error) {
	var w WebhookEndpoint
	var types string
	var created, updated int64
	err := s.Scan(&w.ID, &w.Name, &w.URL, &w.Secret, &types, &w.Active, &created, &updated)
	w.EventTypes, w.CreatedAt, w.UpdatedAt = splitTypes(types), fromMicros(created), fromMicros(updated)
	return w, err
}

// CreateWebhook adds an endpoint.
func (db *DB) CreateWebhook(ctx context.Context, w WebhookEndpoint, now time.Time) (WebhookEndpoint, error) {
	if err := w.Validate(); err != nil {
		return w, err
	}
	now = storedTime(now)
	w.CreatedAt, w.UpdatedAt = now, now
	err := db.tx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO webhook_endpoints(name, url, secret, event_types, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, w.Name, w.URL, w.Secret, joinTypes(w.EventTypes), w.Active, micros(now), micros(now))
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			return &kesu.Error{Code: kesu.EConflict, Message: "a webhook with this name exists", Field: "name"}
		}
		w.ID = id
		return err
	})
	return w, err
}

// WebhookPatch changes an endpoint; nil fields stay.
type WebhookPatch struct {
	Name       *string   `json:"name"`
	URL        *string   `json:"url"`
	Secret     *string   `json:"secret"`
	EventTypes *[]string `json:"event_types"`
	Active     *bool     `json:"active"`
}

// UpdateWebhook applies p to endpoint id.
func (db *DB) UpdateWebhook(ctx context.Context, id int64, p WebhookPatch, now time.Time) (WebhookEndpoint, error) {
	var w WebhookEndpoint
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		w, err = scanWebhook(tx.queryRow(ctx, `SELECT `+webhookCols+` FROM webhook_endpoints WHERE id = ?`, id))
		if err == sql.ErrNoRows {
			return kesu.Errorf(kesu.ENotFound, "no webhook %d", id)
		}
		if err != nil {
			return err
		}
		if p.Name != nil {
			w.Name = *p.Name
		}
		if p.URL != nil {
			w.URL = *p.URL
		}
		if p.Secret != nil {
			w.Secret = *p.Secret
		}
		if p.EventTypes != nil {
			w.EventTypes = *p.EventTypes
		}
		if p.Active != nil {
			w.Active = *p.Active
		}
		if err := w.Validate(); err != nil {
			return err
		}
		w.UpdatedAt = storedTime(now)
		_, err = tx.exec(ctx, `UPDATE webhook_endpoints SET name = ?, url = ?, secret = ?, event_types = ?, active = ?,
			updated_at = ? WHERE id = ?`, w.Name, w.URL, w.Secret, joinTypes(w.EventTypes), w.Active, micros(w.UpdatedAt), id)
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			return &kesu.Error{Code: kesu.EConflict, Message: "a webhook with this name exists", Field: "name"}
		}
		return err
	})
	return w, err
}

// DeleteWebhook removes an endpoint; its undelivered messages die.
func (db *DB) DeleteWebhook(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no webhook %d", id)
		}
		return nil
	})
}

// Webhook returns one endpoint.
func (db *DB) Webhook(ctx context.Context, id int64) (WebhookEndpoint, error) {
	w, err := scanWebhook(db.queryRow(ctx, `SELECT `+webhookCols+` FROM webhook_endpoints WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return w, kesu.Errorf(kesu.ENotFound, "no webhook %d", id)
	}
	return w, db.mapErr(err)
}

// Webhooks lists the endpoints by name.
func (db *DB) Webhooks(ctx context.Context) ([]WebhookEndpoint, error) {
	return list(ctx, db, scanWebhook, `SELECT `+webhookCols+` FROM webhook_endpoints ORDER BY name`)
}

// EnqueueWebhooks queues one message per active endpoint subscribed to
// eventType (or to eventType.action, or to "*"). The endpoints are looked up
// first, in a tiny table, and data is only built and encoded when one
// matches: most installations have none, and every change passes here. The
// idempotency key is keyPrefix followed by the endpoint id.
func (tx *Tx) EnqueueWebhooks(ctx context.Context, eventType, action string, complaintID int64, keyPrefix string,
	data func() map[string]any, now time.Time) error {
	sub := eventType
	if action != "" {
		sub = eventType + "." + action
	}
	endpoints, err := txList(ctx, tx, scanInt64, `SELECT id FROM webhook_endpoints
		WHERE active = ? AND (event_types LIKE '%,*,%' OR event_types LIKE ? OR event_types LIKE ?) ORDER BY id`,
		true, "%,"+eventType+",%", "%,"+sub+",%")
	if err != nil || len(endpoints) == 0 {
		return err
	}
	b, err := json.Marshal(data())
	if err != nil {
		return err
	}
	now = storedTime(now)
	queued := false
	for _, id := range endpoints {
		res, err := tx.exec(ctx, `INSERT INTO outbox(channel, recipient, template, locale, complaint_id, data,
			idempotency_key, status, attempts, next_attempt_at, created_at)
			VALUES ('webhook', ?, 'event', 'zh-CN', ?, ?, ?, 'pending', 0, ?, ?)
			ON CONFLICT (idempotency_key) DO NOTHING`,
			strconv.FormatInt(id, 10), nullID(complaintID), string(b), keyPrefix+strconv.FormatInt(id, 10), micros(now), micros(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			queued = true
		}
	}
	if queued {
		tx.wakeOutbox("webhook")
	}
	return nil
}

// StaffIDs lists the active users with one of roles, in departmentID when
// it is not 0: the staff concerned by a dispatch or an escalation.
func (tx *Tx) StaffIDs(ctx context.Context, departmentID int64, roles []kesu.Role) ([]int64, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	inList, args := placeholders(names)
	q := `SELECT id FROM users WHERE active = ? AND role IN (` + inList + `)`
	args = append([]any{true}, args...)
	if departmentID != 0 {
		q += ` AND department_id = ?`
		args = append(args, departmentID)
	}
	return txList(ctx, tx, scanInt64, q+` ORDER BY id LIMIT 200`, args...)
}

// MessageContext is what a message about a complaint is rendered from, read
// at send time so that it says what is true then.
type MessageContext struct {
	Complaint      kesu.Complaint
	DepartmentName string // "" when not dispatched
	AssigneeName   string // "" when nobody is assigned
}

// MessageContextOf reads the complaint with id and the names it refers to.
func (db *DB) MessageContextOf(ctx context.Context, complaintID int64) (MessageContext, error) {
	var mc MessageContext
	var err error
	if mc.Complaint, err = db.complaintByID(ctx, complaintID); err != nil {
		return mc, err
	}
	if mc.Complaint.DepartmentID != 0 {
		err := db.queryRow(ctx, `SELECT name FROM departments WHERE id = ?`, mc.Complaint.DepartmentID).Scan(&mc.DepartmentName)
		if err != nil && err != sql.ErrNoRows {
			return mc, db.mapErr(err)
		}
	}
	if mc.Complaint.AssigneeID != 0 {
		err := db.queryRow(ctx, `SELECT name FROM users WHERE id = ?`, mc.Complaint.AssigneeID).Scan(&mc.AssigneeName)
		if err != nil && err != sql.ErrNoRows {
			return mc, db.mapErr(err)
		}
	}
	return mc, nil
}

// Notification is an in-app notification for a staff member.
type Notification struct {
	ID          int64      `json:"id"`
	UserID      int64      `json:"user_id"`
	ComplaintID int64      `json:"complaint_id,omitempty"`
	Number      string     `json:"number,omitempty"` // the complaint's number
	Kind        string     `json:"kind"`
	Title       string     `json:"title"`
	Body        string     `json:"body,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	ReadAt      *time.Time `json:"read_at,omitempty"`
}

// DeliverInApp writes the notification of a claimed inapp message and marks
// the message sent in one transaction: exactly one notification per message.
func (db *DB) DeliverInApp(ctx context.Context, m OutboxMessage, n Notification, a Attempt, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error {
		var users int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = ?`, n.UserID).Scan(&users); err != nil {
			return err
		}
		if users == 0 {
			// Nobody to deliver to, now or later.
			return tx.outboxDead(ctx, m, a, "no such user")
		}
		_, err := tx.exec(ctx, `INSERT INTO notifications(user_id, outbox_id, complaint_id, kind, title, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (outbox_id) DO NOTHING`,
			n.UserID, m.ID, nullID(m.ComplaintID), n.Kind, n.Title, n.Body, micros(storedTime(now)))
		if err != nil {
			return err
		}
		return tx.outboxSent(ctx, m, a, nil, now)
	})
}

func (tx *Tx) outboxDead(ctx context.Context, m OutboxMessage, a Attempt, msg string) error {
	a.Error = msg
	if err := tx.logAttempt(ctx, m, a); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE outbox SET status = 'dead', locked_until = NULL, last_error = ? WHERE id = ? AND status = 'pending'`,
		msg, m.ID)
	return err
}

// Notifications lists a user's notifications, newest first; beforeID > 0
// pages on.
func (db *DB) Notifications(ctx context.Context, userID int64, unreadOnly bool, beforeID int64, limit int) ([]Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT n.id, n.user_id, COALESCE(n.complaint_id, 0), COALESCE(c.number, ''), n.kind, n.title, n.body, n.created_at, n.read_at
		FROM notifications n LEFT JOIN complaints c ON c.id = n.complaint_id WHERE n.user_id = ?`
	args := []any{userID}
	if unreadOnly {
		q += ` AND n.read_at IS NULL`
	}
	if beforeID > 0 {
		q += ` AND n.id < ?`
		args = append(args, beforeID)
	}
	q += ` ORDER BY n.id DESC LIMIT ?`
	return list(ctx, db, func(s scanner) (Notification, error) {
		var n Notification
		var created int64
		var read sql.NullInt64
		err := s.Scan(&n.ID, &n.UserID, &n.ComplaintID, &n.Number, &n.Kind, &n.Title, &n.Body, &created, &read)
		n.CreatedAt, n.ReadAt = fromMicros(created), fromNullMicros(read)
		return n, err
	}, q, append(args, limit)...)
}

// UnreadNotifications counts a user's unread notifications.
func (db *DB) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, userID).Scan(&n)
	return n, db.mapErr(err)
}

// MarkNotificationsRead marks the user's notification id read, or all of
// them when id is 0. Someone else's notification is not found.
func (db *DB) MarkNotificationsRead(ctx context.Context, userID, id int64, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error {
		q := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`
		args := []any{micros(storedTime(now)), userID}
		if id != 0 {
			q = `UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE user_id = ? AND id = ?`
			args = append(args, id)
		}
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); id != 0 && n == 0 {
			return kesu.Errorf(kesu.ENotFound, "no notification %s", strconv.FormatInt(id, 10))
		}
		return nil
	})
}
