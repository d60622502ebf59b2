package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/notify"
	"github.com/kesu/kesu/sla"
	"github.com/kesu/kesu/store"
)

// NotifyConfig is how messages leave kesu: SMTP for email, an HTTP gateway
// for SMS. Webhooks and in-app notifications need no configuration.
type NotifyConfig struct {
	SMTPHost, SMTPUser, SMTPPass, SMTPFrom, SMTPTLS string
	SMTPPort                                        int
	SMSURL, SMSToken, SMSSender                     string
}

// notifyFlags registers the delivery flags of `kesu serve`.
func (c *Config) notifyFlags(fs *flag.FlagSet) {
	n := &c.Notify
	fs.StringVar(&n.SMTPHost, "smtp-host", envOr("KESU_SMTP_HOST", ""), "SMTP server for email; empty: email waits in the outbox (env KESU_SMTP_HOST)")
	port, _ := strconv.Atoi(envOr("KESU_SMTP_PORT", "0"))
	fs.IntVar(&n.SMTPPort, "smtp-port", port, "SMTP port (env KESU_SMTP_PORT; default 587, 465 with --smtp-tls tls)")
	fs.StringVar(&n.SMTPUser, "smtp-user", envOr("KESU_SMTP_USER", ""), "SMTP login (env KESU_SMTP_USER)")
	fs.StringVar(&n.SMTPPass, "smtp-pass", envOr("KESU_SMTP_PASS", ""), "SMTP password (env KESU_SMTP_PASS, preferred over the flag)")
	fs.StringVar(&n.SMTPFrom, "smtp-from", envOr("KESU_SMTP_FROM", "客诉中心 <kesu@localhost>"), "sender of email (env KESU_SMTP_FROM)")
	fs.StringVar(&n.SMTPTLS, "smtp-tls", envOr("KESU_SMTP_TLS", ""),
		"starttls (required), tls (implicit), none, or empty: STARTTLS when offered (env KESU_SMTP_TLS)")
	fs.StringVar(&n.SMSURL, "sms-url", envOr("KESU_SMS_URL", ""), "HTTP JSON SMS gateway; empty: SMS waits in the outbox (env KESU_SMS_URL)")
	fs.StringVar(&n.SMSToken, "sms-token", envOr("KESU_SMS_TOKEN", ""), "bearer token of the SMS gateway (env KESU_SMS_TOKEN)")
	fs.StringVar(&n.SMSSender, "sms-sender", envOr("KESU_SMS_SENDER", ""), "SMS sender id or signature (env KESU_SMS_SENDER)")
}

// newNotifier builds the outbox worker from the configuration.
func newNotifier(cfg Config, db *store.DB, clock kesu.Clock, log *slog.Logger) (*notify.Notifier, error) {
	n := cfg.Notify
	nc := notify.Config{DB: db, Clock: clock, Log: log, ResolveDue: resolveDue(db)}
	if n.SMTPHost != "" {
		nc.SMTP = &notify.SMTPConfig{Host: n.SMTPHost, Port: n.SMTPPort, User: n.SMTPUser, Pass: n.SMTPPass,
			From: n.SMTPFrom, TLS: n.SMTPTLS}
		if err := nc.SMTP.Validate(); err != nil {
			return nil, usageError{describe(err)}
		}
	}
	if n.SMSURL != "" {
		nc.SMS = &notify.SMSConfig{URL: n.SMSURL, Token: n.SMSToken, Sender: n.SMSSender}
		if err := nc.SMS.Validate(); err != nil {
			return nil, usageError{describe(err)}
		}
	}
	return notify.New(nc), nil
}

// resolveDue is the promised resolution time an acknowledgement names: the
// resolve milestone's due instant, while its clock runs.
func resolveDue(db *store.DB) func(ctx context.Context, complaintID int64) (time.Time, bool, error) {
	return func(ctx context.Context, complaintID int64) (time.Time, bool, error) {
		ms, err := db.Milestones(ctx, complaintID)
		if err != nil {
			return time.Time{}, false, err
		}
		for _, m := range ms {
			if m.Name == sla.Resolve && m.Due != nil {
				return *m.Due, true, nil
			}
		}
		return time.Time{}, false, nil
	}
}

// runOutbox is `kesu outbox list|replay`: the delivery log for scripts.
func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: kesu outbox list [--status pending|sent|dead] [--channel C] [--limit N] | outbox replay --id N"
	if len(args) == 0 {
		return usageError{usage}
	}
	var cfg Config
	fs := newFlags("outbox "+args[0], stderr)
	cfg.dbFlags(fs)
	var f store.OutboxFilter
	var id int64
	switch args[0] {
	case "list":
		fs.StringVar(&f.Status, "status", "", "pending, sent or dead")
		fs.StringVar(&f.Channel, "channel", "", "email, sms, webhook or inapp")
		fs.IntVar(&f.Limit, "limit", 100, "at most this many, newest first")
	case "replay":
		fs.Int64Var(&id, "id", 0, "outbox message id (required)")
	default:
		return usageError{usage}
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	db, err := cfg.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	enc := json.NewEncoder(stdout)
	if args[0] == "replay" {
		if id <= 0 {
			return usageError{"--id is required"}
		}
		m, err := db.ReplayOutbox(ctx, id, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "message %d is due again; a running server sends it within its poll interval\n", m.ID)
		return nil
	}
	list, err := db.Outbox(ctx, f)
	if err != nil {
		return err
	}
	for _, m := range list {
		if code, ok := m.Data["code"].(string); ok && code != "" {
			m.Data["code"] = "******"
		}
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	return nil
}
