package email

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// sharedEmail is the folder of real messages beside the repository.
const sharedEmail = "../../../shared/data/email"

func sharedMessage(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(sharedEmail, name))
	if os.IsNotExist(err) {
		t.Skip("shared data absent: " + name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func gbk(s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func big5(s string) []byte {
	b, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func mustParse(t *testing.T, raw []byte) *Message {
	t.Helper()
	m, err := Parse(raw)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

// Each message of the shared corpus reads correctly in Chinese.
func TestParseSharedCorpus(t *testing.T) {
	const poem = "石室诗士施氏，嗜狮，誓食十狮。"
	cases := []struct {
		file, subject, text, from string
		parts                     int
	}{
		{"real_world/spamassassin__nice_cjk__gb2312.2.eml", "RE: 装硬碟问题", "假设你的硬碟是IDE介面", "jason_lee@quantatw.com", 0},
		{"real_world/spamassassin__nice_cjk__big5-base64.1.eml", "鉅靡6月17日新片又到", "永久網址", "y971880896@pchome.com.tw", 0},
		{"real_world/spamassassin__spam__unicode1.eml", "foo", "【重要訊息】台電105年3月電費", "renterr989@hotmail.com", 0},
		{"real_world/spamassassin__nice_cjk__iso-2022-jp.1.eml", "MIME text/plain attach with Shift_JIS", "Now, I try to test MHonArc", "shinichiro@stained-g.net", 2},
		{"synthetic/mnako-letters__test_chinese_plaintext_gbk_over_base64.eml", "📧 Test 施氏食狮史", poem, "alice.fajianren@example.com", 0},
		{"synthetic/mnako-letters__test_chinese_plaintext_gbk_over_quoted-printable.eml", "📧 Test 施氏食狮史", poem, "alice.fajianren@example.com", 0},
		{"synthetic/mnako-letters__test_chinese_plaintext_gb18030_over_base64.eml", "📧 Test 施氏食狮史", poem, "alice.fajianren@example.com", 0},
		{"synthetic/mnako-letters__test_chinese_plaintext_gb18030_over_quoted-printable.eml", "📧 Test 施氏食狮史", poem, "alice.fajianren@example.com", 0},
		{"synthetic/mnako-letters__test_chinese_multipart_mixed_gbk_over_base64.eml", "📧 Test 施氏食狮史", poem, "alice.fajianren@example.com", 7},
		{"synthetic/mnako-letters__test_chinese_multipart_mixed_gb18030_over_quoted-printable.eml", "📧 Test 施氏食狮史", poem, "alice.fajianren@example.com", 7},
		{"synthetic/mnako-letters__test_chinese_multipart_related_gb18030_over_base64.eml", "📧 Test 施氏食狮史", poem, "alice.fajianren@example.com", 1},
		{"synthetic/mnako-letters__test_chinese_multipart_signed_gbk_over_quoted-printable.eml", "📧 Signed Test 施氏食狮史", poem, "alice.fajianren@example.com", 0},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			m := mustParse(t, sharedMessage(t, tc.file))
			if !strings.Contains(m.Subject, tc.subject) {
				t.Errorf("subject %q, want it to contain %q", m.Subject, tc.subject)
			}
			if !strings.Contains(m.Text, tc.text) {
				t.Errorf("text %.200q, want it to contain %q", m.Text, tc.text)
			}
			if m.From.Email != tc.from {
				t.Errorf("from %q, want %q", m.From.Email, tc.from)
			}
			if len(m.Parts) != tc.parts {
				t.Errorf("%d parts, want %d", len(m.Parts), tc.parts)
			}
			// (The Big5 spam's body has bytes invalid in every charset.)
			if strings.ContainsRune(m.Subject, '\uFFFD') {
				t.Errorf("replacement characters in %q", m.Subject)
			}
		})
	}
	// The whole corpus parses.
	files, _ := filepath.Glob(filepath.Join(sharedEmail, "*", "*.eml"))
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		if _, err := Parse(raw); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

func TestParseMultipartMixedParts(t *testing.T) {
	m := mustParse(t, sharedMessage(t, "synthetic/mnako-letters__test_chinese_multipart_mixed_gbk_over_base64.eml"))
	names := map[string]Part{}
	for _, p := range m.Parts {
		names[p.Filename] = p
	}
	for _, want := range []string{"inline-jpg-image-filename.jpg", "attached-pdf-filename.pdf", "attached-text-plain-filename.txt"} {
		if _, ok := names[want]; !ok {
			t.Errorf("attachment %s missing; have %v", want, names)
		}
	}
	if p := names["inline-jpg-image-filename.jpg"]; !p.Inline || !strings.HasPrefix(string(p.Data), "\xff\xd8") {
		t.Errorf("inline image: inline=%v data %q", p.Inline, p.Data[:min(4, len(p.Data))])
	}
	if m.MessageID != "Message-Id-1@example.com" || len(m.InReplyTo) != 1 || m.InReplyTo[0] != "Message-Id-0@example.com" {
		t.Errorf("ids: %q %q", m.MessageID, m.InReplyTo)
	}
}

// RFC 2047 words split in the middle of a character are joined as bytes.
func TestParseSplitEncodedWords(t *testing.T) {
	subject := gbk("投诉：洗衣机漏水")
	b64 := base64.StdEncoding.EncodeToString
	// Split after 3 bytes: the second character's bytes straddle the words.
	raw := "From: =?GBK?B?" + b64(gbk("张三")) + "?= <zhang@example.com>\r\n" +
		"Subject: =?GBK?B?" + b64(subject[:3]) + "?=\r\n =?gbk?B?" + b64(subject[3:7]) + "?= =?GBK?Q?" + qEncode(subject[7:]) + "?=\r\n" +
		"Content-Type: text/plain; charset=GBK\r\n\r\n" + string(gbk("第二次使用就漏水，要求退款。")) + "\r\n"
	m := mustParse(t, []byte(raw))
	if m.Subject != "投诉：洗衣机漏水" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.From.Name != "张三" || m.From.Email != "zhang@example.com" {
		t.Errorf("from %+v", m.From)
	}
	if m.Text != "第二次使用就漏水，要求退款。" {
		t.Errorf("text %q", m.Text)
	}
}

func qEncode(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		s.WriteString("=" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
	}
	return s.String()
}

// A declared charset that is wrong is detected from the bytes.
func TestParseWrongCharset(t *testing.T) {
	cases := []struct {
		name, declared string
		body           []byte
		want           string
	}{
		{"utf8 labelled gb2312", "gb2312", []byte("快递三天没到，客服不回复。"), "快递三天没到，客服不回复。"},
		{"gbk labelled utf-8", "utf-8", gbk("快递三天没到，客服不回复。"), "快递三天没到，客服不回复。"},
		{"big5 labelled gb2312", "gb2312", big5("快遞三天沒到，客服不回覆，要求退款。"), "快遞三天沒到，客服不回覆，要求退款。"},
		{"gbk labelled big5", "big5", gbk("这台洗衣机质量太差了，要求退货退款。"), "这台洗衣机质量太差了，要求退货退款。"},
		{"gbk without label", "", gbk("物流太慢了，包裹破损。"), "物流太慢了，包裹破损。"},
		{"big5 without label", "", big5("物流太慢了，包裹破損。"), "物流太慢了，包裹破損。"},
		{"gb18030 four-byte", "gb2312", mustGB18030("𠀀 生僻字"), "𠀀 生僻字"},
		{"unknown label", "x-klingon", gbk("退款"), "退款"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ct := "text/plain"
			if tc.declared != "" {
				ct += "; charset=" + tc.declared
			}
			raw := "From: a@example.com\nSubject: x\nContent-Type: " + ct + "\nContent-Transfer-Encoding: 8bit\n\n" + string(tc.body)
			if got := mustParse(t, []byte(raw)).Text; got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func mustGB18030(s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// Raw 8-bit headers are decoded with the body's charset or detected.
func TestParseRaw8BitHeaders(t *testing.T) {
	raw := "From: " + string(gbk("李四")) + " <li@example.com>\nSubject: " + string(gbk("退货申请")) +
		"\nContent-Type: text/plain; charset=gb2312\n\n" + string(gbk("请尽快处理"))
	m := mustParse(t, []byte(raw))
	if m.Subject != "退货申请" || m.From.Name != "李四" || m.Text != "请尽快处理" {
		t.Errorf("got %q %q %q", m.Subject, m.From.Name, m.Text)
	}
	// Big5 header without any declaration.
	raw = "From: wang@example.com\nSubject: " + string(big5("產品品質問題")) + "\n\nbody"
	if m := mustParse(t, []byte(raw)); m.Subject != "產品品質問題" {
		t.Errorf("big5 subject %q", m.Subject)
	}
}

func TestParseHTMLOnly(t *testing.T) {
	html := `<html><head><meta charset="gbk"><style>p{color:red}</style><title>t</title></head>` +
		`<body><p>您好，</p><p>订单&nbsp;<b>ORD-1</b> 的商品有&lt;质量问题&gt;。<br>请回电。</p>` +
		`<script>alert(1)</script><ul><li>照片一</li><li>照片二</li></ul></body></html>`
	raw := "From: a@example.com\nSubject: html\nContent-Type: text/html\n\n" + string(gbk(html))
	m := mustParse(t, []byte(raw))
	want := "您好，\n\n订单 ORD-1 的商品有<质量问题>。\n请回电。\n\n- 照片一\n- 照片二"
	if m.Text != want || !m.FromHTML {
		t.Errorf("got %q (html %v), want %q", m.Text, m.FromHTML, want)
	}
}

func TestParseAttachmentNames(t *testing.T) {
	raw := "From: a@example.com\nSubject: s\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n正文\n" +
		"--b\nContent-Type: image/png; name=\"=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("照片.png")) + "?=\"\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n" +
		"--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename*=gb2312''%B7%A2%C6%B1.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n" +
		"--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"" + string(gbk("合同")) + ".pdf\"\n\n%PDF-\n--b--\n"
	m := mustParse(t, []byte(raw))
	var names []string
	for _, p := range m.Parts {
		names = append(names, p.Filename)
	}
	if strings.Join(names, ",") != "照片.png,发票.pdf,合同.pdf" || m.Text != "正文" {
		t.Errorf("names %q text %q", names, m.Text)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, raw := range map[string]string{
		"empty":     "",
		"no header": "\n\njust a body",
		"no sender": "Subject: hi\n\nbody",
		"garbage":   "\x00\x01\x02\x03",
		"nothing":   "From: a@example.com\n\n",
	} {
		if _, err := Parse([]byte(raw)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestContentKeyIgnoresTransport(t *testing.T) {
	a := "From: a@example.com\nSubject: s\n\nbody\n"
	b := "Return-Path: <a@example.com>\r\nReceived: from x by y\r\n\tfor z\r\nFrom: a@example.com\r\nSubject: s\r\n\r\nbody\r\n"
	if ContentKey([]byte(a)) != ContentKey([]byte(b)) {
		t.Error("the same message with trace fields and CRLF has another key")
	}
	if ContentKey([]byte(a)) == ContentKey([]byte(strings.Replace(a, "body", "other", 1))) {
		t.Error("different messages share a key")
	}
}

func TestSubjectNumberAndPrefixes(t *testing.T) {
	for subject, want := range map[string]string{
		"Re: [TS20261123000001] 洗衣机漏水":   "TS20261123000001",
		"回复：【TS20261123000042】关于您的投诉的回复": "TS20261123000042",
		"[SLAT-talk] news": "",
		"[123] short":      "",
		"no number":        "",
	} {
		if got := SubjectNumber(subject); got != want {
			t.Errorf("SubjectNumber(%q) = %q, want %q", subject, got, want)
		}
	}
	if got := StripReplyPrefix("Re: 回复: Fwd: 投诉"); got != "投诉" {
		t.Errorf("StripReplyPrefix: %q", got)
	}
}

func TestNoAutoReply(t *testing.T) {
	base := "From: customer@example.com\nSubject: s\n"
	cases := map[string]bool{
		base:                                           false,
		base + "Auto-Submitted: auto-replied\n":        true,
		base + "Auto-Submitted: no\n":                  false,
		base + "Precedence: bulk\n":                    true,
		base + "List-Id: <x.example.com>\n":            true,
		base + "Return-Path: <>\n":                     true,
		"From: no-reply@shop.example\nSubject: s\n":    true,
		"From: MAILER-DAEMON@mx.example\nSubject: s\n": true,
	}
	for head, refused := range cases {
		m := mustParse(t, []byte(head+"\nbody"))
		if got := NoAutoReply(m) != ""; got != refused {
			t.Errorf("%q: refused=%v, want %v (%s)", head, got, refused, NoAutoReply(m))
		}
	}
}

// FuzzParse: no input makes the parser panic, hang or return invalid UTF-8.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(sharedEmail, "*", "*.eml"))
	for _, name := range files {
		if raw, err := os.ReadFile(name); err == nil {
			f.Add(raw)
		}
	}
	f.Add([]byte("From: a@example.com\nSubject: =?gbk?B?xOO6ww==?= =?gbk?Q?=C4=E3?=\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/html; charset=big5\n\n<p>hi</p>\n--x--\n"))
	f.Add([]byte("From: a@example.com\nContent-Type: multipart/alternative\n\n--b\n\n--b\nContent-Type: multipart/related; boundary=\"c\"\n\n--c\n"))
	f.Add([]byte("From: \xb0\xa1 <a@b.cn>\nSubject: \xa4\xa4\xa4\xe5\nContent-Type: text/plain; charset*=utf-8''x; name*0*=gbk''%B0; name*1=y\n\n\xff\xfe"))
	f.Add([]byte("From: a@example.com\nContent-Transfer-Encoding: quoted-printable\n\n=E4=B8=AD=\n=ZZ=4"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw)
		if err != nil {
			return
		}
		for _, s := range []string{m.Subject, m.Text, m.From.Name, m.From.Email, m.MessageID} {
			if !strings.Contains(s, "\uFFFD") && !utf8Valid(s) {
				t.Fatalf("invalid UTF-8: %q", s)
			}
		}
		_ = ContentKey(raw)
		_ = NoAutoReply(m)
		_ = SubjectNumber(m.Subject)
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }
