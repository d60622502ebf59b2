package wechat

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// texts are the replies of the guided exchange, zh-CN first and English
// second (to move into the i18n catalog). The exchange answers in Chinese.
var texts = map[string][2]string{
	"welcome": {"您好，欢迎关注！如需投诉或反馈，请直接发送文字描述问题，我们会为您登记并告知投诉编号。",
		"Welcome! To make a complaint, just describe the problem in a message; we will register it and tell you its number."},
	"ask_description": {"请用文字描述您遇到的问题（发生了什么、涉及的商品或订单号、您希望如何解决）。",
		"Please describe the problem in words (what happened, the product or order number, how you would like it solved)."},
	"ask_phone": {"已记录您的问题。请留下您的手机号码，方便我们联系您（不便留下请回复“跳过”）。",
		"Noted. Please leave your mobile number so we can reach you (reply \"skip\" if you prefer not to)."},
	"ask_phone_again": {"已补充到您的描述。请回复11位手机号码，或回复“跳过”。",
		"Added to your description. Please reply with your mobile number, or \"skip\"."},
	"registered": {"您的投诉已登记，编号：%s。我们将在24小时内与您联系。之后在此发送的消息会补充到这条投诉。",
		"Your complaint is registered as %s. We will contact you within 24 hours; later messages here are added to it."},
	"has_open": {"您有一条处理中的投诉（编号 %s），直接发送消息即可补充说明。",
		"You have a complaint in progress (%s); send a message here to add to it."},
	"appended": {"已收到，已补充到您的投诉 %s。",
		"Received and added to your complaint %s."},
}

func text(key string, args ...any) string {
	t := texts[key][0]
	if len(args) > 0 {
		return fmt.Sprintf(t, args...)
	}
	return t
}

// Guided steps: what the user's next text answers.
const (
	stepDescription = "description"
	stepPhone       = "phone"
)

var (
	mobilePattern = regexp.MustCompile(`(?:\+?86[ -]?)?(1[3-9][0-9](?:[ -]?[0-9]{4}){2})`)
	skipWords     = []string{"跳过", "不用", "不方便", "不留", "skip", "no"}
)

// minDescription is the shortest text taken as a description: "你好" or
// "投诉" only opens the exchange.
const minDescription = 6

// customerActor is the author of a WeChat user's messages.
func customerActor(openID string) kesu.Actor {
	return kesu.Actor{Role: kesu.RoleCustomer, Name: "微信用户 " + openID}
}

// wechatActor registers complaints that arrive by WeChat.
var wechatActor = kesu.Actor{Role: kesu.RoleSystem, Name: "wechat"}

// handle acts on one authenticated, new message and returns the text to
// answer with ("" for none).
func (h *Handler) handle(ctx context.Context, acc store.WeChatAccount, msg *Message, now time.Time) (string, error) {
	kind := msg.Kind()
	switch kind {
	case KindSubscribe, KindScan:
		return text("welcome"), nil
	case KindUnsubscribe, KindOther:
		return "", nil
	}
	if msg.FromUserName == "" || utf8.RuneCountInString(msg.FromUserName) > 128 {
		return "", nil // no sender to answer or record
	}
	sess, _, err := h.db.WeChatSessionOf(ctx, acc.ID, msg.FromUserName)
	if err != nil {
		return "", err
	}
	if kind == KindClick {
		key := strings.ToLower(msg.EventKey)
		if !strings.Contains(key, "complain") && !strings.Contains(key, "投诉") && !strings.Contains(key, "feedback") {
			return "", nil
		}
		if c, ok, err := h.openComplaint(ctx, sess); err != nil || ok {
			if err != nil {
				return "", err
			}
			return text("has_open", c.Number), nil
		}
		sess.Step = stepDescription
		return text("ask_description"), h.db.SaveWeChatSession(ctx, sess, now)
	}
	body := describe(msg)
	if body == "" {
		return "", nil
	}
	// A user with an open complaint adds to it.
	if c, ok, err := h.openComplaint(ctx, sess); err != nil {
		return "", err
	} else if ok {
		if _, err := h.db.AddPost(ctx, c.Number, kesu.NewPost{Body: body, Visibility: kesu.VisibilityCustomer},
			customerActor(msg.FromUserName), now); err != nil {
			return "", err
		}
		return text("appended", c.Number), nil
	}
	return h.guide(ctx, acc, &sess, msg, kind, body, now)
}

