package classify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// SuggestedFields are the complaint fields models suggest at intake.
var SuggestedFields = []string{"category", "level", "department"}

// RiskPolicySetting names the stored RiskPolicy.
const RiskPolicySetting = "risk_policy"

// Service connects models and the risk policy to the database: it suggests
// classification and raises risky complaints at intake (an effect inside the
// intake transaction), trains from the organisation's own complaints, and
// keeps what it uses in memory, reloading after changes.
type Service struct {
	db    *store.DB
	clock kesu.Clock
	log   *slog.Logger
	state atomic.Pointer[snapshot]
}

// snapshot is what intake uses; replaced whole on reload, never changed.
type snapshot struct {
	models map[string]loadedModel // by field
	// the same in SuggestedFields order, for PredictAll
	fields []string
	list   []*Model
	ids    []int64
	risk   *RiskMatcher
	policy RiskPolicy
}

type loadedModel struct {
	id    int64
	model *Model
}

// NewService makes a Service; call Reload before intake starts.
func NewService(db *store.DB, clock kesu.Clock, log *slog.Logger) *Service {
	if clock == nil {
		clock = kesu.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{db: db, clock: clock, log: log}
	s.state.Store(&snapshot{models: map[string]loadedModel{}, risk: NewRiskMatcher(nil), policy: DefaultRiskPolicy})
	return s
}

// Reload reads the models in use, the risk words and the policy.
func (s *Service) Reload(ctx context.Context) error {
	stored, err := s.db.ModelsInUse(ctx, SuggestedFields...)
	if err != nil {
		return err
	}
	old := s.state.Load()
	snap := &snapshot{models: map[string]loadedModel{}, policy: DefaultRiskPolicy}
	for field, sm := range stored {
		if lm, ok := old.models[field]; ok && lm.id == sm.ID {
			snap.models[field] = lm // unchanged: keep the decoded one
			continue
		}
		m, err := UnmarshalModel(sm.Data)
		if err != nil {
			s.log.Error("model unusable; no suggestions for its field", "model", sm.ID, "field", field, "err", err)
			continue
		}
		snap.models[field] = loadedModel{id: sm.ID, model: m}
	}
	for _, f := range SuggestedFields {
		if lm, ok := snap.models[f]; ok {
			snap.fields, snap.list, snap.ids = append(snap.fields, f), append(snap.list, lm.model), append(snap.ids, lm.id)
		}
	}
	words, err := s.db.RiskWords(ctx)
	if err != nil {
		return err
	}
	rw := make([]RiskWord, 0, len(words))
	for _, w := range words {
		rw = append(rw, RiskWord{ID: w.ID, Word: w.Word, Escalation: w.Escalation, Priority: kesu.Priority(w.Priority)})
	}
	snap.risk = NewRiskMatcher(rw)
	if snap.policy, err = LoadRiskPolicy(ctx, s.db); err != nil {
		return err
	}
	s.state.Store(snap)
	return nil
}

// LoadRiskPolicy reads the stored risk policy, or DefaultRiskPolicy.
func LoadRiskPolicy(ctx context.Context, db *store.DB) (RiskPolicy, error) {
	var p RiskPolicy
	found, err := db.ClassifySetting(ctx, RiskPolicySetting, &p)
	if err != nil || !found {
		return DefaultRiskPolicy, err
	}
	return p, nil
}

// Run reloads periodically, so that several kesu processes on one database
// pick up each other's training and word list changes.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := s.Reload(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("classify reload failed", "err", err)
			}
		}
	}
}

// Text is what models and risk words read of a complaint.
func Text(c *kesu.Complaint) string { return c.Title + "\n" + c.Description }

// Effect applies the risk word list to every new complaint, in the intake
// transaction: matching a short word list costs microseconds, and a
// complaint that threatens the media is escalated the moment it exists.
// Suggestions are made off the intake path by Suggest (a Worker).
func (s *Service) Effect() store.Effect {
	return func(ctx context.Context, tx *store.Tx, ch store.Change) error {
		if !ch.Created() {
			return nil
		}
		c := ch.After
		if !c.Status.Open() {
			return nil // an imported history (closed, withdrawn ...) is not escalated
		}
		a := Assess(c, s.state.Load().risk.Match(Text(c)), nil, RiskPolicy{})
		if !a.Changed(c) {
			return nil
		}
		return tx.RaiseRisk(ctx, c, a.Escalation, a.Priority, a.Reason, map[string]any{"risk_words": a.Words}, ch.Event.At)
	}
}

// suggestCursor names the position of the suggestion worker.
const suggestCursor = "suggestions"

// SuggestBatch is how many new complaints one pass of Suggest handles.
const SuggestBatch = 200

