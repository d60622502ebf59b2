package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// The customer portal has no accounts: a customer proves they filed a
// complaint with its number plus a one-time code sent to the phone or email
// on file, and then holds a short-lived session on that one complaint. Codes,
// sessions and rate-limit counters live here, so several kesu processes can
// serve one portal.

// PortalLimits bound the one-time code flow.
type PortalLimits struct {
	CodeTTL      time.Duration // how long a code can be used (10 minutes)
	CodeAttempts int           // wrong guesses before a code is dead
	SessionTTL   time.Duration // how long a verified customer stays signed in
	Window       time.Duration // the rate limits' fixed window
	// Per window: codes asked for one complaint number, codes asked from one
	// client address, codes actually sent to one phone or email, and code
	// checks from one client address.
	CodesPerNumber, CodesPerClient, CodesPerRecipient, VerifiesPerClient int
}

// DefaultPortalLimits are used for zero fields.
var DefaultPortalLimits = PortalLimits{
	CodeTTL: 10 * time.Minute, CodeAttempts: 5, SessionTTL: 30 * time.Minute, Window: time.Hour,
	CodesPerNumber: 5, CodesPerClient: 20, CodesPerRecipient: 8, VerifiesPerClient: 30,
}

func (l PortalLimits) withDefaults() PortalLimits {
	d := DefaultPortalLimits
	if l.CodeTTL > 0 {
		d.CodeTTL = l.CodeTTL
	}
	if l.CodeAttempts > 0 {
		d.CodeAttempts = l.CodeAttempts
	}
	if l.SessionTTL > 0 {
		d.SessionTTL = l.SessionTTL
	}
	if l.Window > 0 {
		d.Window = l.Window
	}
	for _, p := range []struct{ dst, src *int }{{&d.CodesPerNumber, &l.CodesPerNumber},
		{&d.CodesPerClient, &l.CodesPerClient}, {&d.CodesPerRecipient, &l.CodesPerRecipient},
		{&d.VerifiesPerClient, &l.VerifiesPerClient}} {
		if *p.src > 0 {
			*p.dst = *p.src
		}
	}
	return d
}

// CodeRequest asks for a one-time code for a complaint number.
type CodeRequest struct {
	Number string
	Client string // the client's address, for the per-client limit
	Locale string // of the message: zh-CN or en
}

// NormalizeNumber trims and upper-cases a complaint number typed by a
// customer and checks its shape (not its existence).
func NormalizeNumber(number string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(number))
	if n == "" {
		return "", kesu.FieldError("number", "is required")
	}
	if len(n) > 64 {
		return "", kesu.FieldError("number", "is not a complaint number")
	}
	for _, r := range n {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '/') {
			return "", kesu.FieldError("number", "is not a complaint number")
		}
	}
	return n, nil
}

