package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/tokenize"
)

// Idempotency identifies a create request that a client may retry.
type Idempotency struct {
	UserID      int64
	Key         string
	RequestHash []byte // of the request body: the same key with another body is refused
}

// CreateResult is what CreateComplaint did.
type CreateResult struct {
	Complaint kesu.Complaint
	// Replayed is true when the request repeated an earlier one (same
	// idempotency key or external id) and no new complaint was made.
	Replayed bool
}

// CreateComplaint registers a complaint: customer, number, complaint row,
// created event and search index in one transaction.
func (db *DB) CreateComplaint(ctx context.Context, in kesu.NewComplaint, actor kesu.Actor, now time.Time, idem *Idempotency) (CreateResult, error) {
	now = storedTime(now)
	c, err := in.Build(now, actor)
	if err != nil {
		return CreateResult{}, err
	}
	if db.dialect == dialectPostgres {
		// Replays must not consume a number: answer them before reserving one.
		if res, found, err := db.findReplay(ctx, c, idem); found || err != nil {
			return res, err
		}
		if err := db.reserveNumber(ctx, &c); err != nil {
			return CreateResult{}, err
		}
	}
	doc := intakeDocOf(&c)
	var res CreateResult
	// A repeat is not looked for inside the transaction: the unique keys of
	// idempotency_keys and complaints.external_id refuse it, the job rolls
	// back, and the lookup below answers with the earlier complaint. The
	// single writer thus spends nothing on the (rare) retries' check.
	err = db.tx(ctx, func(tx *Tx) error {
		cc := c
		if err := tx.insertComplaint(ctx, &cc, actor, doc); err != nil {
			return err
		}
		if idem != nil {
			if _, err := tx.exec(ctx, `INSERT INTO idempotency_keys(user_id, key, request_hash, complaint_id, created_at) VALUES (?, ?, ?, ?, ?)`,
				idem.UserID, idem.Key, idem.RequestHash, cc.ID, micros(now)); err != nil {
				return err
			}
		}
		res.Complaint = cc
		return nil
	})
	if kesu.ErrorCodeOf(err) == kesu.EConflict {
		// An earlier or concurrent request with the same key or external id
		// registered the complaint: answer with it (or refuse the key's
		// reuse for another body).
		if r, found, e := replayOf(ctx, db, &c, idem); found {
			return r, e
		}
	}
	return res, err
}

