// Command kesu is the complaint management system: one binary with
// subcommands for serving, administration and data work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/kesu/kesu"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"start the web server (creates the database and an admin on first start)", runServe},
		"migrate": {"apply database migrations and exit", runMigrate},
		"reindex": {"rebuild search tokens and duplicate fingerprints of every complaint (after an upgrade)", runReindex},
		"user":    {"manage staff accounts: user create --email E --name N --role ROLE [--password P] [--department CODE]", runUser},
		"token":   {"create an API token: token create --user EMAIL [--name NAME]", runToken},
		"demo":    {"load a realistic demo data set: demo [--count 3000] [--months 6] [--seed 1]", runDemo},
		"import":  {"import complaints from JSONL or CSV: import --file F [--format jsonl|csv]", runImport},
		"export":  {"export complaints as JSONL or CSV: export [--format jsonl|csv] [--out F]", runExport},
		"bench":   {"measure performance: bench intake [--clients 32] [--duration 10s]", runBench},
		// --- calendar (sla) ---
		"calendar": {"business calendars: calendar due --from T --duration 2h | between --from T1 --to T2 | import --file F.ics|F.json [--calendar NAME]", runCalendar},
		// --- notifications (notify) ---
		"outbox": {"the delivery log: outbox list [--status dead] [--channel C] [--limit N] | outbox replay --id N", runOutbox},
		// --- channel, ingest (channels) ---
		"channel": {"channels: channel wechat add --name N --app-id ID --token T [--aes-key K] | wechat list | intake add|list | email add|list | health", runChannel},
		"ingest":  {"take in a stored message: ingest email --file MESSAGE.eml (prints the complaint as JSON)", runIngest},
		// --- model (classify) ---
		"model": {"classification models: model train|eval|split|list|bench (kesu model -h)", runModel},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kesu: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintf(stderr, "kesu %s: %s\n", args[0], u.msg)
			return 2
		}
		fmt.Fprintf(stderr, "kesu %s: %s\n", args[0], describe(err))
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "kesu (客诉): complaint management\n\nUsage: kesu COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --db PATH_OR_POSTGRES_URL (env KESU_DB, default ./kesu.db).\nRun 'kesu COMMAND -h' for its flags.")
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// describe renders an error for a person at a terminal.
func describe(err error) string {
	var e *kesu.Error
	if errors.As(err, &e) {
		if e.Field != "" {
			return fmt.Sprintf("%s: %s", strings.ReplaceAll(e.Field, "_", "-"), e.Message)
		}
		return e.Message
	}
	return err.Error()
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("kesu "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses flags, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
