package wechat

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/store/storetest"
)

// The vector below was computed outside Go, from WeChat's published
// algorithm, with Python's hashlib and the openssl command line:
//
//	import base64, hashlib, struct, subprocess
//	token, ts, nonce = "kesuToken123", "1700000000", "nonce42"
//	aes = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"; appid = "wx1234567890abcdef"
//	rnd = b"0123456789abcdef"; msg = vectorMsg.encode()
//	key = base64.b64decode(aes + "=")
//	plain = rnd + struct.pack(">I", len(msg)) + msg + appid.encode()
//	pad = 32 - len(plain) % 32; plain += bytes([pad]) * pad
//	ct = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-K", key.hex(), "-iv", key[:16].hex(), "-nopad"],
//	                    input=plain, capture_output=True, check=True).stdout
//	enc = base64.b64encode(ct).decode()
//	hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()       # signature
//	hashlib.sha1("".join(sorted([token, ts, nonce, enc])).encode()).hexdigest()  # msg_signature
const (
	vectorToken     = "kesuToken123"
	vectorTimestamp = "1700000000"
	vectorNonce     = "nonce42"
	vectorAESKey    = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	vectorAppID     = "wx1234567890abcdef"
	vectorRandom    = "0123456789abcdef"
	vectorMsg       = "<xml><ToUserName><![CDATA[gh_kesu]]></ToUserName><Content><![CDATA[你好]]></Content></xml>"
	vectorEncrypt   = "Q3stYC6hdFzMh9T8HCvyDH9UTgHrzXvXNY6dSnJMj7GP6PBSWAA5ouBgYZXATrrq1mQEVKEKsiQtabj62TRyY+py34T6s8kFdbUwoeGEHNtRZ8VALKeywOv2To19AIIK1/y0PKCawqSn7M+AI5FK8oZKPhZ/63+E/bivE9QkiQ2FyJfZy3ZzR4aEeG26ppXANze4iWIeBiMmh6UVL6YXJg=="
	vectorSignature = "276458b2491ec40673d2d3cc096b5a167cfd9b80"
	vectorMsgSig    = "580b367b72802a2db466d93a162ed073f74021cf"
)

func TestSignatureVector(t *testing.T) {
	if got := Signature(vectorToken, vectorTimestamp, vectorNonce); got != vectorSignature {
		t.Fatalf("signature %s, want %s", got, vectorSignature)
	}
	// Order of the arguments does not matter: they are sorted.
	if got := Signature(vectorNonce, vectorToken, vectorTimestamp, vectorEncrypt); got != vectorMsgSig {
		t.Fatalf("msg_signature %s, want %s", got, vectorMsgSig)
	}
}

