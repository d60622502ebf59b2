package sla

import (
	"testing"
	"time"

	"github.com/kesu/kesu"
)

func TestMatchMostSpecificWins(t *testing.T) {
	pols := []Policy{
		{ID: 1, Name: "default", Active: true, Targets: map[string]TargetSpec{"resolve": {"10d", "business"}, "accept": {"1d", "business"}}},
		{ID: 2, Name: "critical", Level: kesu.LevelCritical, Active: true, Targets: map[string]TargetSpec{"resolve": {"3d", "business"}}},
		{ID: 3, Name: "critical battery", Level: kesu.LevelCritical, Category: "quality", Calendar: "shop", Active: true,
			Targets: map[string]TargetSpec{"resolve": {"1d", "business"}}},
		{ID: 4, Name: "inactive", Level: kesu.LevelCritical, Category: "quality", Channel: kesu.ChannelPhone, Active: false,
			Targets: map[string]TargetSpec{"resolve": {"1h", "business"}}},
		{ID: 5, Name: "logistics", Department: "logistics", Active: true, Targets: map[string]TargetSpec{"resolve": {"5d", "business"}}},
	}
	for _, tc := range []struct {
		name    string
		s       Subject
		policy  string
		resolve string
		accept  string
	}{
		{"nothing special", Subject{Level: kesu.LevelGeneral}, "default", "10d", "1d"},
		{"critical", Subject{Level: kesu.LevelCritical}, "critical", "3d", "1d"},
		{"critical in a child category", Subject{Level: kesu.LevelCritical, Category: "quality.battery", Channel: kesu.ChannelPhone}, "critical battery", "1d", "1d"},
		{"department", Subject{Level: kesu.LevelGeneral, Department: "logistics"}, "logistics", "5d", "1d"},
		{"category prefix is not a parent", Subject{Level: kesu.LevelCritical, Category: "qualityx"}, "critical", "3d", "1d"},
	} {
		r := Match(pols, tc.s)
		if r.PolicyName != tc.policy || r.Targets["resolve"].Duration != tc.resolve || r.Targets["accept"].Duration != tc.accept {
			t.Errorf("%s: policy %s resolve %s accept %s; want %s %s %s", tc.name, r.PolicyName,
				r.Targets["resolve"].Duration, r.Targets["accept"].Duration, tc.policy, tc.resolve, tc.accept)
		}
	}
	if r := Match(pols, Subject{Level: kesu.LevelCritical, Category: "quality"}); r.Calendar != "shop" || r.WarnShare != 0.75 {
		t.Errorf("clock-wide settings: %+v", r)
	}
}

func TestPolicyValidate(t *testing.T) {
	bad := []Policy{
		{Name: ""},
		{Name: "x", Level: "huge"},
		{Name: "x", Targets: map[string]TargetSpec{"lunch": {"1h", ""}}},
		{Name: "x", Targets: map[string]TargetSpec{"resolve": {"soon", ""}}},
		{Name: "x", Targets: map[string]TargetSpec{"resolve": {"1h", "lunar"}}},
		{Name: "x", WarnShare: 1.5},
		{Name: "x", PauseStates: []kesu.Status{kesu.StatusClosed}},
		{Name: "x", RemindEvery: "0s"},
	}
	for _, p := range bad {
		if err := p.Validate(); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("%+v: %v, want invalid", p, err)
		}
	}
	for _, p := range DefaultPolicies() {
		if err := p.Validate(); err != nil {
			t.Errorf("default policy %s: %v", p.Name, err)
		}
	}
}