// insertComplaint writes a new complaint built by kesu.NewComplaint.Build,
// filling in ID, Number and the customer's ID.
func (tx *Tx) insertComplaint(ctx context.Context, c *kesu.Complaint, actor kesu.Actor, doc intakeDoc) error {
	now := c.UpdatedAt
	var categoryID int64
	if c.Category != "" {
		var err error
		if categoryID, err = tx.categoryID(ctx, c.Category); err != nil {
			return err
		}
	}
	if err := tx.upsertCustomer(ctx, &c.Customer, now); err != nil {
		return err
	}
	if c.Number == "" {
		seq, err := tx.nextNumber(ctx, c.RegisteredAt)
		if err != nil {
			return err
		}
		c.Number = tx.db.numbers.Format(c.RegisteredAt.In(tx.db.loc), seq)
	}
	c.Version = 1
	tags, _ := json.Marshal(c.Tags)
	var demand any
	if c.DemandReasonable != nil {
		demand = *c.DemandReasonable
	}
	id, err := tx.insert(ctx, `INSERT INTO complaints(number, status, kind, channel, title, description, customer_id,
		nature, timing, level, priority, category_id, validity, intent, tags, product, product_model, order_no,
		amount, currency, staff_involved, location, expect_remedy, expect_amount, expect_note, demand_reasonable,
		external_id, occurred_at, registered_at, escalation, created_by, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
		?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Number, string(c.Status), string(c.Kind), string(c.Channel), c.Title, c.Description, nullID(c.Customer.ID),
		string(c.Nature), string(c.Timing), string(c.Level), string(c.Priority), nullID(categoryID), string(c.Validity),
		string(c.Intent), string(tags), c.Product, c.ProductModel, c.OrderNo,
		int64(c.Amount), c.Currency, c.StaffInvolved, c.Location, string(c.Expectation.Remedy),
		int64(c.Expectation.Amount), c.Expectation.Note, demand,
		nullString(c.ExternalID), nullMicros(c.OccurredAt), micros(c.RegisteredAt), c.Escalation, nullID(c.CreatedBy),
		micros(now), c.Version)
	if err != nil {
		if kesu.ErrorCodeOf(err) == kesu.EConflict {
			return &kesu.Error{Code: kesu.EConflict, Message: "a complaint with this number or external id exists"}
		}
		return err
	}
	c.ID = id
	ev := kesu.NewEvent(id, kesu.EventCreated, actor, now, kesu.VisibilityCustomer)
	ev.ToStatus = c.Status
	ev.Data = map[string]any{"channel": string(c.Channel), "number": c.Number}
	if ev.ID, err = tx.insertEvent(ctx, ev); err != nil {
		return err
	}
	if err := tx.indexComplaint(ctx, c, doc.text, false); err != nil {
		return err
	}
	if err := tx.insertSimHash(ctx, c.ID, doc.simhash); err != nil { // search.go
		return err
	}
	return tx.runEffects(ctx, Change{After: c, Event: ev})
}

// nextNumber increments the counter of the number's scope (e.g. the day).
func (tx *Tx) nextNumber(ctx context.Context, registered time.Time) (int64, error) {
	var seq int64
	err := tx.queryRow(ctx, `INSERT INTO number_counters(scope, last) VALUES (?, 1)
		ON CONFLICT(scope) DO UPDATE SET last = number_counters.last + 1 RETURNING last`,
		tx.db.numbers.Scope(registered.In(tx.db.loc))).Scan(&seq)
	return seq, tx.db.mapErr(err)
}

// reserveNumber gives c its number in a transaction of its own (PostgreSQL).
// Every intake of a day increments one counter row; inside the intake
// transaction that row stays locked until the commit has been flushed, which
// serialises all intakes. Here the lock is held for one statement, and the
// commit need not wait for its flush (synchronous_commit off): the WAL is
// written in order, so the flush of the complaint that uses the number makes
// the counter durable too. A registration that fails afterwards leaves a gap
// in the day's sequence; numbers stay unique.
func (db *DB) reserveNumber(ctx context.Context, c *kesu.Complaint) error {
	var seq int64
	err := db.tryTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		var err error
		seq, err = tx.nextNumber(ctx, c.RegisteredAt)
		return err
	})
	if err != nil {
		return err
	}
	c.Number = db.numbers.Format(c.RegisteredAt.In(db.loc), seq)
	return nil
}

// rowReader is what a write transaction and the reader pool both offer.
type rowReader interface {
	queryRow(ctx context.Context, query string, args ...any) *sql.Row
	complaintByID(ctx context.Context, id int64) (kesu.Complaint, error)
}

// replayOf finds the complaint that an earlier create with the same
// idempotency key (and body: another body is a conflict) or the same
// external id registered; found is false when this create is new.
func replayOf(ctx context.Context, r rowReader, c *kesu.Complaint, idem *Idempotency) (CreateResult, bool, error) {
	if idem != nil {
		var id int64
		var hash []byte
		err := r.queryRow(ctx, `SELECT complaint_id, request_hash FROM idempotency_keys WHERE user_id = ? AND key = ?`,
			idem.UserID, idem.Key).Scan(&id, &hash)
		if err == nil {
			if !bytes.Equal(hash, idem.RequestHash) {
				return CreateResult{}, true, &kesu.Error{Code: kesu.EConflict, Message: "this Idempotency-Key was used for a different request"}
			}
			got, err := r.complaintByID(ctx, id)
			return CreateResult{Complaint: got, Replayed: true}, true, err
		} else if err != sql.ErrNoRows {
			return CreateResult{}, false, err
		}
	}
	if c.ExternalID != "" {
		var id int64
		err := r.queryRow(ctx, `SELECT id FROM complaints WHERE external_id = ?`, c.ExternalID).Scan(&id)
		if err == nil {
			got, err := r.complaintByID(ctx, id)
			return CreateResult{Complaint: got, Replayed: true}, true, err
		} else if err != sql.ErrNoRows {
			return CreateResult{}, false, err
		}
	}
	return CreateResult{}, false, nil
}

// findReplay answers a create that repeats an earlier one without writing,
// and checks the category, so that reserveNumber is only reached by a
// registration that should succeed.
func (db *DB) findReplay(ctx context.Context, c kesu.Complaint, idem *Idempotency) (CreateResult, bool, error) {
	if res, found, err := replayOf(ctx, db, &c, idem); found || err != nil {
		return res, found, db.mapErr(err)
	}
	if c.Category != "" {
		var active bool
		err := db.queryRow(ctx, `SELECT active FROM categories WHERE code = ?`, c.Category).Scan(&active)
		if err == sql.ErrNoRows || (err == nil && !active) {
			return CreateResult{}, false, kesu.FieldError("category", "no active category %q", c.Category)
		} else if err != nil {
			return CreateResult{}, false, db.mapErr(err)
		}
	}
	return CreateResult{}, false, nil
}

func (tx *Tx) categoryID(ctx context.Context, code string) (int64, error) {
	var id int64
	var active bool
	err := tx.queryRow(ctx, `SELECT id, active FROM categories WHERE code = ?`, code).Scan(&id, &active)
	if err == sql.ErrNoRows || (err == nil && !active) {
		return 0, kesu.FieldError("category", "no active category %q", code)
	}
	return id, tx.db.mapErr(err)
}

// contactKey identifies a customer across channels: phone, else email, else
// messaging id; "" when there is none.
func contactKey(cu kesu.Customer) string {
	switch {
	case cu.Phone != "":
		return "p:" + cu.Phone
	case cu.Email != "":
		return "e:" + cu.Email
	case cu.WeChatID != "":
		return "w:" + cu.WeChatID
	}
	return ""
}

// upsertCustomer finds the customer by contact key (phone, else email, else
// messaging id) or creates them, filling in what was missing.
func (tx *Tx) upsertCustomer(ctx context.Context, cu *kesu.Customer, now time.Time) error {
	key := contactKey(*cu)
	if key == "" && cu.Name == "" {
		return nil // anonymous feedback or suggestion
	}
	return tx.queryRow(ctx, `INSERT INTO customers(contact_key, name, phone, email, wechat_id, vip, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(contact_key) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE customers.name END,
			phone = CASE WHEN customers.phone = '' THEN excluded.phone ELSE customers.phone END,
			email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE customers.email END,
			wechat_id = CASE WHEN excluded.wechat_id <> '' THEN excluded.wechat_id ELSE customers.wechat_id END,
			vip = (customers.vip OR excluded.vip),
			updated_at = excluded.updated_at
		RETURNING id, name, phone, email, wechat_id, vip`,
		nullString(key), cu.Name, cu.Phone, cu.Email, cu.WeChatID, cu.VIP, micros(now), micros(now)). // NULL: a name alone links nothing
		Scan(&cu.ID, &cu.Name, &cu.Phone, &cu.Email, &cu.WeChatID, &cu.VIP)
}

// intakeDoc is what intake derives from a complaint's text: computed before
// the write transaction, so that the single SQLite writer does not.
type intakeDoc struct {
	text    string // searchText
	simhash int64  // tokenize.SimHash of title and description
}

func intakeDocOf(c *kesu.Complaint) intakeDoc {
	return intakeDoc{text: searchText(c), simhash: int64(tokenize.SimHash(c.Title, c.Description))}
}

// searchText is the complaint's text as search tokens, without its number
// (which the transaction assigns). Computed before the write transaction, so
// the single SQLite writer does not spend its time tokenizing.
func searchText(c *kesu.Complaint) string {
	return tokenize.Document(c.Title, c.Description, c.Customer.Name, c.Product, c.ProductModel) + " " + tokenize.Fragments(c.OrderNo)
}

// indexComplaint writes the complaint's search tokens (text from searchText,
// plus the number), deferred to the end of the transaction (see Tx.later).
func (tx *Tx) indexComplaint(ctx context.Context, c *kesu.Complaint, text string, replace bool) error {
	doc := tokenize.Fragments(c.Number) + " " + text
	id := c.ID
	tx.later(func() error {
		if tx.db.dialect == dialectPostgres {
			// strip: positions are never used (search checks phrases on the
			// text), and without them a tsvector is a fraction of the size, so
			// the planner's probes of the newest complaints read far less.
			_, err := tx.exec(ctx, `INSERT INTO complaint_search(complaint_id, tokens) VALUES (?, strip(to_tsvector('simple', ?)))
				ON CONFLICT (complaint_id) DO UPDATE SET tokens = excluded.tokens`, id, doc)
			return err
		}
		if replace {
			if _, err := tx.exec(ctx, `DELETE FROM complaint_search WHERE rowid = ?`, id); err != nil {
				return err
			}
		}
		_, err := tx.exec(ctx, `INSERT INTO complaint_search(rowid, tokens) VALUES (?, ?)`, id, doc)
		return err
	})
	return nil
}

func (tx *Tx) insertEvent(ctx context.Context, e kesu.Event) (int64, error) {
	var data any
	if len(e.Data) > 0 {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return 0, err
		}
		data = string(b)
	}
	return tx.insert(ctx, `INSERT INTO events(complaint_id, at, actor_id, actor_role, actor_name, type, action,
		from_status, to_status, visibility, body, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ComplaintID, micros(e.At), nullID(e.ActorID), string(e.ActorRole), e.ActorName, string(e.Type),
		string(e.Action), string(e.FromStatus), string(e.ToStatus), string(e.Visibility), e.Body, data)
}

// complaintSelect reads a complaint with its codes and customer resolved.
const complaintSelect = `SELECT c.id, c.number, c.status, c.kind, c.channel, c.title, c.description,
	COALESCE(cu.id, 0), COALESCE(cu.name, ''), COALESCE(cu.phone, ''), COALESCE(cu.email, ''), COALESCE(cu.wechat_id, ''), COALESCE(cu.vip, ` + "FALSE" + `),
	c.nature, c.timing, c.level, c.priority, COALESCE(cat.code, ''), c.cause, c.cause_note, c.validity, c.intent, c.tags,
	c.product, c.product_model, c.order_no, c.amount, c.currency, c.staff_involved, c.location,
	c.expect_remedy, c.expect_amount, c.expect_note, c.demand_reasonable, COALESCE(c.external_id, ''),
	c.occurred_at, c.registered_at, COALESCE(d.code, ''), COALESCE(c.department_id, 0), c.co_departments,
	COALESCE(c.assignee_id, 0), c.escalation, c.proposal, c.resolution, c.reject_reason, c.upheld, c.recourse,
	COALESCE(dup.number, ''), COALESCE(c.duplicate_of, 0), c.satisfaction, c.satisfaction_comment,
	c.return_count, c.reopen_count, c.appeal_count, c.resolved_at, c.closed_at, c.reviewed_at,
	COALESCE(c.created_by, 0), c.updated_at, c.version
FROM complaints c
LEFT JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN categories cat ON cat.id = c.category_id
LEFT JOIN departments d ON d.id = c.department_id
LEFT JOIN complaints dup ON dup.id = c.duplicate_of`

func (db *DB) selectComplaint() string {
	if db.dialect == dialectSQLite {
		return strings.Replace(complaintSelect, "FALSE", "0", 1)
	}
	return complaintSelect
}

func scanComplaint(s scanner) (kesu.Complaint, error) {
	var c kesu.Complaint
	var tags, coDeps string
	var proposal sql.NullString
	var demand sql.NullBool
	var occurred, resolved, closed, reviewed sql.NullInt64
	var registered, updated int64
	err := s.Scan(&c.ID, &c.Number, &c.Status, &c.Kind, &c.Channel, &c.Title, &c.Description,
		&c.Customer.ID, &c.Customer.Name, &c.Customer.Phone, &c.Customer.Email, &c.Customer.WeChatID, &c.Customer.VIP,
		&c.Nature, &c.Timing, &c.Level, &c.Priority, &c.Category, &c.Cause, &c.CauseNote, &c.Validity, &c.Intent, &tags,
		&c.Product, &c.ProductModel, &c.OrderNo, &c.Amount, &c.Currency, &c.StaffInvolved, &c.Location,
		&c.Expectation.Remedy, &c.Expectation.Amount, &c.Expectation.Note, &demand, &c.ExternalID,
		&occurred, &registered, &c.Department, &c.DepartmentID, &coDeps,
		&c.AssigneeID, &c.Escalation, &proposal, &c.Resolution, &c.RejectReason, &c.Upheld, &c.Recourse,
		&c.DuplicateOf, &c.DuplicateOfID, &c.Satisfaction, &c.SatisfactionComment,
		&c.ReturnCount, &c.ReopenCount, &c.AppealCount, &resolved, &closed, &reviewed,
		&c.CreatedBy, &updated, &c.Version)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil || c.Tags == nil {
		c.Tags = []string{}
	}
	if err := json.Unmarshal([]byte(coDeps), &c.CoDepartments); err != nil || c.CoDepartments == nil {
		c.CoDepartments = []string{}
	}
	if proposal.Valid {
		var p kesu.Proposal
		if json.Unmarshal([]byte(proposal.String), &p) == nil {
			c.Proposal = &p
		}
	}
	if demand.Valid {
		v := demand.Bool
		c.DemandReasonable = &v
	}
	c.OccurredAt, c.ResolvedAt, c.ClosedAt, c.ReviewedAt =
		fromNullMicros(occurred), fromNullMicros(resolved), fromNullMicros(closed), fromNullMicros(reviewed)
	c.RegisteredAt, c.UpdatedAt = fromMicros(registered), fromMicros(updated)
	return c, nil
}

func notFoundComplaint(key string) error {
	return kesu.Errorf(kesu.ENotFound, "no complaint %s", key)
}

// Complaint returns the complaint with the given number.
func (db *DB) Complaint(ctx context.Context, number string) (kesu.Complaint, error) {
	c, err := scanComplaint(db.queryRow(ctx, db.selectComplaint()+` WHERE c.number = ?`, number))
	if err == sql.ErrNoRows {
		return c, notFoundComplaint(number)
	}
	return c, db.mapErr(err)
}

func (db *DB) complaintByID(ctx context.Context, id int64) (kesu.Complaint, error) {
	c, err := scanComplaint(db.queryRow(ctx, db.selectComplaint()+` WHERE c.id = ?`, id))
	if err == sql.ErrNoRows {
		return c, notFoundComplaint("#" + strconv.FormatInt(id, 10))
	}
	return c, db.mapErr(err)
}

func (tx *Tx) complaintByID(ctx context.Context, id int64) (kesu.Complaint, error) {
	c, err := scanComplaint(tx.queryRow(ctx, tx.db.selectComplaint()+` WHERE c.id = ?`, id))
	if err == sql.ErrNoRows {
		return c, notFoundComplaint("#" + strconv.FormatInt(id, 10))
	}
	return c, tx.db.mapErr(err)
}

// lockComplaint reads a complaint inside a write transaction, locking its
// row on PostgreSQL.
func (tx *Tx) lockComplaint(ctx context.Context, number string) (kesu.Complaint, error) {
	if tx.db.dialect == dialectPostgres {
		if _, err := tx.exec(ctx, `SELECT id FROM complaints WHERE number = ? FOR UPDATE`, number); err != nil {
			return kesu.Complaint{}, err
		}
	}
	c, err := scanComplaint(tx.queryRow(ctx, tx.db.selectComplaint()+` WHERE c.number = ?`, number))
	if err == sql.ErrNoRows {
		return c, notFoundComplaint(number)
	}
	return c, tx.db.mapErr(err)
}

// saveComplaint writes every mutable column of c.
func (tx *Tx) saveComplaint(ctx context.Context, c *kesu.Complaint) error {
	tags, _ := json.Marshal(c.Tags)
	coDeps, _ := json.Marshal(c.CoDepartments)
	var proposal, demand any
	if c.Proposal != nil {
		b, _ := json.Marshal(c.Proposal)
		proposal = string(b)
	}
	if c.DemandReasonable != nil {
		demand = *c.DemandReasonable
	}
	var categoryID any
	if c.Category != "" {
		id, err := tx.categoryID(ctx, c.Category)
		if err != nil {
			return err
		}
		categoryID = id
	}
	res, err := tx.exec(ctx, `UPDATE complaints SET status = ?, title = ?, description = ?, nature = ?, timing = ?,
		level = ?, priority = ?, category_id = ?, cause = ?, cause_note = ?, validity = ?, intent = ?, tags = ?,
		product = ?, product_model = ?, order_no = ?, amount = ?, staff_involved = ?, location = ?,
		expect_remedy = ?, expect_amount = ?, expect_note = ?, demand_reasonable = ?, department_id = ?,
		co_departments = ?, assignee_id = ?, escalation = ?, proposal = ?, resolution = ?, reject_reason = ?,
		upheld = ?, recourse = ?, duplicate_of = ?, satisfaction = ?, satisfaction_comment = ?, return_count = ?,
		reopen_count = ?, appeal_count = ?, resolved_at = ?, closed_at = ?, reviewed_at = ?, updated_at = ?, version = ?
		WHERE id = ? AND version = ?`,
		string(c.Status), c.Title, c.Description, string(c.Nature), string(c.Timing),
		string(c.Level), string(c.Priority), categoryID, c.Cause, c.CauseNote, string(c.Validity), string(c.Intent), string(tags),
		c.Product, c.ProductModel, c.OrderNo, int64(c.Amount), c.StaffInvolved, c.Location,
		string(c.Expectation.Remedy), int64(c.Expectation.Amount), c.Expectation.Note, demand, nullID(c.DepartmentID),
		string(coDeps), nullID(c.AssigneeID), c.Escalation, proposal, c.Resolution, c.RejectReason,
		c.Upheld, string(c.Recourse), nullID(c.DuplicateOfID), c.Satisfaction, c.SatisfactionComment, c.ReturnCount,
		c.ReopenCount, c.AppealCount, nullMicros(c.ResolvedAt), nullMicros(c.ClosedAt), nullMicros(c.ReviewedAt),
		micros(c.UpdatedAt), c.Version,
		c.ID, c.Version-1)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kesu.Errorf(kesu.EConflict, "complaint %s was changed by someone else; reload and retry", c.Number)
	}
	return nil
}

// Transition applies a lifecycle action through the domain's transition
// table and records its event, in one transaction.
func (db *DB) Transition(ctx context.Context, number string, cmd kesu.Command, actor kesu.Actor, now time.Time, rules kesu.Rules) (kesu.Complaint, error) {
	now = storedTime(now)
	var c kesu.Complaint
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		if c, err = tx.lockComplaint(ctx, number); err != nil {
			return err
		}
		c, err = tx.transition(ctx, c, cmd, actor, now, rules)
		return err
	})
	if err != nil {
		return kesu.Complaint{}, err
	}
	return c, nil
}