func TestAESVector(t *testing.T) {
	c, err := NewCipher(vectorAESKey, vectorAppID)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.encrypt([]byte(vectorMsg), []byte(vectorRandom))
	if err != nil || enc != vectorEncrypt {
		t.Fatalf("encrypt: %v\n got %s\nwant %s", err, enc, vectorEncrypt)
	}
	plain, err := c.Decrypt(vectorEncrypt)
	if err != nil || string(plain) != vectorMsg {
		t.Fatalf("decrypt: %v %q", err, plain)
	}
	// Another receiver id (AppID) must not decrypt.
	other, _ := NewCipher(vectorAESKey, "wx0000000000000000")
	if _, err := other.Decrypt(vectorEncrypt); err == nil {
		t.Fatal("decrypted for another AppID")
	}
	// Random round trips.
	for i := 0; i < 50; i++ {
		msg := strings.Repeat("投诉x", i)
		enc, err := c.Encrypt([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Decrypt(enc)
		if err != nil || string(got) != msg {
			t.Fatalf("round trip %d: %v", i, err)
		}
	}
	for _, bad := range []string{"", "!!", "AAAA", vectorEncrypt[:len(vectorEncrypt)-8] + "AAAAAAA="} {
		if _, err := c.Decrypt(bad); err == nil {
			t.Fatalf("decrypted %q", bad)
		}
	}
}

// TestCallbackCorpus parses every real callback body from the SDK test
// suites in ../shared/data/wechat/callback_xml.
func TestCallbackCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "wechat", "callback_xml")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) == 0 {
		t.Skip("no ../shared/data/wechat/callback_xml")
	}
	kinds := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		k := m.Kind()
		if m.Encrypt != "" && m.MsgType == "" {
			k = "encrypted"
		}
		kinds[k]++
		name := filepath.Base(f)
		switch {
		case strings.Contains(name, "__text__") && (k != KindText || m.Content == ""):
			t.Errorf("%s: kind %s content %q", name, k, m.Content)
		case strings.Contains(name, "__image__") && (k != KindImage || m.PicURL == ""):
			t.Errorf("%s: kind %s", name, k)
		case strings.Contains(name, "__location__") && (k != KindLocation || m.LocationX == ""):
			t.Errorf("%s: kind %s", name, k)
		case strings.Contains(name, "__event_subscribe__") && k != KindSubscribe:
			t.Errorf("%s: kind %s", name, k)
		case strings.Contains(name, "__event_CLICK__") && (k != KindClick || m.EventKey == ""):
			t.Errorf("%s: kind %s", name, k)
		case strings.Contains(name, "__encrypted__") && m.Encrypt == "":
			t.Errorf("%s: no Encrypt", name)
		}
	}
	t.Logf("%d bodies: %v", len(files), kinds)
	for _, k := range []string{KindText, KindImage, KindVoice, KindLocation, KindLink, KindSubscribe, KindUnsubscribe, KindScan, KindClick, "encrypted"} {
		if kinds[k] == 0 {
			t.Errorf("no %s body in the corpus", k)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, b := range []string{"", "not xml", "<a><b/></a>", "<xml><Content>x</Content></xml><xml/>",
		"<xml><Content>x</xml>", "<?xml version=\"1.0\" encoding=\"GBK\"?><xml/>", "<xml>\xff</xml>",
		"<!DOCTYPE xml [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><Content>&e;</Content></xml>"} {
		if _, err := Parse([]byte(b)); err == nil {
			t.Errorf("parsed %q", b)
		}
	}
}

func FuzzParse(f *testing.F) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "wechat", "callback_xml")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(textBody("oUser", "我要投诉", "1", 1700000000)))
	f.Add([]byte("<xml><Encrypt><![CDATA[" + vectorEncrypt + "]]></Encrypt></xml>"))
	f.Add([]byte("<xml><MsgType>event</MsgType><Event>CLICK</Event><EventKey>]]></EventKey></xml>"))
	c, _ := NewCipher(vectorAESKey, vectorAppID)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		_ = m.Kind()
		_ = m.Created()
		_ = m.DedupKey()
		_ = describe(m)
		if m.Encrypt != "" {
			if plain, err := c.Decrypt(m.Encrypt); err == nil {
				Parse(plain)
			}
		}
		// A reply built from any parsed message is well-formed XML.
		r := replyXML(m, m.Content, time.Unix(1700000000, 0))
		if err := xml.Unmarshal([]byte(r), new(Message)); err != nil {
			t.Fatalf("reply is not XML: %v\n%s", err, r)
		}
	})
}

func textBody(from, content, msgID string, ts int64) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[gh_kesu]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>%s</Content><MsgId>%s</MsgId></xml>",
		from, ts, cdata(content), msgID)
}

// ---- the callback end to end, on both backends ----

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type harness struct {
	t     *testing.T
	db    *store.DB
	srv   *httptest.Server
	acc   store.WeChatAccount
	nonce atomic.Int64
	msgID atomic.Int64
}

func newHarness(t *testing.T, dsn string, acc store.WeChatAccount) *harness {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	acc, err = db.CreateWeChatAccount(ctx, acc, now)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/channels/wechat/{name}", New(Config{DB: db, Clock: kesu.FixedClock{T: now}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &harness{t: t, db: db, srv: srv, acc: acc}
}

// post sends body signed as WeChat would, encrypting it in safe mode, and
// returns the status and the (decrypted) reply.
func (h *harness) post(body string, tweak func(q url.Values)) (int, string) {
	h.t.Helper()
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := fmt.Sprintf("n%d", h.nonce.Add(1))
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "openid": {"oUser"}}
	q.Set("signature", Signature(h.acc.Token, ts, nonce))
	var c *Cipher
	if h.acc.AESKey != "" {
		c, _ = NewCipher(h.acc.AESKey, h.acc.AppID)
		enc, err := c.Encrypt([]byte(body))
		if err != nil {
			h.t.Fatal(err)
		}
		body = "<xml><ToUserName><![CDATA[gh_kesu]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", Signature(h.acc.Token, ts, nonce, enc))
	}
	if tweak != nil {
		tweak(q)
	}
	resp, err := http.Post(h.srv.URL+"/channels/wechat/"+h.acc.Name+"?"+q.Encode(), "text/xml", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(out) == "success" {
		return resp.StatusCode, string(out)
	}
	env, err := Parse(out)
	if err != nil {
		h.t.Fatalf("reply is not callback XML: %s", out)
	}
	if c != nil {
		var e struct {
			MsgSignature, TimeStamp, Nonce string
		}
		xml.Unmarshal(out, &e)
		if Signature(h.acc.Token, e.TimeStamp, e.Nonce, env.Encrypt) != e.MsgSignature {
			h.t.Fatalf("reply msg_signature wrong: %s", out)
		}
		plain, err := c.Decrypt(env.Encrypt)
		if err != nil {
			h.t.Fatalf("reply does not decrypt: %v", err)
		}
		if env, err = Parse(plain); err != nil {
			h.t.Fatal(err)
		}
	}
	if env.ToUserName != "oUser" || env.MsgType != "text" {
		h.t.Fatalf("reply addressed wrong: %+v", env)
	}
	return resp.StatusCode, env.Content
}

