package web

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/store"
)

// dummyHash is a bcrypt hash of a random password, checked for unknown
// emails.
var dummyHash = sync.OnceValue(func() string {
	h, _ := auth.HashPassword(auth.RandomPassword())
	return h
})

type loginPage struct {
	view
	Email string
	Next  string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	v := s.view(r, "login.title", "")
	if reqOf(r).session != nil {
		return redirect(w, r, localNext(r.URL.Query().Get("next")), "")
	}
	return s.render(w, http.StatusOK, "login", loginPage{view: v, Next: localNext(r.URL.Query().Get("next"))})
}

// login checks the password with lockout: a locked account or client gets
// 429 without its password even being checked; the message never says
// whether the email exists.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return kesu.Errorf(kesu.EInvalid, "malformed form")
	}
	v := s.view(r, "login.title", "")
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	page := loginPage{view: v, Email: email, Next: localNext(r.PostFormValue("next"))}
	ctx, now, client := r.Context(), s.clock.Now(), clientOf(r)
	if len(email) > 254 || len(password) > 1024 {
		page.Error = v.T("login.failed")
		return s.render(w, http.StatusUnauthorized, "login", page)
	}
	wait, err := s.db.LoginAllowed(ctx, email, client, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		page.Error = v.T("login.locked", int(wait.Minutes())+1)
		return s.render(w, http.StatusTooManyRequests, "login", page)
	}
	u, hash, err := s.db.UserByEmail(ctx, email)
	if err != nil && kesu.ErrorCodeOf(err) != kesu.ENotFound {
		return err
	}
	if err != nil || hash == "" {
		hash = dummyHash() // the same bcrypt work, so the time taken does not tell whether the account exists
	}
	ok := err == nil && u.Active && auth.CheckPassword(hash, password)
	if err := s.db.RecordLogin(ctx, email, client, ok, now); err != nil {
		return err
	}
	if !ok {
		page.Error = v.T("login.failed")
		return s.render(w, http.StatusUnauthorized, "login", page)
	}
	token := randomToken()
	if _, err := s.db.CreateSession(ctx, u.ID, auth.HashToken(token), randomToken(), r.UserAgent(), now); err != nil {
		return err
	}
	if err := s.db.Audit(ctx, u.Actor(), store.AuditLogin, 0, "from "+client, now); err != nil {
		return err
	}
	s.setSessionCookie(w, r, token, int(store.SessionMax/time.Second))
	return redirect(w, r, page.Next, "")
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if tok := auth.SessionToken(r); tok != "" {
		if err := s.db.DeleteSession(r.Context(), auth.HashToken(tok)); err != nil {
			return err
		}
	}
	s.setSessionCookie(w, r, "", -1)
	return redirect(w, r, "/login", "flash.logged_out")
}

type accountPage struct {
	view
	First    bool
	Tokens   []store.Token
	NewToken string
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, "", http.StatusOK, "")
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, newToken string, status int, errMsg string) error {
	q := reqOf(r)
	v := s.view(r, "account.title", "account")
	v.Error = errMsg
	toks, err := s.db.Tokens(r.Context(), q.user().ID)
	if err != nil {
		return err
	}
	return s.render(w, status, "account", accountPage{view: v, First: q.session.MustChangePassword, Tokens: toks, NewToken: newToken})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	q := reqOf(r)
	v := s.view(r, "account.title", "account")
	current, next, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("again")
	hash, err := s.db.PasswordHash(r.Context(), q.user().ID)
	if err != nil {
		return err
	}
	switch {
	case !auth.CheckPassword(hash, current):
		return s.renderAccount(w, r, "", http.StatusBadRequest, v.T("account.wrong_password"))
	case next != again:
		return s.renderAccount(w, r, "", http.StatusBadRequest, v.T("account.mismatch"))
	case next == current:
		return s.renderAccount(w, r, "", http.StatusBadRequest, v.T("account.same"))
	}
	if err := kesu.ValidatePassword(next); err != nil {
		return s.renderAccount(w, r, "", http.StatusBadRequest, v.T("account.too_short"))
	}
	h, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	if err := s.db.SetPassword(r.Context(), q.user().ID, h, false, q.session.ID); err != nil {
		return err
	}
	if err := s.db.Audit(r.Context(), q.actor(), store.AuditPassword, 0, "changed by the user", s.clock.Now()); err != nil {
		return err
	}
	return redirect(w, r, "/account", "flash.password_changed")
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	q := reqOf(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	if err := kesu.ValidateName("name", name, 100); err != nil {
		return err
	}
	token, hash := auth.NewToken()
	if _, err := s.db.CreateToken(r.Context(), q.user().ID, name, hash, s.clock.Now()); err != nil {
		return err
	}
	// Shown once, on this response only (never in a URL).
	return s.renderAccount(w, r, token, http.StatusOK, "")
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return kesu.FieldError("id", "not a token id")
	}
	if err := s.db.RevokeToken(r.Context(), id, reqOf(r).user().ID, s.clock.Now()); err != nil {
		return err
	}
	return redirect(w, r, "/account", "flash.token_revoked")
}