// transition applies cmd to c, locked in this transaction (also used by
// remedy approvals, which decide and propose in one transaction).
func (tx *Tx) transition(ctx context.Context, c kesu.Complaint, cmd kesu.Command, actor kesu.Actor, now time.Time, rules kesu.Rules) (kesu.Complaint, error) {
	now = storedTime(now)
	if err := kesu.CanView(&c, actor); err != nil && actor.Role != kesu.RoleSystem && actor.Role != kesu.RoleCustomer {
		return c, err
	}
	if err := tx.resolveCommand(ctx, &c, &cmd); err != nil {
		return c, err
	}
	before := c
	change, err := kesu.Apply(&c, cmd, actor, now, rules)
	if err != nil {
		return c, err
	}
	if err := tx.saveComplaint(ctx, &c); err != nil {
		return c, err
	}
	if cmd.Action == kesu.ActionPropose {
		if err := tx.supersedeApprovals(ctx, c.ID, now); err != nil {
			return c, err
		}
	}
	ev := kesu.TransitionEvent(&c, change, actor, now)
	if ev.ID, err = tx.insertEvent(ctx, ev); err != nil {
		return c, err
	}
	return c, tx.runEffects(ctx, Change{Before: &before, After: &c, Event: ev})
}

// resolveCommand turns the codes and numbers of a command into ids, checking
// that what they name exists and can be used.
func (tx *Tx) resolveCommand(ctx context.Context, c *kesu.Complaint, cmd *kesu.Command) error {
	switch cmd.Action {
	case kesu.ActionDispatch:
		cmd.Department = strings.TrimSpace(cmd.Department)
		if cmd.Department == "" {
			return kesu.FieldError("department", "a department is required")
		}
		d, err := tx.departmentByCode(ctx, cmd.Department)
		if err != nil || !d.Active {
			return kesu.FieldError("department", "no active department %q", cmd.Department)
		}
		cmd.DepartmentID = d.ID
		seen := map[string]bool{cmd.Department: true}
		var co []string
		for _, code := range cmd.CoDepartments {
			code = strings.TrimSpace(code)
			if seen[code] {
				continue
			}
			seen[code] = true
			cd, err := tx.departmentByCode(ctx, code)
			if err != nil || !cd.Active {
				return kesu.FieldError("co_departments", "no active department %q", code)
			}
			co = append(co, code)
		}
		cmd.CoDepartments = co
	case kesu.ActionMerge:
		cmd.DuplicateOf = strings.TrimSpace(cmd.DuplicateOf)
		if cmd.DuplicateOf == "" {
			return kesu.FieldError("duplicate_of", "the number of the complaint to merge into is required")
		}
		var id int64
		var status kesu.Status
		err := tx.queryRow(ctx, `SELECT id, status FROM complaints WHERE number = ?`, cmd.DuplicateOf).Scan(&id, &status)
		if err == sql.ErrNoRows {
			return kesu.FieldError("duplicate_of", "no complaint %s", cmd.DuplicateOf)
		} else if err != nil {
			return err
		}
		if status == kesu.StatusMerged {
			return kesu.FieldError("duplicate_of", "complaint %s is itself merged; merge into the one it was merged into", cmd.DuplicateOf)
		}
		cmd.DuplicateOfID = id
	}
	return nil
}

