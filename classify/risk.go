package classify

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kesu/kesu"
)

// RiskWord flags a complaint whose text contains it, raising its escalation
// and priority to at least the given values.
type RiskWord struct {
	ID         int64         `json:"id,omitempty"`
	Word       string        `json:"word"`
	Escalation int           `json:"escalation"`         // 0 to 3: raise escalation to at least this
	Priority   kesu.Priority `json:"priority,omitempty"` // raise priority to at least this; "" leaves it
}

// DefaultRiskWords is the list a new database starts with (the migration
// writes the same list; administrators change it through the API). Media
// exposure is the gravest: it goes to the department head at once.
var DefaultRiskWords = []RiskWord{
	{Word: "媒体", Escalation: 2, Priority: kesu.PriorityUrgent},
	{Word: "曝光", Escalation: 2, Priority: kesu.PriorityUrgent},
	{Word: "记者", Escalation: 2, Priority: kesu.PriorityUrgent},
	{Word: "3·15", Escalation: 2, Priority: kesu.PriorityUrgent},
	{Word: "律师", Escalation: 2, Priority: kesu.PriorityHigh},
	{Word: "起诉", Escalation: 2, Priority: kesu.PriorityHigh},
	{Word: "法院", Escalation: 2, Priority: kesu.PriorityHigh},
	{Word: "12315", Escalation: 1, Priority: kesu.PriorityHigh},
	{Word: "消协", Escalation: 1, Priority: kesu.PriorityHigh},
	{Word: "投诉到底", Escalation: 1, Priority: kesu.PriorityHigh},
	{Word: "监管", Escalation: 1, Priority: kesu.PriorityHigh},
	{Word: "消费者协会", Escalation: 1, Priority: kesu.PriorityHigh},
	{Word: "media", Escalation: 2, Priority: kesu.PriorityUrgent},
	{Word: "journalist", Escalation: 2, Priority: kesu.PriorityUrgent},
	{Word: "lawyer", Escalation: 2, Priority: kesu.PriorityHigh},
	{Word: "attorney", Escalation: 2, Priority: kesu.PriorityHigh},
	{Word: "sue", Escalation: 2, Priority: kesu.PriorityHigh},
	{Word: "lawsuit", Escalation: 2, Priority: kesu.PriorityHigh},
}

// MaxRiskWordRunes bounds a risk word.
const MaxRiskWordRunes = 50

// Validate checks a risk word and cleans it up.
func (w *RiskWord) Validate() error {
	w.Word = strings.TrimSpace(w.Word)
	switch {
	case skeleton(w.Word) == "":
		return kesu.FieldError("word", "missing (spaces and dots alone do not count)")
	case utf8.RuneCountInString(w.Word) > MaxRiskWordRunes:
		return kesu.FieldError("word", "longer than %d characters", MaxRiskWordRunes)
	case w.Escalation < 0 || w.Escalation > kesu.MaxEscalation:
		return kesu.FieldError("escalation", "must be 0 to %d", kesu.MaxEscalation)
	case w.Priority != "" && !slices.Contains(kesu.Priorities, w.Priority):
		return kesu.FieldError("priority", "must be one of low, normal, high, urgent")
	}
	return nil
}

