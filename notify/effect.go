package notify

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Event types the SLA engine writes (kesu.EventSLAWarning ...), by name so
// that this package reads any event type.
const (
	evSLAWarning = "sla_warning"
	evSLABreach  = "sla_breach"
	evEscalated  = "escalated"
	evReminder   = "reminder"
)

// MessageKey is the idempotency key of the email that carries the
// customer-visible staff message with event id: shared with the email
// channel, so that one message is never mailed twice.
func MessageKey(eventID int64) string { return "email:message:" + strconv.FormatInt(eventID, 10) }

// historic is how far in the past a registration may lie and still be
// acknowledged: a historic import is not news to its customer.
const historic = 24 * time.Hour

// Effect writes the outbox messages a change causes, in its transaction:
//   - every event: one webhook message per endpoint subscribed to its type;
//   - registration: the acknowledgement to the customer, by email, or by SMS
//     to a customer who left only a mobile number (customerAddress);
//   - customer-visible status changes and staff messages to the customer:
//     the same way (internal notes never);
//   - dispatch, assignment and SLA events (warning, breach, escalation,
//     reminder): in-app notifications for the staff concerned.
//
// Idempotency keys derive from the event id, so an effect that runs again
// for the same event queues nothing new.
func (n *Notifier) Effect(ctx context.Context, tx *store.Tx, ch store.Change) error {
	ev, c := ch.Event, ch.After
	if c == nil || ev.ID == 0 {
		return nil
	}
	now := ev.At
	evKey := "ev:" + strconv.FormatInt(ev.ID, 10)
	if err := tx.EnqueueWebhooks(ctx, string(ev.Type), string(ev.Action), c.ID, evKey+":wh:",
		func() map[string]any { return webhookData(ev, c) }, now); err != nil {
		return err
	}

	if channel, to := customerAddress(c.Customer); channel != "" && ev.ActorRole != kesu.RoleCustomer {
		m := store.OutboxMessage{Channel: channel, Recipient: to, ComplaintID: c.ID, Locale: "zh-CN"}
		// Keys of the email messages predate SMS and stay as they were.
		suffix := ":" + channel
		switch {
		case ch.Created():
			if c.RegisteredAt.Before(now.Add(-historic)) {
				break
			}
			m.Template, m.IdempotencyKey = "ack", "ack:"+strconv.FormatInt(c.ID, 10)
			if channel == "sms" {
				m.IdempotencyKey += suffix
			}
		case ev.Type == kesu.EventTransition && ev.Visibility == kesu.VisibilityCustomer:
			m.Template, m.IdempotencyKey = "status", evKey+suffix
			m.Data = map[string]any{"status": string(ev.ToStatus)}
			if ev.Body != "" {
				m.Data["note"] = ev.Body
			}
		case ev.Type == kesu.EventMessage && ev.Visibility == kesu.VisibilityCustomer:
			if channel == "sms" {
				m.Template, m.IdempotencyKey = "message", evKey+suffix
				m.Data = map[string]any{"body": ev.Body}
				break
			}
			// An email conversation is answered, threaded, by the email
			// channel (channels/email Outbound) under the same key; this
			// covers complaints that came by any other way.
			ids, _, err := tx.EmailThreadIDs(ctx, c.ID)
			if err != nil {
				return err
			}
			if c.Channel == kesu.ChannelEmail || len(ids) > 0 {
				break
			}
			m.Template, m.IdempotencyKey = "message", MessageKey(ev.ID)
			m.Data = map[string]any{"body": ev.Body}
			if h, ok := ev.Data["email_headers"].(map[string]any); ok {
				m.Data["headers"] = h
			}
		}
		if m.Template != "" {
			if err := tx.Enqueue(ctx, m, now); err != nil {
				return err
			}
		}
	}

	kind, users, err := n.staffConcerned(ctx, tx, ch)
	if err != nil {
		return err
	}
	for _, uid := range users {
		data := map[string]any{}
		if ev.Body != "" {
			data["note"] = ev.Body
		}
		if kind == evEscalated {
			data["escalation"] = c.Escalation // the level reached by this event
		}
		if err := tx.Enqueue(ctx, store.OutboxMessage{Channel: "inapp", Recipient: strconv.FormatInt(uid, 10),
			Template: kind, ComplaintID: c.ID, Data: data,
			IdempotencyKey: evKey + ":inapp:" + strconv.FormatInt(uid, 10)}, now); err != nil {
			return err
		}
	}
	if b := ch.Before; b != nil && c.AssigneeID != 0 && c.AssigneeID != b.AssigneeID && c.AssigneeID != ev.ActorID &&
		!slices.Contains(users, c.AssigneeID) {
		if err := tx.Enqueue(ctx, store.OutboxMessage{Channel: "inapp", Recipient: strconv.FormatInt(c.AssigneeID, 10),
			Template: "assigned", ComplaintID: c.ID,
			IdempotencyKey: evKey + ":inapp:" + strconv.FormatInt(c.AssigneeID, 10)}, now); err != nil {
			return err
		}
	}
	return nil
}

