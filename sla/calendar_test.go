package sla

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func mustCal(t *testing.T, spec CalendarSpec) *Calendar {
	t.Helper()
	c, err := Compile(spec)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDueAcrossChinaHolidays(t *testing.T) {
	cal := mustCal(t, DefaultSpec("default"))
	lunch := DefaultSpec("lunch")
	for _, k := range []string{"mon", "tue", "wed", "thu", "fri"} {
		lunch.Hours[k] = "09:00-12:00,13:30-18:00"
	}
	lunchCal := mustCal(t, lunch)
	noHolidays := DefaultSpec("plain")
	noHolidays.Holidays = ""
	plain := mustCal(t, noHolidays)
	ny := DefaultSpec("ny")
	ny.TimeZone = "America/New_York"
	ny.Holidays = ""
	nyCal := mustCal(t, ny)
	oncall := DefaultSpec("oncall")
	oncall.Hours["sat"] = "10:00-16:00"
	oncall.HolidayHours = "10:00-12:00"
	oncallCal := mustCal(t, oncall)

	for _, tc := range []struct {
		name string
		cal  *Calendar
		from string
		dur  time.Duration
		want string
	}{
		{"issue example: National Day 2026 skipped", cal, "2026-09-30T17:00:00+08:00", 2 * time.Hour, "2026-10-08T10:00:00+08:00"},
		{"within a day", cal, "2026-03-03T09:30:00+08:00", 2 * time.Hour, "2026-03-03T11:30:00+08:00"},
		{"before opening", cal, "2026-03-03T07:00:00+08:00", time.Hour, "2026-03-03T10:00:00+08:00"},
		{"ends exactly at closing", cal, "2026-03-03T17:00:00+08:00", time.Hour, "2026-03-03T18:00:00+08:00"},
		{"over a weekend", cal, "2026-03-06T17:00:00+08:00", 2 * time.Hour, "2026-03-09T10:00:00+08:00"},
		{"from UTC input", cal, "2026-03-06T09:00:00Z", 2 * time.Hour, "2026-03-09T10:00:00+08:00"},
		// 2024: Spring Festival 2024-02-10..17 off; Sunday 02-04 and Sunday 02-18 worked (调休).
		{"2024 Spring Festival, Sunday 02-18 worked", cal, "2024-02-08T17:00:00+08:00", 2 * time.Hour, "2024-02-09T10:00:00+08:00"},
		{"2024 Sunday 02-04 is a working day", cal, "2024-02-03T12:00:00+08:00", time.Hour, "2024-02-04T10:00:00+08:00"},
		{"2024 before the Spring Festival", cal, "2024-02-09T17:00:00+08:00", 2 * time.Hour, "2024-02-18T10:00:00+08:00"},
		// 2025: National Day 10-01..08 off; Sunday 09-28 and Saturday 10-11 worked.
		{"2025 Saturday 10-11 worked", cal, "2025-10-10T17:00:00+08:00", 2 * time.Hour, "2025-10-11T10:00:00+08:00"},
		{"2025 Sunday 09-28 worked", cal, "2025-09-27T10:00:00+08:00", 30 * time.Minute, "2025-09-28T09:30:00+08:00"},
		{"2025 National Day", cal, "2025-09-30T17:30:00+08:00", time.Hour, "2025-10-09T09:30:00+08:00"},
		// 2026: New Year 01-01..03 off, Sunday 01-04 worked.
		{"2026 New Year, Sunday 01-04 worked", cal, "2025-12-31T17:00:00+08:00", 2 * time.Hour, "2026-01-04T10:00:00+08:00"},
		{"2026 Spring Festival 02-15..23", cal, "2026-02-13T17:00:00+08:00", 2 * time.Hour, "2026-02-14T10:00:00+08:00"},
		{"without holidays National Day is worked", plain, "2026-09-30T17:00:00+08:00", 2 * time.Hour, "2026-10-01T10:00:00+08:00"},
		{"lunch break skipped", lunchCal, "2026-03-03T11:00:00+08:00", 2 * time.Hour, "2026-03-03T14:30:00+08:00"},
		{"start inside lunch", lunchCal, "2026-03-03T12:30:00+08:00", 30 * time.Minute, "2026-03-03T14:00:00+08:00"},
		{"New York time zone", nyCal, "2026-03-06T17:00:00-05:00", 2 * time.Hour, "2026-03-09T10:00:00-04:00"},
		{"on-call Saturday", oncallCal, "2026-03-06T17:00:00+08:00", 2 * time.Hour, "2026-03-07T11:00:00+08:00"},
		{"on-call on a holiday", oncallCal, "2026-09-30T17:00:00+08:00", 2 * time.Hour, "2026-10-01T11:00:00+08:00"},
		{"a whole working day", cal, "2026-03-03T09:00:00+08:00", 9 * time.Hour, "2026-03-03T18:00:00+08:00"},
		{"zero", cal, "2026-03-07T03:00:00+08:00", 0, "2026-03-07T03:00:00+08:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := at(t, tc.from)
			got := tc.cal.Add(from, tc.dur)
			want := at(t, tc.want)
			if !got.Equal(want) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tc.from, tc.dur, got.In(tc.cal.Loc).Format(time.RFC3339), tc.want)
			}
			if tc.dur > 0 {
				if back := tc.cal.Between(from, got); back != tc.dur {
					t.Errorf("Between(from, due) = %s, want %s", back, tc.dur)
				}
				if neg := tc.cal.Between(got, from); neg != -tc.dur {
					t.Errorf("Between(due, from) = %s, want %s", neg, -tc.dur)
				}
			}
		})
	}
}

