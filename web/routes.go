package web

import "github.com/kesu/kesu"

// routes is the one table of the workspace's pages and form targets.
func (s *Server) routes() []route {
	return []route{
		{pattern: "GET /login", public: true, handler: s.loginPage},
		{pattern: "POST /login", public: true, handler: s.login},
		{pattern: "POST /logout", handler: s.logout},
		{pattern: "GET /account", handler: s.accountPage},
		{pattern: "POST /account/password", handler: s.changePassword},
		{pattern: "POST /account/tokens", handler: s.createToken},
		{pattern: "POST /account/tokens/{id}/revoke", handler: s.revokeToken},

		{pattern: "GET /notifications", handler: s.notificationsPage},
		{pattern: "POST /notifications/read", handler: s.readAllNotifications},
		{pattern: "POST /notifications/{id}/read", handler: s.readNotification},

		{pattern: "GET /{$}", perm: kesu.PermViewComplaints, handler: s.queuePage},
		{pattern: "GET /queue", perm: kesu.PermViewComplaints, handler: s.queuePage},
		{pattern: "GET /queue/export.csv", perm: kesu.PermExport, handler: s.exportQueue},
		{pattern: "GET /intake", perm: kesu.PermRegister, handler: s.intakePage},
		{pattern: "POST /intake", perm: kesu.PermRegister, handler: s.intake},
		{pattern: "POST /intake/duplicates", perm: kesu.PermRegister, handler: s.checkDuplicates},
		{pattern: "GET /complaints/{number}", perm: kesu.PermViewComplaints, handler: s.complaintPage},
		{pattern: "POST /complaints/{number}/transition", perm: kesu.PermViewComplaints, handler: s.transition},
		{pattern: "POST /complaints/{number}/edit", perm: kesu.PermEdit, handler: s.edit},
		{pattern: "POST /complaints/{number}/note", perm: kesu.PermEdit, handler: s.post(kesu.VisibilityInternal)},
		{pattern: "POST /complaints/{number}/message", perm: kesu.PermEdit, handler: s.post(kesu.VisibilityCustomer)},
		{pattern: "POST /complaints/{number}/attachments", perm: kesu.PermEdit, handler: s.upload},
		{pattern: "POST /complaints/{number}/unmask", perm: kesu.PermUnmask, handler: s.unmask},
		{pattern: "GET /complaints/{number}/script", perm: kesu.PermEdit, handler: s.script},
		{pattern: "POST /complaints/{number}/approvals/{id}", perm: kesu.PermApprove, handler: s.decideApproval},
		{pattern: "POST /complaints/{number}/suggestions/{field}", perm: kesu.PermEdit, handler: s.decideSuggestion},
		{pattern: "POST /complaints/{number}/related", perm: kesu.PermViewComplaints, handler: s.relatedAction},

		{pattern: "GET /admin/departments", perm: kesu.PermAdmin, handler: s.departmentsPage},
		{pattern: "POST /admin/departments", perm: kesu.PermAdmin, handler: s.createDepartment},
		{pattern: "GET /admin/categories", perm: kesu.PermAdmin, handler: s.categoriesPage},
		{pattern: "POST /admin/categories", perm: kesu.PermAdmin, handler: s.createCategory},
		{pattern: "GET /admin/users", perm: kesu.PermAdmin, handler: s.usersPage},
		{pattern: "POST /admin/users", perm: kesu.PermAdmin, handler: s.createUser},
		{pattern: "POST /admin/users/{id}", perm: kesu.PermAdmin, handler: s.updateUser},
		{pattern: "GET /admin/roles", perm: kesu.PermAdmin, handler: s.rolesPage},
		{pattern: "POST /admin/roles", perm: kesu.PermAdmin, handler: s.setRoleLimit},
		{pattern: "GET /admin/scripts", perm: kesu.PermAdmin, handler: s.scriptsPage},
		{pattern: "POST /admin/scripts", perm: kesu.PermAdmin, handler: s.saveScript},
		{pattern: "GET /audit", perm: kesu.PermAudit, handler: s.auditPage},

		// Any other address: the workspace's own page, not the server's plain text.
		{pattern: "GET /", public: true, handler: s.notFound},
	}
}
