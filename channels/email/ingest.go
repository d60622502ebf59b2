package email

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/store"
)

// Ingester takes messages in: the IMAP poller, `kesu ingest email` and the
// quarantine's retry all go through Take.
type Ingester struct {
	DB    *store.DB
	Files *files.Dir
	Clock kesu.Clock
	// MaxAttachment caps one attachment (default 20 MiB).
	MaxAttachment int64
	// AutoReply enables the acknowledgement with the number (default on;
	// accounts can turn it off).
	AutoReply bool
	// AckLimit auto-replies per sender per AckWindow (default 3 per hour).
	AckLimit  int
	AckWindow time.Duration
	// Domain of the Message-IDs we make when no account gives one.
	Domain string
}

// Result is what one message became.
type Result struct {
	Complaint   *kesu.Complaint         `json:"complaint,omitempty"`
	Created     bool                    `json:"created"`
	Replayed    bool                    `json:"replayed"`
	EventID     int64                   `json:"event_id,omitempty"`
	AutoReplied bool                    `json:"auto_replied"`
	Quarantined *store.QuarantinedEmail `json:"quarantined,omitempty"`
}

// Take turns one raw message into a complaint, a customer message on the
// complaint it answers, or a quarantine row; src is its mailbox position
// (zero for a file). An error means nothing was recorded and the message
// must be offered again (the database was unavailable).
func (in *Ingester) Take(ctx context.Context, raw []byte, src store.EmailSource, account *store.EmailAccount) (Result, error) {
	now := in.Clock.Now()
	key := ContentKey(raw)
	msg, err := Parse(raw)
	if err != nil {
		return in.quarantine(ctx, src, key, raw, err.Error(), now)
	}
	ie, notes, err := in.inbound(msg, src, key)
	if err != nil {
		return in.quarantine(ctx, src, key, raw, err.Error(), now)
	}
	if len(notes) > 0 {
		ie.Complaint.Description = appendNotes(ie.Complaint.Description, notes)
		ie.Body = appendNotes(ie.Body, notes)
	}
	autoReply := in.AutoReply && (account == nil || account.AutoReply)
	if reason := NoAutoReply(msg); autoReply && reason == "" {
		from := ""
		if account != nil {
			from = account.Address
		}
		ie.Ack = in.ack(msg, from)
		ie.AckLimit, ie.AckWindow = in.AckLimit, in.AckWindow
	}
	res, err := in.DB.TakeEmail(ctx, ie, now)
	if err != nil {
		switch kesu.ErrorCodeOf(err) {
		case kesu.EInvalid, kesu.ETooLarge, kesu.ENotFound, kesu.EForbidden:
			// The message itself is at fault (an address kesu refuses ...):
			// keep it for an administrator rather than retry forever.
			return in.quarantine(ctx, src, key, raw, kesu.ErrorMessageOf(err)+fieldSuffix(err), now)
		}
		return Result{}, err
	}
	c := res.Complaint
	return Result{Complaint: &c, Created: res.Created, Replayed: res.Replayed, EventID: res.EventID, AutoReplied: res.Acked}, nil
}

func fieldSuffix(err error) string {
	if f := kesu.ErrorFieldOf(err); f != "" {
		return " (" + f + ")"
	}
	return ""
}

func (in *Ingester) quarantine(ctx context.Context, src store.EmailSource, key string, raw []byte, reason string, now time.Time) (Result, error) {
	q, err := in.DB.QuarantineEmail(ctx, src, key, raw, reason, now)
	if err != nil {
		return Result{}, err
	}
	return Result{Quarantined: &q}, nil
}

