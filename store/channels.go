package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// ---- WeChat accounts ----

// WeChat account kinds.
const (
	WeChatMP    = "mp"    // Official Account (微信公众号)
	WeChatWeCom = "wecom" // WeCom (企业微信)
)

// WeChatAccount is one Official Account or WeCom application whose callbacks
// kesu receives at /channels/wechat/{Name}.
type WeChatAccount struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`   // mp or wecom
	AppID  string `json:"app_id"` // the AppID; for WeCom the CorpID
	Token  string `json:"-"`
	AESKey string `json:"-"` // EncodingAESKey; empty means plain mode
	// SafeMode reports whether messages are encrypted (an AES key is set).
	SafeMode bool `json:"safe_mode"`
	// MaxSkewSeconds is how far a callback's timestamp may be from now.
	MaxSkewSeconds int       `json:"max_skew_seconds"`
	Active         bool      `json:"active"`
	CreatedAt      time.Time `json:"created_at"`
}

var channelNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidChannelName reports whether name can name an account or source in a
// URL path.
func ValidChannelName(name string) bool { return channelNamePattern.MatchString(name) }

// Validate checks an account before it is stored.
func (a *WeChatAccount) Validate() error {
	a.Name = strings.TrimSpace(a.Name)
	a.AppID = strings.TrimSpace(a.AppID)
	a.Token = strings.TrimSpace(a.Token)
	a.AESKey = strings.TrimSpace(a.AESKey)
	if a.Kind == "" {
		a.Kind = WeChatMP
	}
	if a.MaxSkewSeconds == 0 {
		a.MaxSkewSeconds = 300
	}
	switch {
	case !ValidChannelName(a.Name):
		return kesu.FieldError("name", "use 1 to 63 lowercase letters, digits, - or _")
	case a.Kind != WeChatMP && a.Kind != WeChatWeCom:
		return kesu.FieldError("kind", "must be mp or wecom")
	case a.AppID == "" || len(a.AppID) > 64:
		return kesu.FieldError("app_id", "is required (at most 64 characters)")
	case len(a.Token) < 3 || len(a.Token) > 32 || !alnum(a.Token):
		return kesu.FieldError("token", "must be 3 to 32 letters or digits (as WeChat requires)")
	case a.AESKey != "" && (len(a.AESKey) != 43 || !alnum(a.AESKey)):
		return kesu.FieldError("aes_key", "an EncodingAESKey is 43 letters or digits")
	case a.Kind == WeChatWeCom && a.AESKey == "":
		return kesu.FieldError("aes_key", "WeCom callbacks are always encrypted: an EncodingAESKey is required")
	case a.MaxSkewSeconds < 1 || a.MaxSkewSeconds > 86400:
		return kesu.FieldError("max_skew_seconds", "must be from 1 to 86400")
	}
	a.SafeMode = a.AESKey != ""
	return nil
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// CreateWeChatAccount adds an account.
func (db *DB) CreateWeChatAccount(ctx context.Context, a WeChatAccount, now time.Time) (WeChatAccount, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	now = storedTime(now)
	a.Active, a.CreatedAt = true, now
	err := db.tx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO wechat_accounts(name, kind, app_id, token, aes_key, max_skew, active, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.Name, a.Kind, a.AppID, a.Token, a.AESKey, a.MaxSkewSeconds, true, micros(now))
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			return &kesu.Error{Code: kesu.EConflict, Field: "name", Message: "a WeChat account with this name exists"}
		}
		a.ID = id
		return err
	})
	return a, err
}

const wechatCols = `id, name, kind, app_id, token, aes_key, max_skew, active, created_at`

func scanWeChatAccount(s scanner) (WeChatAccount, error) {
	var a WeChatAccount
	var at int64
	err := s.Scan(&a.ID, &a.Name, &a.Kind, &a.AppID, &a.Token, &a.AESKey, &a.MaxSkewSeconds, &a.Active, &at)
	a.CreatedAt, a.SafeMode = fromMicros(at), a.AESKey != ""
	return a, err
}

// WeChatAccounts lists the accounts by name.
func (db *DB) WeChatAccounts(ctx context.Context) ([]WeChatAccount, error) {
	return list(ctx, db, scanWeChatAccount, `SELECT `+wechatCols+` FROM wechat_accounts ORDER BY name`)
}

// WeChatAccountByName returns one account.
func (db *DB) WeChatAccountByName(ctx context.Context, name string) (WeChatAccount, error) {
	a, err := scanWeChatAccount(db.queryRow(ctx, `SELECT `+wechatCols+` FROM wechat_accounts WHERE name = ?`, name))
	if err == sql.ErrNoRows {
		return a, kesu.Errorf(kesu.ENotFound, "no WeChat account %q", name)
	}
	return a, db.mapErr(err)
}

// ---- replay cache ----

// ClaimReplay records key (a nonce, a message id) as seen for a channel's
// account. claimed is false when it was seen before; reply is then what was
// recorded for it with SetReplayReply (empty while the first is in progress).
func (db *DB) ClaimReplay(ctx context.Context, channel, account, key string, now time.Time) (claimed bool, reply string, err error) {
	err = db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `INSERT INTO channel_replay(channel, account, key, seen_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (channel, account, key) DO NOTHING`, channel, account, key, micros(now))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if claimed = n == 1; claimed {
			return nil
		}
		return tx.queryRow(ctx, `SELECT reply FROM channel_replay WHERE channel = ? AND account = ? AND key = ?`,
			channel, account, key).Scan(&reply)
	})
	return claimed, reply, err
}

// SetReplayReply records the answer given to the callback key identifies.
func (db *DB) SetReplayReply(ctx context.Context, channel, account, key, reply string) error {
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE channel_replay SET reply = ? WHERE channel = ? AND account = ? AND key = ?`,
			reply, channel, account, key)
		return err
	})
}

