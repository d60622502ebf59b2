package api

import (
	"net/http"

	"github.com/kesu/kesu"
	mailin "github.com/kesu/kesu/channels/email"
	"github.com/kesu/kesu/classify"
	"github.com/kesu/kesu/search"
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
	{"q", "search text: every term (space-separated, or \"quoted phrase\") must occur in the title, description, messages, customer name, order number or number"},
	{"order", "newest (default) or rank (with q: relevance among the newest 200 matches)"},
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
		{Method: "GET", Path: "/api/v1/complaints/{number}/sla", ID: "complaintSLA",
			Summary:  "The complaint's SLA milestones: due instant, state and remaining business time",
			Response: SLAView{}, Status: 200, Handler: s.complaintSLA},
		{Method: "POST", Path: "/api/v1/complaints/{number}/extensions", ID: "requestExtension",
			Summary: "Extend a milestone's deadline (延期) with a reason; above the policy's limit it waits for a supervisor",
			Request: ExtensionRequest{}, Response: Extension{}, Status: 201, Handler: s.requestExtension},
		{Method: "GET", Path: "/api/v1/complaints/{number}/extensions", ID: "listExtensions",
			Summary: "The complaint's extensions", Response: ExtensionList{}, Status: 200, Handler: s.listExtensions},
		{Method: "GET", Path: "/api/v1/extensions", ID: "pendingExtensions",
			Summary: "Extensions awaiting approval (supervisor, department head, admin)", Response: ExtensionList{}, Status: 200,
			Handler: s.pendingExtensions},
		{Method: "POST", Path: "/api/v1/extensions/{id}/decision", ID: "decideExtension",
			Summary: "Approve or deny a pending extension (supervisor, department head, admin)",
			Request: ExtensionDecision{}, Response: Extension{}, Status: 200, Handler: s.decideExtension},

		{Method: "GET", Path: "/api/v1/calendars", ID: "listCalendars", Summary: "Business calendars",
			Response: CalendarList{}, Status: 200, Handler: s.listCalendars},
		{Method: "POST", Path: "/api/v1/calendars", ID: "createCalendar", Summary: "Create a business calendar (admin)",
			Request: CalendarSpec{}, Response: CalendarSpec{}, Status: 201, Handler: s.createCalendar},
		{Method: "GET", Path: "/api/v1/calendars/{name}", ID: "getCalendar", Summary: "One business calendar",
			Response: CalendarSpec{}, Status: 200, Handler: s.getCalendar},
		{Method: "PUT", Path: "/api/v1/calendars/{name}", ID: "replaceCalendar", Summary: "Replace a business calendar (admin)",
			Request: CalendarSpec{}, Response: CalendarSpec{}, Status: 200, Handler: s.replaceCalendar},
		{Method: "DELETE", Path: "/api/v1/calendars/{name}", ID: "deleteCalendar", Summary: "Delete a business calendar (admin)",
			Status: 204, Handler: s.deleteCalendar},
		{Method: "POST", Path: "/api/v1/calendars/{name}/holidays", ID: "importHolidays",
			Summary: "Load holidays and adjusted working days from a JSON or iCalendar (.ics) file (multipart field \"file\"; admin)",
			Upload:  true, Response: HolidayImport{}, Status: 200, Handler: s.importHolidays},
		{Method: "GET", Path: "/api/v1/calendar/due", ID: "calendarDue", Summary: "The instant a business duration after from ends",
			Query: calendarDueParams, Response: DueAnswer{}, Status: 200, Handler: s.calendarDue},
		{Method: "GET", Path: "/api/v1/calendar/between", ID: "calendarBetween", Summary: "Business time between two instants",
			Query: calendarBetweenParams, Response: BetweenAnswer{}, Status: 200, Handler: s.calendarBetween},

		{Method: "GET", Path: "/api/v1/sla/policies", ID: "listPolicies", Summary: "SLA policies",
			Response: PolicyList{}, Status: 200, Handler: s.listPolicies},
		{Method: "POST", Path: "/api/v1/sla/policies", ID: "createPolicy", Summary: "Create an SLA policy (admin)",
			Request: PolicyBody{}, Response: SLAPolicy{}, Status: 201, Handler: s.createPolicy},
		{Method: "GET", Path: "/api/v1/sla/policies/{id}", ID: "getPolicy", Summary: "One SLA policy",
			Response: SLAPolicy{}, Status: 200, Handler: s.getPolicy},
		{Method: "PUT", Path: "/api/v1/sla/policies/{id}", ID: "replacePolicy", Summary: "Replace an SLA policy (admin)",
			Request: PolicyBody{}, Response: SLAPolicy{}, Status: 200, Handler: s.replacePolicy},
		{Method: "DELETE", Path: "/api/v1/sla/policies/{id}", ID: "deletePolicy",
			Summary: "Delete an SLA policy (admin); planned deadlines stay", Status: 204, Handler: s.deletePolicy},

		// --- notifications: outbox, webhooks out, deliveries, in-app (notify) ---
		{Method: "GET", Path: "/api/v1/webhooks", ID: "listWebhooks", Summary: "Webhook endpoints (admin; secrets not shown)",
			Response: WebhookList{}, Status: 200, Handler: s.listWebhooks},
		{Method: "POST", Path: "/api/v1/webhooks", ID: "createWebhook",
			Summary: "Subscribe a URL to complaint events, signed with HMAC-SHA256 (admin; the secret is shown once)",
			Request: NewWebhook{}, Response: store.WebhookEndpoint{}, Status: 201, Handler: s.createWebhook},
		{Method: "PATCH", Path: "/api/v1/webhooks/{id}", ID: "updateWebhook",
			Summary: "Change a webhook's URL, secret, event types or active flag (admin)", Request: store.WebhookPatch{},
			Response: store.WebhookEndpoint{}, Status: 200, Handler: s.updateWebhook},
		{Method: "DELETE", Path: "/api/v1/webhooks/{id}", ID: "deleteWebhook",
			Summary: "Delete a webhook endpoint; its undelivered messages die (admin)", Status: 204, Handler: s.deleteWebhook},
		{Method: "GET", Path: "/api/v1/outbox", ID: "listOutbox",
			Summary: "Delivery log: outbox messages (email, SMS, webhook, in-app), newest first (admin)",
			Query:   outboxParams, Response: OutboxList{}, Status: 200, Handler: s.listOutbox},
		{Method: "GET", Path: "/api/v1/outbox/{id}", ID: "getOutbox", Summary: "One outbox message with every delivery attempt (admin)",
			Response: OutboxDetail{}, Status: 200, Handler: s.getOutbox},
		{Method: "POST", Path: "/api/v1/outbox/{id}/replay", ID: "replayOutbox",
			Summary:  "Deliver a message again now, with its original idempotency key (admin)",
			Response: store.OutboxMessage{}, Status: 200, Handler: s.replayOutbox},
		{Method: "GET", Path: "/api/v1/notifications", ID: "listNotifications",
			Summary: "The caller's in-app notifications, newest first, with the unread count",
			Query:   notificationParams, Response: NotificationList{}, Status: 200, Handler: s.listNotifications},
		{Method: "POST", Path: "/api/v1/notifications/{id}/read", ID: "readNotification",
			Summary: "Mark one of the caller's notifications read", Status: 204, Handler: s.readNotification},
		{Method: "POST", Path: "/api/v1/notifications/read", ID: "readAllNotifications",
			Summary: "Mark all of the caller's notifications read", Status: 204, Handler: s.readAllNotifications},

		// --- accounts: sessions, passwords, permissions, privacy, audit (web) ---
		{Method: "GET", Path: "/api/v1/complaints/{number}/contact", ID: "revealContact",
			Summary:  "The customer's unmasked contact details (needs the unmask permission; audited)",
			Response: ContactDetails{}, Status: 200, Handler: s.contact},
		{Method: "GET", Path: "/api/v1/audit", ID: "listAudit", Summary: "The privacy audit trail: unmask and export (auditor, admin)",
			Query: []Param{{"action", "unmask, export, login or password"}}, Response: AuditList{}, Status: 200, Handler: s.auditEvents},

		// --- channels: email, WeChat accounts, intake webhooks, import, caller ID, health (channels) ---
		// WeChat, intake webhooks, import, hotline, health (api/channels.go)
		{Method: "GET", Path: "/api/v1/channels/wechat", ID: "listWeChatAccounts", Summary: "WeChat Official Accounts and WeCom apps (admin)",
			Response: WeChatAccountList{}, Status: 200, Handler: s.listWeChatAccounts},
		{Method: "POST", Path: "/api/v1/channels/wechat", ID: "createWeChatAccount",
			Summary: "Add a WeChat account; its callback URL is /channels/wechat/{name} (admin)",
			Request: NewWeChatAccount{}, Response: store.WeChatAccount{}, Status: 201, Handler: s.createWeChatAccount},
		{Method: "GET", Path: "/api/v1/channels/intake", ID: "listIntakeSources", Summary: "Systems that post complaints to /api/v1/intake/{source} (admin)",
			Response: IntakeSourceList{}, Status: 200, Handler: s.listIntakeSources},
		{Method: "POST", Path: "/api/v1/channels/intake", ID: "createIntakeSource",
			Summary: "Add an intake source with its secret (shown once) and field mapping (admin)",
			Request: NewIntakeSource{}, Response: IntakeSourceCreated{}, Status: 201, Handler: s.createIntakeSource},
		{Method: "POST", Path: "/api/v1/intake/{source}", ID: "intakeWebhook", Public: true,
			Summary: "Register a complaint from another system: authenticated by the source's secret (X-Kesu-Signature: sha256=HMAC of the body, or Authorization: Bearer SECRET), fields through its mapping, idempotent by the source's id",
			Request: map[string]any{}, Response: kesu.Complaint{}, Status: 201, Handler: s.intakeWebhook},
		{Method: "GET", Path: "/api/v1/channels/health", ID: "channelHealth",
			Summary:  "Every channel account's last success, last error, backlog and quarantined items (admin, supervisor)",
			Response: ChannelHealthList{}, Status: 200, Handler: s.channelHealth},
		{Method: "GET", Path: "/api/v1/customers/lookup", ID: "lookupCaller",
			Summary: "Caller ID for the hotline: the customers with this phone number and their earlier complaints",
			Query:   []Param{{"phone", "the calling number"}}, Response: store.CallerHistory{}, Status: 200, Handler: s.lookupCaller},
		{Method: "POST", Path: "/api/v1/complaints/{number}/recordings", ID: "uploadRecording",
			Summary: "Attach a call recording (multipart: caller, started_at, duration_ms, then file; audio only)",
			Upload:  true, Response: store.Recording{}, Status: 201, Handler: s.uploadRecording},
		{Method: "GET", Path: "/api/v1/complaints/{number}/recordings", ID: "listRecordings",
			Summary: "The complaint's call recordings", Response: RecordingList{}, Status: 200, Handler: s.listRecordings},
		{Method: "POST", Path: "/api/v1/imports", ID: "importComplaints",
			Summary: "Import a CSV, XLSX or JSONL file (multipart: format, mapping JSON, dry_run, then file); per-row results (admin)",
			Upload:  true, Response: ImportResult{}, Status: 200, Handler: s.importFile},
		{Method: "GET", Path: "/api/v1/imports/fields", ID: "importFields",
			Summary: "The complaint fields an import or intake mapping can fill", Response: ImportFieldList{}, Status: 200, Handler: s.importFields},
		{Method: "GET", Path: "/api/v1/channels/email/accounts", ID: "listEmailAccounts", Summary: "Mailboxes polled over IMAP (admin)",
			Response: EmailAccountList{}, Status: 200, Handler: s.listEmailAccounts},
		{Method: "POST", Path: "/api/v1/channels/email/accounts", ID: "createEmailAccount", Summary: "Add a mailbox to poll over IMAP (admin)",
			Request: NewEmailAccount{}, Response: store.EmailAccount{}, Status: 201, Handler: s.createEmailAccount},
		{Method: "PATCH", Path: "/api/v1/channels/email/accounts/{name}", ID: "updateEmailAccount",
			Summary: "Change a mailbox's settings, password or active flag (admin)", Request: store.EmailAccountPatch{},
			Response: store.EmailAccount{}, Status: 200, Handler: s.updateEmailAccount},
		{Method: "DELETE", Path: "/api/v1/channels/email/accounts/{name}", ID: "deleteEmailAccount",
			Summary: "Stop polling a mailbox (deactivates it; its history stays) (admin)", Status: 204, Handler: s.deleteEmailAccount},
		{Method: "GET", Path: "/api/v1/channels/email/quarantine", ID: "listEmailQuarantine",
			Summary:  "Messages that could not be taken in, kept raw (admin)",
			Query:    []Param{{"status", "held (default), released or all"}, {"limit", "at most 500 (default 100)"}},
			Response: QuarantineList{}, Status: 200, Handler: s.listQuarantine},
		{Method: "GET", Path: "/api/v1/channels/email/quarantine/{id}/raw", ID: "downloadQuarantinedEmail",
			Summary: "A quarantined message as it arrived (message/rfc822) (admin)", Download: true, Status: 200, Handler: s.quarantinedRaw},
		{Method: "POST", Path: "/api/v1/channels/email/quarantine/{id}/retry", ID: "retryQuarantinedEmail",
			Summary:  "Take a quarantined message in again; answers the complaint it became or why it failed (admin)",
			Response: mailin.Result{}, Status: 200, Handler: s.retryQuarantined},
		{Method: "GET", Path: "/api/v1/channels/email/health", ID: "emailHealth",
			Summary:  "Each mailbox's last success, last error, backlog and quarantined messages (admin, supervisor)",
			Response: EmailHealthList{}, Status: 200, Handler: s.emailHealth},

		// --- search, classification, duplicates, risk, similar cases (search, classify) ---
		{Method: "GET", Path: "/api/v1/search", ID: "search",
			Summary: "Search complaints (q required) with highlighted snippets; every list filter applies",
			Query:   listParams, Response: search.Result{}, Status: 200, Handler: s.searchComplaints},
		{Method: "GET", Path: "/api/v1/complaints/{number}/related", ID: "relatedComplaints",
			Summary:  "Duplicates and related complaints (near-duplicate text, same phone or order, links) and the repeat-complainant flag",
			Response: search.Related{}, Status: 200, Handler: s.relatedComplaints},
		{Method: "POST", Path: "/api/v1/complaints/{number}/related", ID: "actOnRelated",
			Summary: "One-click merge into another complaint (lifecycle action merge) or link the two as related",
			Request: RelatedAction{}, Response: kesu.Complaint{}, Status: 200, Handler: s.actOnRelated},
		{Method: "POST", Path: "/api/v1/duplicates/check", ID: "checkDuplicates",
			Summary: "Duplicates and related complaints of a draft, before it is registered",
			Request: kesu.NewComplaint{}, Response: search.Related{}, Status: 200, Handler: s.checkDuplicates},
		{Method: "GET", Path: "/api/v1/complaints/{number}/similar", ID: "similarCases",
			Summary: "The most similar closed complaints and how they were resolved",
			Query:   []Param{{"limit", "1 to 20 (default 5)"}}, Response: SimilarList{}, Status: 200, Handler: s.similarCases},
		{Method: "POST", Path: "/api/v1/models/train", ID: "trainModel",
			Summary: "Train the category, level or department model from closed complaints and agents' corrections (admin, supervisor, analyst)",
			Request: TrainRequest{}, Response: classify.TrainResult{}, Status: 201, Handler: s.trainModel},
		{Method: "GET", Path: "/api/v1/models", ID: "listModels", Summary: "Trained classification models, newest first",
			Response: ModelList{}, Status: 200, Handler: s.listModels},
		{Method: "GET", Path: "/api/v1/complaints/{number}/suggestions", ID: "listSuggestions",
			Summary:  "Suggested category, level and department with confidence, and the risk words found",
			Response: SuggestionList{}, Status: 200, Handler: s.listSuggestions},
		{Method: "POST", Path: "/api/v1/complaints/{number}/suggestions/{field}", ID: "decideSuggestion",
			Summary: "Confirm (the suggested value) or correct (another value) a suggestion; category and level are set on the complaint",
			Request: SuggestionDecision{}, Response: store.Suggestion{}, Status: 200, Handler: s.decideSuggestion},
		{Method: "GET", Path: "/api/v1/risk-words", ID: "listRiskWords", Summary: "The risk word list",
			Response: RiskWordList{}, Status: 200, Handler: s.listRiskWords},
		{Method: "POST", Path: "/api/v1/risk-words", ID: "putRiskWord",
			Summary: "Add a risk word or change what it raises (admin, supervisor)",
			Request: classify.RiskWord{}, Response: store.RiskWord{}, Status: 200, Handler: s.putRiskWord},
		{Method: "DELETE", Path: "/api/v1/risk-words/{id}", ID: "deleteRiskWord", Summary: "Remove a risk word (admin, supervisor)",
			Status: 204, Handler: s.deleteRiskWord},
		{Method: "GET", Path: "/api/v1/risk-policy", ID: "getRiskPolicy", Summary: "What a predicted level raises",
			Response: classify.RiskPolicy{}, Status: 200, Handler: s.getRiskPolicy},
		{Method: "PUT", Path: "/api/v1/risk-policy", ID: "putRiskPolicy", Summary: "Change what a predicted level raises (admin, supervisor)",
			Request: classify.RiskPolicy{}, Response: classify.RiskPolicy{}, Status: 200, Handler: s.putRiskPolicy},
	}
}