// inbound builds the store's view of a parsed message, saving its
// attachments to file storage first (content-addressed, so a retry saves
// nothing twice). notes name attachments that could not be kept.
func (in *Ingester) inbound(m *Message, src store.EmailSource, key string) (store.InboundEmail, []string, error) {
	title := StripReplyPrefix(m.Subject)
	desc := m.Text
	if desc == "" {
		desc = title
	}
	if desc == "" {
		desc = "（见附件 see attachments）"
	}
	desc = truncateRunes(desc, kesu.MaxDescription-200)
	name := m.From.Name
	if name == "" || strings.Contains(name, "@") {
		name = m.From.Email[:strings.IndexByte(m.From.Email, '@')]
	}
	name = truncateRunes(name, 100)
	ie := store.InboundEmail{
		Source:        src,
		ContentKey:    key,
		MessageID:     m.MessageID,
		ThreadIDs:     threadIDs(m),
		SubjectNumber: SubjectNumber(m.Subject),
		FromAddress:   m.From.Email,
		Complaint: kesu.NewComplaint{
			Kind:        kesu.KindComplaint,
			Channel:     kesu.ChannelEmail,
			Title:       truncateRunes(title, kesu.MaxTitle),
			Description: desc,
			Customer:    kesu.Customer{Name: name, Email: m.From.Email},
		},
		Body:     truncateRunes(m.Text, kesu.MaxNote-200),
		Customer: kesu.Actor{Role: kesu.RoleCustomer, Name: name},
	}
	if !m.Date.IsZero() && m.Date.Before(in.Clock.Now()) {
		d := m.Date
		ie.Complaint.OccurredAt = &d
	}
	var notes []string
	max := in.MaxAttachment
	if max == 0 {
		max = 20 << 20
	}
	for _, p := range m.Parts {
		name := kesu.CleanFilename(p.Filename)
		if in.Files == nil {
			notes = append(notes, name)
			continue
		}
		st, err := in.Files.Save(bytes.NewReader(p.Data), max, name)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s (%s)", name, kesu.ErrorMessageOf(err)))
			continue
		}
		ie.Attachments = append(ie.Attachments, kesu.Attachment{Filename: name, ContentType: st.ContentType,
			Size: st.Size, SHA256: st.SHA256})
	}
	return ie, notes, nil
}

// appendNotes tells the reader which attachments were not kept, so none
// disappears silently.
func appendNotes(text string, notes []string) string {
	return strings.TrimSpace(text + "\n\n[未保存的附件 attachments not kept: " + strings.Join(notes, "; ") + "]")
}

