package api

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/channels/intake"
	"github.com/kesu/kesu/store"
	"github.com/kesu/kesu/transfer"
)

// Channels (issue 5): WeChat accounts, intake webhooks from other systems,
// imports of CSV/XLSX registers, hotline recordings and caller ID, and the
// health of every channel.

type (
	// NewWeChatAccount configures an Official Account or WeCom application.
	NewWeChatAccount struct {
		Name           string `json:"name"`
		Kind           string `json:"kind"` // mp (default) or wecom
		AppID          string `json:"app_id"`
		Token          string `json:"token"`
		AESKey         string `json:"aes_key"`          // EncodingAESKey; empty for plain mode
		MaxSkewSeconds int    `json:"max_skew_seconds"` // default 300
	}
	WeChatAccountList struct {
		Items []store.WeChatAccount `json:"items"`
	}
	// NewIntakeSource configures a system that posts complaints to
	// /api/v1/intake/{name}. An empty secret is generated and shown once.
	NewIntakeSource struct {
		Name    string            `json:"name"`
		Auth    string            `json:"auth"` // hmac or bearer
		Secret  string            `json:"secret"`
		Channel kesu.Channel      `json:"channel"`
		Mapping map[string]string `json:"mapping"`
	}
	// IntakeSourceCreated is the new source with its secret, shown once.
	IntakeSourceCreated struct {
		store.IntakeSource
		Secret string `json:"secret"`
	}
	IntakeSourceList struct {
		Items []store.IntakeSource `json:"items"`
	}
	ChannelHealthList struct {
		Items []store.ChannelHealth `json:"items"`
	}
	RecordingList struct {
		Items []store.Recording `json:"items"`
	}
	// ImportRow is the outcome of one row of an import.
	ImportRow struct {
		Line       int    `json:"line"`
		Outcome    string `json:"outcome"` // created (on a dry run: would be), present, failed
		Number     string `json:"number,omitempty"`
		ExternalID string `json:"external_id,omitempty"`
		Field      string `json:"field,omitempty"`
		Message    string `json:"message,omitempty"`
	}
	// ImportResult counts an import's rows and lists the failed ones (and,
	// on a dry run, the first rows of every outcome).
	ImportResult struct {
		DryRun  bool        `json:"dry_run"`
		Created int         `json:"created"`
		Present int         `json:"present"`
		Failed  int         `json:"failed"`
		Rows    []ImportRow `json:"rows"`
		// RowsTruncated is true when more rows were failed than listed.
		RowsTruncated bool `json:"rows_truncated"`
	}
)

// maxImportRowsListed caps ImportResult.Rows.
const maxImportRowsListed = 1000

func (s *Server) listWeChatAccounts(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	list, err := s.db.WeChatAccounts(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, WeChatAccountList{Items: list})
	return nil
}

