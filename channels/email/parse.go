// Package email takes complaints in by email (IMAP) and threads replies out
// (through the outbox). Its parser is written for what Chinese mail really
// looks like: GB2312, GBK, GB18030 and Big5 bodies, raw 8-bit headers,
// RFC 2047 words split in the middle of a character, charsets declared
// wrongly, HTML-only bodies, attachments and inline images.
package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits protecting the parser from hostile input.
const (
	MaxMessageSize = 40 << 20
	maxDepth       = 16
	maxParts       = 200
	maxRefs        = 50
)

// Address is a mailbox: display name and address.
type Address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// Part is an attachment or inline image kept as evidence.
type Part struct {
	Filename    string
	ContentType string // as declared; file storage sniffs the real one
	ContentID   string
	Inline      bool
	Data        []byte
}

// Message is a parsed email.
type Message struct {
	MessageID  string // without angle brackets
	InReplyTo  []string
	References []string
	From       Address
	ReplyTo    *Address
	Subject    string
	Date       time.Time // zero when missing or unreadable
	Text       string    // the body as plain text
	FromHTML   bool      // Text was made from an HTML body
	Parts      []Part
	Header     Header
}

// Field is one header field, its value still raw (undecoded).
type Field struct {
	Name  string
	Value []byte
}

// Header is a message's or a part's header in order.
type Header []Field

// Get returns the first field named name (case-insensitive), raw.
func (h Header) Get(name string) []byte {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return nil
}

// Has reports whether the header has a field named name.
func (h Header) Has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// ParseError is a message that cannot be taken in; it goes to quarantine.
type ParseError struct{ Reason string }

func (e *ParseError) Error() string { return "unparseable message: " + e.Reason }

func parseErr(format string, args ...any) error {
	return &ParseError{Reason: fmt.Sprintf(format, args...)}
}

// ContentKey identifies a message independently of the path it took: the
// SHA-256 of its bytes with line endings normalised and without the trace
// fields that servers prepend (Received, Return-Path, Delivered-To ...), so
// the same message fetched again, or fed from a file, is recognised.
func ContentKey(raw []byte) string {
	raw = normalizeNewlines(raw)
	h := sha256.New()
	head, body, ok := splitHeader(raw)
	if !ok {
		h.Write(raw)
	} else {
		for _, f := range parseFields(head) {
			if traceField(f.Name) {
				continue
			}
			h.Write([]byte(strings.ToLower(f.Name)))
			h.Write([]byte{':'})
			h.Write(bytes.TrimSpace(f.Value))
			h.Write([]byte{'\n'})
		}
		h.Write([]byte{'\n'})
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func traceField(name string) bool {
	switch strings.ToLower(name) {
	case "received", "return-path", "delivered-to", "x-original-to", "x-envelope-from", "x-envelope-to",
		"x-delivered-to", "x-uid", "status", "x-status", "x-keywords", "x-mozilla-status", "x-mozilla-status2",
		"content-length", "lines", "x-spam-status", "x-spam-level", "x-spam-checker-version", "x-spam-flag":
		return true
	}
	return false
}

func normalizeNewlines(b []byte) []byte {
	if !bytes.Contains(b, []byte("\r")) {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}

// splitHeader separates the header block from the body at the first empty
// line; a leading mbox "From " line is dropped.
func splitHeader(b []byte) (head, body []byte, ok bool) {
	if bytes.HasPrefix(b, []byte("From ")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		} else {
			return nil, nil, false
		}
	}
	if bytes.HasPrefix(b, []byte("\n")) {
		return nil, b[1:], true // no header at all
	}
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		return b[:i+1], b[i+2:], true
	}
	return b, nil, true // header only
}

// parseFields reads header fields leniently: folded lines are joined,
// lines without a colon are skipped, names may contain anything but a colon
// (real mail has names that net/textproto refuses).
func parseFields(head []byte) Header {
	var h Header
	for _, line := range bytes.Split(head, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(h) > 0 {
			last := &h[len(h)-1]
			if len(last.Value) < 64<<10 {
				last.Value = append(append(last.Value, ' '), bytes.TrimLeft(line, " \t")...)
			}
			continue
		}
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			continue
		}
		name := strings.TrimSpace(string(line[:i]))
		if name == "" {
			continue
		}
		h = append(h, Field{Name: name, Value: append([]byte(nil), bytes.TrimSpace(line[i+1:])...)})
	}
	return h
}

