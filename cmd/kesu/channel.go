package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/channels/intake"
	"github.com/kesu/kesu/store"
)

const channelUsage = `usage:
  kesu channel wechat add --name N --app-id ID --token T [--aes-key K] [--kind mp|wecom] [--max-skew 300]
  kesu channel wechat list
  kesu channel intake add --name N [--auth hmac|bearer] [--secret S] [--channel api] [--mapping FILE.json]
  kesu channel intake list
  kesu channel email add|list|disable ...   (kesu channel email -h)
  kesu channel health`

// runChannel configures the channels complaints arrive through.
func runChannel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{channelUsage}
	}
	switch args[0] {
	case "wechat":
		return runChannelWeChat(ctx, args[1:], stdout, stderr)
	case "intake":
		return runChannelIntake(ctx, args[1:], stdout, stderr)
	case "health":
		return runChannelHealth(ctx, args[1:], stdout, stderr)
		// --- channel email (email) ---
	case "email":
		return runChannelEmail(ctx, args[1:], stdout, stderr)
	}
	return usageError{channelUsage}
}

func runChannelWeChat(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list") {
		return usageError{channelUsage}
	}
	var cfg Config
	fs := newFlags("channel wechat "+args[0], stderr)
	cfg.dbFlags(fs)
	var a store.WeChatAccount
	if args[0] == "add" {
		fs.StringVar(&a.Name, "name", "", "account name, used in the callback URL /channels/wechat/NAME (required)")
		fs.StringVar(&a.AppID, "app-id", "", "the AppID (WeCom: the CorpID) (required)")
		fs.StringVar(&a.Token, "token", "", "the Token configured on the WeChat side (required)")
		fs.StringVar(&a.AESKey, "aes-key", "", "the EncodingAESKey for safe mode (43 characters); empty: plain mode")
		fs.StringVar(&a.Kind, "kind", "mp", "mp (Official Account) or wecom (WeCom)")
		fs.IntVar(&a.MaxSkewSeconds, "max-skew", 300, "accepted callback timestamp skew, seconds")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	if args[0] == "add" {
		if a.Name == "" || a.AppID == "" || a.Token == "" {
			return usageError{"--name, --app-id and --token are required"}
		}
		a, err = app.DB.CreateWeChatAccount(ctx, a, app.Clock.Now())
		if err != nil {
			return err
		}
		mode := "plain"
		if a.SafeMode {
			mode = "safe (AES)"
		}
		fmt.Fprintf(stdout, "WeChat account %s added (%s, %s mode). Callback URL: https://YOUR-HOST/channels/wechat/%s\n",
			a.Name, a.Kind, mode, a.Name)
		return nil
	}
	list, err := app.DB.WeChatAccounts(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tAPP ID\tMODE\tMAX SKEW\tACTIVE")
	for _, a := range list {
		mode := "plain"
		if a.SafeMode {
			mode = "safe"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%ds\t%v\n", a.Name, a.Kind, a.AppID, mode, a.MaxSkewSeconds, a.Active)
	}
	return tw.Flush()
}

func runChannelIntake(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list") {
		return usageError{channelUsage}
	}
	var cfg Config
	fs := newFlags("channel intake "+args[0], stderr)
	cfg.dbFlags(fs)
	var s store.IntakeSource
	var channel, mappingFile string
	if args[0] == "add" {
		fs.StringVar(&s.Name, "name", "", "source name, used in the URL /api/v1/intake/NAME (required)")
		fs.StringVar(&s.Auth, "auth", store.IntakeHMAC, "hmac (X-Kesu-Signature: sha256=HMAC of the body) or bearer")
		fs.StringVar(&s.Secret, "secret", "", "the shared secret (default: generated and printed once)")
		fs.StringVar(&channel, "channel", "api", "intake channel of its complaints (api, regulator, web ...)")
		fs.StringVar(&mappingFile, "mapping", "", `JSON object: complaint field -> path in the source's JSON, e.g. {"external_id":"/order/id"}`)
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if args[0] == "add" {
		if s.Name == "" {
			return usageError{"--name is required"}
		}
		s.Channel = kesu.Channel(channel)
		if mappingFile != "" {
			b, err := os.ReadFile(mappingFile)
			if err != nil {
				return err
			}
			if err := json.Unmarshal(b, &s.Mapping); err != nil {
				return fmt.Errorf("%s: %v", mappingFile, err)
			}
			if err := intake.ValidateMapping(s.Mapping); err != nil {
				return err
			}
		}
		if s.Secret == "" {
			s.Secret = newSecret()
		}
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	if args[0] == "add" {
		s, err = app.DB.CreateIntakeSource(ctx, s, app.Clock.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "intake source %s added: POST /api/v1/intake/%s (auth %s). Secret (shown once):\n%s\n", s.Name, s.Name, s.Auth, s.Secret)
		return nil
	}
	list, err := app.DB.IntakeSources(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tAUTH\tCHANNEL\tMAPPED FIELDS\tACTIVE")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%v\n", s.Name, s.Auth, s.Channel, len(s.Mapping), s.Active)
	}
	return tw.Flush()
}

func runChannelHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("channel health", stderr)
	cfg.dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	list, err := app.DB.ChannelHealths(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tACCOUNT\tLAST SUCCESS\tLAST ERROR\tBACKLOG\tQUARANTINED")
	at := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	}
	for _, h := range list {
		last := at(h.LastErrorAt)
		if h.LastError != "" {
			last += " " + strings.ReplaceAll(h.LastError, "\n", " ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", h.Channel, h.Account, at(h.LastSuccessAt), last, h.Backlog, h.Quarantined)
	}
	return tw.Flush()
}

// newSecret is a random 256-bit secret, URL-safe.
func newSecret() string { return "kesuin_" + randomHex(32) }