// RequestPortalCode makes a one-time code for req.Number and, when such a
// complaint exists and its customer can be reached, enqueues it to the phone
// (sms) or else the email on file (template "otp", data code and number).
// The work done and the answer are the same whether or not the number
// exists; limited reports that the number or the client asked too often.
func (db *DB) RequestPortalCode(ctx context.Context, req CodeRequest, lim PortalLimits, now time.Time) (limited bool, err error) {
	lim = lim.withDefaults()
	now = storedTime(now)
	number, err := NormalizeNumber(req.Number)
	if err != nil {
		return false, err
	}
	code, err := randomDigits(6)
	if err != nil {
		return false, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return false, err
	}
	err = db.tx(ctx, func(tx *Tx) error {
		limited = false
		for _, k := range []struct {
			key   string
			limit int
		}{{"code:n:" + number, lim.CodesPerNumber}, {"code:ip:" + req.Client, lim.CodesPerClient}} {
			ok, err := tx.rateHit(ctx, k.key, k.limit, lim.Window, now)
			if err != nil {
				return err
			}
			if !ok {
				limited = true
				return nil
			}
		}
		var id int64
		var phone, email string
		err := tx.queryRow(ctx, `SELECT c.id, COALESCE(cu.phone, ''), COALESCE(cu.email, '') FROM complaints c
			LEFT JOIN customers cu ON cu.id = c.customer_id WHERE c.number = ?`, number).Scan(&id, &phone, &email)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		codeID, err := tx.insert(ctx, `INSERT INTO portal_codes(number, complaint_id, code_hash, salt, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, number, nullID(id), codeHash(salt, number, code), salt,
			micros(now), micros(now.Add(lim.CodeTTL)))
		if err != nil {
			return err
		}
		channel, to := "sms", phone
		if to == "" {
			channel, to = "email", email
		}
		// A phone or address shared by several complaints is not flooded; the
		// customer is not told, so this limit reveals nothing either. An
		// unknown number counts against a key of its own, so that both cases
		// do the same writes but the message.
		key := "code:to:" + to
		if to == "" {
			key = "code:none:" + number
		}
		if ok, err := tx.rateHit(ctx, key, lim.CodesPerRecipient, lim.Window, now); err != nil || !ok || to == "" {
			return err // nobody to send to (unknown number, messaging-only customer): nothing is said about it
		}
		return tx.Enqueue(ctx, OutboxMessage{Channel: channel, Recipient: to, Template: "otp", Locale: req.Locale,
			ComplaintID: id, Data: map[string]any{"code": code, "number": number,
				"expires_at": now.Add(lim.CodeTTL).Format(time.RFC3339Nano)}, // not sent once the code is dead
			IdempotencyKey: fmt.Sprintf("otp:%d", codeID)}, now)
	})
	return limited, err
}

// CodeCheck is a customer's attempt to verify a code.
type CodeCheck struct {
	Number, Code, Client string
}

// PortalSession is a verified customer's session on one complaint.
type PortalSession struct {
	Token       string // the cookie value; only its hash is stored
	ComplaintID int64
	ExpiresAt   time.Time
}

// VerifyPortalCode checks a code against the latest one asked for the
// number. On success the code is used up and a session is opened; a wrong,
// expired, used-up or unknown code is one and the same field error, and
// every check counts against the code's attempts.
func (db *DB) VerifyPortalCode(ctx context.Context, chk CodeCheck, lim PortalLimits, now time.Time) (s PortalSession, limited bool, err error) {
	lim = lim.withDefaults()
	now = storedTime(now)
	wrong := kesu.FieldError("code", "the code is wrong or has expired")
	number, err := NormalizeNumber(chk.Number)
	if err != nil {
		return s, false, err
	}
	code := strings.TrimSpace(chk.Code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return s, false, kesu.FieldError("code", "enter the 6 digits of the code")
	}
	token, hash := newPortalToken()
	ok := false
	err = db.tx(ctx, func(tx *Tx) error {
		ok, limited = false, false
		allowed, err := tx.rateHit(ctx, "verify:ip:"+chk.Client, lim.VerifiesPerClient, lim.Window, now)
		if err != nil {
			return err
		}
		if !allowed {
			limited = true
			return nil
		}
		var id, expires int64
		var complaintID sql.NullInt64
		var stored, salt []byte
		var attempts int
		var used sql.NullInt64
		q := `SELECT id, complaint_id, code_hash, salt, expires_at, attempts, used_at FROM portal_codes
			WHERE number = ? ORDER BY id DESC LIMIT 1`
		if tx.db.dialect == dialectPostgres {
			// Concurrent guesses queue on the row, so none slips past the
			// attempt limit (SQLite's single writer serialises them anyway).
			q += ` FOR UPDATE`
		}
		err = tx.queryRow(ctx, q, number).Scan(&id, &complaintID, &stored, &salt, &expires, &attempts, &used)
		if err == sql.ErrNoRows {
			return nil
		} else if err != nil {
			return err
		}
		if used.Valid || expires <= micros(now) || attempts >= lim.CodeAttempts {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE portal_codes SET attempts = attempts + 1 WHERE id = ?`, id); err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(stored, codeHash(salt, number, code)) != 1 || !complaintID.Valid {
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE portal_codes SET used_at = ? WHERE id = ?`, micros(now), id); err != nil {
			return err
		}
		s = PortalSession{Token: token, ComplaintID: complaintID.Int64, ExpiresAt: now.Add(lim.SessionTTL)}
		_, err = tx.exec(ctx, `INSERT INTO portal_sessions(token_hash, complaint_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			hash, s.ComplaintID, micros(now), micros(s.ExpiresAt))
		ok = err == nil
		return err
	})
	switch {
	case err != nil:
		return PortalSession{}, false, err
	case limited:
		return PortalSession{}, true, nil
	case !ok:
		return PortalSession{}, false, wrong
	}
	return s, false, nil
}

// PortalSessionOf returns the live session with the given token.
func (db *DB) PortalSessionOf(ctx context.Context, token string, now time.Time) (PortalSession, error) {
	none := kesu.Errorf(kesu.EUnauthorized, "the session has ended; verify with a new code")
	hash, ok := portalTokenHash(token)
	if !ok {
		return PortalSession{}, none
	}
	var s PortalSession
	var expires int64
	err := db.queryRow(ctx, `SELECT complaint_id, expires_at FROM portal_sessions WHERE token_hash = ? AND expires_at > ?`,
		hash, micros(now)).Scan(&s.ComplaintID, &expires)
	if err == sql.ErrNoRows {
		return PortalSession{}, none
	} else if err != nil {
		return PortalSession{}, db.mapErr(err)
	}
	s.Token, s.ExpiresAt = token, fromMicros(expires)
	return s, nil
}

// EndPortalSession signs the customer out.
func (db *DB) EndPortalSession(ctx context.Context, token string) error {
	hash, ok := portalTokenHash(token)
	if !ok {
		return nil
	}
	return db.tx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM portal_sessions WHERE token_hash = ?`, hash)
		return err
	})
}

// PortalAllow counts one hit of key in the current window and reports
// whether it is within limit (the portal limits submissions per client).
func (db *DB) PortalAllow(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, error) {
	var ok bool
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		ok, err = tx.rateHit(ctx, key, limit, window, storedTime(now))
		return err
	})
	return ok, err
}

// rateHit counts a hit of key in its fixed window and reports whether the
// count is still within limit.
func (tx *Tx) rateHit(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, error) {
	start := now.UnixMicro() - now.UnixMicro()%window.Microseconds()
	var hits int
	err := tx.queryRow(ctx, `INSERT INTO portal_rate(key, window_start, hits) VALUES (?, ?, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = portal_rate.hits + 1 RETURNING hits`, key, start).Scan(&hits)
	if err != nil {
		return false, tx.db.mapErr(err)
	}
	return hits <= limit, nil
}

// SweepPortal deletes expired sessions, codes and old rate counters.
func (db *DB) SweepPortal(ctx context.Context, now time.Time) error {
	cut := micros(now.Add(-24 * time.Hour))
	return db.tx(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`DELETE FROM portal_sessions WHERE expires_at < ?`,
			`DELETE FROM portal_codes WHERE expires_at < ?`,
			`DELETE FROM portal_rate WHERE window_start < ?`,
		} {
			arg := cut
			if strings.Contains(q, "sessions") {
				arg = micros(now)
			}
			if _, err := tx.exec(ctx, q, arg); err != nil {
				return err
			}
		}
		return nil
	})
}

// PortalKey returns the portal's signing key (for CSRF tokens), made once
// and shared by every process serving the database.
func (db *DB) PortalKey(ctx context.Context, now time.Time) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var key []byte
	err := db.tx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO portal_keys(id, secret, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`,
			fresh, micros(now)); err != nil {
			return err
		}
		return tx.queryRow(ctx, `SELECT secret FROM portal_keys WHERE id = 1`).Scan(&key)
	})
	return key, err
}

