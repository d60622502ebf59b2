package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/kesu/kesu"
	mailin "github.com/kesu/kesu/channels/email"
	"github.com/kesu/kesu/files"
	"github.com/kesu/kesu/store"
)

// newEmailIngester is the one email intake path: the IMAP poller, the
// quarantine's retry and `kesu ingest email` share it.
func newEmailIngester(db *store.DB, fd *files.Dir, clock kesu.Clock) *mailin.Ingester {
	return &mailin.Ingester{DB: db, Files: fd, Clock: clock, AutoReply: envOr("KESU_EMAIL_AUTO_REPLY", "on") != "off",
		Domain: envOr("KESU_EMAIL_DOMAIN", "")}
}

// runIngest feeds stored messages through the intake path of their channel.
func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: kesu ingest email --file MESSAGE.eml [--account NAME] | kesu ingest email --poll ACCOUNT"
	if len(args) == 0 || args[0] != "email" {
		return usageError{usage}
	}
	var cfg Config
	var file, account, poll string
	fs := newFlags("ingest email", stderr)
	cfg.dbFlags(fs)
	fs.StringVar(&file, "file", "", "a stored message (.eml, RFC 5322) to take in; - reads standard input")
	fs.StringVar(&account, "account", "", "the email account the message belongs to (optional)")
	fs.StringVar(&poll, "poll", "", "instead of a file: fetch the new messages of this account once")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if (file == "") == (poll == "") {
		return usageError{usage}
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	in := newEmailIngester(app.DB, app.Files, app.Clock)
	if poll != "" {
		a, err := app.DB.EmailAccount(ctx, poll)
		if err != nil {
			return err
		}
		p := &mailin.Poller{Ingester: in, DB: app.DB, Log: app.Log}
		if err := p.PollOnce(ctx, a); err != nil {
			return err
		}
		a, err = app.DB.EmailAccount(ctx, poll)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account %s polled: last uid %d\n", a.Name, a.LastUID)
		return nil
	}
	var raw []byte
	if file == "-" {
		raw, err = io.ReadAll(io.LimitReader(os.Stdin, mailin.MaxMessageSize+1))
	} else {
		raw, err = os.ReadFile(file)
	}
	if err != nil {
		return err
	}
	var acct *store.EmailAccount
	src := store.EmailSource{}
	if account != "" {
		a, err := app.DB.EmailAccount(ctx, account)
		if err != nil {
			return err
		}
		acct, src.AccountID = &a, a.ID
	}
	res, err := in.Take(ctx, raw, src, acct)
	if err != nil {
		return err
	}
	if res.Quarantined != nil {
		fmt.Fprintf(stderr, "kesu ingest: the message was quarantined (id %d): %s\n", res.Quarantined.ID, res.Quarantined.Error)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if res.Complaint != nil {
		return enc.Encode(res.Complaint)
	}
	return enc.Encode(res)
}