// Suggest makes suggestions for complaints registered since its last pass,
// and lets a confidently predicted level raise escalation and priority per
// the policy. Predictions run outside any transaction; their results are
// written in one transaction per batch that also moves the worker's cursor,
// so several processes never handle the same complaints twice. On its first
// pass the cursor starts at the newest complaint: history is not redone
// (the API predicts on demand for complaints without stored suggestions).
// It returns how many complaints it handled.
func (s *Service) Suggest(ctx context.Context) (int, error) {
	from, found, err := s.db.Cursor(ctx, suggestCursor)
	if err != nil {
		return 0, err
	}
	if !found {
		last, err := s.db.LastComplaintID(ctx)
		if err != nil {
			return 0, err
		}
		_, err = s.db.AdvanceCursor(ctx, suggestCursor, 0, last, s.clock.Now(), nil)
		return 0, err
	}
	cs, err := s.db.ComplaintsAfter(ctx, from, SuggestBatch)
	if err != nil || len(cs) == 0 {
		return 0, err
	}
	snap := s.state.Load()
	type result struct {
		sugg  []store.Suggestion
		level *Prediction
	}
	results := make([]result, len(cs))
	if len(snap.list) > 0 {
		for i := range cs {
			for k, p := range PredictAll(snap.list, Text(&cs[i])) {
				results[i].sugg = append(results[i].sugg, store.Suggestion{Field: snap.fields[k], Value: p.Label,
					Confidence: p.Confidence, ModelID: snap.ids[k]})
				if snap.fields[k] == "level" {
					results[i].level = &p
				}
			}
		}
	}
	now := s.clock.Now()
	to := cs[len(cs)-1].ID
	ok, err := s.db.AdvanceCursor(ctx, suggestCursor, from, to, now, func(tx *store.Tx) error {
		for i, c := range cs {
			r := results[i]
			if len(r.sugg) == 0 {
				continue
			}
			if err := tx.SaveSuggestions(ctx, c.ID, r.sugg, now); err != nil {
				return err
			}
			if r.level == nil {
				continue
			}
			cur, err := tx.ComplaintByID(ctx, c.ID) // as it is now, not as it was read
			if err != nil {
				return err
			}
			a := Assess(&cur, nil, r.level, snap.policy)
			if !a.Changed(&cur) || !cur.Status.Open() {
				continue
			}
			if err := tx.RaiseRisk(ctx, &cur, a.Escalation, a.Priority, a.Reason, map[string]any{
				"predicted_level": map[string]any{"level": a.Level.Label, "confidence": a.Level.Confidence}}, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !ok {
		return 0, err
	}
	return len(cs), nil
}

// RunSuggest is the suggestion Worker: a pass every second, at once again
// while there is a backlog.
func (s *Service) RunSuggest(ctx context.Context) error {
	for {
		n, err := s.Suggest(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if n == SuggestBatch {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// Risk returns the risk words found in text under the current list.
func (s *Service) Risk(text string) []RiskWord { return s.state.Load().risk.Match(text) }

// Policy returns the risk policy in use.
func (s *Service) Policy() RiskPolicy { return s.state.Load().policy }

// Predict suggests a value for field with the model in use (ok false when
// there is none).
func (s *Service) Predict(field, text string) (p Prediction, modelID int64, ok bool) {
	lm, ok := s.state.Load().models[field]
	if !ok {
		return Prediction{}, 0, false
	}
	return lm.model.Predict(text), lm.id, true
}

// TrainResult is a trained and saved model with its held-out figures.
type TrainResult struct {
	Model  store.Model `json:"model"`
	Report *Report     `json:"report,omitempty"` // on the held-out part, when there was enough data
}

// MinHeldOut is the least data a held-out evaluation is made on.
const MinHeldOut = 50

// TrainAndSave trains a model on examples and stores it. With enough data a
// held-out part (TestPercent) is evaluated first and its figures stored
// with the model; the saved model then learns from all examples.
func (s *Service) TrainAndSave(ctx context.Context, name, field, source string, examples []Example, by int64) (TrainResult, error) {
	if len(examples) < MinExamples {
		return TrainResult{}, kesu.Errorf(kesu.EInvalid, "need at least %d labelled examples, have %d", MinExamples, len(examples))
	}
	var res TrainResult
	// Salted: a file that is itself the training part of Split still
	// yields a held-out part.
	if train, test := SplitSalted(examples, TestPercent, "held-out"); len(test) >= MinHeldOut && len(train) >= MinHeldOut {
		if m, err := Train(train, Options{}); err == nil {
			r := Evaluate(m, test)
			res.Report = &r
		}
	}
	m, err := Train(examples, Options{})
	if err != nil {
		return TrainResult{}, err
	}
	data, err := m.MarshalBinary()
	if err != nil {
		return TrainResult{}, err
	}
	sm := store.Model{Name: name, Field: field, Labels: m.Labels, Examples: m.Examples, Source: source, Data: data, CreatedBy: by}
	if res.Report != nil {
		sm.Accuracy, sm.MacroF1 = &res.Report.Accuracy, &res.Report.MacroF1
	}
	if res.Model, err = s.db.SaveModel(ctx, sm, s.clock.Now()); err != nil {
		return TrainResult{}, err
	}
	return res, s.Reload(ctx)
}

// TrainFromClosed trains field's model from the organisation's own closed
// complaints and agents' corrections.
func (s *Service) TrainFromClosed(ctx context.Context, field string, by int64) (TrainResult, error) {
	field = strings.TrimSpace(field)
	rows, err := s.db.TrainingRows(ctx, field, 0)
	if err != nil {
		return TrainResult{}, err
	}
	examples := make([]Example, len(rows))
	for i, r := range rows {
		examples[i] = Example{Text: r.Text, Label: r.Label}
	}
	res, err := s.TrainAndSave(ctx, field, field, "closed complaints", examples, by)
	if kesu.ErrorCodeOf(err) == kesu.EInvalid {
		return res, kesu.Errorf(kesu.EInvalid, "cannot train %s: %s (closed complaints with a %s, plus agents' corrections)",
			field, kesu.ErrorMessageOf(err), field)
	}
	return res, err
}

// LoadModel decodes the newest stored model called name.
func LoadModel(ctx context.Context, db *store.DB, name string) (*Model, store.Model, error) {
	sm, err := db.LatestModel(ctx, name)
	if err != nil {
		return nil, sm, err
	}
	m, err := UnmarshalModel(sm.Data)
	if err != nil {
		return nil, sm, fmt.Errorf("model %s (#%d): %w", name, sm.ID, err)
	}
	return m, sm, nil
}