func threadIDs(m *Message) []string {
	ids := append([]string{}, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	return ids
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

var replyPrefix = regexp.MustCompile(`(?i)^\s*((re|fw|fwd|aw|sv|antw|答复|回复|回覆|转发|轉寄|转寄)\s*(\[\d+\])?\s*[:：]\s*)+`)

// StripReplyPrefix removes "Re:", "Fwd:", "回复：" and the like.
func StripReplyPrefix(s string) string {
	return strings.TrimSpace(replyPrefix.ReplaceAllString(s, ""))
}

var numberInSubject = regexp.MustCompile(`[\[【]\s*([A-Za-z0-9][A-Za-z0-9_-]{4,38}[0-9])\s*[\]】]`)

// SubjectNumber returns a complaint number written in brackets in a
// subject ("[TS20261123000001]" or "【TS20261123000001】"), the last one if
// several; "" if none. Only tokens with at least six digits count, so list
// tags such as "[SLAT-talk]" do not.
func SubjectNumber(subject string) string {
	found := ""
	for _, m := range numberInSubject.FindAllStringSubmatch(subject, -1) {
		digits := 0
		for _, r := range m[1] {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits >= 6 {
			found = m[1]
		}
	}
	return found
}

// NoAutoReply says why a message must not be answered automatically ("" if
// it may be): it was itself automatic, came from a list or bulk sender, or
// from an address that nobody reads. Answering those makes mail loops.
func NoAutoReply(m *Message) string {
	h := m.Header
	if v := strings.ToLower(strings.TrimSpace(string(h.Get("Auto-Submitted")))); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	switch v := strings.ToLower(strings.TrimSpace(string(h.Get("Precedence")))); v {
	case "bulk", "list", "junk", "auto_reply":
		return "Precedence: " + v
	}
	for _, f := range []string{"List-Id", "List-Unsubscribe", "List-Post", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "Feedback-ID"} {
		if h.Has(f) {
			if f == "X-Auto-Response-Suppress" {
				v := strings.ToLower(string(h.Get(f)))
				if !strings.Contains(v, "all") && !strings.Contains(v, "autoreply") && !strings.Contains(v, "oof") {
					continue
				}
			}
			return f
		}
	}
	if rp := h.Get("Return-Path"); rp != nil && strings.TrimSpace(string(rp)) == "<>" {
		return "empty Return-Path (a bounce)"
	}
	local := m.From.Email
	if i := strings.IndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	local = strings.ReplaceAll(strings.ReplaceAll(local, "-", ""), "_", "")
	for _, robot := range []string{"noreply", "donotreply", "mailerdaemon", "postmaster", "bounce", "listserv", "majordomo", "autoreply", "notification"} {
		if strings.HasPrefix(local, robot) || strings.HasSuffix(local, robot) {
			return "sender " + m.From.Email + " is an automatic address"
		}
	}
	return ""
}

// ack builds the auto-reply for a new complaint: the "ack" template with
// the number in the subject, threaded to the customer's message and marked
// as automatic so that the customer's own robots do not answer it.
func (in *Ingester) ack(m *Message, from string) func(c *kesu.Complaint) (store.OutboxMessage, string) {
	return func(c *kesu.Complaint) (store.OutboxMessage, string) {
		msgID := in.messageID(from, "ack."+c.Number)
		headers := map[string]any{"Message-Id": "<" + msgID + ">", "Auto-Submitted": "auto-replied",
			"X-Auto-Response-Suppress": "All"}
		if m.MessageID != "" {
			headers["In-Reply-To"] = "<" + m.MessageID + ">"
			headers["References"] = references(append(m.References, m.MessageID))
		}
		data := map[string]any{"number": c.Number, "headers": headers}
		if from != "" {
			data["from"] = from
		}
		return store.OutboxMessage{Channel: "email", Recipient: c.Customer.Email, Template: "ack",
			ComplaintID: c.ID, Data: data, IdempotencyKey: store.AckKey(c.ID)}, msgID
	}
}

// messageID makes a Message-ID in the domain of our address.
func (in *Ingester) messageID(from, local string) string {
	return makeMessageID(from, in.Domain, local)
}

func makeMessageID(from, fallbackDomain, local string) string {
	domain := fallbackDomain
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	if domain == "" {
		domain = "kesu.invalid"
	}
	return "kesu." + local + "@" + domain
}

// references renders a References header from oldest to newest, keeping
// the first and the last ids when there are many (RFC 5322 3.6.4).
func references(ids []string) string {
	if len(ids) > 10 {
		ids = append(ids[:1:1], ids[len(ids)-9:]...)
	}
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			parts = append(parts, "<"+id+">")
		}
	}
	return strings.Join(parts, " ")
}

// Retry feeds quarantined message id through intake again. When it now
// becomes a complaint or message, the quarantine row is released; when it
// fails again, the row records another attempt and the result says why.
func Retry(ctx context.Context, in *Ingester, id int64) (Result, error) {
	q, err := in.DB.QuarantinedByID(ctx, id)
	if err != nil {
		return Result{}, err
	}
	if q.Status != "held" {
		return Result{}, kesu.Errorf(kesu.EConflict, "quarantined message %d was already taken in as %s", id, q.Complaint)
	}
	res, err := in.Take(ctx, q.Raw, store.EmailSource{AccountID: q.AccountID}, nil)
	if err != nil {
		return res, err
	}
	if res.Quarantined != nil {
		return res, nil // Take counted the attempt
	}
	if err := in.DB.ReleaseQuarantined(ctx, id, res.Complaint.ID, "", in.Clock.Now()); err != nil {
		return res, err
	}
	return res, nil
}
