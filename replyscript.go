package kesu

import "strings"

// FillScript fills a reply script's {{variable}} placeholders (name,
// number, handler, due ...). Unknown variables stay as written, so a typo
// shows instead of vanishing.
func FillScript(body string, vars map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(body, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(body[i+2:], "}}")
		if j < 0 {
			break
		}
		name := strings.TrimSpace(body[i+2 : i+2+j])
		b.WriteString(body[:i])
		if v, ok := vars[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(body[i : i+4+j])
		}
		body = body[i+4+j:]
	}
	b.WriteString(body)
	return b.String()
}
