package classify

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Suggestions lists a complaint's stored suggestions and, for each field
// without one, what the models predict now: a complaint registered before a
// model existed still gets a suggestion (stored only once an agent decides).
// svc may be nil (no models loaded).
func Suggestions(ctx context.Context, db *store.DB, svc *Service, c *kesu.Complaint, now time.Time) ([]store.Suggestion, error) {
	items, err := db.Suggestions(ctx, c.ID)
	if err != nil || svc == nil {
		return items, err
	}
	text := Text(c)
	for _, field := range SuggestedFields {
		if slices.ContainsFunc(items, func(g store.Suggestion) bool { return g.Field == field }) {
			continue
		}
		if p, id, ok := svc.Predict(field, text); ok {
			items = append(items, store.Suggestion{Field: field, Value: p.Label, Confidence: p.Confidence,
				ModelID: id, CreatedAt: now.UTC(), Status: store.SuggestionPending})
		}
	}
	return items, nil
}

// Decide confirms or corrects the suggestion for field with value. Category
// and level are set on the complaint (an edit with its event); a department
// is only recorded, since dispatching chooses it. A suggestion the agent saw
// was perhaps predicted on demand: it is stored first, so that the decision
// records what was suggested. The caller checks that actor may edit.
func Decide(ctx context.Context, db *store.DB, svc *Service, c *kesu.Complaint, field, value string, actor kesu.Actor, now time.Time) (store.Suggestion, error) {
	if !slices.Contains(SuggestedFields, field) {
		return store.Suggestion{}, kesu.Errorf(kesu.ENotFound, "no suggestion field %q (category, level, department)", field)
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return store.Suggestion{}, kesu.FieldError("value", "missing")
	}
	var patch kesu.ComplaintPatch
	switch field {
	case "category":
		patch.Category = &value
	case "level":
		lv := kesu.Level(value)
		if !slices.Contains(kesu.Levels, lv) {
			return store.Suggestion{}, kesu.FieldError("value", "must be one of general, major, critical")
		}
		patch.Level = &lv
	case "department":
		if _, err := db.Department(ctx, value); kesu.ErrorCodeOf(err) == kesu.ENotFound {
			return store.Suggestion{}, kesu.FieldError("value", "no department %q", value)
		} else if err != nil {
			return store.Suggestion{}, err
		}
	}
	if field != "department" {
		if _, err := db.UpdateComplaint(ctx, c.Number, patch, actor, now); err != nil {
			return store.Suggestion{}, valueError(err)
		}
	}
	if svc != nil {
		stored, err := db.Suggestions(ctx, c.ID)
		if err != nil {
			return store.Suggestion{}, err
		}
		if !slices.ContainsFunc(stored, func(g store.Suggestion) bool { return g.Field == field }) {
			if p, id, ok := svc.Predict(field, Text(c)); ok {
				if err := db.SaveSuggestions(ctx, c.ID, []store.Suggestion{{Field: field, Value: p.Label,
					Confidence: p.Confidence, ModelID: id}}, now); err != nil {
					return store.Suggestion{}, err
				}
			}
		}
	}
	return db.DecideSuggestion(ctx, c.ID, field, value, actor, now)
}

// valueError points a field error of the complaint patch at the decision's
// value.
func valueError(err error) error {
	if e, ok := err.(*kesu.Error); ok && e.Field != "" {
		return &kesu.Error{Code: e.Code, Field: "value", Message: e.Message}
	}
	return err
}