// ReleaseReplay forgets a key whose handling failed, so a retry is handled.
func (db *DB) ReleaseReplay(ctx context.Context, channel, account, key string) error {
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM channel_replay WHERE channel = ? AND account = ? AND key = ?`, channel, account, key)
		return err
	})
}

// PruneReplay forgets keys seen before before (outside every account's skew
// window, a replayed request is refused by its timestamp anyway).
func (db *DB) PruneReplay(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM channel_replay WHERE seen_at < ?`, micros(before))
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return n, err
}

// ---- WeChat guided sessions ----

// WeChatDraft is what the guided exchange has gathered so far.
type WeChatDraft struct {
	Description string `json:"description,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Name        string `json:"name,omitempty"`
}

// WeChatSession is the state of one user's exchange with an account.
type WeChatSession struct {
	AccountID int64
	OpenID    string
	Step      string // what the next text answers; "" when no question is open
	Draft     WeChatDraft
	// ComplaintID is the complaint the user's later messages go to.
	ComplaintID int64
	UpdatedAt   time.Time
}

// WeChatSessionOf returns the user's session; found is false if none.
func (db *DB) WeChatSessionOf(ctx context.Context, accountID int64, openID string) (s WeChatSession, found bool, err error) {
	var draft string
	var complaint sql.NullInt64
	var at int64
	err = db.queryRow(ctx, `SELECT step, draft, complaint_id, updated_at FROM wechat_sessions WHERE account_id = ? AND open_id = ?`,
		accountID, openID).Scan(&s.Step, &draft, &complaint, &at)
	if err == sql.ErrNoRows {
		return WeChatSession{AccountID: accountID, OpenID: openID}, false, nil
	}
	if err != nil {
		return s, false, db.mapErr(err)
	}
	s.AccountID, s.OpenID, s.ComplaintID, s.UpdatedAt = accountID, openID, complaint.Int64, fromMicros(at)
	_ = json.Unmarshal([]byte(draft), &s.Draft)
	return s, true, nil
}

// SaveWeChatSession writes the session.
func (db *DB) SaveWeChatSession(ctx context.Context, s WeChatSession, now time.Time) error {
	draft, _ := json.Marshal(s.Draft)
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO wechat_sessions(account_id, open_id, step, draft, complaint_id, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, open_id) DO UPDATE SET step = excluded.step, draft = excluded.draft,
				complaint_id = excluded.complaint_id, updated_at = excluded.updated_at`,
			s.AccountID, s.OpenID, s.Step, string(draft), nullID(s.ComplaintID), micros(now))
		return err
	})
}

// OpenComplaintOfMessenger returns the newest open complaint (not closed,
// rejected, withdrawn or merged) of the customer with the messaging id, or
// found false.
func (db *DB) OpenComplaintOfMessenger(ctx context.Context, messagingID string) (c kesu.Complaint, found bool, err error) {
	var open []any
	for _, s := range kesu.Statuses {
		if s.Open() {
			open = append(open, string(s))
		}
	}
	ph := qmarks(len(open))
	args := append([]any{messagingID}, open...)
	c, err = scanComplaint(db.queryRow(ctx, db.selectComplaint()+` WHERE c.customer_id IN (SELECT id FROM customers WHERE wechat_id = ?)
		AND c.status IN (`+ph+`) ORDER BY c.registered_at DESC, c.id DESC LIMIT 1`, args...))
	if err == sql.ErrNoRows {
		return c, false, nil
	}
	return c, err == nil, db.mapErr(err)
}

