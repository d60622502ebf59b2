package notify

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/kesu/kesu"
)

// Message templates, zh-CN first and English second. Subjects of messages
// about a complaint always contain its number (the email channel matches
// replies by it). Templates are rendered at send time from the database.

type lang string

const (
	zh lang = "zh-CN"
	en lang = "en"
)

func parseLang(s string) lang {
	if strings.HasPrefix(strings.ToLower(s), "en") {
		return en
	}
	return zh
}

// source is one template: a subject (the title of an in-app notification)
// and a plain-text body.
type source struct{ subject, body string }

var sources = map[string]map[lang]source{
	// Acknowledgement to the customer on registration.
	"ack": {
		zh: {"【{{.Number}}】您的投诉已登记",
			`{{if .CustomerName}}{{.CustomerName}}，您好：{{else}}您好：{{end}}

我们已收到您的{{.KindLabel}}，编号为 {{.Number}}，请保存以便查询进度。
{{if .Title}}事由：{{.Title}}
{{end}}负责处理：{{.Handler}}
{{if .Due}}承诺办结时间：{{.Due}}
{{end}}
我们会尽快与您联系。如需补充信息，请直接回复本邮件（请保留主题中的编号）。

此邮件由客诉系统自动发送。`},
		en: {"[{{.Number}}] Your complaint has been registered",
			`{{if .CustomerName}}Dear {{.CustomerName}},{{else}}Hello,{{end}}

We have received your {{.KindLabel}}. Its number is {{.Number}}; please keep it to follow its progress.
{{if .Title}}Subject: {{.Title}}
{{end}}Handled by: {{.Handler}}
{{if .Due}}We promise a resolution by: {{.Due}}
{{end}}
We will contact you soon. To add information, reply to this email (keep the number in the subject).

This email was sent automatically by kesu.`},
	},
	// A customer-visible status change.
	"status": {
		zh: {"【{{.Number}}】投诉进度：{{.StatusLabel}}",
			`{{if .CustomerName}}{{.CustomerName}}，您好：{{else}}您好：{{end}}

您的投诉 {{.Number}} 当前状态：{{.StatusLabel}}。
{{if .Note}}
说明：{{.Note}}
{{end}}{{if .Due}}承诺办结时间：{{.Due}}
{{end}}
如有疑问，请直接回复本邮件（请保留主题中的编号）。`},
		en: {"[{{.Number}}] Complaint status: {{.StatusLabel}}",
			`{{if .CustomerName}}Dear {{.CustomerName}},{{else}}Hello,{{end}}

Your complaint {{.Number}} is now: {{.StatusLabel}}.
{{if .Note}}
Note: {{.Note}}
{{end}}{{if .Due}}We promise a resolution by: {{.Due}}
{{end}}
If you have questions, reply to this email (keep the number in the subject).`},
	},
	// A message an agent writes to the customer.
	"message": {
		zh: {"【{{.Number}}】关于您的投诉的回复", `{{.Body}}

——
投诉编号：{{.Number}}
回复本邮件即可继续沟通（请保留主题中的编号）。`},
		en: {"[{{.Number}}] Reply about your complaint", `{{.Body}}

--
Complaint number: {{.Number}}
Reply to this email to continue (keep the number in the subject).`},
	},
	// The same three by SMS, to a customer who left only a mobile number
	// (renderMessage picks the "_sms" form for channel sms).
	"ack_sms": {
		zh: {"", `您的{{.KindLabel}}已登记，编号 {{.Number}}。{{if .Due}}我们承诺于{{.Due}}前办结。{{end}}凭编号和本手机号可在投诉查询页面查看进度。`},
		en: {"", `Your {{.KindLabel}} has been registered as {{.Number}}.{{if .Due}} We promise a resolution by {{.Due}}.{{end}} Follow it on the complaint tracking page with this number and your phone.`},
	},
	"status_sms": {
		zh: {"", `您的投诉 {{.Number}} 当前状态：{{.StatusLabel}}。{{if .Note}}说明：{{.Note}}{{end}}`},
		en: {"", `Your complaint {{.Number}} is now: {{.StatusLabel}}.{{if .Note}} Note: {{.Note}}{{end}}`},
	},
	"message_sms": {
		zh: {"", `关于您的投诉 {{.Number}}：{{.Body}}`},
		en: {"", `About your complaint {{.Number}}: {{.Body}}`},
	},
	// A one-time code for the customer portal.
	"otp": {
		zh: {"【{{.Number}}】查询验证码", `您的验证码是 {{.Code}}，用于查询投诉 {{.Number}}，10 分钟内有效。请勿告诉他人。`},
		en: {"[{{.Number}}] Your verification code", `Your code is {{.Code}} for complaint {{.Number}}. It is valid for 10 minutes. Do not share it.`},
	},

	// In-app notifications for staff: subject is the title.
	"dispatched": {
		zh: {"新派单 {{.Number}}", `投诉 {{.Number}}「{{.Title}}」已派至{{.Department}}，请签收。`},
		en: {"New dispatch {{.Number}}", `Complaint {{.Number}} "{{.Title}}" was dispatched to {{.Department}}; please sign for it.`},
	},
	"assigned": {
		zh: {"分配给您：{{.Number}}", `投诉 {{.Number}}「{{.Title}}」已分配给您处理。`},
		en: {"Assigned to you: {{.Number}}", `Complaint {{.Number}} "{{.Title}}" is now yours to handle.`},
	},
	"sla_warning": {
		zh: {"即将超时 {{.Number}}", `投诉 {{.Number}}「{{.Title}}」即将超过时限。{{.Note}}`},
		en: {"Deadline approaching {{.Number}}", `Complaint {{.Number}} "{{.Title}}" is close to its deadline. {{.Note}}`},
	},
	"sla_breach": {
		zh: {"已超时 {{.Number}}", `投诉 {{.Number}}「{{.Title}}」已超过时限。{{.Note}}`},
		en: {"Deadline missed {{.Number}}", `Complaint {{.Number}} "{{.Title}}" has missed its deadline. {{.Note}}`},
	},
	"escalated": {
		zh: {"督办升级 {{.Number}}", `投诉 {{.Number}}「{{.Title}}」已升级至第 {{.Escalation}} 级督办。{{.Note}}`},
		en: {"Escalated {{.Number}}", `Complaint {{.Number}} "{{.Title}}" was escalated to level {{.Escalation}}. {{.Note}}`},
	},
	"reminder": {
		zh: {"催办 {{.Number}}", `请尽快处理投诉 {{.Number}}「{{.Title}}」。{{.Note}}`},
		en: {"Reminder {{.Number}}", `Please act on complaint {{.Number}} "{{.Title}}". {{.Note}}`},
	},
}

