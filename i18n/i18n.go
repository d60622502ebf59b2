// Package i18n is kesu's message catalog: every user-facing string of the
// pages (agent workspace, customer portal) and of customer messages, in
// simplified Chinese first and English second.
//
// Each surface keeps its strings in a file of its own in this package
// (web.go for the workspace, portal.go for the portal) and adds them with
//
//	var _ = add(map[string]Message{"portal.title": {"投诉服务", "Complaint service"}})
//
// Templates call the translation with `{{$.T "key"}}` (or a template func
// named t: `{{t "key"}}`); the catalog test finds those keys in every
// template under web/ and portal/ and fails on any key missing in either
// language.
package i18n

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// Lang is a supported language tag.
type Lang string

const (
	ZH Lang = "zh-CN" // the default
	EN Lang = "en"
)

// Langs are the supported languages, default first.
var Langs = []Lang{ZH, EN}

// Message is one catalog entry.
type Message struct {
	ZH, EN string
}

var (
	mu         sync.RWMutex
	messages   = map[string]Message{}
	duplicates []string // keys defined twice; the catalog test fails on any
)

// add registers a table of messages; files of this package call it in a
// package-level var so that the catalog is complete before main runs. A
// key defined twice is a mistake the catalog test reports (the first
// definition wins; the server still starts).
func add(m map[string]Message) bool {
	mu.Lock()
	defer mu.Unlock()
	for k, v := range m {
		if _, dup := messages[k]; dup {
			duplicates = append(duplicates, k)
			continue
		}
		messages[k] = v
	}
	return true
}

// T translates key into lang; args fill fmt verbs in the message. A key
// missing from the catalog comes back as itself (and the catalog test fails).
func T(lang Lang, key string, args ...any) string {
	mu.RLock()
	m, ok := messages[key]
	mu.RUnlock()
	s := key
	if ok {
		s = m.ZH
		if lang == EN && m.EN != "" {
			s = m.EN
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key has a non-empty text in lang.
func Has(lang Lang, key string) bool {
	mu.RLock()
	defer mu.RUnlock()
	m, ok := messages[key]
	if !ok {
		return false
	}
	if lang == EN {
		return m.EN != ""
	}
	return m.ZH != ""
}

// Keys lists every catalog key, sorted.
func Keys() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(messages))
	for k := range messages {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Parse maps a language tag ("en", "en-US", "zh", "zh-CN", "zh-Hans") to a
// supported language; ok is false for anything else.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return ZH, false
	case s == "en" || strings.HasPrefix(s, "en-") || strings.HasPrefix(s, "en_"):
		return EN, true
	case s == "zh" || strings.HasPrefix(s, "zh-") || strings.HasPrefix(s, "zh_"):
		return ZH, true
	}
	return ZH, false
}

// CookieName holds the language a visitor chose with the switch.
const CookieName = "kesu_lang"

var matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// FromRequest picks the language: the ?lang= switch, then the cookie the
// switch set, then Accept-Language, then Chinese.
func FromRequest(r *http.Request) Lang {
	if l, ok := Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	if c, err := r.Cookie(CookieName); err == nil {
		if l, ok := Parse(c.Value); ok {
			return l
		}
	}
	if al := r.Header.Get("Accept-Language"); al != "" && len(al) < 512 {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, idx, conf := matcher.Match(tags...)
			if conf != language.No && idx == 1 {
				return EN
			}
		}
	}
	return ZH
}

// Remember stores an explicit ?lang= choice in a cookie so that later pages
// keep it; it returns the language of the request.
func Remember(w http.ResponseWriter, r *http.Request) Lang {
	lang := FromRequest(r)
	if _, ok := Parse(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: string(lang), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	}
	return lang
}

// HTML lang attribute value.
func (l Lang) HTML() string {
	if l == EN {
		return "en"
	}
	return "zh-CN"
}