func (s *Server) createWeChatAccount(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in NewWeChatAccount
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.db.CreateWeChatAccount(r.Context(), store.WeChatAccount{Name: in.Name, Kind: in.Kind, AppID: in.AppID,
		Token: in.Token, AESKey: in.AESKey, MaxSkewSeconds: in.MaxSkewSeconds}, s.clock.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/channels/wechat/"+url.PathEscape(a.Name))
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) listIntakeSources(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	list, err := s.db.IntakeSources(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, IntakeSourceList{Items: list})
	return nil
}

func (s *Server) createIntakeSource(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in NewIntakeSource
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := intake.ValidateMapping(in.Mapping); err != nil {
		return err
	}
	if in.Channel != "" && !channelKnown(in.Channel) {
		return kesu.FieldError("channel", "unknown channel %q", in.Channel)
	}
	if in.Secret == "" {
		var b [32]byte
		rand.Read(b[:])
		in.Secret = base64.RawURLEncoding.EncodeToString(b[:])
	}
	src, err := s.db.CreateIntakeSource(r.Context(), store.IntakeSource{Name: in.Name, Auth: in.Auth, Secret: in.Secret,
		Channel: in.Channel, Mapping: in.Mapping}, s.clock.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/intake/"+url.PathEscape(src.Name))
	writeJSON(w, http.StatusCreated, IntakeSourceCreated{IntakeSource: src, Secret: src.Secret})
	return nil
}

func channelKnown(c kesu.Channel) bool {
	for _, k := range kesu.Channels {
		if k == c {
			return true
		}
	}
	return false
}

// intakeWebhook registers a complaint posted by another system. It is a
// public route: the source's secret authenticates it (HMAC of the body or a
// bearer secret). The source's id of the complaint makes retries safe.
func (s *Server) intakeWebhook(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	body, err := readBody(w, r, s.maxBody)
	if err != nil {
		return err
	}
	name := r.PathValue("source")
	src, err := s.db.IntakeSourceByName(ctx, name)
	if kesu.ErrorCodeOf(err) == kesu.ENotFound {
		return kesu.Errorf(kesu.EForbidden, "unknown intake source or wrong credentials")
	} else if err != nil {
		return err
	}
	if err := intake.Authenticate(src, r.Header, body); err != nil {
		return err
	}
	in, err := intake.Build(src, body, s.intakeLocation())
	if err == nil {
		var res store.CreateResult
		actor := kesu.Actor{Role: kesu.RoleSystem, Name: "intake:" + src.Name}
		res, err = s.db.CreateComplaint(ctx, in, actor, s.clock.Now(), nil)
		if err == nil {
			s.db.RecordChannelHealth(ctx, "intake", src.Name, true, "", s.clock.Now())
			w.Header().Set("Location", "/api/v1/complaints/"+url.PathEscape(res.Complaint.Number))
			if res.Replayed {
				w.Header().Set("Idempotent-Replayed", "true")
			}
			writeJSON(w, http.StatusCreated, res.Complaint.Masked())
			return nil
		}
	}
	s.db.RecordChannelHealth(ctx, "intake", src.Name, false, kesu.ErrorMessageOf(err), s.clock.Now())
	return err
}

// intakeLocation reads times without an offset in China's time zone, where
// the systems that post them are.
func (s *Server) intakeLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// channelHealth lists every channel account: WeChat accounts, intake
// sources, mailboxes and anything else that records its health.
func (s *Server) channelHealth(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermOperate); err != nil {
		return err
	}
	list, err := s.db.ChannelHealths(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ChannelHealthList{Items: list})
	return nil
}

// lookupCaller is the hotline's caller ID: the customers with the calling
// number and their earlier complaints (masked, and only those the caller
// may see).
func (s *Server) lookupCaller(w http.ResponseWriter, r *http.Request) error {
	actor := caller(r.Context()).Actor()
	if err := kesu.Can(actor, kesu.PermRegister); err != nil {
		return err
	}
	for name := range r.URL.Query() {
		if name != "phone" {
			return kesu.FieldError(name, "unknown query parameter")
		}
	}
	h, err := s.db.LookupCaller(r.Context(), r.URL.Query().Get("phone"))
	if err != nil {
		return err
	}
	visible := h.Complaints[:0]
	for _, c := range h.Complaints {
		if kesu.CanView(&c, actor) == nil {
			visible = append(visible, c.Masked())
		}
	}
	h.Complaints = visible
	for i := range h.Customers {
		h.Customers[i] = h.Customers[i].Masked()
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

// isAudio reports whether a sniffed content type is a sound recording.
func isAudio(ct string) bool {
	return strings.HasPrefix(ct, "audio/") || ct == "application/ogg"
}

// uploadRecording attaches a call recording: multipart fields caller,
// started_at (RFC 3339), duration_ms, then file (audio only).
func (s *Server) uploadRecording(w http.ResponseWriter, r *http.Request) error {
	mr, err := s.evidenceUpload(w, r)
	if err != nil {
		return err
	}
	var call store.CallInfo
	for {
		part, err := mr.NextPart()
		if err != nil {
			return kesu.FieldError("file", "a part named file is required (send caller, started_at and duration_ms before it)")
		}
		if name := part.FormName(); name != "file" {
			b, _ := io.ReadAll(io.LimitReader(part, 200))
			v := strings.TrimSpace(string(b))
			switch name {
			case "caller":
				call.Caller = v
				if p := (kesu.Customer{Phone: v}); v != "" && p.Validate() != nil {
					return kesu.FieldError("caller", "not a phone number")
				}
			case "started_at":
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return kesu.FieldError("started_at", "must be an RFC 3339 time")
				}
				call.StartedAt = &t
			case "duration_ms":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 || n > 24*3600*1000 {
					return kesu.FieldError("duration_ms", "must be milliseconds from 0 to a day")
				}
				call.DurationMS = n
			default:
				return kesu.FieldError(name, "unknown form field")
			}
			continue
		}
		name := kesu.CleanFilename(part.FileName())
		stored, err := s.files.Save(part, s.maxAttachment, name)
		if err != nil {
			return err
		}
		if !isAudio(stored.ContentType) {
			return kesu.FieldError("file", "a call recording must be audio, not %s", stored.ContentType)
		}
		rec, err := s.db.AddRecording(r.Context(), r.PathValue("number"), kesu.Attachment{
			Filename: name, ContentType: stored.ContentType, Size: stored.Size, SHA256: stored.SHA256,
		}, call, caller(r.Context()).Actor(), s.clock.Now())
		if err != nil {
			return err
		}
		rec.Caller = kesu.MaskPhone(rec.Caller)
		writeJSON(w, http.StatusCreated, rec)
		return nil
	}
}

func (s *Server) listRecordings(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	list, err := s.db.Recordings(r.Context(), c.ID)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Caller = kesu.MaskPhone(list[i].Caller)
	}
	writeJSON(w, http.StatusOK, RecordingList{Items: list})
	return nil
}

// importFile imports a CSV, XLSX or JSONL file: multipart fields format
// (optional: guessed from the file name), mapping (JSON, see
// transfer.Mapping), dry_run (true/false), then file.
func (s *Server) importFile(w http.ResponseWriter, r *http.Request) error {
	actor := caller(r.Context()).Actor()
	if err := kesu.Can(actor, kesu.PermAdmin); err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return kesu.Errorf(kesu.EInvalid, "upload with Content-Type multipart/form-data and a field named file")
	}
	r.Body = http.MaxBytesReader(w, r.Body, transfer.MaxXLSX+transfer.MaxMapping+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return kesu.Errorf(kesu.EInvalid, "malformed multipart body")
	}
	var opts transfer.ImportOptions
	var formatName string
	for {
		part, err := mr.NextPart()
		if err != nil {
			return kesu.FieldError("file", "a part named file is required (send format, mapping and dry_run before it)")
		}
		switch part.FormName() {
		case "format":
			b, _ := io.ReadAll(io.LimitReader(part, 20))
			formatName = strings.TrimSpace(string(b))
			continue
		case "dry_run":
			b, _ := io.ReadAll(io.LimitReader(part, 10))
			v, err := strconv.ParseBool(strings.TrimSpace(string(b)))
			if err != nil {
				return kesu.FieldError("dry_run", "must be true or false")
			}
			opts.DryRun = v
			continue
		case "mapping":
			m, err := transfer.ReadMapping(part)
			if err != nil {
				return err
			}
			opts.Mapping = m
			continue
		case "file":
		default:
			return kesu.FieldError(part.FormName(), "unknown form field")
		}
		if opts.Format, err = transfer.ParseFormat(formatName, part.FileName()); err != nil {
			return err
		}
		opts.Actor, opts.Clock, opts.Location = actor, s.clock, s.intakeLocation()
		res := ImportResult{Rows: []ImportRow{}}
		listed := map[transfer.Outcome]int{}
		opts.OnRow = func(row transfer.RowResult) {
			// Every failed row, and on a dry run a sample of the others.
			if row.Outcome != transfer.Failed && (!opts.DryRun || listed[row.Outcome] >= 20) {
				return
			}
			if len(res.Rows) >= maxImportRowsListed {
				res.RowsTruncated = true
				return
			}
			listed[row.Outcome]++
			res.Rows = append(res.Rows, ImportRow{Line: row.Line, Outcome: string(row.Outcome), Number: row.Number,
				ExternalID: row.ExternalID, Field: row.Field, Message: row.Message})
		}
		rep, err := transfer.Import(r.Context(), s.db, part, opts)
		res.DryRun, res.Created, res.Present, res.Failed = rep.DryRun, rep.Created, rep.Present, rep.Failed
		if err != nil {
			return err
		}
		s.db.RecordChannelHealth(r.Context(), "import", "api", true, "", s.clock.Now())
		writeJSON(w, http.StatusOK, res)
		return nil
	}
}

// importFields lists the complaint fields a mapping can fill, for the
// mapping step of an import or an intake source.
func (s *Server) importFields(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, ImportFieldList{Items: transfer.IntakeFields()})
	return nil
}

// ImportFieldList names the fields of a mapping.
type ImportFieldList struct {
	Items []string `json:"items"`
}
