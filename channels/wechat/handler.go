package wechat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Config is what the callback handler needs.
type Config struct {
	DB    *store.DB
	Clock kesu.Clock
	Log   *slog.Logger
}

// Handler serves /channels/wechat/{name}: GET for the URL verification
// handshake, POST for messages and events. Mount it with a pattern that
// names {name}.
type Handler struct {
	db    *store.DB
	clock kesu.Clock
	log   *slog.Logger
}

// New builds the handler.
func New(cfg Config) *Handler {
	h := &Handler{db: cfg.DB, clock: cfg.Clock, log: cfg.Log}
	if h.clock == nil {
		h.clock = kesu.SystemClock{}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	return h
}

// healthChannel names WeChat in channel_health and the replay cache.
const healthChannel = "wechat"

// errForbidden answers a request whose signature, timestamp or nonce is
// not acceptable; nothing has been written for it.
var errForbidden = errors.New("forbidden")

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	acc, err := h.db.WeChatAccountByName(r.Context(), name)
	if err != nil || !acc.Active {
		http.Error(w, "no such WeChat account", http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodGet:
		h.verify(w, r, acc)
	case http.MethodPost:
		h.receive(w, r, acc)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// freshTimestamp checks the request's timestamp against the account's
// accepted skew.
func (h *Handler) freshTimestamp(acc store.WeChatAccount, ts string) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := h.clock.Now().Unix() - sec
	if d < 0 {
		d = -d
	}
	return d <= int64(acc.MaxSkewSeconds)
}

// verify answers the handshake WeChat makes when the callback URL is saved.
// Official Account: signature over (token, timestamp, nonce), echo echostr.
// WeCom: msg_signature over (token, timestamp, nonce, echostr), echo the
// decrypted echostr.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request, acc store.WeChatAccount) {
	q := r.URL.Query()
	ts, nonce, echo := q.Get("timestamp"), q.Get("nonce"), q.Get("echostr")
	if echo == "" || !h.freshTimestamp(acc, ts) {
		h.forbid(w, r, acc, "verification: missing echostr or stale timestamp")
		return
	}
	if ms := q.Get("msg_signature"); ms != "" && acc.AESKey != "" {
		if !validSignature(ms, acc.Token, ts, nonce, echo) {
			h.forbid(w, r, acc, "verification: bad msg_signature")
			return
		}
		c, err := NewCipher(acc.AESKey, acc.AppID)
		if err != nil {
			h.forbid(w, r, acc, err.Error())
			return
		}
		plain, err := c.Decrypt(echo)
		if err != nil {
			h.forbid(w, r, acc, "verification: echostr does not decrypt")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(plain)
		return
	}
	if !validSignature(q.Get("signature"), acc.Token, ts, nonce) {
		h.forbid(w, r, acc, "verification: bad signature")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, echo)
}

func (h *Handler) forbid(w http.ResponseWriter, r *http.Request, acc store.WeChatAccount, why string) {
	h.log.Warn("wechat callback refused", "account", acc.Name, "reason", why, "remote", r.RemoteAddr)
	http.Error(w, "forbidden", http.StatusForbidden)
}

// receive handles a message or event: authenticate, de-duplicate, act,
// answer with the passive reply (encrypted in safe mode).
func (h *Handler) receive(w http.ResponseWriter, r *http.Request, acc store.WeChatAccount) {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	msg, cph, err := h.authenticate(r, acc, body)
	if errors.Is(err, errForbidden) {
		h.forbid(w, r, acc, err.Error())
		return
	}
	if err != nil {
		h.log.Warn("wechat callback unreadable", "account", acc.Name, "err", err)
		h.health(ctx, acc, err)
		http.Error(w, "not a WeChat callback body", http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	now := h.clock.Now()
	// A nonce is used once. A platform retry of the same message is answered
	// as before; a known nonce with a new message is a replay.
	nonceKey := "n:" + q.Get("timestamp") + ":" + q.Get("nonce")
	msgKey := msg.DedupKey()
	nonceNew, _, err := h.db.ClaimReplay(ctx, healthChannel, acc.Name, nonceKey, now)
	if err != nil {
		h.fail(w, ctx, acc, err)
		return
	}
	msgNew, reply, err := h.db.ClaimReplay(ctx, healthChannel, acc.Name, msgKey, now)
	if err != nil {
		h.fail(w, ctx, acc, err)
		return
	}
	if !msgNew {
		h.answer(w, acc, cph, reply)
		return
	}
	if !nonceNew {
		h.db.ReleaseReplay(ctx, healthChannel, acc.Name, msgKey)
		h.forbid(w, r, acc, "nonce used before with another message")
		return
	}
	reply, err = h.handle(ctx, acc, msg, now)
	if err != nil {
		h.db.ReleaseReplay(ctx, healthChannel, acc.Name, msgKey)
		h.db.ReleaseReplay(ctx, healthChannel, acc.Name, nonceKey)
		h.fail(w, ctx, acc, err)
		return
	}
	if reply != "" {
		reply = replyXML(msg, reply, now)
		if err := h.db.SetReplayReply(ctx, healthChannel, acc.Name, msgKey, reply); err != nil {
			h.log.Warn("wechat: recording reply", "err", err)
		}
	}
	h.health(ctx, acc, nil)
	h.answer(w, acc, cph, reply)
}

// authenticate checks timestamp and signature and returns the message
// (decrypted in safe mode). Errors wrapping errForbidden mean refused.
func (h *Handler) authenticate(r *http.Request, acc store.WeChatAccount, body []byte) (*Message, *Cipher, error) {
	q := r.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	if nonce == "" || !h.freshTimestamp(acc, ts) {
		return nil, nil, fmt.Errorf("%w: missing nonce or stale timestamp", errForbidden)
	}
	env, err := Parse(body)
	if err != nil {
		// Unreadable: refuse as forbidden unless the query is signed, so an
		// unauthenticated caller learns nothing.
		if !validSignature(q.Get("signature"), acc.Token, ts, nonce) && !validSignature(q.Get("msg_signature"), acc.Token, ts, nonce) {
			return nil, nil, fmt.Errorf("%w: bad signature", errForbidden)
		}
		return nil, nil, err
	}
	if acc.AESKey == "" {
		if !validSignature(q.Get("signature"), acc.Token, ts, nonce) {
			return nil, nil, fmt.Errorf("%w: bad signature", errForbidden)
		}
		return env, nil, nil
	}
	// Safe mode: the body is authenticated by msg_signature over the
	// ciphertext; a plaintext body is not accepted.
	if env.Encrypt == "" || !validSignature(q.Get("msg_signature"), acc.Token, ts, nonce, env.Encrypt) {
		return nil, nil, fmt.Errorf("%w: bad msg_signature or no Encrypt", errForbidden)
	}
	cph, err := NewCipher(acc.AESKey, acc.AppID)
	if err != nil {
		return nil, nil, err
	}
	plain, err := cph.Decrypt(env.Encrypt)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errForbidden, err)
	}
	msg, err := Parse(plain)
	if err != nil {
		return nil, nil, err
	}
	return msg, cph, nil
}

func (h *Handler) fail(w http.ResponseWriter, ctx context.Context, acc store.WeChatAccount, err error) {
	h.log.Error("wechat callback failed", "account", acc.Name, "err", err)
	h.health(ctx, acc, err)
	// WeChat retries a failed callback; the message is not lost.
	http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
}

func (h *Handler) health(ctx context.Context, acc store.WeChatAccount, err error) {
	text := ""
	if err != nil {
		text = err.Error()
	}
	if e := h.db.RecordChannelHealth(ctx, healthChannel, acc.Name, err == nil, text, h.clock.Now()); e != nil {
		h.log.Warn("wechat: recording health", "err", e)
	}
}

// answer writes the passive reply: "success" when there is nothing to say
// (WeChat's convention), the reply XML in plain mode, or its encrypted
// envelope in safe mode.
func (h *Handler) answer(w http.ResponseWriter, acc store.WeChatAccount, cph *Cipher, reply string) {
	if reply == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "success")
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	if cph == nil {
		io.WriteString(w, reply)
		return
	}
	enc, err := cph.Encrypt([]byte(reply))
	if err != nil {
		io.WriteString(w, "success")
		return
	}
	var nb [8]byte
	rand.Read(nb[:])
	nonce := hex.EncodeToString(nb[:])
	ts := strconv.FormatInt(h.clock.Now().Unix(), 10)
	fmt.Fprintf(w, "<xml><Encrypt>%s</Encrypt><MsgSignature>%s</MsgSignature><TimeStamp>%s</TimeStamp><Nonce>%s</Nonce></xml>",
		cdata(enc), cdata(Signature(acc.Token, ts, nonce, enc)), ts, cdata(nonce))
}

// replyXML is a passive text reply to msg.
func replyXML(msg *Message, text string, now time.Time) string {
	return fmt.Sprintf("<xml><ToUserName>%s</ToUserName><FromUserName>%s</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType><![CDATA[text]]></MsgType><Content>%s</Content></xml>",
		cdata(msg.FromUserName), cdata(msg.ToUserName), now.Unix(), cdata(text))
}

// cdata wraps s in CDATA sections; "]]>" inside s is split across two.
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}
