package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// EmailAccount is a mailbox polled over IMAP. Password is never serialised.
type EmailAccount struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Address     string `json:"address"` // our address: the From of replies
	Host        string `json:"host"`
	Port        int    `json:"port"`
	Security    string `json:"security"` // tls, starttls or none
	Username    string `json:"username"`
	Password    string `json:"-"`
	Mailbox     string `json:"mailbox"`
	PollSeconds int    `json:"poll_seconds"`
	AutoReply   bool   `json:"auto_reply"`
	Active      bool   `json:"active"`
	// Position reached in the mailbox: messages up to LastUID of this
	// UIDValidity have been turned into complaints, posts or quarantine rows.
	UIDValidity   uint32     `json:"uid_validity"`
	LastUID       uint32     `json:"last_uid"`
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	LastErrorAt   *time.Time `json:"last_error_at,omitempty"`
	Backlog       int        `json:"backlog"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Validate checks and normalises an account.
func (a *EmailAccount) Validate() error {
	a.Name = strings.TrimSpace(a.Name)
	a.Address = strings.ToLower(strings.TrimSpace(a.Address))
	a.Host = strings.TrimSpace(a.Host)
	a.Username = strings.TrimSpace(a.Username)
	a.Mailbox = strings.TrimSpace(a.Mailbox)
	if a.Mailbox == "" {
		a.Mailbox = "INBOX"
	}
	if a.Security == "" {
		a.Security = "tls"
	}
	if a.Port == 0 {
		a.Port = 993
		if a.Security != "tls" {
			a.Port = 143
		}
	}
	if a.PollSeconds <= 0 {
		a.PollSeconds = 60
	}
	switch {
	case kesu.ValidateCode("name", a.Name) != nil:
		return kesu.ValidateCode("name", a.Name)
	case a.Address == "":
		return kesu.FieldError("address", "is required")
	case kesu.ValidateEmail("address", a.Address) != nil:
		return kesu.ValidateEmail("address", a.Address)
	case a.Host == "" || strings.ContainsAny(a.Host, " /\t\r\n"):
		return kesu.FieldError("host", "a host name is required")
	case a.Port < 1 || a.Port > 65535:
		return kesu.FieldError("port", "must be 1 to 65535")
	case a.Security != "tls" && a.Security != "starttls" && a.Security != "none":
		return kesu.FieldError("security", "must be tls, starttls or none")
	case a.Security == "none" && !loopbackHost(a.Host):
		// The password would cross the network in clear text.
		return kesu.FieldError("security", "none is only allowed for a server on this machine (localhost); use tls or starttls")
	case a.Username == "":
		return kesu.FieldError("username", "is required")
	case a.PollSeconds > 86400:
		return kesu.FieldError("poll_seconds", "at most 86400")
	}
	return nil
}

func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

const emailAccountCols = `id, name, address, host, port, security, username, password, mailbox, poll_seconds, auto_reply,
	active, uid_validity, last_uid, last_success_at, last_error, last_error_at, backlog, created_at, updated_at`

func scanEmailAccount(s scanner) (EmailAccount, error) {
	var a EmailAccount
	var success, errAt sql.NullInt64
	var validity, last int64
	var created, updated int64
	err := s.Scan(&a.ID, &a.Name, &a.Address, &a.Host, &a.Port, &a.Security, &a.Username, &a.Password, &a.Mailbox,
		&a.PollSeconds, &a.AutoReply, &a.Active, &validity, &last, &success, &a.LastError, &errAt, &a.Backlog,
		&created, &updated)
	a.UIDValidity, a.LastUID = uint32(validity), uint32(last)
	a.LastSuccessAt, a.LastErrorAt = fromNullMicros(success), fromNullMicros(errAt)
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	return a, err
}

// CreateEmailAccount adds a mailbox to poll.
func (db *DB) CreateEmailAccount(ctx context.Context, a EmailAccount, now time.Time) (EmailAccount, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	if a.Password == "" {
		return a, kesu.FieldError("password", "is required")
	}
	now = storedTime(now)
	a.CreatedAt, a.UpdatedAt = now, now
	err := db.tx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO email_accounts(name, address, host, port, security, username, password,
			mailbox, poll_seconds, auto_reply, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Name, a.Address, a.Host, a.Port, a.Security, a.Username, a.Password, a.Mailbox, a.PollSeconds,
			a.AutoReply, a.Active, micros(now), micros(now))
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			return &kesu.Error{Code: kesu.EConflict, Message: "an email account with this name exists", Field: "name"}
		}
		a.ID = id
		return err
	})
	return a, err
}

// EmailAccountPatch changes an account; nil fields stay.
type EmailAccountPatch struct {
	Address     *string `json:"address"`
	Host        *string `json:"host"`
	Port        *int    `json:"port"`
	Security    *string `json:"security"`
	Username    *string `json:"username"`
	Password    *string `json:"password"`
	Mailbox     *string `json:"mailbox"`
	PollSeconds *int    `json:"poll_seconds"`
	AutoReply   *bool   `json:"auto_reply"`
	Active      *bool   `json:"active"`
}

// UpdateEmailAccount applies a patch. Changing the host or mailbox starts
// over from the mailbox's current UIDVALIDITY (the poller re-reads it).
func (db *DB) UpdateEmailAccount(ctx context.Context, name string, p EmailAccountPatch, now time.Time) (EmailAccount, error) {
	now = storedTime(now)
	var a EmailAccount
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		a, err = scanEmailAccount(tx.queryRow(ctx, `SELECT `+emailAccountCols+` FROM email_accounts WHERE name = ?`, name))
		if err == sql.ErrNoRows {
			return kesu.Errorf(kesu.ENotFound, "no email account %q", name)
		} else if err != nil {
			return err
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&a.Address, p.Address)
		set(&a.Host, p.Host)
		set(&a.Security, p.Security)
		set(&a.Username, p.Username)
		set(&a.Password, p.Password)
		set(&a.Mailbox, p.Mailbox)
		if p.Port != nil {
			a.Port = *p.Port
		}
		if p.PollSeconds != nil {
			a.PollSeconds = *p.PollSeconds
		}
		if p.AutoReply != nil {
			a.AutoReply = *p.AutoReply
		}
		if p.Active != nil {
			a.Active = *p.Active
		}
		if err := a.Validate(); err != nil {
			return err
		}
		if a.Password == "" {
			return kesu.FieldError("password", "is required")
		}
		a.UpdatedAt = now
		_, err = tx.exec(ctx, `UPDATE email_accounts SET address = ?, host = ?, port = ?, security = ?, username = ?,
			password = ?, mailbox = ?, poll_seconds = ?, auto_reply = ?, active = ?, updated_at = ? WHERE id = ?`,
			a.Address, a.Host, a.Port, a.Security, a.Username, a.Password, a.Mailbox, a.PollSeconds, a.AutoReply,
			a.Active, micros(now), a.ID)
		return err
	})
	return a, err
}

// DeleteEmailAccount deactivates an account: its history (which messages
// came through it) stays.
func (db *DB) DeleteEmailAccount(ctx context.Context, name string, now time.Time) error {
	f := false
	_, err := db.UpdateEmailAccount(ctx, name, EmailAccountPatch{Active: &f}, now)
	return err
}

// EmailAccounts lists the accounts by name.
func (db *DB) EmailAccounts(ctx context.Context) ([]EmailAccount, error) {
	return list(ctx, db, scanEmailAccount, `SELECT `+emailAccountCols+` FROM email_accounts ORDER BY name`)
}

// EmailAccount returns one account by name.
func (db *DB) EmailAccount(ctx context.Context, name string) (EmailAccount, error) {
	a, err := scanEmailAccount(db.queryRow(ctx, `SELECT `+emailAccountCols+` FROM email_accounts WHERE name = ?`, name))
	if err == sql.ErrNoRows {
		return a, kesu.Errorf(kesu.ENotFound, "no email account %q", name)
	}
	return a, db.mapErr(err)
}

// ResetEmailPosition records a mailbox whose UIDVALIDITY changed (or was
// never seen): polling restarts from its first message. Messages already
// taken in are recognised by their content key and not taken twice.
func (db *DB) ResetEmailPosition(ctx context.Context, accountID int64, uidValidity uint32, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error {
		// updated_at stays: it marks changes of settings, which restart the poller.
		_, err := tx.exec(ctx, `UPDATE email_accounts SET uid_validity = ?, last_uid = 0 WHERE id = ?`,
			int64(uidValidity), accountID)
		return err
	})
}

// RecordEmailPoll notes the outcome of one poll for the channel's health:
// success (errText empty) with the messages still waiting, or a failure.
func (db *DB) RecordEmailPoll(ctx context.Context, accountID int64, errText string, backlog int, now time.Time) error {
	now = storedTime(now)
	return db.tx(ctx, func(tx *Tx) error {
		var err error
		if errText == "" {
			_, err = tx.exec(ctx, `UPDATE email_accounts SET last_success_at = ?, backlog = ? WHERE id = ?`,
				micros(now), backlog, accountID)
		} else {
			if len(errText) > 1000 {
				errText = errText[:1000]
			}
			_, err = tx.exec(ctx, `UPDATE email_accounts SET last_error = ?, last_error_at = ? WHERE id = ?`,
				errText, micros(now), accountID)
		}
		return err
	})
}

// EmailSource is where an inbound message came from: a mailbox position
// (AccountID and UID not zero) or a file fed in by an administrator.
type EmailSource struct {
	AccountID   int64
	UIDValidity uint32
	UID         uint32
}

// advance moves the account's position past src.UID in the same
// transaction as what the message became.
func (tx *Tx) advance(ctx context.Context, src EmailSource) error {
	if src.AccountID == 0 || src.UID == 0 {
		return nil
	}
	_, err := tx.exec(ctx, `UPDATE email_accounts SET last_uid = ? WHERE id = ? AND uid_validity = ? AND last_uid < ?`,
		int64(src.UID), src.AccountID, int64(src.UIDValidity), int64(src.UID))
	return err
}

// InboundEmail is a parsed message to take in.
type InboundEmail struct {
	Source     EmailSource
	ContentKey string // identity of the message: the same message arriving again is recognised by it
	MessageID  string // without angle brackets; may be empty
	// Thread candidates: Message-IDs from In-Reply-To and References, most
	// recent first; a complaint number found in the subject, trusted only
	// when the sender is the complaint's customer.
	ThreadIDs     []string
	SubjectNumber string
	FromAddress   string
	Complaint     kesu.NewComplaint // registered when the message starts a new thread
	Body          string            // the customer's message when it answers a complaint
	Attachments   []kesu.Attachment // content already in file storage
	Customer      kesu.Actor
	// Ack, when set, is the auto-reply for a new complaint; it is sent only
	// if the sender got fewer than AckLimit of them within AckWindow.
	// It returns the message and its Message-ID (recorded for threading).
	Ack       func(c *kesu.Complaint) (OutboxMessage, string)
	AckLimit  int
	AckWindow time.Duration
}

// InboundResult is what a message became.
type InboundResult struct {
	Complaint kesu.Complaint
	Created   bool  // a new complaint was registered
	Replayed  bool  // the message had been taken in before; nothing changed
	EventID   int64 // the customer's message on an existing complaint
	Acked     bool  // an auto-reply was queued
}

// TakeEmail turns an inbound message into a complaint or a customer message
// on the complaint it answers, with its attachments, its Message-ID, the
// auto-reply and the mailbox position, all in one transaction: a crash at
// any point leaves either all of it or none, and the same message taken in
// again (same content key) changes nothing.
func (db *DB) TakeEmail(ctx context.Context, in InboundEmail, now time.Time) (InboundResult, error) {
	now = storedTime(now)
	if in.ContentKey == "" {
		return InboundResult{}, kesu.FieldError("content_key", "missing")
	}
	if prior, found, err := db.emailReplay(ctx, db, in.ContentKey); found || err != nil {
		if found && in.Source.UID != 0 {
			err = db.tx(ctx, func(tx *Tx) error { return tx.advance(ctx, in.Source) })
		}
		return prior, err
	}
	var res InboundResult
	var reserved kesu.Complaint
	for attempt := 0; attempt < 2; attempt++ {
		err := db.tx(ctx, func(tx *Tx) error {
			res = InboundResult{}
			if prior, found, err := db.emailReplay(ctx, tx, in.ContentKey); found || err != nil {
				res = prior
				if err == nil {
					err = tx.advance(ctx, in.Source)
				}
				return err
			}
			target, err := tx.emailThread(ctx, in)
			if err != nil {
				return err
			}
			if target == 0 {
				if reserved.Number == "" && db.dialect == dialectPostgres {
					return errNeedNumber
				}
				return tx.takeNewEmail(ctx, in, reserved, now, &res)
			}
			return tx.takeEmailReply(ctx, in, target, now, &res)
		})
		if err == errNeedNumber {
			// PostgreSQL numbers are reserved outside the intake transaction
			// (docs/decisions.md); then the transaction runs again.
			c, err := in.Complaint.Build(now, in.Customer)
			if err != nil {
				return InboundResult{}, err
			}
			if err := db.reserveNumber(ctx, &c); err != nil {
				return InboundResult{}, err
			}
			reserved = c
			continue
		}
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			// Another process took the same message in at the same moment.
			if prior, found, e := db.emailReplay(ctx, db, in.ContentKey); found && e == nil {
				return prior, nil
			}
		}
		return res, err
	}
	return res, kesu.Errorf(kesu.EInternal, "could not reserve a complaint number")
}

var errNeedNumber = &kesu.Error{Code: kesu.EInternal, Message: "complaint number needed"}

// emailReplay finds what an earlier intake of the same message made.
func (db *DB) emailReplay(ctx context.Context, r rowReader, key string) (InboundResult, bool, error) {
	var complaintID int64
	var eventID sql.NullInt64
	err := r.queryRow(ctx, `SELECT complaint_id, event_id FROM email_messages WHERE content_key = ?`, key).Scan(&complaintID, &eventID)
	if err == sql.ErrNoRows {
		return InboundResult{}, false, nil
	} else if err != nil {
		return InboundResult{}, false, db.mapErr(err)
	}
	c, err := r.complaintByID(ctx, complaintID)
	return InboundResult{Complaint: c, Replayed: true, EventID: eventID.Int64}, true, err
}

// emailThread finds the complaint a message answers: one whose messages
// (sent or received) carry a Message-ID the message refers to, or the
// complaint numbered in the subject when the sender is its customer.
func (tx *Tx) emailThread(ctx context.Context, in InboundEmail) (int64, error) {
	for _, id := range in.ThreadIDs {
		if id == "" {
			continue
		}
		var cid int64
		err := tx.queryRow(ctx, `SELECT complaint_id FROM email_messages WHERE message_id = ? ORDER BY id DESC LIMIT 1`, id).Scan(&cid)
		if err == nil {
			return cid, nil
		} else if err != sql.ErrNoRows {
			return 0, err
		}
	}
	if in.SubjectNumber != "" && in.FromAddress != "" {
		var cid int64
		err := tx.queryRow(ctx, `SELECT c.id FROM complaints c JOIN customers cu ON cu.id = c.customer_id
			WHERE c.number = ? AND cu.email = ?`, in.SubjectNumber, strings.ToLower(in.FromAddress)).Scan(&cid)
		if err == nil {
			return cid, nil
		} else if err != sql.ErrNoRows {
			return 0, err
		}
	}
	return 0, nil
}

func (tx *Tx) takeNewEmail(ctx context.Context, in InboundEmail, reserved kesu.Complaint, now time.Time, res *InboundResult) error {
	c, err := in.Complaint.Build(now, in.Customer)
	if err != nil {
		return err
	}
	c.Number = reserved.Number
	c.CreatedBy = 0
	if err := tx.insertComplaint(ctx, &c, in.Customer, intakeDocOf(&c)); err != nil {
		return err
	}
	if err := tx.recordInbound(ctx, in, c.ID, 0, now); err != nil {
		return err
	}
	if err := tx.attachAll(ctx, &c, in, now); err != nil {
		return err
	}
	res.Complaint, res.Created = c, true
	// The acknowledgement: the effects of registration (package notify) may
	// have queued a plain one under AckKey already. The email channel owns
	// it for mail: threaded to the customer's message and marked automatic,
	// or withdrawn when answering would risk a mail loop.
	allowed := false
	if in.Ack != nil && c.Customer.Email != "" {
		if allowed, err = tx.allowAutoReply(ctx, c.Customer.Email, in.AckLimit, in.AckWindow, now); err != nil {
			return err
		}
	}
	if !allowed {
		if _, err := tx.exec(ctx, `DELETE FROM outbox WHERE idempotency_key = ? AND status = 'pending'`, AckKey(c.ID)); err != nil {
			return err
		}
		return tx.advance(ctx, in.Source)
	}
	m, msgID := in.Ack(&c)
	m.IdempotencyKey = AckKey(c.ID)
	if err := tx.putOutbox(ctx, m, now); err != nil {
		return err
	}
	if msgID != "" {
		if err := tx.RecordEmailSent(ctx, c.ID, 0, msgID, now); err != nil {
			return err
		}
	}
	res.Acked = true
	return tx.advance(ctx, in.Source)
}

func (tx *Tx) takeEmailReply(ctx context.Context, in InboundEmail, complaintID int64, now time.Time, res *InboundResult) error {
	var number string
	if err := tx.queryRow(ctx, `SELECT number FROM complaints WHERE id = ?`, complaintID).Scan(&number); err != nil {
		return err
	}
	c, err := tx.lockComplaint(ctx, number)
	if err != nil {
		return err
	}
	if c.Status == kesu.StatusMerged && c.DuplicateOf != "" {
		// The conversation continues on the complaint this one was merged into.
		if c, err = tx.lockComplaint(ctx, c.DuplicateOf); err != nil {
			return err
		}
	}
	body := in.Body
	if strings.TrimSpace(body) == "" {
		body = "(" + in.Complaint.Title + ")"
	}
	ev, err := kesu.NewPost{Body: body, Visibility: kesu.VisibilityCustomer}.Build(&c, in.Customer, now)
	if err != nil {
		return err
	}
	ev.Data = map[string]any{"channel": "email"}
	if in.MessageID != "" {
		ev.Data["message_id"] = in.MessageID
	}
	if ev.ID, err = tx.insertEvent(ctx, ev); err != nil {
		return err
	}
	if err := tx.runEffects(ctx, Change{Before: &c, After: &c, Event: ev}); err != nil {
		return err
	}
	if err := tx.recordInbound(ctx, in, c.ID, ev.ID, now); err != nil {
		return err
	}
	if err := tx.attachAll(ctx, &c, in, now); err != nil {
		return err
	}
	if c.Status == kesu.StatusAwaitingCustomer {
		// The customer answered what was asked: the lifecycle's customer_reply.
		before := c
		change, err := kesu.Apply(&c, kesu.Command{Action: kesu.ActionCustomerReply, Note: "email"}, in.Customer, now, kesu.DefaultRules)
		if err == nil {
			if err := tx.saveComplaint(ctx, &c); err != nil {
				return err
			}
			tev := kesu.TransitionEvent(&c, change, in.Customer, now)
			if tev.ID, err = tx.insertEvent(ctx, tev); err != nil {
				return err
			}
			if err := tx.runEffects(ctx, Change{Before: &before, After: &c, Event: tev}); err != nil {
				return err
			}
		}
	}
	res.Complaint, res.EventID = c, ev.ID
	return tx.advance(ctx, in.Source)
}

func (tx *Tx) recordInbound(ctx context.Context, in InboundEmail, complaintID, eventID int64, now time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO email_messages(message_id, complaint_id, event_id, direction, content_key, account_id, created_at)
		VALUES (?, ?, ?, 'in', ?, ?, ?)`, in.MessageID, complaintID, nullID(eventID), in.ContentKey,
		nullID(in.Source.AccountID), micros(now))
	return err
}

