package kesu_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kesu/kesu"
)

func TestTransitionEvent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		from   kesu.Status
		cmd    kesu.Command
		actor  kesu.Actor
		vis    kesu.Visibility
		body   string
		data   map[string]any
		fields []string
	}{
		{"visible with note", kesu.StatusRegistered, kesu.Command{Action: kesu.ActionAccept, Note: "  受理  "}, agent,
			kesu.VisibilityCustomer, "受理", map[string]any{"note": "受理"}, nil},
		{"visible without note", kesu.StatusRegistered, kesu.Command{Action: kesu.ActionAccept}, agent,
			kesu.VisibilityCustomer, "", nil, nil},
		{"internal dispatch", kesu.StatusAccepted, kesu.Command{Action: kesu.ActionDispatch, Department: "after_sales", DepartmentID: homeDept, Note: "battery"},
			agent, kesu.VisibilityInternal, "battery", map[string]any{"note": "battery", "department": "after_sales"}, nil},
		{"internal return", kesu.StatusDispatched, kesu.Command{Action: kesu.ActionReturn, Note: "not ours"}, handler,
			kesu.VisibilityInternal, "not ours", map[string]any{"note": "not ours", "department": "after_sales"}, nil},
		{"reject", kesu.StatusRegistered, kesu.Command{Action: kesu.ActionReject, Reason: "too_old"}, agent,
			kesu.VisibilityCustomer, "", map[string]any{"reason": "too_old"}, nil},
		{"internal review", kesu.StatusClosed, kesu.Command{Action: kesu.ActionReview, Note: "lessons"}, analyst,
			kesu.VisibilityInternal, "lessons", map[string]any{"note": "lessons"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := complaintIn(tc.from)
			ch, err := kesu.Apply(c, tc.cmd, tc.actor, now, kesu.DefaultRules)
			if err != nil {
				t.Fatal(err)
			}
			e := kesu.TransitionEvent(c, ch, tc.actor, now)
			tr, _ := row(tc.from, tc.cmd.Action)
			want := kesu.Event{
				ComplaintID: c.ID, At: now, ActorID: tc.actor.UserID, ActorRole: tc.actor.Role, ActorName: tc.actor.Name,
				Type: kesu.EventTransition, Action: tc.cmd.Action, FromStatus: tc.from, ToStatus: tr.To,
				Visibility: tc.vis, Body: tc.body, Data: tc.data,
			}
			if !reflect.DeepEqual(e, want) {
				t.Fatalf("event\n got %+v\nwant %+v", e, want)
			}
			if (tc.vis == kesu.VisibilityCustomer) != tr.CustomerVisible {
				t.Fatalf("test case disagrees with the table row %+v", tr)
			}
		})
	}
	// Every row: visibility follows CustomerVisible.
	for _, tr := range kesu.Lifecycle {
		e := kesu.TransitionEvent(complaintIn(tr.From), kesu.Change{Transition: tr, From: tr.From, To: tr.To}, agent, now)
		if want := map[bool]kesu.Visibility{true: kesu.VisibilityCustomer, false: kesu.VisibilityInternal}[tr.CustomerVisible]; e.Visibility != want {
			t.Errorf("%s -%s->: visibility %s, want %s", tr.From, tr.Action, e.Visibility, want)
		}
	}
}

