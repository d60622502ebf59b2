package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// zone shows times in China Standard Time, like complaint numbers.
var zone = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(zone).Format("2006-01-02 15:04")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(zone).Format("2006-01-02 15:04")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"money": func(m kesu.Money) string {
		if m == 0 {
			return ""
		}
		return m.String()
	},
	"str":       func(v any) string { return toString(v) },
	"internal":  func(v kesu.Visibility) bool { return v == kesu.VisibilityInternal },
	"eq2":       func(a, b any) bool { return toString(a) == toString(b) },
	"hasPrefix": strings.HasPrefix,
	"contains":  strings.Contains,
	"stars":     func(n int) string { return strings.Repeat("★", n) + strings.Repeat("☆", 5-n) },
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	},
	"sorts": func() []string { return store.Orders },
	"seq4":  func() []int { return []int{0, 1, 2, 3} },
	"kb":    func(n int64) int64 { return (n + 1023) / 1024 },
	// percent turns a 0-1 score into a whole percentage.
	"percent": func(f float64) int { return int(f*100 + 0.5) },
}

func toString(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