// UpdateComplaint applies a patch to a complaint's classification and
// details and records the before/after as an event.
func (db *DB) UpdateComplaint(ctx context.Context, number string, p kesu.ComplaintPatch, actor kesu.Actor, now time.Time) (kesu.Complaint, error) {
	now = storedTime(now)
	var c kesu.Complaint
	err := db.tx(ctx, func(tx *Tx) error {
		var err error
		if c, err = tx.lockComplaint(ctx, number); err != nil {
			return err
		}
		if p.AssigneeID != nil && *p.AssigneeID != 0 {
			var role string
			var dept int64
			err := tx.queryRow(ctx, `SELECT role, COALESCE(department_id, 0) FROM users WHERE id = ? AND active = ?`, *p.AssigneeID, true).Scan(&role, &dept)
			if err == sql.ErrNoRows {
				return kesu.FieldError("assignee_id", "no active user %d", *p.AssigneeID)
			} else if err != nil {
				return err
			}
		}
		before := c
		diff, err := p.Apply(&c, actor, now)
		if err != nil || len(diff) == 0 {
			return err
		}
		if err := tx.saveComplaint(ctx, &c); err != nil {
			return err
		}
		if _, ok := diff["vip"]; ok && c.Customer.ID != 0 {
			if _, err := tx.exec(ctx, `UPDATE customers SET vip = ?, updated_at = ? WHERE id = ?`, c.Customer.VIP, micros(now), c.Customer.ID); err != nil {
				return err
			}
		}
		ev := kesu.NewEvent(c.ID, kesu.EventUpdated, actor, now, kesu.VisibilityInternal)
		ev.Data = map[string]any{}
		for k, v := range diff {
			ev.Data[k] = map[string]any{"before": v[0], "after": v[1]}
		}
		if ev.ID, err = tx.insertEvent(ctx, ev); err != nil {
			return err
		}
		if err := tx.runEffects(ctx, Change{Before: &before, After: &c, Event: ev}); err != nil {
			return err
		}
		_, textChanged := diff["title"]
		_, descChanged := diff["description"]
		if textChanged || descChanged {
			if err := tx.writeSimHash(ctx, &c); err != nil {
				return err
			}
		}
		for _, field := range []string{"title", "description", "order_no", "product", "product_model"} {
			if _, ok := diff[field]; ok {
				return tx.reindexComplaint(ctx, &c) // search.go: with the messages
			}
		}
		return nil
	})
	if err != nil {
		return kesu.Complaint{}, err
	}
	return c, nil
}