// A complaint's life against its clock: warning, breach, escalation steps,
// reminders until met, each exactly once however often Fire runs.
func TestClockFiresOnce(t *testing.T) {
	cal := mustCal(t, DefaultSpec("default"))
	reg := at(t, "2026-03-02T09:00:00+08:00") // Monday
	c := &kesu.Complaint{Status: kesu.StatusRegistered, RegisteredAt: reg, Level: kesu.LevelGeneral}
	r := Resolved{PolicyName: "p", WarnShare: 0.75, EscalateEvery: "1d", RemindEvery: "4h", ExtensionLimit: "2d",
		Targets: map[string]TargetSpec{"accept": {"1d", "business"}}}
	k := NewClock(c, r, cal, reg)
	m := k.Milestone(Accept)
	if !m.Due.Equal(at(t, "2026-03-02T18:00:00+08:00")) || !m.WarnAt.Equal(at(t, "2026-03-02T15:45:00+08:00")) {
		t.Fatalf("accept due %s warn %s", m.Due, m.WarnAt)
	}
	level := 0
	count := map[Kind]int{}
	run := func(now string) {
		for i := 0; i < 3; i++ { // repeated runs at one instant fire nothing more
			fired, l := k.Fire(at(t, now), cal, level)
			level = l
			for _, f := range fired {
				count[f.Kind]++
			}
		}
	}
	run("2026-03-02T15:00:00+08:00")
	if len(count) != 0 {
		t.Fatalf("fired early: %v", count)
	}
	run("2026-03-02T16:00:00+08:00")
	if count[Warning] != 1 {
		t.Fatalf("warning: %v", count)
	}
	run("2026-03-03T09:00:00+08:00") // overdue since 18:00; reminder due 15:45+4h -> Tue 10:45
	if count[Breach] != 1 || count[Escalate] != 1 || level != 1 || count[Reminder] != 0 {
		t.Fatalf("breach: %v level %d", count, level)
	}
	run("2026-03-03T11:00:00+08:00")
	if count[Reminder] != 1 {
		t.Fatalf("reminder: %v", count)
	}
	run("2026-03-03T18:00:00+08:00") // one business day after the breach: next level
	if level != 2 {
		t.Fatalf("level %d after a day unmet, want 2 (%v)", level, count)
	}
	run("2026-03-05T18:00:00+08:00")
	run("2026-03-09T18:00:00+08:00")
	if level != kesu.MaxEscalation {
		t.Fatalf("level %d, want the executive level", level)
	}
	if k.Observe(Change{From: kesu.StatusRegistered, To: kesu.StatusAccepted, Action: kesu.ActionAccept, Staff: true,
		At: at(t, "2026-03-09T18:30:00+08:00")}, cal); k.Milestone(Accept).MetAt == nil || k.Milestone(Accept).State != Breached {
		t.Fatalf("met late: %+v", k.Milestone(Accept))
	}
	before := count[Reminder]
	run("2026-03-20T18:00:00+08:00")
	if count[Reminder] != before || k.Next() != nil {
		t.Fatalf("reminders after the milestone was met: %v next %v", count, k.Next())
	}
}

