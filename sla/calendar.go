// Package sla is kesu's time-limit maths (DOMAIN.md section 3): business
// calendars with lunch breaks, weekend and on-call coverage, public holidays
// and adjusted working days (调休); SLA policies chosen "most specific wins";
// and each complaint's milestone clock with pause, resume, extension,
// warning, breach, escalation and reminders. It is pure: no SQL, no HTTP, no
// clock reads; every instant is passed in.
package sla

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// Date is a calendar day, independent of time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD (or YYYYMMDD).
func ParseDate(s string) (Date, error) {
	layout := "2006-01-02"
	if len(s) == 8 {
		layout = "20060102"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("not a date YYYY-MM-DD: %q", s)
	}
	return DateOf(t), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Weekday of the date.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// next is the following day.
func (d Date) next() Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC))
}

// Span is working time within a day, in minutes after midnight: [Start, End).
type Span struct{ Start, End int }

func (s Span) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.Start/60, s.Start%60, s.End/60, s.End%60)
}

// ParseSpans reads "09:00-12:00,13:00-18:00" (lunch break between). Empty is
// no working time. Spans must be ordered and must not overlap.
func ParseSpans(s string) ([]Span, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return nil, nil
	}
	var out []Span
	for _, part := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("%q is not HH:MM-HH:MM", part)
		}
		start, err1 := parseClock(a)
		end, err2 := parseClock(b)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q is not HH:MM-HH:MM", part)
		}
		if end <= start {
			return nil, fmt.Errorf("%q ends before it starts", part)
		}
		if len(out) > 0 && start < out[len(out)-1].End {
			return nil, fmt.Errorf("%q overlaps or is out of order", part)
		}
		out = append(out, Span{start, end})
	}
	return out, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(m) != 2 || len(h) < 1 || len(h) > 2 {
		return 0, fmt.Errorf("bad time")
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("bad time")
	}
	return hh*60 + mm, nil
}

// FormatSpans is the inverse of ParseSpans.
func FormatSpans(spans []Span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = s.String()
	}
	return strings.Join(parts, ",")
}

// DayKind says what an exceptional day is.
type DayKind string

const (
	Holiday DayKind = "holiday" // public holiday: no working time (on-call coverage only)
	Workday DayKind = "workday" // adjusted working day (调休): a weekend day worked
)

// Day is one exceptional day of a calendar.
type Day struct {
	Date string  `json:"date"` // YYYY-MM-DD
	Kind DayKind `json:"kind"`
	Name string  `json:"name,omitempty"`
}

// CalendarSpec is a calendar as administrators write it and the database
// keeps it. Hours are "HH:MM-HH:MM[,HH:MM-HH:MM]" per weekday; an empty
// weekday is not worked unless WeekendHours covers it (on-call coverage).
type CalendarSpec struct {
	Name       string `json:"name,omitempty"`       // required; taken from the path when replacing
	Department string `json:"department,omitempty"` // department code whose calendar this is
	TimeZone   string `json:"time_zone"`            // IANA name, default Asia/Shanghai
	// Hours per weekday, keys mon..sun.
	Hours map[string]string `json:"hours"`
	// WorkdayHours apply on an adjusted working day (调休); default Monday's.
	WorkdayHours string `json:"workday_hours,omitempty"`
	// HolidayHours are on-call coverage on public holidays; default none.
	HolidayHours string `json:"holiday_hours,omitempty"`
	// Holidays names a built-in holiday set: "cn", or "none" (the API
	// takes an empty value as "cn").
	Holidays string `json:"holidays,omitempty"`
	// Days are this calendar's own holidays and adjusted working days; they
	// override the built-in set.
	Days []Day `json:"days,omitempty"`
}

var weekdayKeys = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// DefaultSpec is 09:00-18:00 Monday to Friday in Asia/Shanghai with China's
// holidays and adjusted working days.
func DefaultSpec(name string) CalendarSpec {
	h := map[string]string{}
	for _, k := range weekdayKeys[1:6] {
		h[k] = "09:00-18:00"
	}
	return CalendarSpec{Name: name, TimeZone: "Asia/Shanghai", Hours: h, Holidays: "cn", Days: []Day{}}
}