// AddPost adds a note (internal) or message (customer-visible).
func (db *DB) AddPost(ctx context.Context, number string, p kesu.NewPost, actor kesu.Actor, now time.Time) (kesu.Event, error) {
	now = storedTime(now)
	var ev kesu.Event
	err := db.tx(ctx, func(tx *Tx) error {
		c, err := tx.lockComplaint(ctx, number)
		if err != nil {
			return err
		}
		if ev, err = p.Build(&c, actor, now); err != nil {
			return err
		}
		if ev.ID, err = tx.insertEvent(ctx, ev); err != nil {
			return err
		}
		if ev.Type == kesu.EventMessage {
			if err := tx.reindexComplaint(ctx, &c); err != nil { // messages are searchable (search.go)
				return err
			}
		}
		return tx.runEffects(ctx, Change{Before: &c, After: &c, Event: ev})
	})
	return ev, err
}

// Events lists a complaint's timeline, oldest first; customerOnly keeps the
// customer-visible events.
func (db *DB) Events(ctx context.Context, complaintID int64, customerOnly bool) ([]kesu.Event, error) {
	q := `SELECT id, complaint_id, at, COALESCE(actor_id, 0), actor_role, actor_name, type, action, from_status,
		to_status, visibility, body, data FROM events WHERE complaint_id = ?`
	args := []any{complaintID}
	if customerOnly {
		q += ` AND visibility = ?`
		args = append(args, string(kesu.VisibilityCustomer))
	}
	return list(ctx, db, scanEvent, q+` ORDER BY id`, args...)
}