func (tx *Tx) attachAll(ctx context.Context, c *kesu.Complaint, in InboundEmail, now time.Time) error {
	for _, a := range in.Attachments {
		a.Visibility = kesu.VisibilityCustomer
		if _, err := tx.addAttachment(ctx, c, a, in.Customer, now); err != nil {
			return err
		}
	}
	return nil
}

// AckKey is the outbox idempotency key of a complaint's acknowledgement to
// the customer, shared by every writer of it so that it is sent once.
func AckKey(complaintID int64) string { return "ack:" + strconv.FormatInt(complaintID, 10) }

// putOutbox queues m or, when its key is queued and not yet sent, replaces
// that message's recipient, template and data.
func (tx *Tx) putOutbox(ctx context.Context, m OutboxMessage, now time.Time) error {
	if m.Locale == "" {
		m.Locale = "zh-CN"
	}
	data, err := json.Marshal(m.Data)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO outbox(channel, recipient, template, locale, complaint_id, data,
		idempotency_key, status, attempts, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
		ON CONFLICT (idempotency_key) DO UPDATE SET recipient = excluded.recipient, template = excluded.template,
			data = excluded.data WHERE outbox.status = 'pending'`,
		m.Channel, m.Recipient, m.Template, m.Locale, nullID(m.ComplaintID), string(data),
		m.IdempotencyKey, micros(now), micros(now))
	return err
}

// allowAutoReply counts an auto-reply to sender and reports whether it is
// within the limit: at most limit replies per window, so that two robots
// answering each other stop after a few messages.
func (tx *Tx) allowAutoReply(ctx context.Context, sender string, limit int, window time.Duration, now time.Time) (bool, error) {
	if limit <= 0 {
		limit = 3
	}
	if window <= 0 {
		window = time.Hour
	}
	var start int64
	var n int
	err := tx.queryRow(ctx, `SELECT window_start, replies FROM email_senders WHERE address = ?`, sender).Scan(&start, &n)
	switch {
	case err == sql.ErrNoRows:
		_, err = tx.exec(ctx, `INSERT INTO email_senders(address, window_start, replies) VALUES (?, ?, 1)`, sender, micros(now))
		return err == nil, err
	case err != nil:
		return false, err
	case micros(now)-start >= window.Microseconds():
		_, err = tx.exec(ctx, `UPDATE email_senders SET window_start = ?, replies = 1 WHERE address = ?`, micros(now), sender)
		return err == nil, err
	case n >= limit:
		return false, nil
	}
	_, err = tx.exec(ctx, `UPDATE email_senders SET replies = replies + 1 WHERE address = ?`, sender)
	return err == nil, err
}

// EmailThreadIDs returns the Message-IDs of a complaint's email
// conversation, oldest first (at most the last 20), for the References of a
// reply; the last inbound one is what the reply answers.
func (tx *Tx) EmailThreadIDs(ctx context.Context, complaintID int64) (ids []string, lastInbound string, err error) {
	rows, err := tx.query(ctx, `SELECT message_id, direction FROM email_messages WHERE complaint_id = ? AND message_id <> ''
		ORDER BY id DESC LIMIT 20`, complaintID)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var id, dir string
		if err := rows.Scan(&id, &dir); err != nil {
			return nil, "", err
		}
		if dir == "in" && lastInbound == "" {
			lastInbound = id
		}
		ids = append([]string{id}, ids...)
	}
	return ids, lastInbound, rows.Err()
}

// RecordEmailSent notes the Message-ID of a message we send about a
// complaint, so that the customer's answer threads back to it.
func (tx *Tx) RecordEmailSent(ctx context.Context, complaintID, eventID int64, messageID string, now time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO email_messages(message_id, complaint_id, event_id, direction, created_at)
		VALUES (?, ?, ?, 'out', ?)`, messageID, complaintID, nullID(eventID), micros(storedTime(now)))
	return err
}