// Calendar computes business time. Build one with Compile.
type Calendar struct {
	Name     string
	Loc      *time.Location
	week     [7][]Span
	workday  []Span
	holiday  []Span
	days     map[int]DayKind // by civil day number (days since 1970-01-01)
	dayLen   time.Duration   // working time of a standard working day
	weekWork time.Duration
}

// Compile validates a spec and builds its calendar; builtin holiday sets are
// looked up by name (see Builtin).
func Compile(spec CalendarSpec) (*Calendar, error) {
	if err := kesu.ValidateCode("name", spec.Name); err != nil {
		return nil, err
	}
	if spec.TimeZone == "" {
		spec.TimeZone = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(spec.TimeZone)
	if err != nil || spec.TimeZone == "Local" {
		return nil, kesu.FieldError("time_zone", "unknown time zone %q (an IANA name such as Asia/Shanghai)", spec.TimeZone)
	}
	c := &Calendar{Name: spec.Name, Loc: loc, days: map[int]DayKind{}}
	for k := range spec.Hours {
		if !contains(weekdayKeys, k) {
			return nil, kesu.FieldError("hours", "unknown weekday %q (mon, tue, wed, thu, fri, sat, sun)", k)
		}
	}
	for i, k := range weekdayKeys {
		if c.week[i], err = ParseSpans(spec.Hours[k]); err != nil {
			return nil, kesu.FieldError("hours."+k, "%v", err)
		}
		c.weekWork += spansLen(c.week[i])
	}
	if c.weekWork == 0 {
		return nil, kesu.FieldError("hours", "a calendar needs working hours on at least one weekday")
	}
	if c.workday, err = ParseSpans(spec.WorkdayHours); err != nil {
		return nil, kesu.FieldError("workday_hours", "%v", err)
	}
	if c.workday == nil {
		for _, i := range []int{1, 2, 3, 4, 5, 6, 0} {
			if len(c.week[i]) > 0 {
				c.workday = c.week[i]
				break
			}
		}
	}
	c.dayLen = spansLen(c.workday)
	if c.holiday, err = ParseSpans(spec.HolidayHours); err != nil {
		return nil, kesu.FieldError("holiday_hours", "%v", err)
	}
	switch spec.Holidays {
	case "", "none":
	default:
		set, ok := Builtin(spec.Holidays)
		if !ok {
			return nil, kesu.FieldError("holidays", "unknown holiday set %q (cn or none)", spec.Holidays)
		}
		for d, k := range set {
			c.days[d.num()] = k
		}
	}
	for _, d := range spec.Days {
		date, err := ParseDate(d.Date)
		if err != nil {
			return nil, kesu.FieldError("days", "%v", err)
		}
		if d.Kind != Holiday && d.Kind != Workday {
			return nil, kesu.FieldError("days", "kind of %s must be holiday or workday", d.Date)
		}
		c.days[date.num()] = d.Kind
	}
	return c, nil
}

func spansLen(spans []Span) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += time.Duration(s.End-s.Start) * time.Minute
	}
	return d
}

func contains[T comparable](set []T, v T) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// DayLength is the working time of a standard working day: a business "day"
// in targets such as "3d".
func (c *Calendar) DayLength() time.Duration { return c.dayLen }

// Spans is the working time of a day.
func (c *Calendar) Spans(d Date) []Span { return c.spansOn(d.num()) }

func (c *Calendar) spansOn(day int) []Span {
	if len(c.days) > 0 {
		switch c.days[day] {
		case Holiday:
			return c.holiday
		case Workday:
			return c.workday
		}
	}
	return c.week[weekdayOf(day)]
}

// IsWorkingDay reports whether the day has any working time.
func (c *Calendar) IsWorkingDay(d Date) bool { return len(c.Spans(d)) > 0 }

// maxScanDays bounds the walk over days: targets are at most ten years
// (ParseTarget) and a valid calendar works every week.
const maxScanDays = 40 * 366

