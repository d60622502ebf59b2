package web

import (
	"net/http"
	"strconv"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// The staff's in-app notifications (package notify writes them): new
// dispatches, assignments, deadlines near or missed, escalations,
// reminders. The header shows the unread count on every page.

type notificationsPage struct {
	view
	Items []store.Notification
	// Before continues the list after the last item shown ("" at the end).
	Before string
}

const notificationsPerPage = 50

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	p := notificationsPage{view: s.view(r, "notifications.title", "notifications")}
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		var err error
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before <= 0 {
			return kesu.FieldError("before", "not a notification id")
		}
	}
	items, err := s.db.Notifications(r.Context(), p.User.ID, false, before, notificationsPerPage+1)
	if err != nil {
		return err
	}
	if len(items) > notificationsPerPage {
		items = items[:notificationsPerPage]
		p.Before = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	p.Items = items
	return s.render(w, http.StatusOK, "notifications", p)
}

// readNotification marks one notification read and opens its complaint (or
// goes back to the list).
func (s *Server) readNotification(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return kesu.FieldError("id", "not a notification id")
	}
	if err := s.db.MarkNotificationsRead(r.Context(), reqOf(r).user().ID, id, s.clock.Now()); err != nil {
		return err
	}
	if n := r.PostFormValue("number"); n != "" {
		return redirect(w, r, "/complaints/"+n, "")
	}
	return redirect(w, r, "/notifications", "")
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request) error {
	if err := s.db.MarkNotificationsRead(r.Context(), reqOf(r).user().ID, 0, s.clock.Now()); err != nil {
		return err
	}
	return redirect(w, r, "/notifications", "flash.saved")
}
