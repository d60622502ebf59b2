package portal

import (
	"net/http"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

func (s *Server) trackPage(w http.ResponseWriter, r *http.Request, p *page) error {
	p.Title = "portal.track.title"
	s.render(w, p, http.StatusOK, "track")
	return nil
}

// requestCode asks for a one-time code. The page that follows is the same
// whether or not the number exists.
func (s *Server) requestCode(w http.ResponseWriter, r *http.Request, p *page) error {
	p.Number = r.PostForm.Get("number")
	limited, err := s.cfg.DB.RequestPortalCode(r.Context(), store.CodeRequest{Number: p.Number,
		Client: s.cfg.ClientIP(r), Locale: string(p.Lang)}, s.cfg.Limits, s.now())
	if kesu.ErrorCodeOf(err) == kesu.EInvalid {
		p.Title = "portal.track.title"
		p.addError("number", errorKey(err))
		s.render(w, p, http.StatusBadRequest, "track")
		return nil
	} else if err != nil {
		return err
	}
	if limited {
		p.Title = "portal.track.title"
		p.addError("number", "portal.err.rate_limited")
		s.render(w, p, http.StatusTooManyRequests, "track")
		return nil
	}
	p.Number, _ = store.NormalizeNumber(p.Number)
	p.Title, p.Notice = "portal.code.title", "portal.code.sent"
	s.render(w, p, http.StatusOK, "code")
	return nil
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request, p *page) error {
	p.Number = r.PostForm.Get("number")
	sess, limited, err := s.cfg.DB.VerifyPortalCode(r.Context(), store.CodeCheck{Number: p.Number,
		Code: r.PostForm.Get("code"), Client: s.cfg.ClientIP(r)}, s.cfg.Limits, s.now())
	if n, e := store.NormalizeNumber(p.Number); e == nil {
		p.Number = n
	}
	p.Title = "portal.code.title"
	switch {
	case kesu.ErrorCodeOf(err) == kesu.EInvalid:
		field := kesu.ErrorFieldOf(err)
		if field != "number" {
			field = "code"
		}
		p.addError(field, errorKey(err))
		s.render(w, p, http.StatusBadRequest, "code")
		return nil
	case err != nil:
		return err
	case limited:
		p.addError("code", "portal.err.rate_limited")
		s.render(w, p, http.StatusTooManyRequests, "code")
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/portal/",
		MaxAge: int(sess.ExpiresAt.Sub(s.now()).Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secure(r)})
	http.Redirect(w, r, "/portal/complaint", http.StatusSeeOther)
	return nil
}

// session returns the customer's live session.
func (s *Server) session(r *http.Request) (store.PortalSession, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return store.PortalSession{}, kesu.Errorf(kesu.EUnauthorized, "no session")
	}
	return s.cfg.DB.PortalSessionOf(r.Context(), c.Value, s.now())
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request, p *page) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.cfg.DB.EndPortalSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/portal/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	http.Redirect(w, r, "/portal/", http.StatusSeeOther)
	return nil
}
