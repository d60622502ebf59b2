package api

import (
	"net/http"
	"strconv"

	"github.com/kesu/kesu"
	mailin "github.com/kesu/kesu/channels/email"
	"github.com/kesu/kesu/store"
)

type (
	// NewEmailAccount configures a mailbox to poll over IMAP.
	NewEmailAccount struct {
		Name        string `json:"name"`
		Address     string `json:"address"`
		Host        string `json:"host"`
		Port        int    `json:"port,omitempty"`
		Security    string `json:"security,omitempty"` // tls (default), starttls, none
		Username    string `json:"username"`
		Password    string `json:"password"`
		Mailbox     string `json:"mailbox,omitempty"`
		PollSeconds int    `json:"poll_seconds,omitempty"`
		AutoReply   *bool  `json:"auto_reply,omitempty"`
	}
	EmailAccountList struct {
		Items []store.EmailAccount `json:"items"`
	}
	QuarantineList struct {
		Items []store.QuarantinedEmail `json:"items"`
	}
	EmailHealthList struct {
		Items []store.EmailHealth `json:"items"`
	}
)

func (s *Server) listEmailAccounts(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	list, err := s.db.EmailAccounts(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, EmailAccountList{Items: list})
	return nil
}

func (s *Server) createEmailAccount(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in NewEmailAccount
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	a := store.EmailAccount{Name: in.Name, Address: in.Address, Host: in.Host, Port: in.Port, Security: in.Security,
		Username: in.Username, Password: in.Password, Mailbox: in.Mailbox, PollSeconds: in.PollSeconds,
		AutoReply: in.AutoReply == nil || *in.AutoReply, Active: true}
	a, err := s.db.CreateEmailAccount(r.Context(), a, s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) updateEmailAccount(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var p store.EmailAccountPatch
	if err := s.decode(w, r, &p); err != nil {
		return err
	}
	a, err := s.db.UpdateEmailAccount(r.Context(), r.PathValue("name"), p, s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) deleteEmailAccount(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	if err := s.db.DeleteEmailAccount(r.Context(), r.PathValue("name"), s.clock.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listQuarantine(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	list, err := s.db.Quarantine(r.Context(), r.URL.Query().Get("status"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, QuarantineList{Items: list})
	return nil
}

// quarantinedRaw downloads the message as it arrived (message/rfc822), for
// an administrator to inspect or forward.
func (s *Server) quarantinedRaw(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.db.QuarantinedByID(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", `attachment; filename="quarantine-`+strconv.FormatInt(q.ID, 10)+`.eml"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(q.Raw)
	return err
}

// retryQuarantined feeds a quarantined message through intake again (after
// kesu was upgraded, or the reason was fixed); it answers what it became.
func (s *Server) retryQuarantined(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	in := s.emailIn
	if in == nil {
		// Not wired (tests, embedded uses): the same intake path built from
		// the API's own dependencies.
		in = &mailin.Ingester{DB: s.db, Files: s.files, Clock: s.clock, AutoReply: true}
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := mailin.Retry(r.Context(), in, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) emailHealth(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermOperate); err != nil {
		return err
	}
	list, err := s.db.EmailHealth(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, EmailHealthList{Items: list})
	return nil
}