// Parse reads a message. It fails (a *ParseError) only when nothing usable
// can be made of it: no header, no sender address, or no content at all.
func Parse(raw []byte) (*Message, error) {
	if len(raw) > MaxMessageSize {
		return nil, parseErr("the message is larger than %d bytes", MaxMessageSize)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, parseErr("the message is empty")
	}
	raw = normalizeNewlines(raw)
	head, body, ok := splitHeader(raw)
	if !ok {
		return nil, parseErr("no header")
	}
	h := parseFields(head)
	if len(h) == 0 {
		return nil, parseErr("no header fields")
	}
	// Raw 8-bit header text is most likely in the charset of the body.
	hint := bodyCharset(h)
	m := &Message{Header: h}
	m.Subject = cleanLine(decodeHeader(h.Get("Subject"), hint))
	m.MessageID = firstID(h.Get("Message-ID"))
	m.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	m.References = msgIDs(h.Get("References"))
	if d := h.Get("Date"); d != nil {
		if t, err := mail.ParseDate(strings.TrimSpace(string(d))); err == nil {
			m.Date = t
		}
	}
	for _, name := range []string{"From", "Sender", "Reply-To", "Return-Path"} {
		if a, ok := parseAddress(h.Get(name), hint); ok {
			m.From = a
			break
		}
	}
	if a, ok := parseAddress(h.Get("Reply-To"), hint); ok {
		m.ReplyTo = &a
	}
	if m.From.Email == "" {
		return nil, parseErr("no sender address (From)")
	}
	w := walker{msg: m}
	w.walk(h, body, 0, "")
	if w.err != nil {
		return nil, w.err
	}
	text := strings.TrimSpace(strings.Join(w.texts, "\n\n"))
	if text == "" && len(w.htmls) > 0 {
		text = strings.TrimSpace(strings.Join(w.htmls, "\n\n"))
		m.FromHTML = true
	}
	m.Text = text
	if m.Text == "" && m.Subject == "" && len(m.Parts) == 0 {
		return nil, parseErr("no subject, text or attachment")
	}
	return m, nil
}

// bodyCharset is the charset declared in the top-level Content-Type or,
// for multipart messages, in the first text part found later ("" here).
func bodyCharset(h Header) string {
	_, params := parseContentType(h.Get("Content-Type"), "")
	return params["charset"]
}

// cleanLine makes a header value one line of printable text.
func cleanLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func msgIDs(v []byte) []string {
	if len(v) == 0 {
		return nil
	}
	var out []string
	s := string(v)
	for len(out) < maxRefs {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		if id := cleanID(s[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		s = s[i+j+1:]
	}
	if len(out) == 0 {
		for _, f := range strings.Fields(string(v)) {
			if id := cleanID(f); strings.Contains(id, "@") && len(out) < maxRefs {
				out = append(out, id)
			}
		}
	}
	return out
}

func firstID(v []byte) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

func cleanID(s string) string {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), "<>"))
	if len(s) > 250 || !utf8.ValidString(s) || strings.ContainsAny(s, " \t\r\n") {
		return ""
	}
	return s
}

