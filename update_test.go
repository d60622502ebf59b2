package kesu_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kesu/kesu"
)

func ptr[T any](v T) *T { return &v }

var later = now.Add(2 * time.Hour)

func TestPatchChanges(t *testing.T) {
	for _, tc := range []struct {
		name  string
		patch kesu.ComplaintPatch
		diff  map[string][2]any
		check func(*kesu.Complaint) bool
	}{
		{"title", kesu.ComplaintPatch{Title: ptr("  New title ")},
			map[string][2]any{"title": {"电池鼓包", "New title"}},
			func(c *kesu.Complaint) bool { return c.Title == "New title" }},
		{"level raises escalation", kesu.ComplaintPatch{Level: ptr(kesu.LevelCritical)},
			map[string][2]any{"level": {kesu.LevelGeneral, kesu.LevelCritical}, "escalation": {0, 2}},
			func(c *kesu.Complaint) bool { return c.Level == kesu.LevelCritical && c.Escalation == 2 }},
		{"vip raises escalation", kesu.ComplaintPatch{VIP: ptr(true)},
			map[string][2]any{"vip": {false, true}, "escalation": {0, 1}},
			func(c *kesu.Complaint) bool { return c.Customer.VIP && c.Escalation == 1 }},
		{"level and explicit escalation", kesu.ComplaintPatch{Level: ptr(kesu.LevelMajor), Escalation: ptr(3)},
			map[string][2]any{"level": {kesu.LevelGeneral, kesu.LevelMajor}, "escalation": {0, 3}},
			func(c *kesu.Complaint) bool { return c.Escalation == 3 }},
		{"classification", kesu.ComplaintPatch{Nature: ptr(kesu.NatureService), Timing: ptr(kesu.TimingImmediate),
			Validity: ptr(kesu.ValidityValid), Intent: ptr(kesu.IntentMalicious), Priority: ptr(kesu.PriorityUrgent)},
			map[string][2]any{"nature": {kesu.Nature(""), kesu.NatureService}, "timing": {kesu.Timing(""), kesu.TimingImmediate},
				"validity": {kesu.ValidityPending, kesu.ValidityValid}, "intent": {kesu.IntentGoodFaith, kesu.IntentMalicious},
				"priority": {kesu.PriorityNormal, kesu.PriorityUrgent}},
			func(c *kesu.Complaint) bool {
				return c.Intent == kesu.IntentMalicious && c.Priority == kesu.PriorityUrgent
			}},
		{"clear nature", kesu.ComplaintPatch{Nature: ptr(kesu.Nature(""))}, nil, nil}, // already empty: no-op
		{"category and cause", kesu.ComplaintPatch{Category: ptr(" product_quality "), Cause: ptr("product.quality"), CauseNote: ptr("batch 7")},
			map[string][2]any{"category": {"", "product_quality"}, "cause": {"", "product.quality"}, "cause_note": {"", "batch 7"}},
			func(c *kesu.Complaint) bool { return c.Category == "product_quality" && c.Cause == "product.quality" }},
		{"cause family only", kesu.ComplaintPatch{Cause: ptr("market")},
			map[string][2]any{"cause": {"", "market"}}, nil},
		{"tags", kesu.ComplaintPatch{Tags: &[]string{" recall ", "battery", "recall"}},
			map[string][2]any{"tags": {[]string{"battery"}, []string{"recall", "battery"}}},
			func(c *kesu.Complaint) bool { return reflect.DeepEqual(c.Tags, []string{"recall", "battery"}) }},
		{"amount", kesu.ComplaintPatch{Amount: ptr(kesu.Money(100))},
			map[string][2]any{"amount": {kesu.Money(19900), kesu.Money(100)}}, nil},
		{"expectation", kesu.ComplaintPatch{Expectation: &kesu.Expectation{Remedy: kesu.RemedyRefund, Amount: 19900, Note: " refund "}},
			map[string][2]any{"expectation": {kesu.Expectation{Remedy: kesu.RemedyExchange}, kesu.Expectation{Remedy: kesu.RemedyRefund, Amount: 19900, Note: "refund"}}}, nil},
		{"demand reasonable", kesu.ComplaintPatch{DemandReasonable: ptr(false)},
			map[string][2]any{"demand_reasonable": {ptr(true), false}},
			func(c *kesu.Complaint) bool { return c.DemandReasonable != nil && !*c.DemandReasonable }},
		{"assignee", kesu.ComplaintPatch{AssigneeID: ptr(int64(12))},
			map[string][2]any{"assignee_id": {int64(5), int64(12)}}, nil},
		{"details", kesu.ComplaintPatch{Product: ptr("PB-10"), ProductModel: ptr("X"), OrderNo: ptr("JD1"), StaffInvolved: ptr("李"), Location: ptr("店")},
			map[string][2]any{"product": {"", "PB-10"}, "product_model": {"", "X"}, "order_no": {"", "JD1"}, "staff_involved": {"", "李"}, "location": {"", "店"}}, nil},
		// No-ops: the same values as now, after trimming.
		{"empty patch", kesu.ComplaintPatch{}, nil, nil},
		{"same title", kesu.ComplaintPatch{Title: ptr(" 电池鼓包 ")}, nil, nil},
		{"same level", kesu.ComplaintPatch{Level: ptr(kesu.LevelGeneral)}, nil, nil},
		{"same tags", kesu.ComplaintPatch{Tags: &[]string{"battery", " battery"}}, nil, nil},
		{"same amount", kesu.ComplaintPatch{Amount: ptr(kesu.Money(19900))}, nil, nil},
		{"same expectation", kesu.ComplaintPatch{Expectation: &kesu.Expectation{Remedy: kesu.RemedyExchange, Note: "  "}}, nil, nil},
		{"same demand", kesu.ComplaintPatch{DemandReasonable: ptr(true)}, nil, nil},
		{"same escalation", kesu.ComplaintPatch{Escalation: ptr(0)}, nil, nil},
		{"same vip", kesu.ComplaintPatch{VIP: ptr(false)}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := complaintIn(kesu.StatusInProgress)
			before := cloneComplaint(c)
			diff, err := tc.patch.Apply(c, agent, later)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.diff) == 0 {
				if len(diff) != 0 {
					t.Fatalf("no-op patch gave diff %v", diff)
				}
				if !reflect.DeepEqual(c, before) {
					t.Fatalf("no-op patch changed the complaint (version %d, updated %v)", c.Version, c.UpdatedAt)
				}
				return
			}
			if !reflect.DeepEqual(diff, tc.diff) {
				t.Fatalf("diff\n got %#v\nwant %#v", diff, tc.diff)
			}
			if c.Version != before.Version+1 || !c.UpdatedAt.Equal(later) {
				t.Fatalf("version %d updated %v; want %d and %v", c.Version, c.UpdatedAt, before.Version+1, later)
			}
			if c.Status != before.Status {
				t.Fatalf("a patch changed the status to %s", c.Status)
			}
			if tc.check != nil && !tc.check(c) {
				t.Fatalf("complaint after patch: %+v", *c)
			}
		})
	}
}

