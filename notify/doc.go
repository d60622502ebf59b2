// Package notify delivers kesu's transactional outbox: email over SMTP, SMS
// through an HTTP gateway, signed webhooks, and in-app notifications for
// staff. Messages are written to the outbox in the same transaction as their
// cause (Notifier.Effect, or store's Enqueue), and delivered at least once by
// Notifier.Run.
//
// # Delivery
//
// A worker claims due messages with a lease (store.ClaimOutbox: FOR UPDATE
// SKIP LOCKED on PostgreSQL, so several processes share the work; the single
// writer on SQLite). Claiming counts the attempt and moves the message's due
// time to the end of the lease, so a worker that dies between sending and
// marking the message sent leaves it due again: it is sent again with the
// same idempotency key, never lost. Failures are retried with exponential
// backoff (30 s doubling to 6 h, with jitter) up to MaxAttempts, then the
// message is dead; an administrator sees every attempt in the delivery log
// and can replay a message (POST /api/v1/outbox/{id}/replay). Permanent
// failures (SMTP 5xx for the recipient or content, HTTP 410 from a webhook,
// HTTP 4xx from the SMS gateway, a bad address) go dead at once. In-app
// notifications are written in the transaction that marks their message
// sent: exactly once.
//
// The worker sleeps until the next message is due; an enqueue in the same
// process wakes it after its transaction commits (store.DB.OnOutbox). A
// bounded poll (PollEvery, 30 s) picks up messages enqueued by other
// processes. Channels without configuration (no SMTP, no SMS gateway) are
// not claimed: their messages wait, visible in the log, until configured.
//
// # Message data
//
// Templates ("ack", "status", "message", "otp", and for in-app "dispatched",
// "assigned", "sla_warning", "sla_breach", "escalated", "reminder") exist in
// zh-CN and en; "ack", "status" and "message" have a short SMS form
// ("ack_sms" ...), used for a customer who left a mobile number and no email.
// All are rendered at send time from the database, so an
// acknowledgement names the handler or department and the promised
// resolution time as they are when it leaves. Keys of OutboxMessage.Data:
//
//	number   complaint number, for messages without ComplaintID (otp)
//	code     the one-time code (template otp); blanked in the stored data once sent
//	body     the text of a "message" email
//	note     a reason or comment shown in status emails and in-app notifications
//	status   the status a "status" email announces (default: the current one)
//	subject  replaces the rendered subject; the complaint number is prefixed
//	         when missing (the email channel matches replies by it)
//	from     the sender address of an email (default the SMTP From; its
//	         display name is kept when from has none)
//	headers  extra email headers, an object of name to one-line string:
//	         Message-ID, In-Reply-To, References, Reply-To, Auto-Submitted
//	         and any X-* header. Others are refused (the message is dead).
//
// Every email carries X-Kesu-Idempotency-Key (the outbox key), a Message-ID
// derived from that key (MessageID: the same on every resend, so a repeat
// shows once), X-Kesu-Complaint, and for complaint mail References and
// In-Reply-To pointing at the complaint's thread root ThreadID(number,
// domain), so that all mail about one complaint threads together. Data
// "headers" override these. A staff message event may carry
// Data["email_headers"] (same form); the effect copies it to the email.
// Customer-visible staff messages are mailed with idempotency key
// MessageKey(event id) = "email:message:<event id>", the key the email
// channel (channels/email Outbound) uses for the conversations it threads;
// this effect leaves those (channel email, or a recorded email thread) to
// it and mails the others, so one message is never mailed twice.
//
// # Webhooks
//
// POST of application/json to the endpoint's URL:
//
//	{"id": "<idempotency key>", "type": "transition", "action": "dispatch",
//	 "event": {...kesu.Event...}, "complaint": {"number": ..., "status": ..., ...}}
//
// The body bytes are the same on every attempt. Headers:
//
//	X-Kesu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//	X-Kesu-Idempotency-Key and Idempotency-Key: the message key (dedup on it)
//	X-Kesu-Event: the event type; X-Kesu-Delivery: the outbox id;
//	X-Kesu-Attempt: 1, 2, ...
//
// Receivers verify with VerifySignature (tolerance e.g. 5 min). Any 2xx is
// success; 410 Gone stops deliveries of that message; everything else is
// retried. Endpoints subscribe to event types ("created", "transition",
// "note", "message", "updated", "attachment", "sla_warning", "sla_breach",
// "escalated", "reminder"), to one action of a type ("transition.dispatch"),
// or to "*".
//
// # SMS gateway
//
// POST of application/json {"to": "+8613812345678", "text": "...",
// "sender": "<configured>", "template": "otp", "idempotency_key": "..."}
// with "Authorization: Bearer <token>" and X-Kesu-Idempotency-Key. The gateway
// answers 2xx with {"id": "<gateway message id>"}; a 4xx other than 408/429
// refuses the message for good; anything else is retried. Gateways must
// drop repeats of an idempotency key.
package notify