func TestNewPost(t *testing.T) {
	otherHandler := kesu.Actor{UserID: 15, Role: kesu.RoleHandler, DepartmentID: otherDept}
	for _, tc := range []struct {
		name  string
		post  kesu.NewPost
		actor kesu.Actor
		typ   kesu.EventType
		vis   kesu.Visibility
		code  kesu.ErrorCode // "" = accepted
		field string
	}{
		{"staff default is an internal note", kesu.NewPost{Body: "check batch"}, agent, kesu.EventNote, kesu.VisibilityInternal, "", ""},
		{"internal note", kesu.NewPost{Body: "check batch", Visibility: kesu.VisibilityInternal}, handler, kesu.EventNote, kesu.VisibilityInternal, "", ""},
		{"message to the customer", kesu.NewPost{Body: "we are on it", Visibility: kesu.VisibilityCustomer}, handler, kesu.EventMessage, kesu.VisibilityCustomer, "", ""},
		{"customer default is a message", kesu.NewPost{Body: "any news?"}, customer, kesu.EventMessage, kesu.VisibilityCustomer, "", ""},
		{"customer message", kesu.NewPost{Body: "any news?", Visibility: kesu.VisibilityCustomer}, customer, kesu.EventMessage, kesu.VisibilityCustomer, "", ""},
		{"customer cannot write internal notes", kesu.NewPost{Body: "x", Visibility: kesu.VisibilityInternal}, customer, "", "", kesu.EInvalid, "visibility"},
		{"system note", kesu.NewPost{Body: "SLA warning"}, kesu.SystemActor, kesu.EventNote, kesu.VisibilityInternal, "", ""},
		{"supervisor of another department", kesu.NewPost{Body: "hurry"}, kesu.Actor{UserID: 4, Role: kesu.RoleSupervisor, DepartmentID: otherDept}, kesu.EventNote, kesu.VisibilityInternal, "", ""},
		{"unknown visibility", kesu.NewPost{Body: "x", Visibility: "public"}, agent, "", "", kesu.EInvalid, "visibility"},
		{"empty body", kesu.NewPost{Body: " \n\t "}, agent, "", "", kesu.EInvalid, "body"},
		{"long body", kesu.NewPost{Body: strings.Repeat("字", kesu.MaxNote+1)}, agent, "", "", kesu.EInvalid, "body"},
		{"invalid UTF-8", kesu.NewPost{Body: "\xff"}, agent, "", "", kesu.EInvalid, "body"},
		{"NUL", kesu.NewPost{Body: "a\x00b"}, agent, "", "", kesu.EInvalid, "body"},
		{"auditor", kesu.NewPost{Body: "x"}, auditor, "", "", kesu.EForbidden, ""},
		{"auditor message", kesu.NewPost{Body: "x", Visibility: kesu.VisibilityCustomer}, auditor, "", "", kesu.EForbidden, ""},
		{"analyst", kesu.NewPost{Body: "x"}, analyst, "", "", kesu.EForbidden, ""},
		{"handler of another department", kesu.NewPost{Body: "x"}, otherHandler, "", "", kesu.EForbidden, ""},
		{"dept head of another department", kesu.NewPost{Body: "x"}, kesu.Actor{UserID: 16, Role: kesu.RoleDeptHead, DepartmentID: otherDept}, "", "", kesu.EForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := complaintIn(kesu.StatusInProgress)
			before := cloneComplaint(c)
			e, err := tc.post.Build(c, tc.actor, now)
			if !reflect.DeepEqual(c, before) {
				t.Fatal("Build changed the complaint")
			}
			if tc.code != "" {
				wantErr(t, err, tc.code, tc.field)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := kesu.Event{ComplaintID: c.ID, At: now, ActorID: tc.actor.UserID, ActorRole: tc.actor.Role,
				ActorName: tc.actor.Name, Type: tc.typ, Visibility: tc.vis, Body: strings.TrimSpace(tc.post.Body)}
			if !reflect.DeepEqual(e, want) {
				t.Fatalf("event\n got %+v\nwant %+v", e, want)
			}
		})
	}
}

func TestCleanFilename(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"photo.jpg", "photo.jpg"},
		{"  发票 2026.pdf  ", "发票 2026.pdf"},
		{"/etc/passwd", "passwd"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\王\Desktop\invoice.pdf`, "invoice.pdf"},
		{`..\..\boot.ini`, "boot.ini"},
		{"dir/", "file"},
		{"dir/ spaced.txt ", "spaced.txt"},
		{"", "file"},
		{"   ", "file"},
		{".", "file"},
		{"..", "file"},
		{"a/..", "file"},
		{"re\"port\".pdf", "report.pdf"},
		{"bad\x00name\r\n.txt", "badname.txt"},
		{"tab\there.txt", "tabhere.txt"},
		{"del\x7f.txt", "del.txt"},
		{"c1\u0085\u009b.txt", "c1.txt"},                   // C1 controls (NEL, CSI)
		{"invoice\u202egpj.exe", "invoicegpj.exe"},         // right-to-left override hides the real extension
		{"a\u2066b\u2069\u200e\u200f\u061c.txt", "ab.txt"}, // other bidi controls
		{"\x01\x02", "file"},                               // nothing left
		{"emoji 👍.png", "emoji 👍.png"},
	} {
		if got := kesu.CleanFilename(tc.in); got != tc.want {
			t.Errorf("CleanFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Long names keep their end, where the extension is.
	long := strings.Repeat("长", 300) + ".pdf"
	got := kesu.CleanFilename(long)
	if utf8.RuneCountInString(got) != 200 || !strings.HasSuffix(got, ".pdf") {
		t.Errorf("long name: %d characters, %q...", utf8.RuneCountInString(got), got[len(got)-8:])
	}
	// Invalid UTF-8 comes out valid.
	if got := kesu.CleanFilename("bad\xffname.txt"); !utf8.ValidString(got) || !strings.HasSuffix(got, "name.txt") {
		t.Errorf("invalid UTF-8: %q", got)
	}
}