// Business time is counted on the wall clock of the calendar's zone: a
// working day 09:00-18:00 is nine hours even on a daylight-saving change.
// Days are civil day numbers and times of day nanoseconds, so the walk over
// days costs integer arithmetic only (intake plans seven deadlines each).

// wall splits t into its civil day number and time of day in loc.
func wall(t time.Time, loc *time.Location) (day int, tod time.Duration) {
	t = t.In(loc)
	y, m, d := t.Date()
	h, mi, sec := t.Clock()
	return Date{y, m, d}.num(), time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute +
		time.Duration(sec)*time.Second + time.Duration(t.Nanosecond())
}

// instant is the inverse of wall.
func instant(day int, tod time.Duration, loc *time.Location) time.Time {
	d := dateOfNum(day)
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(tod), loc)
}

const minute = time.Minute

// Add returns the instant when d of business time has passed after from.
// Time outside working hours does not count; from inside a break or a
// holiday starts counting at the next working minute. d <= 0 returns from.
func (c *Calendar) Add(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from
	}
	day, tod := wall(from, c.Loc)
	for i := 0; i < maxScanDays; i, day, tod = i+1, day+1, 0 {
		for _, s := range c.spansOn(day) {
			start, end := time.Duration(s.Start)*minute, time.Duration(s.End)*minute
			if tod >= end {
				continue
			}
			if tod < start {
				tod = start
			}
			if avail := end - tod; avail >= d {
				return instant(day, tod+d, c.Loc)
			} else {
				d -= avail
				tod = end
			}
		}
	}
	return from.Add(d) // unreachable for a valid calendar
}

// Between returns the business time from a to b (negative if b is before a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.Between(b, a)
	}
	var total time.Duration
	day, tod := wall(a, c.Loc)
	lastDay, lastTod := wall(b, c.Loc)
	for i := 0; i < maxScanDays && day <= lastDay; i, day, tod = i+1, day+1, 0 {
		limit := 24 * time.Hour
		if day == lastDay {
			limit = lastTod
		}
		for _, s := range c.spansOn(day) {
			start, end := max(time.Duration(s.Start)*minute, tod), min(time.Duration(s.End)*minute, limit)
			if end > start {
				total += end - start
			}
		}
	}
	return total
}

// num is the civil day number: days since 1970-01-01 (proleptic Gregorian).
func (d Date) num() int {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func dateOfNum(z int) Date {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{y, time.Month(m), d}
}

// weekdayOf a civil day number (1970-01-01 was a Thursday).
func weekdayOf(day int) time.Weekday {
	return time.Weekday(((day % 7) + 7 + 4) % 7)
}

// Target is a time limit: Duration of business time (Business) or of plain
// calendar time.
type Target struct {
	Duration time.Duration
	Business bool
}

// Due is the deadline of t counted from start.
func (c *Calendar) Due(start time.Time, t Target) time.Time {
	if t.Business {
		return c.Add(start, t.Duration)
	}
	return start.Add(t.Duration)
}

// Left is the time of t's kind from now until due (negative when overdue).
func (c *Calendar) Left(now, due time.Time, business bool) time.Duration {
	if business {
		return c.Between(now, due)
	}
	return due.Sub(now)
}

// ParseTarget reads a duration such as "24h", "90m", "1h30m" or "3d". In
// business time a day is the calendar's working day (DayLength); in
// calendar time it is 24 hours.
func ParseTarget(s string, business bool, dayLen time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil || n < 0 || n > 3650 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		day := 24 * time.Hour
		if business {
			day = dayLen
		}
		return time.Duration(n * float64(day)).Round(time.Second), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > 3650*24*time.Hour {
		return 0, fmt.Errorf("%q is not a duration such as 24h, 90m or 3d", s)
	}
	return d, nil
}

// SortedDays lists a set of days in date order, for export.
func SortedDays(m map[Date]DayKind) []Day {
	out := make([]Day, 0, len(m))
	for d, k := range m {
		out = append(out, Day{Date: d.String(), Kind: k})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}
