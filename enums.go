package kesu

import "strings"

// The classification dimensions of DOMAIN.md section 1. Each is a closed set
// of codes; labels in Chinese and English live in the message catalog.

type Kind string

const (
	KindComplaint  Kind = "complaint"  // 投诉: dissatisfaction with a concrete demand
	KindFeedback   Kind = "feedback"   // 抱怨/意见: venting or opinion without a demand
	KindSuggestion Kind = "suggestion" // 建议
)

var Kinds = []Kind{KindComplaint, KindFeedback, KindSuggestion}

type Nature string

const (
	NatureProduct Nature = "product" // 产品
	NatureService Nature = "service" // 服务
	NatureOther   Nature = "other"
)

var Natures = []Nature{NatureProduct, NatureService, NatureOther}

type Timing string

const (
	TimingImmediate Timing = "immediate" // 即时: during the experience
	TimingDelayed   Timing = "delayed"   // 延时: afterwards
)

var Timings = []Timing{TimingImmediate, TimingDelayed}

type Level string

const (
	LevelGeneral  Level = "general"  // 一般
	LevelMajor    Level = "major"    // 重大
	LevelCritical Level = "critical" // 紧急: safety, legal, media, mass impact
)

var Levels = []Level{LevelGeneral, LevelMajor, LevelCritical}

type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

type Validity string

const (
	ValidityPending Validity = "pending"
	ValidityValid   Validity = "valid"
	ValidityInvalid Validity = "invalid" // no factual basis, out of scope
)

var Validities = []Validity{ValidityPending, ValidityValid, ValidityInvalid}

type Intent string

const (
	IntentGoodFaith Intent = "good_faith"
	IntentMalicious Intent = "suspected_malicious" // e.g. extortion-like compensation demands
)

var Intents = []Intent{IntentGoodFaith, IntentMalicious}

type Channel string

const (
	ChannelPhone     Channel = "phone" // hotline
	ChannelEmail     Channel = "email"
	ChannelWeb       Channel = "web"
	ChannelWeChat    Channel = "wechat"
	ChannelSocial    Channel = "social"
	ChannelStore     Channel = "store" // in store, face to face
	ChannelLetter    Channel = "letter"
	ChannelAPI       Channel = "api"
	ChannelRegulator Channel = "regulator" // transferred from 12315/12345 etc.
)

var Channels = []Channel{ChannelPhone, ChannelEmail, ChannelWeb, ChannelWeChat, ChannelSocial,
	ChannelStore, ChannelLetter, ChannelAPI, ChannelRegulator}

type Remedy string

const (
	RemedyRefund           Remedy = "refund"
	RemedyExchange         Remedy = "exchange"
	RemedyRepair           Remedy = "repair"
	RemedyReplacement      Remedy = "replacement"
	RemedyCompensation     Remedy = "compensation"
	RemedyExtendedWarranty Remedy = "extended_warranty"
	RemedyApology          Remedy = "apology"
	RemedyExplanation      Remedy = "explanation"
	RemedyOther            Remedy = "other"
)

var Remedies = []Remedy{RemedyRefund, RemedyExchange, RemedyRepair, RemedyReplacement,
	RemedyCompensation, RemedyExtendedWarranty, RemedyApology, RemedyExplanation, RemedyOther}

// RejectReason is why a complaint was not accepted (不予受理).
type RejectReason string

const (
	RejectOutOfScope   RejectReason = "out_of_scope"
	RejectDuplicate    RejectReason = "duplicate"
	RejectInLitigation RejectReason = "in_litigation" // already in court or arbitration
	RejectMissingInfo  RejectReason = "missing_information"
	RejectTooOld       RejectReason = "too_old"
	RejectOther        RejectReason = "other"
)

var RejectReasons = []RejectReason{RejectOutOfScope, RejectDuplicate, RejectInLitigation,
	RejectMissingInfo, RejectTooOld, RejectOther}

// Recourse is the external route named when an appeal is dismissed.
type Recourse string

const (
	RecourseRegulator   Recourse = "regulator"
	RecourseMediation   Recourse = "mediation"
	RecourseArbitration Recourse = "arbitration"
	RecourseCourt       Recourse = "court"
)

var Recourses = []Recourse{RecourseRegulator, RecourseMediation, RecourseArbitration, RecourseCourt}

// Causes is the root-cause taxonomy (客诉根源) of the seeds: four families,
// each with sub-causes. A complaint's cause is either a family code or
// "family.sub".
var Causes = map[string][]string{
	"product":    {"quality", "function_mismatch", "safety", "packaging", "design", "after_sales"},
	"service":    {"attitude", "slow_response", "late_handling", "skills", "communication", "promise_broken"},
	"management": {"process", "training", "staffing", "supervision", "system", "policy"},
	"market":     {"false_advertising", "pricing", "expectation_gap", "competition", "regulation"},
}

// ValidCause reports whether code is "" or a known family or family.sub.
func ValidCause(code string) bool {
	if code == "" {
		return true
	}
	family, sub, hasSub := strings.Cut(code, ".")
	subs, ok := Causes[family]
	if !ok {
		return false
	}
	if !hasSub {
		return true
	}
	for _, s := range subs {
		if s == sub {
			return true
		}
	}
	return false
}

// oneOf reports whether v is in set.
func oneOf[T ~string](v T, set []T) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// checkEnum validates an optional enum field: "" is allowed and means unset.
func checkEnum[T ~string](field string, v T, set []T) error {
	if v == "" || oneOf(v, set) {
		return nil
	}
	return FieldError(field, "unknown value %q; expected one of %s", string(v), joinCodes(set))
}

func joinCodes[T ~string](set []T) string {
	parts := make([]string, len(set))
	for i, s := range set {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}