// staffConcerned decides which staff get an in-app notification for the
// change, and its template. The SLA engine may name users itself in the
// event's data ("notify_user_ids": [ids]).
func (n *Notifier) staffConcerned(ctx context.Context, tx *store.Tx, ch store.Change) (string, []int64, error) {
	ev, c := ch.Event, ch.After
	var kind string
	var ids []int64
	add := func(more ...int64) {
		for _, id := range more {
			if id != 0 && id != ev.ActorID && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	staff := func(dept int64, roles ...kesu.Role) error {
		more, err := tx.StaffIDs(ctx, dept, roles)
		add(more...)
		return err
	}
	switch t := string(ev.Type); {
	case ev.Type == kesu.EventTransition && ev.Action == kesu.ActionDispatch && c.DepartmentID != 0:
		kind = "dispatched"
		if err := staff(c.DepartmentID, kesu.RoleHandler, kesu.RoleDeptHead); err != nil {
			return "", nil, err
		}
	case t == evSLAWarning || t == evSLABreach || t == evEscalated || t == evReminder:
		kind = t
		switch {
		case c.AssigneeID != 0:
			add(c.AssigneeID)
		case c.DepartmentID != 0:
			if err := staff(c.DepartmentID, kesu.RoleHandler, kesu.RoleDeptHead); err != nil {
				return "", nil, err
			}
		default:
			if err := staff(0, kesu.RoleSupervisor, kesu.RoleAgent); err != nil {
				return "", nil, err
			}
		}
		if t == evEscalated || t == evSLABreach {
			// Escalation levels: 1 supervisor, 2 department head, 3 executive.
			if c.Escalation >= 1 {
				if err := staff(0, kesu.RoleSupervisor); err != nil {
					return "", nil, err
				}
			}
			if c.Escalation >= 2 && c.DepartmentID != 0 {
				if err := staff(c.DepartmentID, kesu.RoleDeptHead); err != nil {
					return "", nil, err
				}
			}
			if c.Escalation >= 3 {
				if err := staff(0, kesu.RoleAdmin); err != nil {
					return "", nil, err
				}
			}
		}
	default:
		return "", nil, nil
	}
	if named, ok := ev.Data["notify_user_ids"].([]any); ok {
		for _, v := range named {
			switch id := v.(type) {
			case float64:
				add(int64(id))
			case int64:
				add(id)
			}
		}
	}
	if named, ok := ev.Data["notify_user_ids"].([]int64); ok {
		add(named...)
	}
	return kind, ids, nil
}

// webhookData is what a webhook receives about an event: the event and a
// summary of the complaint (no customer contact details).
func webhookData(ev kesu.Event, c *kesu.Complaint) map[string]any {
	summary := map[string]any{
		"id": c.ID, "number": c.Number, "status": c.Status, "kind": c.Kind, "channel": c.Channel,
		"title": c.Title, "level": c.Level, "priority": c.Priority, "category": c.Category,
		"department": c.Department, "assignee_id": c.AssigneeID, "escalation": c.Escalation,
		"registered_at": c.RegisteredAt.UTC(), "updated_at": c.UpdatedAt.UTC(),
	}
	return map[string]any{"type": string(ev.Type), "action": string(ev.Action), "event": ev, "complaint": summary}
}

// customerAddress is how the customer hears from kesu: email when they gave
// an address, else an SMS to a mobile number (a hotline caller often leaves
// nothing else), else not at all. One channel only, so nobody gets every
// message twice.
func customerAddress(cu kesu.Customer) (channel, to string) {
	switch {
	case cu.Email != "":
		return "email", cu.Email
	case kesu.IsMobile(cu.Phone):
		return "sms", cu.Phone
	}
	return "", ""
}