func TestClockPauseInPolicyState(t *testing.T) {
	cal := mustCal(t, DefaultSpec("default"))
	reg := at(t, "2026-03-02T09:00:00+08:00")
	c := &kesu.Complaint{Status: kesu.StatusRegistered, RegisteredAt: reg}
	r := Resolved{WarnShare: 0.5, PauseStates: []kesu.Status{kesu.StatusExecuting},
		Targets: map[string]TargetSpec{"resolve": {"2d", "business"}}}
	k := NewClock(c, r, cal, reg)
	// Executing from Monday 18:00 (9h used) to Friday 09:00: paused.
	k.Observe(Change{From: kesu.StatusSolutionProposed, To: kesu.StatusExecuting, At: at(t, "2026-03-02T18:00:00+08:00")}, cal)
	if m := k.Milestone(Resolve); m.State != Paused || m.Left != 9*time.Hour || k.Next() != nil {
		t.Fatalf("paused: %+v next %v", m, k.Next())
	}
	k.Observe(Change{From: kesu.StatusExecuting, To: kesu.StatusResolved, Action: kesu.ActionComplete, At: at(t, "2026-03-06T09:00:00+08:00")}, cal)
	if m := k.Milestone(Resolve); m.State != Met {
		t.Fatalf("resolved while paused: %+v", m)
	}
	k2 := NewClock(c, r, cal, reg)
	k2.Observe(Change{From: kesu.StatusSolutionProposed, To: kesu.StatusExecuting, At: at(t, "2026-03-02T18:00:00+08:00")}, cal)
	k2.Observe(Change{From: kesu.StatusExecuting, To: kesu.StatusInProgress, At: at(t, "2026-03-06T09:00:00+08:00")}, cal)
	if m := k2.Milestone(Resolve); m.State != Running || !m.Due.Equal(at(t, "2026-03-06T18:00:00+08:00")) {
		t.Fatalf("resumed: %+v", m)
	}
	// Stored form round trip.
	b, err := k2.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeClock(b)
	if err != nil || !back.Milestone(Resolve).Due.Equal(*k2.Milestone(Resolve).Due) || back.WarnShare != 0.5 {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

func TestParseHolidays(t *testing.T) {
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270206\r\nDTEND;VALUE=DATE:20270213\r\nSUMMARY:春节\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270214\r\nSUMMARY:春节补\r\n 班\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	days, err := ParseHolidays([]byte(ics), "2027.ics")
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 8 || days[0].Date != "2027-02-06" || days[6].Date != "2027-02-12" || days[7].Kind != Workday || days[0].Kind != Holiday {
		t.Fatalf("ics days: %+v", days)
	}
	js := `{"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"date":"2027-02-14","kind":"workday"}]}`
	days, err = ParseHolidays([]byte(js), "x.json")
	if err != nil || len(days) != 2 || days[0].Kind != Holiday || days[1].Kind != Workday {
		t.Fatalf("json days: %+v %v", days, err)
	}
	for _, bad := range []string{`{"days":[]}`, `{"days":[{"date":"2027-13-01","kind":"holiday"}]}`, `[1,2]`,
		`{"days":[{"date":"2027-01-01","kind":"party"}]}`, "BEGIN:VCALENDAR\nEND:VCALENDAR\n"} {
		if _, err := ParseHolidays([]byte(bad), "f"); kesu.ErrorCodeOf(err) != kesu.EInvalid {
			t.Errorf("%q: %v, want invalid", bad, err)
		}
	}
}

func FuzzParseHolidays(f *testing.F) {
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270104\r\nSUMMARY:元旦\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), "a.ics")
	f.Add([]byte(`{"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}`), "a.json")
	f.Add([]byte(`{"days":[{"date":"2027-01-01","kind":"workday"}]}`), "")
	f.Fuzz(func(t *testing.T, b []byte, name string) {
		days, err := ParseHolidays(b, name)
		if err != nil {
			if kesu.ErrorCodeOf(err) == kesu.EInternal {
				t.Fatalf("internal error %v", err)
			}
			return
		}
		for _, d := range days {
			if _, err := ParseDate(d.Date); err != nil || (d.Kind != Holiday && d.Kind != Workday) {
				t.Fatalf("bad day %+v", d)
			}
		}
		spec := DefaultSpec("f")
		spec.Days = days
		if _, err := Compile(spec); err != nil {
			t.Fatalf("parsed days do not compile: %v", err)
		}
	})
}

func FuzzParseSpans(f *testing.F) {
	for _, s := range []string{"09:00-12:00,13:00-18:00", "", "24:00-25:00", "9:00-18:00", "00:00-24:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans, err := ParseSpans(s)
		if err != nil {
			return
		}
		last := -1
		for _, sp := range spans {
			if sp.Start < 0 || sp.End > 24*60 || sp.End <= sp.Start || sp.Start < last {
				t.Fatalf("%q: bad span %v", s, sp)
			}
			last = sp.End
		}
	})
}
