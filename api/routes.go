package api

import (
	"net/http"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// Route is one endpoint. The table below is the only place routes are
// declared; the OpenAPI document is generated from it.
type Route struct {
	Method, Path string
	ID           string // OpenAPI operationId
	Summary      string
	Public       bool // no authentication
	// Request and Response are zero values of the JSON bodies' types, for the
	// document; nil means none (or not JSON).
	Request  any
	Response any
	Status   int // success status
	Query    []Param
	Handler  func(http.ResponseWriter, *http.Request) error
	// Upload marks a multipart/form-data request; Download a binary response.
	Upload, Download bool
}

// Param is a documented query parameter.
type Param struct {
	Name, Description string
}

var listParams = []Param{
	{"status", "comma-separated statuses"},
	{"category", "category code (includes its direct children)"},
	{"department", "department code"},
	{"level", "general, major or critical"},
	{"channel", "intake channel"},
	{"kind", "complaint, feedback or suggestion"},
	{"assignee", "user id"},
	{"from", "registered at or after (RFC 3339 or YYYY-MM-DD)"},
	{"to", "registered before (RFC 3339 or YYYY-MM-DD)"},
	{"limit", "page size, 1 to 200 (default 50)"},
	{"cursor", "next_cursor of the previous page"},
}

func (s *Server) routes() []Route {
	return []Route{
		{Method: "GET", Path: "/healthz", ID: "healthz", Summary: "The process is up", Public: true,
			Response: Health{}, Status: 200, Handler: s.healthz},
		{Method: "GET", Path: "/readyz", ID: "readyz", Summary: "The database answers", Public: true,
			Response: Health{}, Status: 200, Handler: s.readyz},
		{Method: "GET", Path: "/api/v1/openapi.json", ID: "openapi", Summary: "This API's OpenAPI 3 document", Public: true,
			Status: 200, Handler: s.openapi},

		{Method: "POST", Path: "/api/v1/complaints", ID: "createComplaint",
			Summary: "Register a complaint (Idempotency-Key header makes retries safe)",
			Request: kesu.NewComplaint{}, Response: kesu.Complaint{}, Status: 201, Handler: s.createComplaint},
		{Method: "GET", Path: "/api/v1/complaints", ID: "listComplaints", Summary: "List complaints, newest first",
			Query: listParams, Response: store.Page{}, Status: 200, Handler: s.listComplaints},
		{Method: "GET", Path: "/api/v1/complaints/{number}", ID: "getComplaint", Summary: "One complaint",
			Response: kesu.Complaint{}, Status: 200, Handler: s.getComplaint},
		{Method: "PATCH", Path: "/api/v1/complaints/{number}", ID: "updateComplaint",
			Summary: "Change classification and details", Request: kesu.ComplaintPatch{}, Response: kesu.Complaint{},
			Status: 200, Handler: s.updateComplaint},
		{Method: "POST", Path: "/api/v1/complaints/{number}/transitions", ID: "transitionComplaint",
			Summary: "Perform a lifecycle action; 409 if the lifecycle does not allow it now",
			Request: kesu.Command{}, Response: kesu.Complaint{}, Status: 200, Handler: s.transition},
		{Method: "GET", Path: "/api/v1/complaints/{number}/actions", ID: "allowedActions",
			Summary: "The lifecycle actions the caller may take now", Response: ActionList{}, Status: 200, Handler: s.allowedActions},
		{Method: "GET", Path: "/api/v1/complaints/{number}/events", ID: "listEvents",
			Summary: "The complaint's timeline (audit trail), oldest first", Query: []Param{{"visibility", "customer: only customer-visible events"}},
			Response: EventList{}, Status: 200, Handler: s.listEvents},
		{Method: "POST", Path: "/api/v1/complaints/{number}/notes", ID: "addNote",
			Summary: "Add an internal note (never shown to the customer)", Request: PostBody{}, Response: kesu.Event{},
			Status: 201, Handler: s.addPost(kesu.VisibilityInternal)},
		{Method: "POST", Path: "/api/v1/complaints/{number}/messages", ID: "addMessage",
			Summary: "Add a customer-visible message", Request: PostBody{}, Response: kesu.Event{},
			Status: 201, Handler: s.addPost(kesu.VisibilityCustomer)},
		{Method: "POST", Path: "/api/v1/complaints/{number}/attachments", ID: "uploadAttachment",
			Summary: "Upload evidence (multipart field \"file\"; optional field \"visibility\": internal or customer)",
			Upload:  true, Response: kesu.Attachment{}, Status: 201, Handler: s.uploadAttachment},
		{Method: "GET", Path: "/api/v1/complaints/{number}/attachments", ID: "listAttachments",
			Summary: "The complaint's attachments", Response: AttachmentList{}, Status: 200, Handler: s.listAttachments},
		{Method: "GET", Path: "/api/v1/complaints/{number}/attachments/{id}", ID: "downloadAttachment",
			Summary: "Download an attachment", Download: true, Status: 200, Handler: s.downloadAttachment},

		{Method: "GET", Path: "/api/v1/lifecycle", ID: "lifecycle", Summary: "The lifecycle's transition table",
			Response: LifecycleTable{}, Status: 200, Handler: s.lifecycle},
		{Method: "GET", Path: "/api/v1/me", ID: "me", Summary: "The authenticated user", Response: kesu.User{}, Status: 200, Handler: s.me},

		{Method: "GET", Path: "/api/v1/departments", ID: "listDepartments", Summary: "Departments",
			Response: DepartmentList{}, Status: 200, Handler: s.listDepartments},
		{Method: "POST", Path: "/api/v1/departments", ID: "createDepartment", Summary: "Create a department (admin)",
			Request: NewDepartment{}, Response: kesu.Department{}, Status: 201, Handler: s.createDepartment},
		{Method: "PATCH", Path: "/api/v1/departments/{code}", ID: "updateDepartment", Summary: "Rename or (de)activate a department (admin)",
			Request: DepartmentPatch{}, Response: kesu.Department{}, Status: 200, Handler: s.updateDepartment},
		{Method: "GET", Path: "/api/v1/categories", ID: "listCategories", Summary: "The category tree",
			Response: CategoryList{}, Status: 200, Handler: s.listCategories},
		{Method: "POST", Path: "/api/v1/categories", ID: "createCategory", Summary: "Create a category (admin)",
			Request: NewCategory{}, Response: kesu.Category{}, Status: 201, Handler: s.createCategory},
		{Method: "PATCH", Path: "/api/v1/categories/{code}", ID: "updateCategory",
			Summary: "Rename, re-assign or (de)activate a category (admin)", Request: CategoryPatch{},
			Response: kesu.Category{}, Status: 200, Handler: s.updateCategory},
		{Method: "GET", Path: "/api/v1/users", ID: "listUsers", Summary: "Staff accounts (admin)",
			Response: UserList{}, Status: 200, Handler: s.listUsers},
		{Method: "POST", Path: "/api/v1/users", ID: "createUser", Summary: "Create a staff account (admin)",
			Request: NewUser{}, Response: kesu.User{}, Status: 201, Handler: s.createUser},
		{Method: "PATCH", Path: "/api/v1/users/{id}", ID: "updateUser",
			Summary: "Change a staff account's name, role, department, password or active flag (admin)",
			Request: UserPatch{}, Response: kesu.User{}, Status: 200, Handler: s.updateUser},
		{Method: "POST", Path: "/api/v1/tokens", ID: "createToken", Summary: "Create an API token for the caller (shown once)",
			Request: NewToken{}, Response: TokenCreated{}, Status: 201, Handler: s.createToken},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", ID: "revokeToken",
			Summary: "Revoke one of the caller's API tokens (an admin: any token)", Status: 204, Handler: s.revokeToken},

		// --- SLA: calendars, policies, milestones, extensions (sla) ---

		// --- notifications: outbox, webhooks out, deliveries, in-app (notify) ---

		// --- accounts: sessions, passwords, permissions, privacy, audit (web) ---

		// --- channels: email, WeChat accounts, intake webhooks, import, caller ID, health (channels) ---

		// --- search, classification, duplicates, risk, similar cases (search, classify) ---
	}
}