func TestAdjustedSaturdayIsWorkingDay(t *testing.T) {
	cal := mustCal(t, DefaultSpec("default"))
	for _, tc := range []struct {
		date string
		want bool
	}{
		{"2024-04-28", true},  // Sunday worked (Labour Day 调休)
		{"2024-05-11", true},  // Saturday worked
		{"2024-10-12", true},  // Saturday worked (National Day 调休)
		{"2025-02-08", true},  // Saturday worked (Spring Festival 调休)
		{"2026-10-10", true},  // Saturday worked
		{"2026-10-03", false}, // National Day, a Saturday
		{"2026-10-05", false}, // National Day, a Monday
		{"2026-03-07", false}, // an ordinary Saturday
		{"2026-03-09", true},  // an ordinary Monday
		{"2023-10-07", true},  // Saturday worked
	} {
		d, _ := ParseDate(tc.date)
		if got := cal.IsWorkingDay(d); got != tc.want {
			t.Errorf("%s (%s): working = %v, want %v", tc.date, d.Weekday(), got, tc.want)
		}
	}
}

func TestDayNumbers(t *testing.T) {
	for d := time.Date(1899, 12, 25, 12, 0, 0, 0, time.UTC); d.Year() < 2101; d = d.AddDate(0, 0, 13) {
		date := DateOf(d)
		n := date.num()
		if want := int(d.Unix() / 86400); d.Unix() >= 0 && n != want {
			t.Fatalf("%s: num %d, want %d", date, n, want)
		}
		if back := dateOfNum(n); back != date {
			t.Fatalf("%s: back %s", date, back)
		}
		if weekdayOf(n) != d.Weekday() {
			t.Fatalf("%s: weekday %s, want %s", date, weekdayOf(n), d.Weekday())
		}
	}
}

// The embedded China set agrees with the shared copy of the State Council
// dates (holiday-cn JSON) when it is present.
func TestBuiltinMatchesSharedData(t *testing.T) {
	dir := "../../shared/data/holidays_cn"
	set, _ := Builtin("cn")
	for _, year := range []string{"2023", "2024", "2025", "2026"} {
		b, err := os.ReadFile(filepath.Join(dir, year+".json"))
		if err != nil {
			t.Skipf("shared holiday data absent: %v", err)
		}
		days, err := ParseHolidays(b, year+".json")
		if err != nil {
			t.Fatalf("%s: %v", year, err)
		}
		for _, d := range days {
			date, _ := ParseDate(d.Date)
			if set[date] != d.Kind {
				t.Errorf("%s: embedded %q, shared data %q", d.Date, set[date], d.Kind)
			}
		}
	}
	if len(set) < 140 {
		t.Errorf("embedded set has %d days", len(set))
	}
}
