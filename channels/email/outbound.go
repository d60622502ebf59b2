package email

import (
	"context"
	"strconv"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Outbound sends what agents write to the customer of an email
// conversation back by email, threaded: the number in the subject (the
// "message" template puts it there) and Message-ID, In-Reply-To and
// References so that the customer's answer comes back to the same
// complaint. Register Effect with db.AddEffect.
type Outbound struct {
	// Domain of our Message-IDs when no email account gives one.
	Domain string
}

// Effect queues the email in the transaction of the message itself.
func (o Outbound) Effect(ctx context.Context, tx *store.Tx, ch store.Change) error {
	ev := ch.Event
	if ev.Type != kesu.EventMessage || ev.Visibility != kesu.VisibilityCustomer ||
		ev.ActorRole == kesu.RoleCustomer || ch.After == nil || ch.After.Customer.Email == "" {
		return nil
	}
	c := ch.After
	ids, lastIn, err := tx.EmailThreadIDs(ctx, c.ID)
	if err != nil {
		return err
	}
	if c.Channel != kesu.ChannelEmail && len(ids) == 0 {
		return nil // not an email conversation: other channels notify it their way
	}
	from, err := tx.EmailFromAddress(ctx)
	if err != nil {
		return err
	}
	msgID := makeMessageID(from, o.Domain, "msg."+c.Number+"."+strconv.FormatInt(ev.ID, 10))
	headers := map[string]any{"Message-Id": "<" + msgID + ">"}
	if lastIn != "" {
		headers["In-Reply-To"] = "<" + lastIn + ">"
	}
	if len(ids) > 0 {
		headers["References"] = references(ids)
	}
	data := map[string]any{"number": c.Number, "body": ev.Body, "headers": headers}
	if from != "" {
		data["from"] = from
	}
	if err := tx.RecordEmailSent(ctx, c.ID, ev.ID, msgID, ev.At); err != nil {
		return err
	}
	return tx.Enqueue(ctx, store.OutboxMessage{Channel: "email", Recipient: c.Customer.Email, Template: "message",
		ComplaintID: c.ID, Data: data, IdempotencyKey: "email:message:" + strconv.FormatInt(ev.ID, 10)}, ev.At)
}