var compiled = compileTemplates()

// smsVariant names the SMS form of a template; smsTextLimit bounds the
// free text (a note, a reply) carried in one (several concatenated parts).
const (
	smsVariant   = "_sms"
	smsTextLimit = 300
)

// clip cuts s to at most n characters, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

type compiledSource struct{ subject, body *template.Template }

func compileTemplates() map[string]map[lang]compiledSource {
	out := map[string]map[lang]compiledSource{}
	for key, byLang := range sources {
		out[key] = map[lang]compiledSource{}
		for l, s := range byLang {
			out[key][l] = compiledSource{
				subject: template.Must(template.New(key + ".subject").Option("missingkey=zero").Parse(s.subject)),
				body:    template.Must(template.New(key + ".body").Option("missingkey=zero").Parse(s.body)),
			}
		}
	}
	return out
}

// HasTemplate reports whether key names a template.
func HasTemplate(key string) bool { _, ok := compiled[key]; return ok }

// view is what templates see.
type view struct {
	Number, Title, CustomerName string
	KindLabel, StatusLabel      string
	Handler, Department         string
	Due                         string // promised resolution time, formatted; "" when unknown
	Note, Body, Code            string
	Escalation                  int
}

// render fills template key in language l. Subjects are one line.
func render(key string, l lang, v view) (subject, body string, err error) {
	byLang, ok := compiled[key]
	if !ok {
		return "", "", fmt.Errorf("no template %q", key)
	}
	c, ok := byLang[l]
	if !ok {
		c = byLang[zh]
	}
	var sb, bb bytes.Buffer
	if err := c.subject.Execute(&sb, v); err != nil {
		return "", "", err
	}
	if err := c.body.Execute(&bb, v); err != nil {
		return "", "", err
	}
	subject = strings.Join(strings.Fields(sb.String()), " ")
	return subject, strings.TrimSpace(bb.String()) + "\n", nil
}

// labels of codes, zh-CN and English.
var labels = map[string][2]string{
	"kind.complaint":  {"投诉", "complaint"},
	"kind.feedback":   {"意见", "feedback"},
	"kind.suggestion": {"建议", "suggestion"},

	"status.registered":        {"已登记", "registered"},
	"status.rejected":          {"不予受理", "not accepted"},
	"status.accepted":          {"已受理", "accepted"},
	"status.dispatched":        {"已派单", "dispatched"},
	"status.in_progress":       {"处理中", "in progress"},
	"status.awaiting_customer": {"待您反馈", "waiting for your reply"},
	"status.solution_proposed": {"方案待您确认", "solution proposed, waiting for your answer"},
	"status.executing":         {"方案执行中", "solution being carried out"},
	"status.resolved":          {"已解决", "resolved"},
	"status.closed":            {"已结案", "closed"},
	"status.appealed":          {"申诉处理中", "appeal under review"},
	"status.withdrawn":         {"已撤诉", "withdrawn"},
	"status.merged":            {"已合并", "merged"},

	"handler.pending": {"客服中心（待分派）", "customer service (being assigned)"},
}

func label(l lang, key string) string {
	v, ok := labels[key]
	if !ok {
		return key[strings.IndexByte(key, '.')+1:]
	}
	if l == en {
		return v[1]
	}
	return v[0]
}

// formatDue formats a promised time in loc for people.
func formatDue(l lang, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if l == en {
		return t.Format("2 Jan 2006 15:04 (MST)")
	}
	return t.Format("2006年1月2日 15:04")
}

// complaintView fills the complaint part of a view.
func complaintView(l lang, c kesu.Complaint, departmentName, assigneeName string) view {
	v := view{Number: c.Number, Title: c.Title, CustomerName: c.Customer.Name, Escalation: c.Escalation,
		KindLabel: label(l, "kind."+string(c.Kind)), StatusLabel: label(l, "status."+string(c.Status)),
		Department: departmentName}
	if v.Department == "" {
		v.Department = c.Department
	}
	switch {
	case assigneeName != "" && v.Department != "":
		v.Handler = v.Department + " " + assigneeName
	case assigneeName != "":
		v.Handler = assigneeName
	case v.Department != "":
		v.Handler = v.Department
	default:
		v.Handler = label(l, "handler.pending")
	}
	return v
}
