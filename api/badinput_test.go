package api

// The bad-input matrix: every write endpoint is sent every kind of broken
// request. Each must answer with the documented error document, the right
// status and the offending field named, and leave the database exactly as
// it was (checked by reading the tables directly, before and after).

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store/storetest"
)

// badRequest is one row of the matrix. path may contain {n}, the number of
// a registered complaint; token names a fixture user ("" sends none,
// "invalid" sends a token that does not exist).
type badRequest struct {
	name         string
	method, path string
	token        string
	body         string
	status       int
	code         kesu.ErrorCode
	field        string
}

// overMiB is a syntactically fine JSON body just over the 1 MiB limit.
var overMiB = `{"description":"` + strings.Repeat("投", (1<<20)/3+10) + `"}`

// malformedBodies are refused by every JSON endpoint alike: 400, no field.
var malformedBodies = []struct{ name, body string }{
	{"malformed JSON", `{"title": `},
	{"malformed JSON: missing colon", `{"title" "x"}`},
	{"malformed JSON: single quotes", `{'title': 'x'}`},
	{"malformed JSON: trailing comma", `{"title": "x",}`},
	{"empty body", ``},
	{"blank body", " \n\t "},
	{"trailing garbage", `{} garbage`},
	{"two objects", `{}{}`},
	{"JSON array", `[{"title":"x"}]`},
	{"JSON string", `"hello"`},
	{"JSON number", `42`},
	{"JSON null", `null`},
	{"invalid UTF-8 outside strings", "{\"title\":\"x\"\xff}"},
}

// complaintBadBodies are the POST /api/v1/complaints rows with their field;
// the fuzz test starts from them too.
var complaintBadBodies = []struct {
	name, body, field string
}{
	{"unknown top-level field", `{"description":"漏水","customer":{"phone":"13812345678"},"nickname":"小张"}`, "nickname"},
	{"unknown nested field", `{"description":"漏水","customer":{"phone":"13812345678","nick":"小张"}}`, "customer.nick"},
	{"unknown field in expectation", `{"description":"漏水","customer":{"phone":"13812345678"},"expectation":{"remedy":"refund","when":"now"}}`, "expectation.when"},
	{"number for a string", `{"description":"漏水","title":5,"customer":{"phone":"13812345678"}}`, "title"},
	{"number for a nested string", `{"description":"漏水","customer":{"phone":13812345678}}`, "customer.phone"},
	{"string for a bool", `{"description":"漏水","customer":{"phone":"13812345678","vip":"yes"}}`, "customer.vip"},
	{"object for a string", `{"description":{"text":"漏水"},"customer":{"phone":"13812345678"}}`, "description"},
	{"string for an array", `{"description":"漏水","customer":{"phone":"13812345678"},"tags":"漏水"}`, "tags"},
	{"string for an object", `{"description":"漏水","customer":"13812345678"}`, "customer"},
	{"number for money", `{"description":"漏水","customer":{"phone":"13812345678"},"amount":199}`, "amount"},
	{"float for nested money", `{"description":"漏水","customer":{"phone":"13812345678"},"expectation":{"remedy":"refund","amount":199.5}}`, "expectation.amount"},
	{"three decimals", `{"description":"漏水","customer":{"phone":"13812345678"},"amount":"19.999"}`, "amount"},
	{"money with a currency sign", `{"description":"漏水","customer":{"phone":"13812345678"},"amount":"¥199"}`, "amount"},
	{"negative money", `{"description":"漏水","customer":{"phone":"13812345678"},"amount":"-1.00"}`, "amount"},
	{"bad time", `{"description":"漏水","customer":{"phone":"13812345678"},"occurred_at":"yesterday"}`, "occurred_at"},
	{"date without time", `{"description":"漏水","customer":{"phone":"13812345678"},"occurred_at":"2026-11-20"}`, "occurred_at"},
	{"number for a time", `{"description":"漏水","customer":{"phone":"13812345678"},"occurred_at":1763604000}`, "occurred_at"},
	{"future occurrence", `{"description":"漏水","customer":{"phone":"13812345678"},"occurred_at":"2027-01-01T00:00:00+08:00"}`, "occurred_at"},
	{"future registration", `{"description":"漏水","customer":{"phone":"13812345678"},"registered_at":"2027-01-01T00:00:00+08:00"}`, "registered_at"},
	{"invalid channel", `{"description":"漏水","customer":{"phone":"13812345678"},"channel":"pigeon"}`, "channel"},
	{"invalid kind", `{"description":"漏水","customer":{"phone":"13812345678"},"kind":"rant"}`, "kind"},
	{"invalid level", `{"description":"漏水","customer":{"phone":"13812345678"},"level":"extreme"}`, "level"},
	{"invalid priority", `{"description":"漏水","customer":{"phone":"13812345678"},"priority":"asap"}`, "priority"},
	{"invalid nature", `{"description":"漏水","customer":{"phone":"13812345678"},"nature":"weather"}`, "nature"},
	{"invalid remedy", `{"description":"漏水","customer":{"phone":"13812345678"},"expectation":{"remedy":"cash"}}`, "expectation.remedy"},
	{"invalid currency", `{"description":"漏水","customer":{"phone":"13812345678"},"currency":"RMB1"}`, "currency"},
	{"unknown category", `{"description":"漏水","customer":{"phone":"13812345678"},"category":"weather"}`, "category"},
	{"malformed category code", `{"description":"漏水","customer":{"phone":"13812345678"},"category":"Bad Code"}`, "category"},
	{"missing description", `{"title":"漏水","customer":{"phone":"13812345678"}}`, "description"},
	{"blank description", `{"description":"   ","customer":{"phone":"13812345678"}}`, "description"},
	{"missing contact", `{"description":"漏水","customer":{"name":"张三"}}`, "customer.phone"},
	{"empty object", `{}`, "description"},
	{"bad phone", `{"description":"漏水","customer":{"phone":"call me"}}`, "customer.phone"},
	{"bad email", `{"description":"漏水","customer":{"email":"not an address"}}`, "customer.email"},
	{"title too long", `{"description":"漏水","customer":{"phone":"13812345678"},"title":"` + strings.Repeat("长", kesu.MaxTitle+1) + `"}`, "title"},
	{"NUL in text", `{"description":"漏\u0000水","customer":{"phone":"13812345678"}}`, "description"},
	{"too many tags", `{"description":"漏水","customer":{"phone":"13812345678"},"tags":["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21"]}`, "tags"},
}