// EmailFromAddress is the address replies are sent from: the first active
// account's ("" when there is none).
func (tx *Tx) EmailFromAddress(ctx context.Context) (string, error) {
	var addr string
	err := tx.queryRow(ctx, `SELECT address FROM email_accounts WHERE active = ? ORDER BY id LIMIT 1`, true).Scan(&addr)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return addr, err
}

// RecordEmailSent is Tx.RecordEmailSent in a transaction of its own.
func (db *DB) RecordEmailSent(ctx context.Context, complaintID, eventID int64, messageID string, now time.Time) error {
	return db.tx(ctx, func(tx *Tx) error { return tx.RecordEmailSent(ctx, complaintID, eventID, messageID, now) })
}

// ComplaintByID returns a complaint by its id.
func (db *DB) ComplaintByID(ctx context.Context, id int64) (kesu.Complaint, error) {
	return db.complaintByID(ctx, id)
}

// QuarantinedEmail is a message that could not be taken in, kept raw.
type QuarantinedEmail struct {
	ID         int64     `json:"id"`
	AccountID  int64     `json:"account_id,omitempty"`
	UID        uint32    `json:"uid,omitempty"`
	ContentKey string    `json:"content_key"`
	Size       int       `json:"size"`
	Error      string    `json:"error"`
	Status     string    `json:"status"` // held, released
	Complaint  string    `json:"complaint,omitempty"`
	Attempts   int       `json:"attempts"`
	ReceivedAt time.Time `json:"received_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Raw        []byte    `json:"-"`
}

// QuarantineEmail keeps a message that could not be taken in, and moves
// the mailbox position past it in the same transaction: it is never lost
// and never blocks the messages after it. The same message again only
// counts another attempt.
func (db *DB) QuarantineEmail(ctx context.Context, src EmailSource, key string, raw []byte, reason string, now time.Time) (QuarantinedEmail, error) {
	now = storedTime(now)
	if len(reason) > 2000 {
		reason = reason[:2000]
	}
	var q QuarantinedEmail
	err := db.tx(ctx, func(tx *Tx) error {
		var id int64
		err := tx.queryRow(ctx, `INSERT INTO email_quarantine(account_id, uid, content_key, raw, error, status, attempts, received_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'held', 1, ?, ?)
			ON CONFLICT (content_key) DO UPDATE SET error = excluded.error, attempts = email_quarantine.attempts + 1,
				updated_at = excluded.updated_at
			RETURNING id`, nullID(src.AccountID), int64(src.UID), key, raw, reason, micros(now), micros(now)).Scan(&id)
		if err != nil {
			return err
		}
		if err := tx.advance(ctx, src); err != nil {
			return err
		}
		q, err = scanQuarantine(tx.queryRow(ctx, quarantineSelect+` WHERE q.id = ?`, id))
		return err
	})
	return q, err
}

const quarantineSelect = `SELECT q.id, COALESCE(q.account_id, 0), q.uid, q.content_key, q.raw, q.error, q.status,
	COALESCE(c.number, ''), q.attempts, q.received_at, q.updated_at FROM email_quarantine q
	LEFT JOIN complaints c ON c.id = q.complaint_id`

func scanQuarantine(s scanner) (QuarantinedEmail, error) {
	var q QuarantinedEmail
	var uid, received, updated int64
	err := s.Scan(&q.ID, &q.AccountID, &uid, &q.ContentKey, &q.Raw, &q.Error, &q.Status, &q.Complaint, &q.Attempts,
		&received, &updated)
	q.UID, q.Size = uint32(uid), len(q.Raw)
	q.ReceivedAt, q.UpdatedAt = fromMicros(received), fromMicros(updated)
	return q, err
}

// Quarantine lists quarantined messages, newest first; status "held" (the
// default) or "released" or "all".
func (db *DB) Quarantine(ctx context.Context, status string, limit int) ([]QuarantinedEmail, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := quarantineSelect
	var args []any
	switch status {
	case "", "held":
		q += ` WHERE q.status = 'held'`
	case "released":
		q += ` WHERE q.status = 'released'`
	case "all":
	default:
		return nil, kesu.FieldError("status", "must be held, released or all")
	}
	args = append(args, limit)
	out, err := list(ctx, db, scanQuarantine, q+` ORDER BY q.id DESC LIMIT ?`, args...)
	for i := range out {
		out[i].Raw = nil // listed without the content; QuarantinedByID has it
	}
	return out, err
}

// QuarantinedByID returns one quarantined message with its raw content.
func (db *DB) QuarantinedByID(ctx context.Context, id int64) (QuarantinedEmail, error) {
	q, err := scanQuarantine(db.queryRow(ctx, quarantineSelect+` WHERE q.id = ?`, id))
	if err == sql.ErrNoRows {
		return q, kesu.Errorf(kesu.ENotFound, "no quarantined message %d", id)
	}
	return q, db.mapErr(err)
}

// ReleaseQuarantined marks a quarantined message as taken in (as complaint
// complaintID), or records another failed attempt when reason is not empty.
func (db *DB) ReleaseQuarantined(ctx context.Context, id, complaintID int64, reason string, now time.Time) error {
	now = storedTime(now)
	return db.tx(ctx, func(tx *Tx) error {
		var res sql.Result
		var err error
		if reason != "" {
			res, err = tx.exec(ctx, `UPDATE email_quarantine SET attempts = attempts + 1, error = ?, updated_at = ? WHERE id = ?`,
				reason, micros(now), id)
		} else {
			res, err = tx.exec(ctx, `UPDATE email_quarantine SET status = 'released', complaint_id = ?, attempts = attempts + 1,
				updated_at = ? WHERE id = ?`, nullID(complaintID), micros(now), id)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return kesu.Errorf(kesu.ENotFound, "no quarantined message %d", id)
		}
		return nil
	})
}

// EmailHealth is one account's state for the channel health page.
type EmailHealth struct {
	Account       string     `json:"account"`
	Active        bool       `json:"active"`
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	LastErrorAt   *time.Time `json:"last_error_at,omitempty"`
	Backlog       int        `json:"backlog"`
	Quarantined   int        `json:"quarantined"`
}

// EmailHealth reports every account's last success, last error, backlog
// and held quarantine (messages not tied to an account count under "").
func (db *DB) EmailHealth(ctx context.Context) ([]EmailHealth, error) {
	accounts, err := db.EmailAccounts(ctx)
	if err != nil {
		return nil, err
	}
	counts := map[int64]int{}
	rows, err := db.query(ctx, `SELECT COALESCE(account_id, 0), COUNT(*) FROM email_quarantine WHERE status = 'held' GROUP BY COALESCE(account_id, 0)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []EmailHealth{}
	for _, a := range accounts {
		out = append(out, EmailHealth{Account: a.Name, Active: a.Active, LastSuccessAt: a.LastSuccessAt,
			LastError: a.LastError, LastErrorAt: a.LastErrorAt, Backlog: a.Backlog, Quarantined: counts[a.ID]})
	}
	if n := counts[0]; n > 0 {
		out = append(out, EmailHealth{Account: "", Quarantined: n})
	}
	return out, nil
}
