package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/sla"
	slaengine "github.com/kesu/kesu/sla/engine"
	"github.com/kesu/kesu/store"
)

const calendarUsage = `Usage:
  kesu calendar due --from 2026-09-30T17:00:00+08:00 --duration 2h [--calendar NAME]
  kesu calendar between --from T1 --to T2 [--calendar NAME]
  kesu calendar import --file F.ics|F.json [--calendar NAME]
  kesu calendar list
Durations: 2h, 90m, 1h30m, 3d (a day is the calendar's working day).`

func runCalendar(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"which calendar command?\n" + calendarUsage}
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, calendarUsage)
		return flag.ErrHelp
	case "due", "between":
		return runCalendarMaths(ctx, args[0], args[1:], stdout, stderr)
	case "import":
		return runCalendarImport(ctx, args[1:], stdout, stderr)
	case "list":
		return runCalendarList(ctx, args[1:], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown calendar command %q\n%s", args[0], calendarUsage)}
}

// calendarDB opens the database if there is one; a missing SQLite file is
// not created (due and between then use the built-in default calendar).
func calendarDB(ctx context.Context, cfg Config, create bool) (*store.DB, error) {
	if !create && !store.IsPostgresURL(cfg.DB) {
		if _, err := os.Stat(cfg.DB); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	db, err := cfg.openDB(ctx)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redact(cfg.DB), err)
	}
	if err := slaengine.New(db, kesu.SystemClock{}, nil).Seed(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func loadCalendar(ctx context.Context, cfg Config, name string) (*sla.Calendar, error) {
	db, err := calendarDB(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	if db == nil {
		if name != "" && name != "default" {
			return nil, usageError{fmt.Sprintf("no database at %s, so no calendar %q (only the built-in default)", cfg.DB, name)}
		}
		return sla.Compile(sla.DefaultSpec("default"))
	}
	defer db.Close()
	return slaengine.New(db, kesu.SystemClock{}, nil).Calendar(ctx, name)
}

func runCalendarMaths(ctx context.Context, which string, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("calendar "+which, stderr)
	cfg.dbFlags(fs)
	from := fs.String("from", "", "start instant, RFC 3339 (e.g. 2026-09-30T17:00:00+08:00)")
	name := fs.String("calendar", "", "calendar name (default: default)")
	var duration, to *string
	if which == "due" {
		duration = fs.String("duration", "", "business time: 2h, 90m, 3d ...")
	} else {
		to = fs.String("to", "", "end instant, RFC 3339")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	start, err := time.Parse(time.RFC3339, *from)
	if err != nil {
		return usageError{"--from must be an RFC 3339 instant such as 2026-09-30T17:00:00+08:00"}
	}
	cal, err := loadCalendar(ctx, cfg, *name)
	if err != nil {
		return err
	}
	if which == "due" {
		d, err := sla.ParseTarget(*duration, true, cal.DayLength())
		if err != nil {
			return usageError{"--duration: " + err.Error()}
		}
		fmt.Fprintln(stdout, cal.Add(start, d).In(cal.Loc).Format(time.RFC3339))
		return nil
	}
	end, err := time.Parse(time.RFC3339, *to)
	if err != nil {
		return usageError{"--to must be an RFC 3339 instant"}
	}
	fmt.Fprintln(stdout, cal.Between(start, end))
	return nil
}

func runCalendarImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("calendar import", stderr)
	cfg.dbFlags(fs)
	file := fs.String("file", "", "holiday file: .ics (iCalendar) or .json")
	name := fs.String("calendar", "default", "calendar to load the days into")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *file == "" {
		return usageError{"--file is required"}
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(f, sla.MaxHolidayFile+1))
	f.Close()
	if err != nil {
		return err
	}
	days, err := sla.ParseHolidays(b, *file)
	if err != nil {
		return err
	}
	db, err := calendarDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	spec, err := db.AddSLACalendarDays(ctx, *name, days, func(s sla.CalendarSpec) error {
		_, err := sla.Compile(s)
		return err
	}, time.Now())
	if err != nil {
		return err
	}
	holidays, workdays := 0, 0
	for _, d := range days {
		if d.Kind == sla.Holiday {
			holidays++
		} else {
			workdays++
		}
	}
	fmt.Fprintf(stdout, "calendar %s: %d days loaded (%d holidays, %d adjusted working days); it has %d days of its own\n",
		spec.Name, len(days), holidays, workdays, len(spec.Days))
	return nil
}

func runCalendarList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlags("calendar list", stderr)
	cfg.dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := calendarDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	specs, err := db.SLACalendars(ctx)
	if err != nil {
		return err
	}
	for _, s := range specs {
		fmt.Fprintf(stdout, "%-16s %-16s holidays=%s own days=%d department=%s\n", s.Name, s.TimeZone, s.Holidays, len(s.Days), s.Department)
	}
	return nil
}