func scanEvent(s scanner) (kesu.Event, error) {
	var e kesu.Event
	var at int64
	var data sql.NullString
	if err := s.Scan(&e.ID, &e.ComplaintID, &at, &e.ActorID, &e.ActorRole, &e.ActorName, &e.Type, &e.Action,
		&e.FromStatus, &e.ToStatus, &e.Visibility, &e.Body, &data); err != nil {
		return e, err
	}
	e.At = fromMicros(at)
	if data.Valid {
		_ = json.Unmarshal([]byte(data.String), &e.Data)
	}
	return e, nil
}

// Filter selects complaints for a list. Zero values do not filter.
type Filter struct {
	Statuses     []kesu.Status
	Category     string // code; matches the category and its direct children
	Department   string // code
	DepartmentID int64  // forced for department-scoped roles
	Level        kesu.Level
	Channel      kesu.Channel
	Kind         kesu.Kind
	CustomerID   int64
	Phone        string // the customer's phone number (normalised), as a caller gives it
	AssigneeID   int64
	From, To     *time.Time // registered_at in [From, To)
	SLA          string     // warning, breached (also paused, running): the complaint's SLA state
	DueBefore    *time.Time // an unmet SLA deadline before this instant
	Limit        int
	Cursor       string
	// Order is the list's order (Orders; "" is OrderNewest). A cursor
	// continues the order it came from.
	Order string
	// Match keeps complaints whose search index holds every token (package
	// search parses queries into tokens and verifies the candidates).
	Match      []tokenize.Token
	denseMatch bool // SQLite: walk the newest complaints (search.go planMatch)
}

