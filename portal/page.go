package portal

import (
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/i18n"
	"github.com/kesu/kesu/store"
)

// page is what every template gets; templates translate with {{$.T "key"}}.
type page struct {
	Lang    i18n.Lang
	Path    string // for the language switch
	Title   string // catalog key
	CSRF    string
	Message string // catalog key of the message page
	// Errors maps form fields to catalog keys; ErrorList keeps their order.
	Errors    map[string]string
	ErrorList []fieldError

	Submit     *submitForm
	Categories []categoryOption
	Number     string // submitted, code and tracking pages
	Replayed   bool
	View       *store.CustomerView
	Notice     string // catalog key of a notice on the tracking page
}

type fieldError struct{ Field, Key string }

// T translates a catalog key into the page's language.
func (p *page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// Other is the language the switch offers.
func (p *page) Other() i18n.Lang {
	if p.Lang == i18n.EN {
		return i18n.ZH
	}
	return i18n.EN
}

// OtherName is the switch's label, written in the language it switches to.
func (p *page) OtherName() string {
	if p.Lang == i18n.EN {
		return "中文"
	}
	return "English"
}

// SwitchURL is the current page (or the portal's start, for pages that
// only answer a POST) in the other language.
func (p *page) SwitchURL() string {
	path := p.Path
	switch path {
	case "/portal/", "/portal/submit", "/portal/track", "/portal/complaint":
	default:
		path = "/portal/"
	}
	return path + "?lang=" + url.QueryEscape(string(p.Other()))
}

// HTMLLang is the lang attribute of the page.
func (p *page) HTMLLang() string { return p.Lang.HTML() }

// Err returns the catalog key of a field's error, or "".
func (p *page) Err(field string) string { return p.Errors[field] }

// Invalid is "true" for a field with an error (aria-invalid).
func (p *page) Invalid(field string) string {
	if p.Errors[field] != "" {
		return "true"
	}
	return "false"
}

// Describe links a field to its error text (aria-describedby).
func (p *page) Describe(field string) template.HTMLAttr {
	if p.Errors[field] == "" {
		return ""
	}
	return template.HTMLAttr(`aria-describedby="` + template.HTMLEscapeString(fieldID(field)) + `-error"`)
}

// addError records an error for a field.
func (p *page) addError(field, key string) {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if _, dup := p.Errors[field]; dup {
		return
	}
	p.Errors[field] = key
	p.ErrorList = append(p.ErrorList, fieldError{field, key})
}

// FieldID is the element id of a form field, for error links.
func (p *page) FieldID(field string) string { return fieldID(field) }

// fieldID is the element id of a form field: error summaries link to it,
// and its error text is #<id>-error.
func fieldID(field string) string {
	switch field {
	case "note":
		return "object-note"
	case "body":
		return "reply"
	case "comment":
		return "rate-comment"
	case "satisfaction":
		return "satisfaction-5"
	case "form":
		return "main"
	}
	return strings.NewReplacer(".", "-", "_", "-").Replace(field)
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// Time shows an instant in China time.
func (p *page) Time(t time.Time) string { return t.In(shanghai).Format("2006-01-02 15:04") }

// ISO is an instant for the datetime attribute.
func (p *page) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Status is a status in plain words.
func (p *page) Status(s kesu.Status) string { return p.T("portal.status." + string(s)) }

// StatusHelp explains what a status means for the customer.
func (p *page) StatusHelp(s kesu.Status) string { return p.T("portal.status_help." + string(s)) }

// Remedy names a remedy.
func (p *page) Remedy(r kesu.Remedy) string { return p.T("portal.remedy." + string(r)) }

// RejectReason explains why a complaint was not accepted.
func (p *page) RejectReason(r string) string { return p.T("portal.reject." + r) }

// Recourse names where a customer can turn after a dismissed appeal.
func (p *page) Recourse(r kesu.Recourse) string { return p.T("portal.recourse." + string(r)) }

// Remedies are the choices of the expectation field.
func (p *page) Remedies() []kesu.Remedy { return kesu.Remedies }

// Event describes a timeline entry.
func (p *page) Event(e store.CustomerEvent) string {
	switch e.Type {
	case kesu.EventCreated:
		return p.T("portal.event.created")
	case kesu.EventMessage:
		if e.ByCustomer {
			return p.T("portal.event.message_customer")
		}
		return p.T("portal.event.message_staff")
	case kesu.EventAttachment:
		return p.T("portal.event.attachment")
	case kesu.EventTransition:
		return p.T("portal.action_done." + string(e.Action))
	}
	return p.T("portal.event.other")
}

// Has reports whether the customer may take action now.
func (p *page) Has(action string) bool {
	if p.View == nil {
		return false
	}
	for _, a := range p.View.Actions {
		if string(a) == action {
			return true
		}
	}
	return false
}

// CanPost reports whether the customer may still write and add evidence.
func (p *page) CanPost() bool {
	return p.View != nil && !p.View.Complaint.Status.Terminal()
}

// Stars lists the satisfaction choices.
func (p *page) Stars() []int { return []int{5, 4, 3, 2, 1} }

// Money shows an amount, empty for zero.
func (p *page) Money(m kesu.Money) string {
	if m == 0 {
		return ""
	}
	return m.String()
}
