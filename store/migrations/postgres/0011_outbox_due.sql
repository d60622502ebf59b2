-- Due messages are found per channel: a worker claims only the channels it
-- can deliver, and messages no worker here delivers (email without SMTP, SMS
-- without a gateway) must not be scanned past on every claim. With the old
-- index on next_attempt_at alone, each claim read every undeliverable
-- pending message, so intake slowed as they piled up.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox(channel, next_attempt_at) WHERE status = 'pending';