// parseAddress reads the first mailbox of an address field, decoding the
// display name (encoded words or raw 8-bit text).
func parseAddress(v []byte, hint string) (Address, bool) {
	if len(bytes.TrimSpace(v)) == 0 {
		return Address{}, false
	}
	decoded := decodeHeader(v, hint)
	if list, err := (&mail.AddressParser{}).ParseList(decoded); err == nil && len(list) > 0 {
		if a, ok := checkAddress(list[0].Name, list[0].Address); ok {
			return a, true
		}
	}
	// Lenient fallback: the first thing that looks like an address.
	s := decoded
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			name := strings.Trim(strings.TrimSpace(s[:i]), `"`)
			if a, ok := checkAddress(name, s[i+1:i+j]); ok {
				return a, true
			}
		}
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '(' || r == ')' }) {
		if a, ok := checkAddress("", strings.Trim(f, "<>\"'")); ok {
			return a, true
		}
	}
	return Address{}, false
}

func checkAddress(name, addr string) (Address, bool) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || len(addr) > 254 || strings.ContainsAny(addr, " \t<>\"(),;:\\[]") || !utf8.ValidString(addr) {
		return Address{}, false
	}
	if !strings.Contains(addr[at+1:], ".") && addr[at+1:] != "localhost" {
		return Address{}, false
	}
	return Address{Name: cleanLine(name), Email: addr}, true
}

// walker collects the text and attachments of a MIME tree.
type walker struct {
	msg   *Message
	texts []string
	htmls []string
	parts int
	err   error
}

func (w *walker) walk(h Header, body []byte, depth int, parentType string) {
	w.parts++
	if depth > maxDepth || w.parts > maxParts {
		w.err = parseErr("too deeply nested or too many parts")
		return
	}
	defaultType := "text/plain"
	if parentType == "multipart/digest" {
		defaultType = "message/rfc822"
	}
	ctype, params := parseContentType(h.Get("Content-Type"), defaultType)
	disp, dparams := parseContentType(h.Get("Content-Disposition"), "")
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	filename = decodeParam(filename, params["charset"])
	if strings.HasPrefix(ctype, "multipart/") {
		boundary := params["boundary"]
		if boundary == "" {
			boundary = guessBoundary(body)
		}
		if boundary == "" {
			// A multipart without boundary: keep whatever text it has.
			w.texts = append(w.texts, decodeText(decodeTransfer(h, body), ""))
			return
		}
		subs := splitMultipart(body, boundary)
		switch ctype {
		case "multipart/alternative":
			w.alternative(subs, depth)
		case "multipart/signed":
			if len(subs) > 0 {
				sh, sb, _ := splitPart(subs[0])
				w.walk(sh, sb, depth+1, ctype)
			}
		default:
			for _, sub := range subs {
				sh, sb, _ := splitPart(sub)
				w.walk(sh, sb, depth+1, ctype)
			}
		}
		return
	}
	data := decodeTransfer(h, body)
	attachment := disp == "attachment" || (filename != "" && disp != "inline" && !strings.HasPrefix(ctype, "text/"))
	switch {
	case ctype == "application/pgp-signature" || ctype == "application/pkcs7-signature" || ctype == "application/x-pkcs7-signature":
		return // a signature is not evidence
	case !attachment && (ctype == "text/plain" || ctype == "text/enriched" || ctype == "text/richtext") && filename == "":
		t := decodeText(data, params["charset"])
		if ctype != "text/plain" {
			t = stripEnriched(t)
		}
		w.texts = append(w.texts, strings.TrimSpace(t))
	case !attachment && ctype == "text/html" && filename == "":
		w.htmls = append(w.htmls, htmlToText(decodeText(data, htmlCharset(params["charset"], data))))
	default:
		if len(data) == 0 {
			return
		}
		if filename == "" {
			filename = defaultFilename(ctype, len(w.msg.Parts)+1)
		}
		w.msg.Parts = append(w.msg.Parts, Part{Filename: filename, ContentType: ctype,
			ContentID: firstID(h.Get("Content-ID")), Inline: disp == "inline" || parentType == "multipart/related", Data: data})
	}
}