// validBodies are accepted requests of each endpoint: a refused request
// with a good body shows that the refusal is about something else.
var validBodies = map[string]string{
	"complaints":  fullComplaintBody,
	"patch":       `{"level":"major"}`,
	"transitions": `{"action":"accept"}`,
	"notes":       `{"body":"内部备注"}`,
	"departments": `{"code":"quality_dept","name":"质量部"}`,
	"categories":  `{"code":"billing","name":"价格收费","department":"after_sales"}`,
	"users":       `{"email":"new.agent@example.com","name":"新坐席","role":"agent"}`,
}

// matrix builds every row.
func matrix() []badRequest {
	type endpoint struct {
		key, method, path, token string
	}
	endpoints := []endpoint{
		{"complaints", "POST", "/api/v1/complaints", "agent"},
		{"patch", "PATCH", "/api/v1/complaints/{n}", "agent"},
		{"transitions", "POST", "/api/v1/complaints/{n}/transitions", "agent"},
		{"notes", "POST", "/api/v1/complaints/{n}/notes", "agent"},
		{"departments", "POST", "/api/v1/departments", "admin"},
		{"categories", "POST", "/api/v1/categories", "admin"},
		{"users", "POST", "/api/v1/users", "admin"},
	}
	var rows []badRequest
	for _, e := range endpoints {
		row := func(name, token, body string, status int, code kesu.ErrorCode, field string) {
			rows = append(rows, badRequest{e.key + "/" + name, e.method, e.path, token, body, status, code, field})
		}
		for _, m := range malformedBodies {
			row(m.name, e.token, m.body, http.StatusBadRequest, kesu.EInvalid, "")
		}
		row("over 1 MiB", e.token, overMiB, http.StatusRequestEntityTooLarge, kesu.ETooLarge, "")
		row("no token", "", validBodies[e.key], http.StatusUnauthorized, kesu.EUnauthorized, "")
		row("invalid token", "invalid", validBodies[e.key], http.StatusUnauthorized, kesu.EUnauthorized, "")
		row("unknown top-level field", e.token, `{"nickname":"x"}`, http.StatusBadRequest, kesu.EInvalid, "nickname")
	}
	add := func(key, method, path, token, name, body string, status int, code kesu.ErrorCode, field string) {
		rows = append(rows, badRequest{key + "/" + name, method, path, token, body, status, code, field})
	}
	bad := func(key, method, path, token, name, body, field string) {
		add(key, method, path, token, name, body, http.StatusBadRequest, kesu.EInvalid, field)
	}

	// POST /api/v1/complaints
	for _, b := range complaintBadBodies {
		bad("complaints", "POST", "/api/v1/complaints", "agent", b.name, b.body, b.field)
	}
	add("complaints", "POST", "/api/v1/complaints", "auditor", "auditor", fullComplaintBody, http.StatusForbidden, kesu.EForbidden, "")
	add("complaints", "POST", "/api/v1/complaints", "agent", "Bearer without a token", fullComplaintBody, http.StatusUnauthorized, kesu.EUnauthorized, "")

	// PATCH /api/v1/complaints/{n}
	p := "/api/v1/complaints/{n}"
	for _, r := range []struct{ name, body, field string }{
		{"status is not patched", `{"status":"closed"}`, "status"},
		{"unknown nested field", `{"expectation":{"remedy":"refund","when":"now"}}`, "expectation.when"},
		{"number for a string", `{"title":5}`, "title"},
		{"string for a number", `{"escalation":"2"}`, "escalation"},
		{"float for an integer", `{"assignee_id":1.5}`, "assignee_id"},
		{"string for a bool", `{"vip":"yes"}`, "vip"},
		{"number for money", `{"amount":5}`, "amount"},
		{"number for nested money", `{"expectation":{"amount":5}}`, "expectation.amount"},
		{"string for an array", `{"tags":"漏水"}`, "tags"},
		{"invalid level", `{"level":"extreme"}`, "level"},
		{"invalid validity", `{"validity":"maybe"}`, "validity"},
		{"invalid remedy", `{"expectation":{"remedy":"cash"}}`, "expectation.remedy"},
		{"unknown cause", `{"cause":"weather"}`, "cause"},
		{"unknown category", `{"category":"weather"}`, "category"},
		{"blank title", `{"title":"  "}`, "title"},
		{"escalation out of range", `{"escalation":9}`, "escalation"},
		{"unknown assignee", `{"assignee_id":999999}`, "assignee_id"},
		{"negative amount", `{"amount":"-5.00"}`, "amount"},
	} {
		bad("patch", "PATCH", p, "agent", r.name, r.body, r.field)
	}
	add("patch", "PATCH", p, "agent", "clearing the level", `{"level":""}`, http.StatusBadRequest, kesu.EInvalid, "level")
	add("patch", "PATCH", p, "handlerB", "handler of another department", `{"level":"major"}`, http.StatusForbidden, kesu.EForbidden, "")
	add("patch", "PATCH", p, "auditor", "auditor", `{"level":"major"}`, http.StatusForbidden, kesu.EForbidden, "")
	add("patch", "PATCH", "/api/v1/complaints/TS20260101999999", "agent", "unknown complaint", `{"level":"major"}`, http.StatusNotFound, kesu.ENotFound, "")

	// POST /api/v1/complaints/{n}/transitions
	tr := "/api/v1/complaints/{n}/transitions"
	for _, r := range []struct{ name, body, field string }{
		{"unknown nested field", `{"action":"propose","proposal":{"remedy":"refund","when":"now"}}`, "proposal.when"},
		{"number for a string", `{"action":5}`, "action"},
		{"string for a number", `{"action":"close","satisfaction":"5"}`, "satisfaction"},
		{"number for money", `{"action":"propose","proposal":{"remedy":"refund","amount":199}}`, "proposal.amount"},
		{"string for an array", `{"action":"dispatch","department":"after_sales","co_departments":"logistics"}`, "co_departments"},
		{"invalid action", `{"action":"fly"}`, "action"},
		{"missing action", `{"note":"x"}`, "action"},
		{"empty object", `{}`, "action"},
		{"dispatch without department", `{"action":"dispatch"}`, "department"},
		{"dispatch to an unknown department", `{"action":"dispatch","department":"weather"}`, "department"},
		{"reject without reason", `{"action":"reject"}`, "reason"},
		{"reject with an unknown reason", `{"action":"reject","reason":"boring"}`, "reason"},
		{"merge without target", `{"action":"merge"}`, "duplicate_of"},
		{"merge into an unknown complaint", `{"action":"merge","duplicate_of":"TS20260101999999"}`, "duplicate_of"},
	} {
		bad("transitions", "POST", tr, "agent", r.name, r.body, r.field)
	}
	add("transitions", "POST", tr, "agent", "not allowed now", `{"action":"complete"}`, http.StatusConflict, kesu.EConflict, "")
	add("transitions", "POST", tr, "handlerB", "handler of another department", `{"action":"accept"}`, http.StatusForbidden, kesu.EForbidden, "")
	add("transitions", "POST", tr, "auditor", "auditor", `{"action":"accept"}`, http.StatusForbidden, kesu.EForbidden, "")
	add("transitions", "POST", "/api/v1/complaints/TS20260101999999/transitions", "agent", "unknown complaint", `{"action":"accept"}`, http.StatusNotFound, kesu.ENotFound, "")

	// POST /api/v1/complaints/{n}/notes
	nt := "/api/v1/complaints/{n}/notes"
	for _, r := range []struct{ name, body, field string }{
		{"visibility is not a note field", `{"body":"x","visibility":"customer"}`, "visibility"},
		{"number for a string", `{"body":5}`, "body"},
		{"array for a string", `{"body":["a"]}`, "body"},
		{"missing body", `{}`, "body"},
		{"blank body", `{"body":"  \n "}`, "body"},
		{"body too long", `{"body":"` + strings.Repeat("长", kesu.MaxNote+1) + `"}`, "body"},
	} {
		bad("notes", "POST", nt, "agent", r.name, r.body, r.field)
	}
	add("notes", "POST", nt, "handlerB", "handler of another department", `{"body":"x"}`, http.StatusForbidden, kesu.EForbidden, "")
	add("notes", "POST", nt, "auditor", "auditor", `{"body":"x"}`, http.StatusForbidden, kesu.EForbidden, "")
	add("notes", "POST", "/api/v1/complaints/TS20260101999999/notes", "agent", "unknown complaint", `{"body":"x"}`, http.StatusNotFound, kesu.ENotFound, "")

	// POST /api/v1/departments
	for _, r := range []struct{ name, body, field string }{
		{"number for a string", `{"code":5,"name":"质量部"}`, "code"},
		{"bool for a string", `{"code":"quality_dept","name":true}`, "name"},
		{"active is not settable here", `{"code":"quality_dept","name":"质量部","active":false}`, "active"},
		{"invalid code", `{"code":"Quality Dept","name":"质量部"}`, "code"},
		{"missing code", `{"name":"质量部"}`, "code"},
		{"missing name", `{"code":"quality_dept"}`, "name"},
		{"unknown parent", `{"code":"quality_dept","name":"质量部","parent":"weather"}`, "parent"},
	} {
		bad("departments", "POST", "/api/v1/departments", "admin", r.name, r.body, r.field)
	}
	add("departments", "POST", "/api/v1/departments", "admin", "existing code", `{"code":"after_sales","name":"售后二部"}`, http.StatusConflict, kesu.EConflict, "code")
	add("departments", "POST", "/api/v1/departments", "agent", "agent", validBodies["departments"], http.StatusForbidden, kesu.EForbidden, "")
	add("departments", "POST", "/api/v1/departments", "supervisor", "supervisor", validBodies["departments"], http.StatusForbidden, kesu.EForbidden, "")

	// POST /api/v1/categories
	for _, r := range []struct{ name, body, field string }{
		{"number for a string", `{"code":"billing","name":5}`, "name"},
		{"invalid code", `{"code":"价格","name":"价格收费"}`, "code"},
		{"missing name", `{"code":"billing"}`, "name"},
		{"unknown department", `{"code":"billing","name":"价格收费","department":"weather"}`, "department"},
		{"unknown parent", `{"code":"billing","name":"价格收费","parent":"weather"}`, "parent"},
		{"English name too long", `{"code":"billing","name":"价格收费","name_en":"` + strings.Repeat("x", 101) + `"}`, "name_en"},
	} {
		bad("categories", "POST", "/api/v1/categories", "admin", r.name, r.body, r.field)
	}
	add("categories", "POST", "/api/v1/categories", "admin", "existing code", `{"code":"quality","name":"质量"}`, http.StatusConflict, kesu.EConflict, "code")
	add("categories", "POST", "/api/v1/categories", "agent", "agent", validBodies["categories"], http.StatusForbidden, kesu.EForbidden, "")

	// POST /api/v1/users
	for _, r := range []struct{ name, body, field string }{
		{"number for a string", `{"email":5,"name":"x","role":"agent"}`, "email"},
		{"invalid role", `{"email":"x@example.com","name":"x","role":"king"}`, "role"},
		{"customer is no staff role", `{"email":"x@example.com","name":"x","role":"customer"}`, "role"},
		{"missing email", `{"name":"x","role":"agent"}`, "email"},
		{"bad email", `{"email":"x at example","name":"x","role":"agent"}`, "email"},
		{"missing name", `{"email":"x@example.com","role":"agent"}`, "name"},
		{"missing role", `{"email":"x@example.com","name":"x"}`, "role"},
		{"handler without department", `{"email":"x@example.com","name":"x","role":"handler"}`, "department"},
		{"unknown department", `{"email":"x@example.com","name":"x","role":"handler","department":"weather"}`, "department"},
		{"short password", `{"email":"x@example.com","name":"x","role":"agent","password":"short"}`, "password"},
	} {
		bad("users", "POST", "/api/v1/users", "admin", r.name, r.body, r.field)
	}
	add("users", "POST", "/api/v1/users", "admin", "existing email", `{"email":"AGENT@example.com","name":"x","role":"agent"}`, http.StatusConflict, kesu.EConflict, "email")
	add("users", "POST", "/api/v1/users", "agent", "agent", validBodies["users"], http.StatusForbidden, kesu.EForbidden, "")
	add("users", "POST", "/api/v1/users", "supervisor", "supervisor", validBodies["users"], http.StatusForbidden, kesu.EForbidden, "")
	return rows
}

func TestAPIBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newAPIFixture(t, dsn)
		n := f.createComplaint(t, f.agent, fullComplaintBody).Number
		tokens := map[string]string{"admin": f.admin, "agent": f.agent, "handlerB": f.handlerB, "supervisor": f.supervisor,
			"auditor": f.auditor, "invalid": "kesu_no-such-token", "": ""}
		for _, r := range matrix() {
			t.Run(r.name, func(t *testing.T) {
				token, ok := tokens[r.token]
				if !ok {
					t.Fatalf("no user %q", r.token)
				}
				var headers []string
				if r.name == "complaints/Bearer without a token" {
					token, headers = "", []string{"Authorization", "Bearer "}
				}
				before := f.snapshot(t)
				resp := f.do(t, r.method, strings.ReplaceAll(r.path, "{n}", n), token, r.body, headers...)
				wantError(t, resp, r.status, r.code, r.field)
				f.wantUnchanged(t, before)
			})
		}

		// The valid bodies of the matrix are accepted: the refusals above
		// were about what each row changed.
		for key, body := range validBodies {
			t.Run("valid/"+key, func(t *testing.T) {
				switch key {
				case "complaints":
					decodeInto[kesu.Complaint](t, f.do(t, "POST", "/api/v1/complaints", f.agent, body), http.StatusCreated)
				case "patch":
					decodeInto[kesu.Complaint](t, f.do(t, "PATCH", "/api/v1/complaints/"+n, f.agent, body), http.StatusOK)
				case "transitions":
					decodeInto[kesu.Complaint](t, f.do(t, "POST", "/api/v1/complaints/"+n+"/transitions", f.agent, body), http.StatusOK)
				case "notes":
					decodeInto[kesu.Event](t, f.do(t, "POST", "/api/v1/complaints/"+n+"/notes", f.agent, body), http.StatusCreated)
				default:
					decodeInto[map[string]any](t, f.do(t, "POST", "/api/v1/"+key, f.admin, body), http.StatusCreated)
				}
			})
		}
	})
}
