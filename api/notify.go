package api

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Notifications: webhook endpoints, the outbox delivery log and replay
// (administrators), and the caller's in-app notifications.

type (
	// NewWebhook subscribes a URL to complaint events. An empty secret is
	// generated; the secret is shown in this response only.
	NewWebhook struct {
		Name       string   `json:"name"`
		URL        string   `json:"url"`
		Secret     string   `json:"secret,omitempty"`
		EventTypes []string `json:"event_types,omitempty"` // default ["*"]
		Active     *bool    `json:"active,omitempty"`      // default true
	}
	WebhookList struct {
		Items []store.WebhookEndpoint `json:"items"`
	}
	OutboxList struct {
		Items []store.OutboxMessage `json:"items"`
		// NextBefore is the "before" parameter of the next page; 0 at the end.
		NextBefore int64 `json:"next_before,omitempty"`
	}
	OutboxDetail struct {
		Message  store.OutboxMessage `json:"message"`
		Attempts []store.Attempt     `json:"attempts"`
	}
	NotificationList struct {
		Items  []store.Notification `json:"items"`
		Unread int                  `json:"unread"`
	}
)

var outboxParams = []Param{
	{"status", "pending, sent or dead"},
	{"channel", "email, sms, webhook or inapp"},
	{"template", "template key, e.g. ack, status, message, otp, event"},
	{"complaint", "complaint number"},
	{"recipient", "address, phone, webhook endpoint id or user id"},
	{"before", "only messages with a smaller id (next_before of the previous page)"},
	{"limit", "page size, 1 to 1000 (default 100)"},
}

var notificationParams = []Param{
	{"unread", "1: only unread ones"},
	{"before", "only notifications with a smaller id"},
	{"limit", "page size, 1 to 200 (default 50)"},
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	list, err := s.db.Webhooks(r.Context())
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Secret = ""
	}
	writeJSON(w, http.StatusOK, WebhookList{Items: list})
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in NewWebhook
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.Secret == "" {
		b := make([]byte, 32)
		rand.Read(b)
		in.Secret = hex.EncodeToString(b)
	}
	ep, err := s.db.CreateWebhook(r.Context(), store.WebhookEndpoint{Name: in.Name, URL: in.URL, Secret: in.Secret,
		EventTypes: in.EventTypes, Active: in.Active == nil || *in.Active}, s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ep)
	return nil
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in store.WebhookPatch
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	ep, err := s.db.UpdateWebhook(r.Context(), id, in, s.clock.Now())
	if err != nil {
		return err
	}
	ep.Secret = ""
	writeJSON(w, http.StatusOK, ep)
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DeleteWebhook(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, kesu.FieldError(name, "must be a non-negative integer")
	}
	return n, nil
}

// redactOutbox hides one-time codes from the delivery log.
func redactOutbox(m *store.OutboxMessage) {
	if code, ok := m.Data["code"].(string); ok && code != "" {
		m.Data["code"] = "******"
	}
}

func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.OutboxFilter{Status: q.Get("status"), Channel: q.Get("channel"), Template: q.Get("template"),
		Recipient: q.Get("recipient")}
	switch f.Status {
	case "", "pending", "sent", "dead":
	default:
		return kesu.FieldError("status", "must be pending, sent or dead")
	}
	switch f.Channel {
	case "", "email", "sms", "webhook", "inapp":
	default:
		return kesu.FieldError("channel", "must be email, sms, webhook or inapp")
	}
	var err error
	if f.BeforeID, err = queryInt(r, "before"); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	if limit > 1000 {
		return kesu.FieldError("limit", "must be 1 to 1000")
	}
	f.Limit = int(limit)
	if number := q.Get("complaint"); number != "" {
		c, err := s.db.Complaint(r.Context(), number)
		if err != nil {
			return err
		}
		f.ComplaintID = c.ID
	}
	list, err := s.db.Outbox(r.Context(), f)
	if err != nil {
		return err
	}
	out := OutboxList{Items: list}
	for i := range list {
		redactOutbox(&list[i])
	}
	pageSize := f.Limit
	if pageSize == 0 {
		pageSize = 100
	}
	if len(list) == pageSize {
		out.NextBefore = list[len(list)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getOutbox(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.db.OutboxMessageByID(r.Context(), id)
	if err != nil {
		return err
	}
	attempts, err := s.db.OutboxAttempts(r.Context(), id)
	if err != nil {
		return err
	}
	redactOutbox(&m)
	writeJSON(w, http.StatusOK, OutboxDetail{Message: m, Attempts: attempts})
	return nil
}

func (s *Server) replayOutbox(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.db.OutboxMessageByID(r.Context(), id)
	if err != nil {
		return err
	}
	if m.Template == "otp" {
		// Its code was blanked when sent, and an old code must not be resent.
		return kesu.Errorf(kesu.EConflict, "one-time codes are not replayed; ask for a new code")
	}
	if m, err = s.db.ReplayOutbox(r.Context(), id, s.clock.Now()); err != nil {
		return err
	}
	redactOutbox(&m)
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) error {
	u := caller(r.Context())
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	if limit > 200 {
		return kesu.FieldError("limit", "must be 1 to 200")
	}
	unreadOnly := false
	switch r.URL.Query().Get("unread") {
	case "", "0", "false":
	case "1", "true":
		unreadOnly = true
	default:
		return kesu.FieldError("unread", "must be 1 or 0")
	}
	list, err := s.db.Notifications(r.Context(), u.ID, unreadOnly, before, int(limit))
	if err != nil {
		return err
	}
	unread, err := s.db.UnreadNotifications(r.Context(), u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, NotificationList{Items: list, Unread: unread})
	return nil
}

func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.MarkNotificationsRead(r.Context(), caller(r.Context()).ID, id, s.clock.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.MarkNotificationsRead(r.Context(), caller(r.Context()).ID, 0, s.clock.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
