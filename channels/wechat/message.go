package wechat

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one callback body: a user's message (text, image, voice,
// video, location, link), an event (subscribe, unsubscribe, SCAN, CLICK,
// VIEW, LOCATION ...), or in safe mode the envelope around one (Encrypt).
// Every field is kept as text: the platforms are not consistent about
// numbers (MsgId above 2^63, empty CreateTime), and a field this package
// does not use must never make a body unreadable.
type Message struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"` // the user's OpenID (WeCom: UserID)
	CreateTime   string `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	MsgID        string `xml:"MsgId"`
	AgentID      string `xml:"AgentID"` // WeCom

	Content string `xml:"Content"` // text

	PicURL       string `xml:"PicUrl"` // image
	MediaID      string `xml:"MediaId"`
	Format       string `xml:"Format"`      // voice
	Recognition  string `xml:"Recognition"` // voice, when speech recognition is on
	ThumbMediaID string `xml:"ThumbMediaId"`

	LocationX string `xml:"Location_X"` // location message
	LocationY string `xml:"Location_Y"`
	Scale     string `xml:"Scale"`
	Label     string `xml:"Label"`

	Title       string `xml:"Title"` // link
	Description string `xml:"Description"`
	URL         string `xml:"Url"`

	Event     string `xml:"Event"`
	EventKey  string `xml:"EventKey"`
	Ticket    string `xml:"Ticket"`
	Latitude  string `xml:"Latitude"` // LOCATION event
	Longitude string `xml:"Longitude"`
	Precision string `xml:"Precision"`

	Encrypt string `xml:"Encrypt"` // safe mode envelope
}

// Kinds of message this package acts on; everything else is KindOther.
const (
	KindText        = "text"
	KindImage       = "image"
	KindVoice       = "voice"
	KindVideo       = "video"
	KindLocation    = "location"
	KindLink        = "link"
	KindSubscribe   = "subscribe"
	KindUnsubscribe = "unsubscribe"
	KindScan        = "scan"
	KindClick       = "click"
	KindOther       = "other"
)

// Kind classifies the message.
func (m *Message) Kind() string {
	switch strings.ToLower(m.MsgType) {
	case "text":
		return KindText
	case "image":
		return KindImage
	case "voice":
		return KindVoice
	case "video", "shortvideo":
		return KindVideo
	case "location":
		return KindLocation
	case "link":
		return KindLink
	case "event":
		switch strings.ToLower(m.Event) {
		case "subscribe":
			return KindSubscribe
		case "unsubscribe":
			return KindUnsubscribe
		case "scan":
			return KindScan
		case "click":
			return KindClick
		}
	}
	return KindOther
}

// IsEvent reports whether the body is an event rather than a user's message.
func (m *Message) IsEvent() bool { return strings.EqualFold(m.MsgType, "event") }

// Created is CreateTime as a time; zero if absent or malformed.
func (m *Message) Created() time.Time {
	s, err := strconv.ParseInt(strings.TrimSpace(m.CreateTime), 10, 64)
	if err != nil || s <= 0 || s > 1<<40 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

// DedupKey identifies the message across platform retries: the MsgId of a
// message, else sender, time and event of an event (as WeChat advises).
func (m *Message) DedupKey() string {
	if id := strings.TrimSpace(m.MsgID); id != "" {
		return "m:" + id
	}
	return "e:" + m.FromUserName + ":" + strings.TrimSpace(m.CreateTime) + ":" + m.Event + ":" + m.EventKey
}

// MaxBody is the largest callback body read, in bytes; WeChat's are a few KiB.
const MaxBody = 64 << 10

// ErrNotCallback is returned for input that is not a callback body.
var ErrNotCallback = errors.New("wechat: not a callback XML body")

// Parse reads a callback body. It refuses what is not one <xml> element
// (or is too large) and accepts any set of fields inside it.
func Parse(body []byte) (*Message, error) {
	if len(body) > MaxBody {
		return nil, ErrNotCallback
	}
	if !utf8.Valid(body) {
		return nil, ErrNotCallback
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	// No external entities or other charsets: WeChat sends UTF-8.
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return r, nil
		}
		return nil, ErrNotCallback
	}
	var m Message
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, ErrNotCallback
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "xml" {
				return nil, ErrNotCallback
			}
			if err := dec.DecodeElement(&m, &se); err != nil {
				return nil, ErrNotCallback
			}
			break
		}
	}
	// Nothing but white space, comments or processing instructions may follow.
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ErrNotCallback
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, ErrNotCallback
			}
		case xml.StartElement:
			return nil, ErrNotCallback
		}
	}
	m.trim()
	return &m, nil
}

func (m *Message) trim() {
	for _, p := range []*string{&m.ToUserName, &m.FromUserName, &m.CreateTime, &m.MsgType, &m.MsgID, &m.AgentID,
		&m.MediaID, &m.Format, &m.LocationX, &m.LocationY, &m.Scale, &m.Event, &m.EventKey, &m.Encrypt} {
		*p = strings.TrimSpace(*p)
	}
}
