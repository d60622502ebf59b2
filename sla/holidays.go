package sla

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kesu/kesu"
)

// holidays/cn.json holds China's official holidays and adjusted working days
// 2023-2026 as published in the State Council's notices (facts, in our own
// format). Further years are loaded by administrators (ParseHolidays).
//
//go:embed holidays/*.json
var holidayFS embed.FS

var builtin = sync.OnceValue(func() map[string]map[Date]DayKind {
	out := map[string]map[Date]DayKind{}
	for _, name := range []string{"cn"} {
		b, err := holidayFS.ReadFile("holidays/" + name + ".json")
		if err != nil {
			panic(err) // embedded at build time
		}
		days, err := ParseHolidays(b, "x.json")
		if err != nil {
			panic(fmt.Sprintf("embedded holidays %s: %v", name, err))
		}
		set := map[Date]DayKind{}
		for _, d := range days {
			date, _ := ParseDate(d.Date)
			set[date] = d.Kind
		}
		out[name] = set
	}
	return out
})

// Builtin returns a built-in holiday set by name ("cn").
func Builtin(name string) (map[Date]DayKind, bool) {
	set, ok := builtin()[name]
	return set, ok
}

// MaxHolidayFile caps an uploaded holiday file.
const MaxHolidayFile = 1 << 20

// ParseHolidays reads holidays and adjusted working days from a JSON or
// iCalendar file; filename (".ics" or ".json") or the content decides which.
// JSON is either kesu's {"days":[{"date","kind","name"}]} or the widely used
// holiday-cn form {"days":[{"date","name","isOffDay"}]}.
func ParseHolidays(b []byte, filename string) ([]Day, error) {
	if len(b) > MaxHolidayFile {
		return nil, &kesu.Error{Code: kesu.ETooLarge, Message: "a holiday file is at most 1 MiB", Field: "file"}
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	if strings.HasSuffix(strings.ToLower(filename), ".ics") || bytes.HasPrefix(trimmed, []byte("BEGIN:VCALENDAR")) {
		return parseICS(trimmed)
	}
	return parseHolidayJSON(trimmed)
}

func parseHolidayJSON(b []byte) ([]Day, error) {
	var doc struct {
		Days []struct {
			Date     string  `json:"date"`
			Kind     DayKind `json:"kind"`
			Name     string  `json:"name"`
			IsOffDay *bool   `json:"isOffDay"`
		} `json:"days"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, kesu.FieldError("file", "not a holiday JSON file: %v", err)
	}
	out := make([]Day, 0, len(doc.Days))
	for i, d := range doc.Days {
		if _, err := ParseDate(d.Date); err != nil {
			return nil, kesu.FieldError("file", "day %d: %v", i+1, err)
		}
		kind := d.Kind
		if d.IsOffDay != nil {
			kind = Workday
			if *d.IsOffDay {
				kind = Holiday
			}
		}
		if kind != Holiday && kind != Workday {
			return nil, kesu.FieldError("file", "day %d (%s): kind must be holiday or workday", i+1, d.Date)
		}
		out = append(out, Day{Date: d.Date, Kind: kind, Name: cleanName(d.Name)})
	}
	if len(out) == 0 {
		return nil, kesu.FieldError("file", "no days in the file")
	}
	return out, nil
}

// parseICS reads all-day VEVENTs. An event whose summary or categories say
// it is worked (班, 上班, 补班, workday, working day) marks adjusted working
// days; every other event marks holidays. DTEND is exclusive (RFC 5545).
func parseICS(b []byte) ([]Day, error) {
	lines := unfoldICS(b)
	var out []Day
	var inEvent bool
	var start, end, summary, categories string
	for _, line := range lines {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		prop, _, _ := strings.Cut(name, ";")
		prop = strings.ToUpper(prop)
		switch {
		case prop == "BEGIN" && strings.EqualFold(value, "VEVENT"):
			inEvent, start, end, summary, categories = true, "", "", "", ""
		case prop == "END" && strings.EqualFold(value, "VEVENT"):
			if !inEvent {
				continue
			}
			inEvent = false
			days, err := icsEventDays(start, end, summary, categories)
			if err != nil {
				return nil, err
			}
			out = append(out, days...)
			if len(out) > 5000 {
				return nil, kesu.FieldError("file", "too many days (at most 5000)")
			}
		case !inEvent:
		case prop == "DTSTART":
			start = value
		case prop == "DTEND":
			end = value
		case prop == "SUMMARY":
			summary = icsText(value)
		case prop == "CATEGORIES":
			categories = icsText(value)
		}
	}
	if len(out) == 0 {
		return nil, kesu.FieldError("file", "no all-day events (VEVENT with DTSTART;VALUE=DATE) in the calendar")
	}
	return out, nil
}

func icsEventDays(start, end, summary, categories string) ([]Day, error) {
	if len(start) < 8 {
		return nil, kesu.FieldError("file", "an event has no DTSTART date")
	}
	first, err := ParseDate(start[:8])
	if err != nil {
		return nil, kesu.FieldError("file", "DTSTART %q: %v", start, err)
	}
	last := first
	if len(end) >= 8 {
		e, err := ParseDate(end[:8])
		if err != nil {
			return nil, kesu.FieldError("file", "DTEND %q: %v", end, err)
		}
		// Exclusive end date.
		last = DateOf(time.Date(e.Year, e.Month, e.Day-1, 12, 0, 0, 0, time.UTC))
	}
	kind := Holiday
	text := strings.ToLower(summary + " " + categories)
	for _, w := range []string{"班", "workday", "working day", "work day"} {
		if strings.Contains(text, w) {
			kind = Workday
		}
	}
	name := cleanName(summary)
	var out []Day
	for d, i := first, 0; ; d, i = d.next(), i+1 {
		if i >= 366 {
			return nil, kesu.FieldError("file", "an event spans more than a year")
		}
		out = append(out, Day{Date: d.String(), Kind: kind, Name: name})
		if d == last || dateAfter(d, last) {
			break
		}
	}
	return out, nil
}

func dateAfter(a, b Date) bool { return a.String() > b.String() }

// unfoldICS joins continuation lines (RFC 5545 3.1).
func unfoldICS(b []byte) []string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), MaxHolidayFile+1)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) && len(lines) > 0 {
			lines[len(lines)-1] += line[1:]
			continue
		}
		lines = append(lines, line)
	}
	return lines
}

func icsText(v string) string {
	return strings.NewReplacer(`\n`, " ", `\N`, " ", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(v)
}

func cleanName(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	return s
}