// skeleton is what risk words are compared on: full-width folded to
// half-width, lowercased, and without spaces, zero-width characters or the
// middle dots people put in 3·15: "３·１５", "3・15", "3 15" and "315" are
// all the same, while "3.15" (a price) is not.
// Spaces between two Latin letters stay (as one space): they separate
// English words.
func skeleton(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var last rune
	space := false
	for _, r := range s {
		r = fold(r)
		switch {
		case unicode.IsSpace(r):
			space = true
		case r == 0x200B, r == 0x200C, r == 0x200D, r == 0xFEFF, r == 0x2060:
		case r == 0x00B7, r == 0x30FB, r == 0xFF65, r == 0x2022, r == 0x2027, r == 0x22C5, r == 0x2219:
		default:
			if space && last < utf8.RuneSelf && isLetter(byte(last)) && r < utf8.RuneSelf && isLetter(byte(r)) {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			last = r
		}
	}
	return b.String()
}

// RiskMatcher finds risk words in text. It is safe for concurrent use.
type RiskMatcher struct {
	words []RiskWord
	skel  []string
}

// NewRiskMatcher prepares words for matching.
func NewRiskMatcher(words []RiskWord) *RiskMatcher {
	m := &RiskMatcher{}
	for _, w := range words {
		if s := skeleton(w.Word); s != "" {
			m.words = append(m.words, w)
			m.skel = append(m.skel, s)
		}
	}
	return m
}

// Match returns the risk words found in text, in list order, each once. A
// word of digits (12315) only matches a whole number, never inside a longer
// one (a phone number or an amount); a Latin word must start a word ("sue"
// is not in "issue") but may be inflected ("sued", "lawyers").
func (m *RiskMatcher) Match(text string) []RiskWord {
	if m == nil || len(m.words) == 0 {
		return nil
	}
	s := skeleton(text)
	var hits []RiskWord
	for i, w := range m.skel {
		if containsWord(s, w) {
			hits = append(hits, m.words[i])
		}
	}
	return hits
}

func containsWord(s, w string) bool {
	for from := 0; from <= len(s)-len(w); {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		startOK := i == 0 || !(isDigit(w[0]) && isDigit(s[i-1]) || isLetter(w[0]) && isLetter(s[i-1]))
		endOK := end == len(s) || !(isDigit(w[len(w)-1]) && isDigit(s[end]))
		if startOK && endOK {
			return true
		}
		from = i + 1
	}
	return false
}

func isDigit(b byte) bool  { return '0' <= b && b <= '9' }
func isLetter(b byte) bool { return 'a' <= b && b <= 'z' } // after fold

// Raise is what a risk signal raises a complaint to, at least.
type Raise struct {
	Escalation int           `json:"escalation"`
	Priority   kesu.Priority `json:"priority,omitempty"`
}

// RiskPolicy says what the classifier's predicted level raises.
type RiskPolicy struct {
	// MinConfidence is the least probability of a predicted level for it to
	// raise anything (default 0.7).
	MinConfidence float64 `json:"min_confidence"`
	Major         Raise   `json:"major"`
	Critical      Raise   `json:"critical"`
}

// DefaultRiskPolicy matches the domain's starting escalation for major and
// critical complaints.
var DefaultRiskPolicy = RiskPolicy{MinConfidence: 0.7,
	Major:    Raise{Escalation: 1, Priority: kesu.PriorityHigh},
	Critical: Raise{Escalation: 2, Priority: kesu.PriorityUrgent}}

// Validate checks a policy.
func (p RiskPolicy) Validate() error {
	if p.MinConfidence < 0 || p.MinConfidence > 1 {
		return kesu.FieldError("min_confidence", "must be between 0 and 1")
	}
	for name, r := range map[string]Raise{"major": p.Major, "critical": p.Critical} {
		if r.Escalation < 0 || r.Escalation > kesu.MaxEscalation {
			return kesu.FieldError(name+".escalation", "must be 0 to %d", kesu.MaxEscalation)
		}
		if r.Priority != "" && !slices.Contains(kesu.Priorities, r.Priority) {
			return kesu.FieldError(name+".priority", "must be one of low, normal, high, urgent")
		}
	}
	return nil
}

// Assessment is what risk signals do to one complaint.
type Assessment struct {
	Escalation int           // the new escalation (never lower than before)
	Priority   kesu.Priority // the new priority (never lower than before)
	Words      []string      // risk words found
	Level      *Prediction   // the predicted level, when it raised something
	Reason     string        // zh-CN first, then English
}

// Changed reports whether the assessment raises anything.
func (a Assessment) Changed(c *kesu.Complaint) bool {
	return a.Escalation != c.Escalation || a.Priority != c.Priority
}

// Assess applies risk words found in the text and the predicted level (may
// be nil) to complaint c under policy p. It only ever raises.
func Assess(c *kesu.Complaint, hits []RiskWord, level *Prediction, p RiskPolicy) Assessment {
	a := Assessment{Escalation: c.Escalation, Priority: c.Priority}
	raise := func(r Raise) bool {
		up := false
		if r.Escalation > a.Escalation {
			a.Escalation, up = r.Escalation, true
		}
		if r.Priority != "" && priorityRank(r.Priority) > priorityRank(a.Priority) {
			a.Priority, up = r.Priority, true
		}
		return up
	}
	var zh, en []string
	if len(hits) > 0 {
		for _, h := range hits {
			raise(Raise{Escalation: h.Escalation, Priority: h.Priority})
			a.Words = append(a.Words, h.Word)
		}
		zh = append(zh, "风险词："+strings.Join(a.Words, "、"))
		en = append(en, "risk words: "+strings.Join(a.Words, ", "))
	}
	if level != nil && level.Confidence >= p.MinConfidence {
		var r Raise
		switch kesu.Level(level.Label) {
		case kesu.LevelMajor:
			r = p.Major
		case kesu.LevelCritical:
			r = p.Critical
		}
		if raise(r) {
			lv := *level
			a.Level = &lv
			zh = append(zh, fmt.Sprintf("模型预测级别：%s（置信度 %.2f）", levelNames[kesu.Level(lv.Label)], lv.Confidence))
			en = append(en, fmt.Sprintf("predicted level %s (confidence %.2f)", lv.Label, lv.Confidence))
		}
	}
	if len(zh) > 0 {
		a.Reason = "风险提示：" + strings.Join(zh, "；") + "。 Risk flag: " + strings.Join(en, "; ") + "."
	}
	return a
}

var levelNames = map[kesu.Level]string{kesu.LevelGeneral: "一般", kesu.LevelMajor: "重大", kesu.LevelCritical: "紧急"}

func priorityRank(p kesu.Priority) int { return slices.Index(kesu.Priorities, p) }
