package kesu

import (
	"strings"
	"time"
	"unicode"
)

// EventType names what happened on a complaint's timeline.
type EventType string

const (
	EventCreated    EventType = "created"
	EventTransition EventType = "transition"
	EventNote       EventType = "note"    // internal note, never shown to the customer
	EventMessage    EventType = "message" // message to or from the customer
	EventUpdated    EventType = "updated" // classification or details changed
	EventAttachment EventType = "attachment"
	// SLA timers and extensions (package sla).
	EventSLAWarning EventType = "sla_warning" // a deadline is near (default 75% of its target)
	EventSLABreach  EventType = "sla_breach"  // a deadline passed unmet
	EventEscalated  EventType = "escalated"   // escalation level raised (督办)
	EventReminder   EventType = "reminder"    // 催办: repeats until the milestone is met
	EventExtended   EventType = "extended"    // 延期 requested, granted or decided
)

// Visibility decides whether the customer portal shows an event.
type Visibility string

const (
	VisibilityInternal Visibility = "internal"
	VisibilityCustomer Visibility = "customer"
)

// Event is one append-only row of a complaint's audit trail: who, when, what,
// before and after. Events are written in the same transaction as the change.
type Event struct {
	ID          int64          `json:"id"`
	ComplaintID int64          `json:"complaint_id"`
	At          time.Time      `json:"at"`
	ActorID     int64          `json:"actor_id,omitempty"`
	ActorRole   Role           `json:"actor_role"`
	ActorName   string         `json:"actor_name,omitempty"`
	Type        EventType      `json:"type"`
	Action      Action         `json:"action,omitempty"`
	FromStatus  Status         `json:"from_status,omitempty"`
	ToStatus    Status         `json:"to_status,omitempty"`
	Visibility  Visibility     `json:"visibility"`
	Body        string         `json:"body,omitempty"`
	Data        map[string]any `json:"data,omitempty"`
}

// NewEvent starts an event by actor at now.
func NewEvent(complaintID int64, t EventType, actor Actor, now time.Time, vis Visibility) Event {
	return Event{ComplaintID: complaintID, At: now, ActorID: actor.UserID, ActorRole: actor.Role,
		ActorName: actor.Name, Type: t, Visibility: vis}
}

// TransitionEvent records a Change made by Apply.
func TransitionEvent(c *Complaint, ch Change, actor Actor, now time.Time) Event {
	vis := VisibilityInternal
	if ch.Transition.CustomerVisible {
		vis = VisibilityCustomer
	}
	e := NewEvent(c.ID, EventTransition, actor, now, vis)
	e.Action, e.FromStatus, e.ToStatus = ch.Transition.Action, ch.From, ch.To
	if note, ok := ch.Details["note"].(string); ok {
		e.Body = note
	}
	if len(ch.Details) > 0 {
		e.Data = ch.Details
	}
	return e
}

// NewPost is a note or message added to a complaint.
type NewPost struct {
	Body string `json:"body"`
	// Visibility: "internal" makes a note, "customer" a message the customer sees.
	Visibility Visibility `json:"visibility"`
}

// Build validates the post and returns its event.
func (p NewPost) Build(c *Complaint, actor Actor, now time.Time) (Event, error) {
	body := strings.TrimSpace(p.Body)
	if body == "" {
		return Event{}, FieldError("body", "is required")
	}
	if err := checkText("body", body, MaxNote); err != nil {
		return Event{}, err
	}
	vis := p.Visibility
	switch {
	case vis == "" && actor.Role == RoleCustomer:
		vis = VisibilityCustomer
	case vis == "":
		vis = VisibilityInternal
	case vis != VisibilityInternal && vis != VisibilityCustomer:
		return Event{}, FieldError("visibility", "must be internal or customer")
	}
	if actor.Role == RoleCustomer && vis != VisibilityCustomer {
		return Event{}, FieldError("visibility", "a customer's message is always customer-visible")
	}
	if actor.Role == RoleAuditor || actor.Role == RoleAnalyst {
		return Event{}, Errorf(EForbidden, "role %s may not post on complaints", actor.Role)
	}
	if err := checkScope(c, actor); err != nil {
		return Event{}, err
	}
	t := EventNote
	if vis == VisibilityCustomer {
		t = EventMessage
	}
	e := NewEvent(c.ID, t, actor, now, vis)
	e.Body = body
	return e, nil
}

// Attachment is evidence kept with a complaint: a photo, a document, a call
// recording. Its content lives in file storage under its SHA-256.
type Attachment struct {
	ID          int64      `json:"id"`
	ComplaintID int64      `json:"complaint_id"`
	EventID     int64      `json:"event_id,omitempty"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	Visibility  Visibility `json:"visibility"`
	UploadedBy  int64      `json:"uploaded_by,omitempty"`
	UploadedAt  time.Time  `json:"uploaded_at"`
}

// CleanFilename keeps the base name of an uploaded file, safe to show.
func CleanFilename(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	// Control characters (C0, DEL and C1) and bidirectional controls are
	// dropped: the latter can disguise "invoice\u202egpj.exe" as "invoiceexe.jpg".
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}