// alternative keeps the plain text if there is one, else the HTML, else
// whatever the richest part is.
func (w *walker) alternative(subs [][]byte, depth int) {
	var plain, other [][]byte
	for _, sub := range subs {
		sh, _, _ := splitPart(sub)
		ct, _ := parseContentType(sh.Get("Content-Type"), "text/plain")
		if ct == "text/plain" {
			plain = append(plain, sub)
		} else {
			other = append(other, sub)
		}
	}
	pick := plain
	if len(pick) == 0 {
		for _, sub := range other {
			sh, _, _ := splitPart(sub)
			if ct, _ := parseContentType(sh.Get("Content-Type"), ""); ct == "text/html" || strings.HasPrefix(ct, "multipart/") {
				pick = [][]byte{sub}
				break
			}
		}
	}
	if len(pick) == 0 && len(other) > 0 {
		pick = other[:1]
	}
	for _, sub := range pick {
		sh, sb, _ := splitPart(sub)
		w.walk(sh, sb, depth+1, "multipart/alternative")
	}
}

func splitPart(b []byte) (Header, []byte, bool) {
	if bytes.HasPrefix(b, []byte("\n")) {
		return nil, b[1:], true
	}
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		return parseFields(b[:i+1]), b[i+2:], true
	}
	return parseFields(b), nil, false
}

// splitMultipart cuts a multipart body at its boundary lines; preamble and
// epilogue are dropped. A missing closing boundary ends at the body's end.
func splitMultipart(body []byte, boundary string) [][]byte {
	delim := []byte("--" + boundary)
	var parts [][]byte
	var cur []byte
	in := false
	for len(body) > 0 {
		line := body
		rest := []byte(nil)
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, rest = body[:i], body[i+1:]
		}
		body = rest
		trimmed := bytes.TrimRight(line, " \t")
		if bytes.HasPrefix(trimmed, delim) {
			tail := trimmed[len(delim):]
			if len(tail) == 0 || bytes.Equal(tail, []byte("--")) {
				if in {
					parts = append(parts, cur)
				}
				cur, in = nil, true
				if len(tail) == 2 {
					in = false
					break
				}
				continue
			}
		}
		if in {
			cur = append(cur, line...)
			cur = append(cur, '\n')
		}
	}
	if in && len(cur) > 0 {
		parts = append(parts, cur)
	}
	for i, p := range parts {
		// The line break before a boundary belongs to the boundary.
		parts[i] = bytes.TrimSuffix(p, []byte("\n"))
	}
	return parts
}

// guessBoundary finds a boundary in a multipart body whose Content-Type
// lost it: the first line starting with "--".
func guessBoundary(body []byte) string {
	for _, line := range bytes.SplitN(body, []byte("\n"), 200) {
		line = bytes.TrimSpace(line)
		if len(line) > 4 && bytes.HasPrefix(line, []byte("--")) && !bytes.HasSuffix(line, []byte("--")) && len(line) < 200 {
			return string(line[2:])
		}
	}
	return ""
}

