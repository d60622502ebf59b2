package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/kesu/kesu"
)

// AddAttachment records an uploaded file on a complaint with its event. The
// content is already in file storage; a failure here leaves only an
// unreferenced file, never a reference to missing content.
func (db *DB) AddAttachment(ctx context.Context, number string, a kesu.Attachment, actor kesu.Actor, now time.Time) (kesu.Attachment, error) {
	now = storedTime(now)
	err := db.tx(ctx, func(tx *Tx) error {
		c, err := tx.lockComplaint(ctx, number)
		if err != nil {
			return err
		}
		a, err = tx.addAttachment(ctx, &c, a, actor, now)
		return err
	})
	return a, err
}

// addAttachment records an attachment on the locked complaint c with its
// event and effects, inside a transaction that may do more (email intake).
func (tx *Tx) addAttachment(ctx context.Context, c *kesu.Complaint, a kesu.Attachment, actor kesu.Actor, now time.Time) (kesu.Attachment, error) {
	// Posting rules (department scope, customer visibility) are the same as
	// for a message.
	ev, err := kesu.NewPost{Body: "📎 " + a.Filename, Visibility: a.Visibility}.Build(c, actor, now)
	if err != nil {
		return a, err
	}
	ev.Type = kesu.EventAttachment
	ev.Data = map[string]any{"filename": a.Filename, "size": a.Size, "content_type": a.ContentType, "sha256": a.SHA256}
	a.Visibility, a.ComplaintID, a.UploadedBy, a.UploadedAt = ev.Visibility, c.ID, actor.UserID, now
	if a.EventID, err = tx.insertEvent(ctx, ev); err != nil {
		return a, err
	}
	a.ID, err = tx.insert(ctx, `INSERT INTO attachments(complaint_id, event_id, filename, content_type, size, sha256,
		visibility, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ComplaintID, a.EventID, a.Filename, a.ContentType, a.Size, a.SHA256, string(a.Visibility),
		nullID(a.UploadedBy), micros(now))
	if err != nil {
		return a, err
	}
	ev.ID = a.EventID
	return a, tx.runEffects(ctx, Change{Before: c, After: c, Event: ev})
}

const attachmentCols = `id, complaint_id, COALESCE(event_id, 0), filename, content_type, size, sha256, visibility,
	COALESCE(uploaded_by, 0), uploaded_at`

func scanAttachment(s scanner) (kesu.Attachment, error) {
	var a kesu.Attachment
	var at int64
	err := s.Scan(&a.ID, &a.ComplaintID, &a.EventID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.Visibility,
		&a.UploadedBy, &at)
	a.UploadedAt = fromMicros(at)
	return a, err
}

// Attachments lists a complaint's attachments, oldest first.
func (db *DB) Attachments(ctx context.Context, complaintID int64, customerOnly bool) ([]kesu.Attachment, error) {
	q := `SELECT ` + attachmentCols + ` FROM attachments WHERE complaint_id = ?`
	args := []any{complaintID}
	if customerOnly {
		q += ` AND visibility = ?`
		args = append(args, string(kesu.VisibilityCustomer))
	}
	return list(ctx, db, scanAttachment, q+` ORDER BY id`, args...)
}

// Attachment returns one attachment of a complaint.
func (db *DB) Attachment(ctx context.Context, complaintID, id int64) (kesu.Attachment, error) {
	a, err := scanAttachment(db.queryRow(ctx, `SELECT `+attachmentCols+` FROM attachments WHERE complaint_id = ? AND id = ?`, complaintID, id))
	if err == sql.ErrNoRows {
		return a, kesu.Errorf(kesu.ENotFound, "no attachment %d on this complaint", id)
	}
	return a, db.mapErr(err)
}