func (h *harness) text(content string) (int, string) {
	return h.post(textBody("oUser", content, strconv.FormatInt(h.msgID.Add(1), 10), now.Unix()), nil)
}

func (h *harness) complaints() []kesu.Complaint {
	page, err := h.db.Complaints(context.Background(), store.Filter{Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	return page.Items
}

func TestCallbackGuidedExchange(t *testing.T) {
	for _, mode := range []struct {
		name string
		acc  store.WeChatAccount
	}{
		{"plain", store.WeChatAccount{Name: "shop", AppID: vectorAppID, Token: vectorToken}},
		{"safe", store.WeChatAccount{Name: "shop", AppID: vectorAppID, Token: vectorToken, AESKey: vectorAESKey}},
		{"wecom", store.WeChatAccount{Name: "corp", Kind: store.WeChatWeCom, AppID: "ww1234567890", Token: vectorToken, AESKey: vectorAESKey}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, dsn string) {
				h := newHarness(t, dsn, mode.acc)
				if code, reply := h.text("你好"); code != 200 || reply != text("ask_description") {
					t.Fatalf("greeting: %d %q", code, reply)
				}
				if code, reply := h.text("买的洗衣机第二次用就漏水，订单号 ORD-1，要求退款"); code != 200 || reply != text("ask_phone") {
					t.Fatalf("description: %d %q", code, reply)
				}
				if len(h.complaints()) != 0 {
					t.Fatal("registered before the exchange ended")
				}
				code, reply := h.text("我的手机 138 1234 5678")
				list := h.complaints()
				if code != 200 || len(list) != 1 || reply != text("registered", list[0].Number) {
					t.Fatalf("phone: %d %q %d", code, reply, len(list))
				}
				c := list[0]
				if c.Channel != kesu.ChannelWeChat || c.Customer.Phone != "13812345678" || c.Customer.WeChatID != "oUser" ||
					!strings.Contains(c.Description, "漏水") {
					t.Fatalf("complaint: %+v", c)
				}
				// Later messages add to it, including pictures.
				if _, reply := h.text("补充：客服一直不回复"); reply != text("appended", c.Number) {
					t.Fatalf("append: %q", reply)
				}
				img := fmt.Sprintf("<xml><ToUserName>gh_kesu</ToUserName><FromUserName>oUser</FromUserName><CreateTime>%d</CreateTime>"+
					"<MsgType>image</MsgType><PicUrl>http://mmbiz.example/p.jpg</PicUrl><MediaId>m1</MediaId><MsgId>999</MsgId></xml>", now.Unix())
				if _, reply := h.post(img, nil); reply != text("appended", c.Number) {
					t.Fatalf("image: %q", reply)
				}
				// A retry of the same message is answered alike, nothing added.
				if _, reply := h.post(img, nil); reply != text("appended", c.Number) {
					t.Fatalf("retry: %q", reply)
				}
				evs, err := h.db.Events(context.Background(), c.ID, false)
				if err != nil || len(evs) != 3 || evs[1].Body != "补充：客服一直不回复" || evs[1].Visibility != kesu.VisibilityCustomer ||
					!strings.Contains(evs[2].Body, "p.jpg") {
					t.Fatalf("events: %v %+v", err, evs)
				}
				health, err := h.db.ChannelHealths(context.Background())
				if err != nil || len(health) != 1 || health[0].LastSuccessAt == nil || health[0].Successes < 5 {
					t.Fatalf("health: %v %+v", err, health)
				}
			})
		})
	}
}

func TestCallbackRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		for _, acc := range []store.WeChatAccount{
			{Name: "plain", AppID: vectorAppID, Token: vectorToken},
			{Name: "safe", AppID: vectorAppID, Token: vectorToken, AESKey: vectorAESKey},
		} {
			h := newHarness(t, dsn, acc)
			body := textBody("oUser", "我要投诉：洗衣机漏水很严重，要求退款 13812345678", "77", now.Unix())
			for name, tweak := range map[string]func(url.Values){
				"bad signature":     func(q url.Values) { q.Set("signature", Signature("wrong", "1", "2")); q.Set("msg_signature", "00") },
				"stale timestamp":   func(q url.Values) { q.Set("timestamp", strconv.FormatInt(now.Unix()-3600, 10)) },
				"no nonce":          func(q url.Values) { q.Del("nonce") },
				"signature omitted": func(q url.Values) { q.Del("signature"); q.Del("msg_signature") },
			} {
				if code, _ := h.post(body, tweak); code != http.StatusForbidden {
					t.Errorf("%s %s: status %d", acc.Name, name, code)
				}
			}
			// Safe mode takes no plaintext body, even correctly signed.
			if acc.AESKey != "" {
				ts := strconv.FormatInt(now.Unix(), 10)
				u := fmt.Sprintf("%s/channels/wechat/%s?timestamp=%s&nonce=x&signature=%s", h.srv.URL, acc.Name, ts, Signature(acc.Token, ts, "x"))
				resp, err := http.Post(u, "text/xml", strings.NewReader(body))
				if err != nil || resp.StatusCode != http.StatusForbidden {
					t.Errorf("plaintext in safe mode: %v %v", err, resp.StatusCode)
				}
				resp.Body.Close()
			}
			if n := len(h.complaints()); n != 0 {
				t.Fatalf("%s: refused requests created %d complaints", acc.Name, n)
			}
			// A nonce replayed with another message is refused.
			ts := strconv.FormatInt(now.Unix(), 10)
			fixed := func(q url.Values) {
				q.Set("nonce", "fixed")
				q.Set("signature", Signature(acc.Token, ts, "fixed"))
			}
			if acc.AESKey == "" {
				if code, _ := h.post(textBody("oUser", "第一条消息内容足够长", "1001", now.Unix()), fixed); code != 200 {
					t.Fatalf("first: %d", code)
				}
				if code, _ := h.post(textBody("oUser", "第二条消息内容足够长", "1002", now.Unix()), fixed); code != http.StatusForbidden {
					t.Fatalf("replayed nonce: %d", code)
				}
			}
		}
	})
}

func TestVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		mp := newHarness(t, dsn, store.WeChatAccount{Name: "mp", AppID: vectorAppID, Token: vectorToken})
		ts := strconv.FormatInt(now.Unix(), 10)
		get := func(h *harness, q url.Values) (int, string) {
			resp, err := http.Get(h.srv.URL + "/channels/wechat/" + h.acc.Name + "?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		q := url.Values{"timestamp": {ts}, "nonce": {"abc"}, "echostr": {"hello123"}, "signature": {Signature(vectorToken, ts, "abc")}}
		if code, body := get(mp, q); code != 200 || body != "hello123" {
			t.Fatalf("mp verify: %d %q", code, body)
		}
		q.Set("signature", Signature("other", ts, "abc"))
		if code, _ := get(mp, q); code != 403 {
			t.Fatalf("mp bad verify: %d", code)
		}
		wc := newHarness(t, dsn, store.WeChatAccount{Name: "wc", Kind: store.WeChatWeCom, AppID: "ww99", Token: vectorToken, AESKey: vectorAESKey})
		c, _ := NewCipher(vectorAESKey, "ww99")
		echo, _ := c.Encrypt([]byte("8224932894327"))
		q = url.Values{"timestamp": {ts}, "nonce": {"abc"}, "echostr": {echo}, "msg_signature": {Signature(vectorToken, ts, "abc", echo)}}
		if code, body := get(wc, q); code != 200 || body != "8224932894327" {
			t.Fatalf("wecom verify: %d %q", code, body)
		}
		q.Set("msg_signature", Signature(vectorToken, ts, "abd", echo))
		if code, _ := get(wc, q); code != 403 {
			t.Fatalf("wecom bad verify: %d", code)
		}
		if resp, err := http.Get(mp.srv.URL + "/channels/wechat/nosuch"); err != nil || resp.StatusCode != 404 {
			t.Fatalf("unknown account: %v", err)
		}
	})
}