// ---- intake sources ----

// Intake source authentication.
const (
	IntakeHMAC   = "hmac"   // X-Kesu-Signature: sha256=HEX(HMAC-SHA256(secret, body))
	IntakeBearer = "bearer" // Authorization: Bearer SECRET
)

// IntakeSource is another system that posts complaints to
// /api/v1/intake/{Name}: a shop, a CRM, a regulator's transfer.
type IntakeSource struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Auth   string `json:"auth"` // hmac or bearer
	Secret string `json:"-"`
	// Channel is the intake channel of its complaints (api, regulator ...).
	Channel kesu.Channel `json:"channel"`
	// Mapping maps complaint fields (as in a CSV header: title,
	// customer.phone, external_id ...) to paths in the source's JSON
	// ("/order/id" or "order.id"). Fields not mapped are read from the
	// body's own field of the same name.
	Mapping   map[string]string `json:"mapping"`
	Active    bool              `json:"active"`
	CreatedAt time.Time         `json:"created_at"`
}

// CreateIntakeSource adds a source; the caller has validated the mapping.
func (db *DB) CreateIntakeSource(ctx context.Context, s IntakeSource, now time.Time) (IntakeSource, error) {
	s.Name = strings.TrimSpace(s.Name)
	switch {
	case !ValidChannelName(s.Name):
		return s, kesu.FieldError("name", "use 1 to 63 lowercase letters, digits, - or _")
	case s.Auth != IntakeHMAC && s.Auth != IntakeBearer:
		return s, kesu.FieldError("auth", "must be hmac or bearer")
	case len(s.Secret) < 16:
		return s, kesu.FieldError("secret", "must be at least 16 characters")
	}
	if s.Channel == "" {
		s.Channel = kesu.ChannelAPI
	}
	if s.Mapping == nil {
		s.Mapping = map[string]string{}
	}
	now = storedTime(now)
	s.Active, s.CreatedAt = true, now
	mapping, _ := json.Marshal(s.Mapping)
	err := db.tx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO intake_sources(name, auth, secret, channel, mapping, active, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, s.Name, s.Auth, s.Secret, string(s.Channel), string(mapping), true, micros(now))
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			return &kesu.Error{Code: kesu.EConflict, Field: "name", Message: "an intake source with this name exists"}
		}
		s.ID = id
		return err
	})
	return s, err
}

const intakeCols = `id, name, auth, secret, channel, mapping, active, created_at`

func scanIntakeSource(sc scanner) (IntakeSource, error) {
	var s IntakeSource
	var mapping string
	var at int64
	err := sc.Scan(&s.ID, &s.Name, &s.Auth, &s.Secret, &s.Channel, &mapping, &s.Active, &at)
	s.CreatedAt = fromMicros(at)
	if json.Unmarshal([]byte(mapping), &s.Mapping) != nil || s.Mapping == nil {
		s.Mapping = map[string]string{}
	}
	return s, err
}

// IntakeSources lists the sources by name.
func (db *DB) IntakeSources(ctx context.Context) ([]IntakeSource, error) {
	return list(ctx, db, scanIntakeSource, `SELECT `+intakeCols+` FROM intake_sources ORDER BY name`)
}

// IntakeSourceByName returns one source.
func (db *DB) IntakeSourceByName(ctx context.Context, name string) (IntakeSource, error) {
	s, err := scanIntakeSource(db.queryRow(ctx, `SELECT `+intakeCols+` FROM intake_sources WHERE name = ?`, name))
	if err == sql.ErrNoRows {
		return s, kesu.Errorf(kesu.ENotFound, "no intake source %q", name)
	}
	return s, db.mapErr(err)
}

// ---- hotline ----

// CallInfo describes the call a recording comes from.
type CallInfo struct {
	Caller     string     `json:"caller,omitempty"` // the calling number
	StartedAt  *time.Time `json:"started_at,omitempty"`
	DurationMS int64      `json:"duration_ms,omitempty"`
}

// Recording is a call recording: an audio attachment with its call.
type Recording struct {
	kesu.Attachment
	Recording bool `json:"recording"` // always true: marks the attachment as a call recording
	CallInfo
}

// AddRecording records an uploaded call recording (content already in file
// storage) on a complaint, with its attachment event, in one transaction.
func (db *DB) AddRecording(ctx context.Context, number string, a kesu.Attachment, call CallInfo, actor kesu.Actor, now time.Time) (Recording, error) {
	now = storedTime(now)
	call.Caller = kesu.NormalizePhone(call.Caller)
	if call.StartedAt != nil {
		t := storedTime(*call.StartedAt)
		call.StartedAt = &t
	}
	err := db.tx(ctx, func(tx *Tx) error {
		c, err := tx.lockComplaint(ctx, number)
		if err != nil {
			return err
		}
		ev, err := kesu.NewPost{Body: "📞 " + a.Filename, Visibility: kesu.VisibilityInternal}.Build(&c, actor, now)
		if err != nil {
			return err
		}
		ev.Type = kesu.EventAttachment
		ev.Data = map[string]any{"filename": a.Filename, "size": a.Size, "content_type": a.ContentType, "sha256": a.SHA256,
			"recording": true, "caller": call.Caller, "duration_ms": call.DurationMS}
		a.Visibility, a.ComplaintID, a.UploadedBy, a.UploadedAt = ev.Visibility, c.ID, actor.UserID, now
		if a.EventID, err = tx.insertEvent(ctx, ev); err != nil {
			return err
		}
		a.ID, err = tx.insert(ctx, `INSERT INTO attachments(complaint_id, event_id, filename, content_type, size, sha256,
			visibility, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ComplaintID, a.EventID, a.Filename, a.ContentType, a.Size, a.SHA256, string(a.Visibility),
			nullID(a.UploadedBy), micros(now))
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO call_recordings(attachment_id, complaint_id, caller, started_at, duration_ms)
			VALUES (?, ?, ?, ?, ?)`, a.ID, c.ID, call.Caller, nullMicros(call.StartedAt), call.DurationMS); err != nil {
			return err
		}
		ev.ID = a.EventID
		return tx.runEffects(ctx, Change{Before: &c, After: &c, Event: ev})
	})
	return Recording{Attachment: a, Recording: true, CallInfo: call}, err
}

// Recordings lists a complaint's call recordings, oldest first.
func (db *DB) Recordings(ctx context.Context, complaintID int64) ([]Recording, error) {
	cols := strings.ReplaceAll(attachmentCols, "id, complaint_id", "a.id, a.complaint_id")
	return list(ctx, db, func(s scanner) (Recording, error) {
		var r Recording
		var at int64
		var started sql.NullInt64
		err := s.Scan(&r.ID, &r.ComplaintID, &r.EventID, &r.Filename, &r.ContentType, &r.Size, &r.SHA256, &r.Visibility,
			&r.UploadedBy, &at, &r.Caller, &started, &r.DurationMS)
		r.UploadedAt, r.StartedAt, r.Recording = fromMicros(at), fromNullMicros(started), true
		return r, err
	}, `SELECT `+cols+`, r.caller, r.started_at, r.duration_ms FROM call_recordings r
		JOIN attachments a ON a.id = r.attachment_id WHERE r.complaint_id = ? ORDER BY a.id`, complaintID)
}

// CallerHistory is what the hotline sees when a number calls: the customers
// with that phone and their complaints, newest first.
type CallerHistory struct {
	Phone      string           `json:"phone"`
	Customers  []kesu.Customer  `json:"customers"`
	Complaints []kesu.Complaint `json:"complaints"`
}

// MaxCallerHistory caps the complaints a caller-ID lookup returns.
const MaxCallerHistory = 50

// LookupCaller finds the customers with the phone number and their newest
// complaints (at most MaxCallerHistory).
func (db *DB) LookupCaller(ctx context.Context, phone string) (CallerHistory, error) {
	h := CallerHistory{Phone: kesu.NormalizePhone(phone), Customers: []kesu.Customer{}, Complaints: []kesu.Complaint{}}
	probe := kesu.Customer{Phone: h.Phone}
	if h.Phone == "" {
		return h, kesu.FieldError("phone", "is required")
	}
	if err := probe.Validate(); err != nil {
		return h, kesu.FieldError("phone", "not a phone number")
	}
	var err error
	h.Customers, err = list(ctx, db, func(s scanner) (kesu.Customer, error) {
		var c kesu.Customer
		return c, s.Scan(&c.ID, &c.Name, &c.Phone, &c.Email, &c.WeChatID, &c.VIP)
	}, `SELECT id, name, phone, email, wechat_id, vip FROM customers WHERE phone = ? ORDER BY id`, h.Phone)
	if err != nil {
		return h, err
	}
	for _, cu := range h.Customers {
		page, err := db.Complaints(ctx, Filter{CustomerID: cu.ID, Limit: MaxCallerHistory})
		if err != nil {
			return h, err
		}
		h.Complaints = append(h.Complaints, page.Items...)
	}
	if len(h.Complaints) > MaxCallerHistory {
		h.Complaints = h.Complaints[:MaxCallerHistory]
	}
	return h, nil
}

