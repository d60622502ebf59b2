package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/kesu/kesu/store"
)

// runChannelEmail configures mailboxes: `kesu channel email add|list|disable`.
func runChannelEmail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: kesu channel email add --name N --address A --host H [--port P] [--security tls|starttls|none] " +
		"--username U [--password P | env KESU_EMAIL_PASSWORD] [--mailbox INBOX] [--poll-seconds 60] [--auto-reply=false]\n" +
		"       kesu channel email list\n       kesu channel email disable --name N"
	if len(args) == 0 {
		return usageError{usage}
	}
	var cfg Config
	fs := newFlags("channel email "+args[0], stderr)
	cfg.dbFlags(fs)
	var a store.EmailAccount
	autoReply := true
	switch args[0] {
	case "add":
		fs.StringVar(&a.Name, "name", "", "account name (letters, digits, _ and -)")
		fs.StringVar(&a.Address, "address", "", "the mailbox's address: the From of replies")
		fs.StringVar(&a.Host, "host", "", "IMAP server host")
		fs.IntVar(&a.Port, "port", 0, "IMAP port (default 993 for tls, 143 otherwise)")
		fs.StringVar(&a.Security, "security", "tls", "tls, starttls or none (none only for a server on loopback)")
		fs.StringVar(&a.Username, "username", "", "IMAP login")
		fs.StringVar(&a.Password, "password", os.Getenv("KESU_EMAIL_PASSWORD"), "IMAP password (env KESU_EMAIL_PASSWORD keeps it out of the process list)")
		fs.StringVar(&a.Mailbox, "mailbox", "INBOX", "mailbox to read")
		fs.IntVar(&a.PollSeconds, "poll-seconds", 60, "polling interval where the server has no IDLE")
		fs.BoolVar(&autoReply, "auto-reply", true, "acknowledge new complaints with their number")
	case "list":
	case "disable":
		fs.StringVar(&a.Name, "name", "", "account name")
	default:
		return usageError{usage}
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	now := app.Clock.Now()
	switch args[0] {
	case "add":
		a.AutoReply, a.Active = autoReply, true
		created, err := app.DB.CreateEmailAccount(ctx, a, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "email account %s added (%s:%d, %s); kesu serve polls it\n", created.Name, created.Host, created.Port, created.Security)
		return nil
	case "disable":
		if err := app.DB.DeleteEmailAccount(ctx, a.Name, now); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "email account %s disabled\n", a.Name)
		return nil
	}
	list, err := app.DB.EmailAccounts(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(list)
}