func TestPatchRefusesBadValues(t *testing.T) {
	for _, tc := range []struct {
		name  string
		patch kesu.ComplaintPatch
		code  kesu.ErrorCode
		field string
	}{
		{"empty title", kesu.ComplaintPatch{Title: ptr("  ")}, kesu.EInvalid, "title"},
		{"long title", kesu.ComplaintPatch{Title: ptr(strings.Repeat("题", kesu.MaxTitle+1))}, kesu.EInvalid, "title"},
		{"empty description", kesu.ComplaintPatch{Description: ptr("")}, kesu.EInvalid, "description"},
		{"invalid UTF-8", kesu.ComplaintPatch{Description: ptr("\xff\xfe")}, kesu.EInvalid, "description"},
		{"NUL", kesu.ComplaintPatch{Product: ptr("a\x00")}, kesu.EInvalid, "product"},
		{"unknown nature", kesu.ComplaintPatch{Nature: ptr(kesu.Nature("price"))}, kesu.EInvalid, "nature"},
		{"unknown timing", kesu.ComplaintPatch{Timing: ptr(kesu.Timing("soon"))}, kesu.EInvalid, "timing"},
		{"unknown level", kesu.ComplaintPatch{Level: ptr(kesu.Level("huge"))}, kesu.EInvalid, "level"},
		{"unknown priority", kesu.ComplaintPatch{Priority: ptr(kesu.Priority("asap"))}, kesu.EInvalid, "priority"},
		{"unknown validity", kesu.ComplaintPatch{Validity: ptr(kesu.Validity("maybe"))}, kesu.EInvalid, "validity"},
		{"unknown intent", kesu.ComplaintPatch{Intent: ptr(kesu.Intent("evil"))}, kesu.EInvalid, "intent"},
		{"clear level", kesu.ComplaintPatch{Level: ptr(kesu.Level(""))}, kesu.EInvalid, ""},
		{"clear priority", kesu.ComplaintPatch{Priority: ptr(kesu.Priority(""))}, kesu.EInvalid, ""},
		{"clear validity", kesu.ComplaintPatch{Validity: ptr(kesu.Validity(""))}, kesu.EInvalid, ""},
		{"clear intent", kesu.ComplaintPatch{Intent: ptr(kesu.Intent(""))}, kesu.EInvalid, ""},
		{"bad category", kesu.ComplaintPatch{Category: ptr("产品")}, kesu.EInvalid, "category"},
		{"unknown cause", kesu.ComplaintPatch{Cause: ptr("weather")}, kesu.EInvalid, "cause"},
		{"unknown sub-cause", kesu.ComplaintPatch{Cause: ptr("product.weather")}, kesu.EInvalid, "cause"},
		{"too many tags", kesu.ComplaintPatch{Tags: &[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
			"11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21"}}, kesu.EInvalid, "tags"},
		{"negative amount", kesu.ComplaintPatch{Amount: ptr(kesu.Money(-1))}, kesu.EInvalid, "amount"},
		{"unknown remedy", kesu.ComplaintPatch{Expectation: &kesu.Expectation{Remedy: "cash"}}, kesu.EInvalid, "expectation.remedy"},
		{"negative expected amount", kesu.ComplaintPatch{Expectation: &kesu.Expectation{Amount: -5}}, kesu.EInvalid, "expectation.amount"},
		{"escalation -1", kesu.ComplaintPatch{Escalation: ptr(-1)}, kesu.EInvalid, "escalation"},
		{"escalation 4", kesu.ComplaintPatch{Escalation: ptr(kesu.MaxEscalation + 1)}, kesu.EInvalid, "escalation"},
		{"escalation below the critical floor", kesu.ComplaintPatch{Level: ptr(kesu.LevelCritical), Escalation: ptr(1)}, kesu.EInvalid, "escalation"},
		{"escalation below the VIP floor", kesu.ComplaintPatch{VIP: ptr(true), Escalation: ptr(0)}, kesu.EInvalid, "escalation"},
		// A good field next to a bad one changes nothing either.
		{"good and bad", kesu.ComplaintPatch{Title: ptr("fine"), Level: ptr(kesu.LevelMajor), Cause: ptr("weather")}, kesu.EInvalid, "cause"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := complaintIn(kesu.StatusInProgress)
			before := cloneComplaint(c)
			diff, err := tc.patch.Apply(c, agent, later)
			wantErr(t, err, tc.code, tc.field)
			if diff != nil {
				t.Fatalf("an error came with a diff: %v", diff)
			}
			if !reflect.DeepEqual(c, before) {
				t.Fatalf("refused patch changed the complaint:\n got %+v\nwant %+v", *c, *before)
			}
		})
	}
}