// List orders: newest registered first (the default), oldest first, level
// (critical first, then newest), recently updated first.
const (
	OrderNewest  = "newest"
	OrderOldest  = "oldest"
	OrderLevel   = "level"
	OrderUpdated = "updated"
)

// Orders are the list orders, the default first.
var Orders = []string{OrderNewest, OrderOldest, OrderLevel, OrderUpdated}

// levelRankSQL ranks a complaint's level for OrderLevel, as levelRank does.
const levelRankSQL = `(CASE c.level WHEN 'critical' THEN 0 WHEN 'major' THEN 1 ELSE 2 END)`

func levelRank(l kesu.Level) int64 {
	switch l {
	case kesu.LevelCritical:
		return 0
	case kesu.LevelMajor:
		return 1
	}
	return 2
}

// orderBy is the ORDER BY clause of f's order.
func (f Filter) orderBy() string {
	switch f.Order {
	case OrderOldest:
		return ` ORDER BY c.registered_at, c.id`
	case OrderLevel:
		return ` ORDER BY ` + levelRankSQL + `, c.registered_at DESC, c.id DESC`
	case OrderUpdated:
		return ` ORDER BY c.updated_at DESC, c.id DESC`
	}
	return ` ORDER BY c.registered_at DESC, c.id DESC`
}

// CursorAfter is the cursor that continues f's order after c.
func (f Filter) CursorAfter(c kesu.Complaint) string {
	switch f.Order {
	case OrderOldest:
		return encodeCursorOf("o", micros(c.RegisteredAt), c.ID)
	case OrderLevel:
		return encodeCursorOf("l", levelRank(c.Level), micros(c.RegisteredAt), c.ID)
	case OrderUpdated:
		return encodeCursorOf("u", micros(c.UpdatedAt), c.ID)
	}
	return encodeCursor(micros(c.RegisteredAt), c.ID)
}

// afterCursor is the condition that continues f's order after its cursor.
func (f Filter) afterCursor() (string, []any, error) {
	bad := kesu.FieldError("cursor", "not a cursor returned by this API")
	if f.Order == "" || f.Order == OrderNewest {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		return `(c.registered_at < ? OR (c.registered_at = ? AND c.id < ?))`, []any{at, at, id}, nil
	}
	tag, v, err := decodeCursorOf(f.Cursor)
	if err != nil {
		return "", nil, err
	}
	switch {
	case f.Order == OrderOldest && tag == "o" && len(v) == 2:
		return `(c.registered_at > ? OR (c.registered_at = ? AND c.id > ?))`, []any{v[0], v[0], v[1]}, nil
	case f.Order == OrderUpdated && tag == "u" && len(v) == 2:
		return `(c.updated_at < ? OR (c.updated_at = ? AND c.id < ?))`, []any{v[0], v[0], v[1]}, nil
	case f.Order == OrderLevel && tag == "l" && len(v) == 3:
		return `(` + levelRankSQL + ` > ? OR (` + levelRankSQL + ` = ? AND (c.registered_at < ? OR (c.registered_at = ? AND c.id < ?))))`,
			[]any{v[0], v[0], v[1], v[1], v[2]}, nil
	}
	return "", nil, bad
}