// openComplaint is the complaint the user's messages go to: the newest open
// one of the customer with this OpenID (the exchange's complaint, or one
// registered by another door for the same customer).
func (h *Handler) openComplaint(ctx context.Context, sess store.WeChatSession) (kesu.Complaint, bool, error) {
	return h.db.OpenComplaintOfMessenger(ctx, sess.OpenID)
}

// guide moves the exchange one step and registers the complaint when it
// knows enough.
func (h *Handler) guide(ctx context.Context, acc store.WeChatAccount, sess *store.WeChatSession, msg *Message, kind, body string, now time.Time) (string, error) {
	d := &sess.Draft
	switch {
	case sess.Step == stepPhone && kind == KindText:
		t := strings.TrimSpace(msg.Content)
		if p := findMobile(t); p != "" {
			d.Phone = p
		} else if isSkip(t) {
			d.Phone = "-"
		} else {
			d.Description = appendLine(d.Description, t)
			return text("ask_phone_again"), h.db.SaveWeChatSession(ctx, *sess, now)
		}
	default:
		if kind == KindText && d.Description == "" && utf8.RuneCountInString(strings.TrimSpace(msg.Content)) < minDescription {
			sess.Step = stepDescription
			return text("ask_description"), h.db.SaveWeChatSession(ctx, *sess, now)
		}
		d.Description = appendLine(d.Description, body)
		if kind != KindText && kind != KindVoice && !hasWords(d.Description) {
			// A picture or a place alone does not say what is wrong.
			sess.Step = stepDescription
			return text("ask_description"), h.db.SaveWeChatSession(ctx, *sess, now)
		}
		if d.Phone == "" {
			if p := findMobile(msg.Content + " " + msg.Recognition); p != "" {
				d.Phone = p
			} else {
				sess.Step = stepPhone
				return text("ask_phone"), h.db.SaveWeChatSession(ctx, *sess, now)
			}
		}
	}
	// Enough to register.
	in := kesu.NewComplaint{
		Kind: kesu.KindComplaint, Channel: kesu.ChannelWeChat, Description: truncate(d.Description, kesu.MaxDescription),
		Customer:   kesu.Customer{WeChatID: msg.FromUserName},
		ExternalID: "wechat:" + acc.Name + ":" + msg.DedupKey(),
	}
	if d.Phone != "-" {
		in.Customer.Phone = d.Phone
	}
	res, err := h.db.CreateComplaint(ctx, in, wechatActor, now, nil)
	if err != nil {
		return "", err
	}
	*sess = store.WeChatSession{AccountID: sess.AccountID, OpenID: sess.OpenID, ComplaintID: res.Complaint.ID}
	if err := h.db.SaveWeChatSession(ctx, *sess, now); err != nil {
		return "", err
	}
	return text("registered", res.Complaint.Number), nil
}

// describe renders a user's message as text for a complaint's timeline.
func describe(m *Message) string {
	switch m.Kind() {
	case KindText:
		return strings.TrimSpace(m.Content)
	case KindVoice:
		if r := strings.TrimSpace(m.Recognition); r != "" {
			return r
		}
		return "[语音 voice] media " + m.MediaID
	case KindImage:
		return "[图片 image] " + firstNonEmpty(m.PicURL, "media "+m.MediaID)
	case KindVideo:
		return "[视频 video] media " + m.MediaID
	case KindLocation:
		return fmt.Sprintf("[位置 location] %s (%s, %s)", m.Label, m.LocationX, m.LocationY)
	case KindLink:
		return strings.TrimSpace(fmt.Sprintf("[链接 link] %s %s %s", m.Title, m.Description, m.URL))
	}
	return ""
}

func firstNonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// hasWords reports whether the draft holds typed text, not only the markers
// of pictures, places and links.
func hasWords(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if line != "" && !strings.HasPrefix(line, "[") {
			return true
		}
	}
	return false
}

func findMobile(s string) string {
	m := mobilePattern.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return strings.NewReplacer(" ", "", "-", "").Replace(m[1])
}

func isSkip(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, w := range skipWords {
		if s == w {
			return true
		}
	}
	return false
}

func appendLine(s, line string) string {
	line = strings.TrimSpace(line)
	if s == "" {
		return line
	}
	if line == "" {
		return s
	}
	return s + "\n" + line
}

func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max])
}