func TestPatchEscalationFloorStays(t *testing.T) {
	// Lowering the level does not lower the escalation by itself.
	c := complaintIn(kesu.StatusInProgress)
	c.Level, c.Escalation = kesu.LevelCritical, 2
	if _, err := (kesu.ComplaintPatch{Level: ptr(kesu.LevelGeneral)}).Apply(c, agent, later); err != nil {
		t.Fatal(err)
	}
	if c.Escalation != 2 {
		t.Fatalf("escalation %d after lowering the level, want 2 kept", c.Escalation)
	}
	// But it may now be lowered explicitly.
	if _, err := (kesu.ComplaintPatch{Escalation: ptr(0)}).Apply(c, agent, later); err != nil || c.Escalation != 0 {
		t.Fatalf("escalation %d, %v", c.Escalation, err)
	}
}

func TestPatchRoles(t *testing.T) {
	patch := kesu.ComplaintPatch{Priority: ptr(kesu.PriorityHigh)}
	for _, tc := range []struct {
		actor kesu.Actor
		code  kesu.ErrorCode // "" = allowed
	}{
		{agent, ""},
		{handler, ""},
		{deptHead, ""},
		{supervisor, ""},
		{kesu.Actor{UserID: 1, Role: kesu.RoleAdmin}, ""},
		{kesu.SystemActor, ""},
		{kesu.Actor{UserID: 5, Role: kesu.RoleHandler, DepartmentID: otherDept}, kesu.EForbidden},
		{kesu.Actor{UserID: 6, Role: kesu.RoleDeptHead, DepartmentID: otherDept}, kesu.EForbidden},
		{auditor, kesu.EForbidden},
		{analyst, kesu.EForbidden},
		{customer, kesu.EForbidden},
		{kesu.Actor{UserID: 1}, kesu.EForbidden}, // no role at all
	} {
		t.Run(string(tc.actor.Role), func(t *testing.T) {
			c := complaintIn(kesu.StatusInProgress)
			before := cloneComplaint(c)
			diff, err := patch.Apply(c, tc.actor, later)
			if tc.code == "" {
				if err != nil || len(diff) != 1 || c.Priority != kesu.PriorityHigh {
					t.Fatalf("diff %v err %v priority %s", diff, err, c.Priority)
				}
				return
			}
			wantErr(t, err, tc.code, "")
			if !reflect.DeepEqual(c, before) {
				t.Fatal("refused patch changed the complaint")
			}
		})
	}
}