func codeHash(salt []byte, number, code string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(number + "\x00" + code))
	return h.Sum(nil)
}

// randomDigits returns n uniformly random decimal digits.
func randomDigits(n int) (string, error) {
	limit := big.NewInt(1)
	for range n {
		limit.Mul(limit, big.NewInt(10))
	}
	v, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", n, v), nil
}

func newPortalToken() (token string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, h[:]
}

func portalTokenHash(token string) ([]byte, bool) {
	if len(token) != 43 {
		return nil, false
	}
	h := sha256.Sum256([]byte(token))
	return h[:], true
}

// CustomerComplaint is what the portal may show a customer of their
// complaint: none of the internal classification, handling or staff fields.
type CustomerComplaint struct {
	Number              string
	Status              kesu.Status
	Title               string
	Description         string
	Category            string // code
	CustomerName        string
	Expectation         kesu.Expectation
	Proposal            *kesu.Proposal
	Resolution          string
	RejectReason        string
	Recourse            kesu.Recourse
	Satisfaction        int
	SatisfactionComment string
	RegisteredAt        time.Time
	ResolvedAt          *time.Time
	ClosedAt            *time.Time
}

// CustomerEvent is one customer-visible entry of the timeline.
type CustomerEvent struct {
	At           time.Time
	Type         kesu.EventType
	Action       kesu.Action
	ToStatus     kesu.Status
	ByCustomer   bool // written by the customer (or on their word)
	Body         string
	Satisfaction int
	Proposal     *kesu.Proposal
	Attachment   *kesu.Attachment
}