// parseContentType reads "type/subtype; a=b; c*=utf-8”..." leniently:
// names lowercased, quotes removed, RFC 2231 continuations and charsets
// joined and decoded.
func parseContentType(v []byte, def string) (string, map[string]string) {
	params := map[string]string{}
	s := string(v)
	segs := splitParams(s)
	t := def
	if len(segs) > 0 {
		if x := strings.ToLower(strings.TrimSpace(segs[0])); x != "" && !strings.Contains(x, "=") {
			t = x
		} else if strings.Contains(x, "=") {
			segs = append([]string{""}, segs...)
		}
	}
	if i := strings.IndexAny(t, " \t("); i >= 0 {
		t = t[:i]
	}
	if t != "" && !strings.Contains(t, "/") && def != "" && t != "attachment" && t != "inline" {
		t = def
	}
	type cont struct {
		parts   map[int]string
		encoded bool
	}
	conts := map[string]*cont{}
	for _, seg := range segs[min(1, len(segs)):] {
		k, val, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`), `\\`, `\`)
		}
		if base, rest, ok := strings.Cut(k, "*"); ok {
			c := conts[base]
			if c == nil {
				c = &cont{parts: map[int]string{}}
				conts[base] = c
			}
			n := 0
			rest = strings.TrimSuffix(rest, "*")
			if rest != "" {
				fmt.Sscanf(rest, "%d", &n)
			}
			if strings.HasSuffix(k, "*") {
				if n == 0 {
					c.encoded = true
				}
				val = "\x00" + val // marks a percent-encoded section
			}
			if n >= 0 && n < 100 {
				c.parts[n] = val
			}
			continue
		}
		if _, dup := params[k]; !dup {
			params[k] = val
		}
	}
	for name, c := range conts {
		var raw []byte
		charset := ""
		for i := 0; i < len(c.parts); i++ {
			p, ok := c.parts[i]
			if !ok {
				break
			}
			if strings.HasPrefix(p, "\x00") {
				p = p[1:]
				if i == 0 && c.encoded {
					if cs, rest, ok := strings.Cut(p, "'"); ok {
						charset = cs
						if _, rest2, ok := strings.Cut(rest, "'"); ok {
							p = rest2
						}
					}
				}
				raw = append(raw, percentDecode(p)...)
			} else {
				raw = append(raw, p...)
			}
		}
		params[name] = decodeText(raw, charset)
	}
	return t, params
}

// splitParams splits at semicolons outside quotes.
func splitParams(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && quoted && i+1 < len(s):
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
			continue
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(out, cur.String())
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if b, err := hex.DecodeString(s[i+1 : i+3]); err == nil {
				out = append(out, b[0])
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

// decodeParam decodes a parameter value that is still raw: encoded words
// (non-standard in parameters but common) or raw 8-bit bytes.
func decodeParam(v, hint string) string {
	if v == "" {
		return ""
	}
	return cleanLine(decodeHeader([]byte(v), hint))
}

// decodeTransfer undoes the Content-Transfer-Encoding, leniently.
func decodeTransfer(h Header, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(string(h.Get("Content-Transfer-Encoding")))) {
	case "base64":
		return decodeBase64(body)
	case "quoted-printable":
		return decodeQP(body)
	}
	return body
}

// decodeBase64 ignores characters outside the alphabet and missing padding;
// a truncated last group keeps the bytes it has.
func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '-':
			clean = append(clean, '+') // URL-safe alphabet
		case c == '_':
			clean = append(clean, '/')
		}
	}
	if r := len(clean) % 4; r == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return out[:min(n, len(out))]
		}
	}
	return out[:n]
}

// decodeQP decodes quoted-printable; invalid escapes are kept as they are.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	lines := bytes.Split(b, []byte("\n"))
	for li, line := range lines {
		line = bytes.TrimRight(line, " \t")
		soft := false
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c != '=' {
				out = append(out, c)
				continue
			}
			if i == len(line)-1 {
				soft = true
				break
			}
			if i+3 <= len(line) {
				if v, err := hex.DecodeString(strings.ToUpper(string(line[i+1 : i+3]))); err == nil {
					out = append(out, v[0])
					i += 2
					continue
				}
			}
			out = append(out, c)
		}
		if !soft && li < len(lines)-1 {
			out = append(out, '\n')
		}
	}
	return out
}

func defaultFilename(ctype string, n int) string {
	ext := ".bin"
	switch {
	case ctype == "image/jpeg" || ctype == "image/jpg" || ctype == "image/pjpeg":
		ext = ".jpg"
	case strings.HasPrefix(ctype, "image/"):
		ext = "." + strings.TrimPrefix(ctype, "image/")
	case ctype == "application/pdf":
		ext = ".pdf"
	case ctype == "message/rfc822":
		ext = ".eml"
	case strings.HasPrefix(ctype, "text/"):
		ext = ".txt"
	case strings.HasPrefix(ctype, "audio/"):
		ext = "." + strings.TrimPrefix(ctype, "audio/")
	}
	return fmt.Sprintf("attachment-%d%s", n, ext)
}