// ---- channel health ----

// ChannelHealth is the state of one channel account (a mailbox, a WeChat
// account, an intake source) for the admin page.
type ChannelHealth struct {
	Channel       string     `json:"channel"`
	Account       string     `json:"account"`
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	LastErrorAt   *time.Time `json:"last_error_at,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	Successes     int64      `json:"successes"`
	Errors        int64      `json:"errors"`
	Backlog       int64      `json:"backlog"`     // items waiting to be handled
	Quarantined   int64      `json:"quarantined"` // items kept aside for an admin (unparseable mail ...)
	UpdatedAt     time.Time  `json:"updated_at"`
}

// maxHealthError bounds a stored error text.
const maxHealthError = 1000

// RecordChannelHealth notes one success or failure of a channel account;
// any channel calls it after each item or poll.
func (db *DB) RecordChannelHealth(ctx context.Context, channel, account string, ok bool, errText string, now time.Time) error {
	now = storedTime(now)
	if len(errText) > maxHealthError {
		errText = strings.ToValidUTF8(errText[:maxHealthError], "")
	}
	var q string
	var args []any
	if ok {
		q = `INSERT INTO channel_health(channel, account, last_success_at, successes, updated_at) VALUES (?, ?, ?, 1, ?)
			ON CONFLICT (channel, account) DO UPDATE SET last_success_at = excluded.last_success_at,
				successes = channel_health.successes + 1, updated_at = excluded.updated_at`
		args = []any{channel, account, micros(now), micros(now)}
	} else {
		q = `INSERT INTO channel_health(channel, account, last_error_at, last_error, errors, updated_at) VALUES (?, ?, ?, ?, 1, ?)
			ON CONFLICT (channel, account) DO UPDATE SET last_error_at = excluded.last_error_at,
				last_error = excluded.last_error, errors = channel_health.errors + 1, updated_at = excluded.updated_at`
		args = []any{channel, account, micros(now), errText, micros(now)}
	}
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, q, args...)
		return err
	})
}

// SetChannelBacklog records how many items of a channel account wait
// (backlog) and how many are quarantined.
func (db *DB) SetChannelBacklog(ctx context.Context, channel, account string, backlog, quarantined int64, now time.Time) error {
	now = storedTime(now)
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO channel_health(channel, account, backlog, quarantined, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (channel, account) DO UPDATE SET backlog = excluded.backlog, quarantined = excluded.quarantined,
				updated_at = excluded.updated_at`, channel, account, backlog, quarantined, micros(now))
		return err
	})
}

// ChannelHealths lists every channel account's health, including configured
// WeChat accounts and intake sources that have not been used yet, and the
// mailboxes of the email channel.
func (db *DB) ChannelHealths(ctx context.Context) ([]ChannelHealth, error) {
	out, err := list(ctx, db, func(s scanner) (ChannelHealth, error) {
		var h ChannelHealth
		var ok, bad sql.NullInt64
		var at int64
		err := s.Scan(&h.Channel, &h.Account, &ok, &bad, &h.LastError, &h.Successes, &h.Errors, &h.Backlog, &h.Quarantined, &at)
		h.LastSuccessAt, h.LastErrorAt, h.UpdatedAt = fromNullMicros(ok), fromNullMicros(bad), fromMicros(at)
		return h, err
	}, `SELECT channel, account, last_success_at, last_error_at, last_error, successes, errors, backlog, quarantined, updated_at
		FROM channel_health ORDER BY channel, account`)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, h := range out {
		seen[h.Channel+"\x00"+h.Account] = true
	}
	wx, err := db.WeChatAccounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range wx {
		if !seen["wechat\x00"+a.Name] {
			out = append(out, ChannelHealth{Channel: "wechat", Account: a.Name, UpdatedAt: a.CreatedAt})
		}
	}
	srcs, err := db.IntakeSources(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range srcs {
		if !seen["intake\x00"+s.Name] {
			out = append(out, ChannelHealth{Channel: "intake", Account: s.Name, UpdatedAt: s.CreatedAt})
		}
	}
	// Mailboxes keep their health with their accounts (email.go).
	mail, err := db.EmailHealth(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range mail {
		if !seen["email\x00"+m.Account] {
			out = append(out, ChannelHealth{Channel: "email", Account: m.Account, LastSuccessAt: m.LastSuccessAt,
				LastErrorAt: m.LastErrorAt, LastError: m.LastError, Backlog: int64(m.Backlog), Quarantined: int64(m.Quarantined)})
		}
	}
	return out, nil
}