// Page is one page of a list.
type Page struct {
	Items      []kesu.Complaint `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

// MaxPageSize caps Filter.Limit.
const MaxPageSize = 200

// Complaints lists complaints in f's order (newest first by default) with
// cursor pagination.
func (db *DB) Complaints(ctx context.Context, f Filter) (Page, error) {
	if f.Order != "" && !slices.Contains(Orders, f.Order) {
		return Page{}, kesu.FieldError("sort", "unknown order %q (one of %s)", f.Order, strings.Join(Orders, ", "))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > MaxPageSize {
		f.Limit = MaxPageSize
	}
	if err := db.planMatch(ctx, &f); err != nil {
		return Page{}, err
	}
	if f.denseMatch {
		return db.walkMatch(ctx, f) // search.go
	}
	return db.complaintsPage(ctx, f)
}

// complaintsPage runs a list query.
func (db *DB) complaintsPage(ctx context.Context, f Filter) (Page, error) {
	where, args, err := db.filterSQL(f)
	if err != nil {
		return Page{}, err
	}
	args = append(args, f.Limit+1)
	items, err := list(ctx, db, scanComplaint, db.selectComplaint()+where+f.orderBy()+` LIMIT ?`, args...)
	if err != nil {
		return Page{}, err
	}
	page := Page{Items: items}
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		page.NextCursor = f.CursorAfter(page.Items[f.Limit-1])
	}
	return page, nil
}

// EachComplaint streams every complaint matching f (ignoring Limit and
// Cursor) oldest first, for exports. fn runs outside any transaction.
func (db *DB) EachComplaint(ctx context.Context, f Filter, fn func(kesu.Complaint) error) error {
	f.Cursor = ""
	where, args, err := db.filterSQL(f)
	if err != nil {
		return err
	}
	var lastAt, lastID int64 = -1 << 62, 0
	for {
		w, a := where, append([]any{}, args...)
		cond := `(c.registered_at > ? OR (c.registered_at = ? AND c.id > ?))`
		if w == "" {
			w = " WHERE " + cond
		} else {
			w += " AND " + cond
		}
		a = append(a, lastAt, lastAt, lastID, 500)
		batch, err := list(ctx, db, scanComplaint, db.selectComplaint()+w+` ORDER BY c.registered_at, c.id LIMIT ?`, a...)
		if err != nil {
			return err
		}
		for _, c := range batch {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(batch) < 500 {
			return nil
		}
		last := batch[len(batch)-1]
		lastAt, lastID = micros(last.RegisteredAt), last.ID
	}
}

func (db *DB) filterSQL(f Filter) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if len(f.Statuses) > 0 {
		ph := qmarks(len(f.Statuses))
		var a []any
		for _, s := range f.Statuses {
			a = append(a, string(s))
		}
		add("c.status IN ("+ph+")", a...)
	}
	if f.Category != "" {
		add(`c.category_id IN (SELECT id FROM categories WHERE code = ? OR parent_id = (SELECT id FROM categories WHERE code = ?))`, f.Category, f.Category)
	}
	if f.Department != "" {
		add(`c.department_id = (SELECT id FROM departments WHERE code = ?)`, f.Department)
	}
	if f.DepartmentID != 0 {
		add(`c.department_id = ?`, f.DepartmentID)
	}
	if f.Level != "" {
		add(`c.level = ?`, string(f.Level))
	}
	if f.Channel != "" {
		add(`c.channel = ?`, string(f.Channel))
	}
	if f.Kind != "" {
		add(`c.kind = ?`, string(f.Kind))
	}
	if f.CustomerID != 0 {
		add(`c.customer_id = ?`, f.CustomerID)
	}
	if f.Phone != "" {
		add(`c.customer_id IN (SELECT id FROM customers WHERE phone = ?)`, kesu.NormalizePhone(f.Phone))
	}
	if f.AssigneeID != 0 {
		add(`c.assignee_id = ?`, f.AssigneeID)
	}
	if f.From != nil {
		add(`c.registered_at >= ?`, micros(*f.From))
	}
	if f.To != nil {
		add(`c.registered_at < ?`, micros(*f.To))
	}
	if len(f.Match) > 0 {
		cond, arg := db.matchSQL(f) // search.go
		add(cond, arg)
	}
	if err := slaFilterSQL(f, add); err != nil {
		return "", nil, err
	}
	if f.Cursor != "" {
		cond, a, err := f.afterCursor()
		if err != nil {
			return "", nil, err
		}
		add(cond, a...)
	}
	if len(conds) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

func encodeCursor(at, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + "." + strconv.FormatInt(id, 10)))
}

// encodeCursorOf encodes the sort keys of an order other than newest,
// tagged with the order, so that a cursor of one order is refused by another.
func encodeCursorOf(tag string, keys ...int64) string {
	parts := []string{tag}
	for _, k := range keys {
		parts = append(parts, strconv.FormatInt(k, 10))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ".")))
}

func decodeCursorOf(s string) (string, []int64, error) {
	bad := kesu.FieldError("cursor", "not a cursor returned by this API")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", nil, bad
	}
	parts := strings.Split(string(b), ".")
	if len(parts) < 2 || len(parts) > 4 {
		return "", nil, bad
	}
	keys := make([]int64, len(parts)-1)
	for i, p := range parts[1:] {
		if keys[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return "", nil, bad
		}
	}
	return parts[0], keys, nil
}

func decodeCursor(s string) (int64, int64, error) {
	bad := kesu.FieldError("cursor", "not a cursor returned by this API")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, 0, bad
	}
	a, i, ok := strings.Cut(string(b), ".")
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(i, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, bad
	}
	return at, id, nil
}