// CustomerView is the tracking page's content.
type CustomerView struct {
	Complaint   CustomerComplaint
	Events      []CustomerEvent
	Attachments []kesu.Attachment
	// Actions are the lifecycle actions a customer may take now.
	Actions []kesu.Action
}

// CustomerView reads what the customer of complaint id may see: only
// customer-visible events and attachments.
func (db *DB) CustomerView(ctx context.Context, complaintID int64, now time.Time, rules kesu.Rules) (CustomerView, error) {
	c, err := db.complaintByID(ctx, complaintID)
	if err != nil {
		return CustomerView{}, err
	}
	evs, err := db.Events(ctx, complaintID, true)
	if err != nil {
		return CustomerView{}, err
	}
	atts, err := db.Attachments(ctx, complaintID, true)
	if err != nil {
		return CustomerView{}, err
	}
	byEvent := map[int64]*kesu.Attachment{}
	for i := range atts {
		byEvent[atts[i].EventID] = &atts[i]
	}
	v := CustomerView{Attachments: atts,
		Actions: kesu.AllowedActions(&c, kesu.Actor{Role: kesu.RoleCustomer}, now, rules),
		Complaint: CustomerComplaint{Number: c.Number, Status: c.Status, Title: c.Title, Description: c.Description,
			Category: c.Category, CustomerName: c.Customer.Name, Expectation: c.Expectation, Proposal: c.Proposal,
			Resolution: c.Resolution, RejectReason: c.RejectReason, Recourse: c.Recourse, Satisfaction: c.Satisfaction,
			SatisfactionComment: c.SatisfactionComment, RegisteredAt: c.RegisteredAt, ResolvedAt: c.ResolvedAt,
			ClosedAt: c.ClosedAt}}
	for _, e := range evs {
		if e.Visibility != kesu.VisibilityCustomer || e.Type == kesu.EventNote {
			continue // belt and braces: the query already keeps customer-visible events only
		}
		ce := CustomerEvent{At: e.At, Type: e.Type, Action: e.Action, ToStatus: e.ToStatus,
			ByCustomer: e.ActorRole == kesu.RoleCustomer, Body: e.Body, Attachment: byEvent[e.ID]}
		if s, ok := e.Data["satisfaction"].(float64); ok {
			ce.Satisfaction = int(s)
		}
		if e.Action == kesu.ActionPropose {
			if p, ok := e.Data["proposal"].(map[string]any); ok {
				ce.Proposal = proposalOf(p)
			}
		}
		if e.Type == kesu.EventAttachment {
			ce.Body = "" // the attachment itself is shown
		}
		v.Events = append(v.Events, ce)
	}
	return v, nil
}

func proposalOf(m map[string]any) *kesu.Proposal {
	var p kesu.Proposal
	if r, ok := m["remedy"].(string); ok {
		p.Remedy = kesu.Remedy(r)
	}
	if a, ok := m["amount"].(string); ok {
		p.Amount, _ = kesu.ParseMoney(a)
	}
	if d, ok := m["description"].(string); ok {
		p.Description = d
	}
	return &p
}
