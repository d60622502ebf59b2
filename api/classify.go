package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/classify"
	"github.com/kesu/kesu/store"
)

// Classification: training from the organisation's own complaints,
// suggestions on a complaint with the agent's confirmation or correction,
// and the risk word list and policy.
type (
	TrainRequest struct {
		// Field to learn: category, level or department.
		Field string `json:"field"`
	}
	ModelList struct {
		Items []store.Model `json:"items"`
	}
	SuggestionList struct {
		Items []store.Suggestion `json:"items"`
		// RiskWords are the risk words the complaint's text contains now.
		RiskWords []string `json:"risk_words"`
	}
	SuggestionDecision struct {
		// Value the agent chose: the suggested one confirms it, another corrects it.
		Value string `json:"value"`
	}
	RiskWordList struct {
		Items []store.RiskWord `json:"items"`
	}
)

// classifyService refuses when the server was built without classification.
func (s *Server) classifyService() (*classify.Service, error) {
	if s.classify == nil {
		return nil, kesu.Errorf(kesu.EUnavailable, "classification is not configured on this server")
	}
	return s.classify, nil
}

func (s *Server) trainModel(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermModels); err != nil {
		return err
	}
	var req TrainRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if !slices.Contains(classify.SuggestedFields, req.Field) {
		return kesu.FieldError("field", "must be one of %s", strings.Join(classify.SuggestedFields, ", "))
	}
	svc, err := s.classifyService()
	if err != nil {
		return err
	}
	res, err := svc.TrainFromClosed(r.Context(), req.Field, caller(r.Context()).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermModels); err != nil {
		return err
	}
	items, err := s.db.Models(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ModelList{Items: items})
	return nil
}

func (s *Server) listSuggestions(w http.ResponseWriter, r *http.Request) error {
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	items, err := classify.Suggestions(r.Context(), s.db, s.classify, &c, s.clock.Now())
	if err != nil {
		return err
	}
	out := SuggestionList{Items: items, RiskWords: []string{}}
	if s.classify != nil {
		for _, h := range s.classify.Risk(classify.Text(&c)) {
			out.RiskWords = append(out.RiskWords, h.Word)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// decideSuggestion confirms or corrects a suggestion (classify.Decide).
func (s *Server) decideSuggestion(w http.ResponseWriter, r *http.Request) error {
	var req SuggestionDecision
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	field := r.PathValue("field")
	if !slices.Contains(classify.SuggestedFields, field) {
		return kesu.Errorf(kesu.ENotFound, "no suggestion field %q (category, level, department)", field)
	}
	if strings.TrimSpace(req.Value) == "" {
		return kesu.FieldError("value", "missing")
	}
	c, err := s.viewable(r)
	if err != nil {
		return err
	}
	actor := caller(r.Context()).Actor()
	if err := kesu.Can(actor, kesu.PermEdit); err != nil {
		return err
	}
	g, err := classify.Decide(r.Context(), s.db, s.classify, &c, field, req.Value, actor, s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (s *Server) listRiskWords(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermReports); err != nil {
		return err
	}
	items, err := s.db.RiskWords(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, RiskWordList{Items: items})
	return nil
}

func (s *Server) putRiskWord(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermOperate); err != nil {
		return err
	}
	var in classify.RiskWord
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	out, err := s.db.PutRiskWord(r.Context(), store.RiskWord{Word: in.Word, Escalation: in.Escalation, Priority: string(in.Priority)}, s.clock.Now())
	if err != nil {
		return err
	}
	if err := s.reloadClassify(r); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteRiskWord(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermOperate); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DeleteRiskWord(r.Context(), id); err != nil {
		return err
	}
	if err := s.reloadClassify(r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getRiskPolicy(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermReports); err != nil {
		return err
	}
	p, err := classify.LoadRiskPolicy(r.Context(), s.db)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) putRiskPolicy(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermOperate); err != nil {
		return err
	}
	var p classify.RiskPolicy
	if err := s.decode(w, r, &p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if err := s.db.PutClassifySetting(r.Context(), classify.RiskPolicySetting, p, s.clock.Now()); err != nil {
		return err
	}
	if err := s.reloadClassify(r); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// reloadClassify makes this process use a changed word list or policy at
// once (other processes reload within 30 s).
func (s *Server) reloadClassify(r *http.Request) error {
	if s.classify == nil {
		return nil
	}
	return s.classify.Reload(r.Context())
}