func TestPatchStatuses(t *testing.T) {
	patch := kesu.ComplaintPatch{Cause: ptr("service.attitude")}
	for _, s := range kesu.Statuses {
		c := complaintIn(s)
		before := cloneComplaint(c)
		_, err := patch.Apply(c, supervisor, later)
		if s.Terminal() {
			if kesu.ErrorCodeOf(err) != kesu.EConflict || !reflect.DeepEqual(c, before) {
				t.Errorf("%s: %v, want conflict and no change", s, err)
			}
			continue
		}
		// Closed complaints can still be classified: root-cause work follows closing.
		if err != nil || c.Cause != "service.attitude" || c.Status != s {
			t.Errorf("%s: %v cause %q status %s", s, err, c.Cause, c.Status)
		}
	}
}

func TestPatchDoesNotAliasInput(t *testing.T) {
	c := complaintIn(kesu.StatusInProgress)
	tags := []string{"x"}
	yes := false
	if _, err := (kesu.ComplaintPatch{Tags: &tags, DemandReasonable: &yes}).Apply(c, agent, later); err != nil {
		t.Fatal(err)
	}
	tags[0], yes = "changed", true
	if c.Tags[0] != "x" || *c.DemandReasonable {
		t.Fatalf("the complaint aliases the patch: tags %v demand %v", c.Tags, *c.DemandReasonable)
	}
}
