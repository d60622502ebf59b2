package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/api"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/i18n"
	"github.com/kesu/kesu/store"
)

type adminPage struct {
	view
	Departments []kesu.Department
	DeptNames   map[int64]string
	Categories  []kesu.Category
	CatNames    map[int64]string
	Users       []kesu.User
	Roles       []kesu.Role
	Permissions []kesu.Permission
	Limits      map[kesu.Role]string
	Scripts     []store.ReplyScript
	Scenarios   []string
	Audit       []store.AuditEvent
	NewPassword string
	NewUser     string
	// Form holds what was typed into a create form the store refused, shown
	// again beside the reason.
	Form url.Values
}

// refusedCreate shows an admin page again after a create form was refused
// for its input: the reason on top, the values as typed. Other errors go to
// the error page.
func (s *Server) refusedCreate(w http.ResponseWriter, r *http.Request, err error, page func(*adminPage) error, name string) error {
	if code := kesu.ErrorCodeOf(err); code != kesu.EInvalid && code != kesu.EConflict {
		return err
	}
	p, perr := s.adminView(r, "admin."+name)
	if perr != nil {
		return perr
	}
	if perr := page(&p); perr != nil {
		return perr
	}
	p.Error, p.Form = i18n.ErrorText(p.Lang, err), r.PostForm
	return s.render(w, http.StatusBadRequest, name, p)
}

func (s *Server) adminView(r *http.Request, titleKey string) (adminPage, error) {
	p := adminPage{view: s.view(r, titleKey, "admin"), DeptNames: map[int64]string{}, CatNames: map[int64]string{},
		Roles: kesu.StaffRoles, Permissions: kesu.Permissions, Scenarios: store.ScriptScenarios}
	var err error
	if p.Departments, err = s.db.Departments(r.Context()); err != nil {
		return p, err
	}
	for _, d := range p.Departments {
		p.DeptNames[d.ID] = d.Name
	}
	return p, nil
}

func (s *Server) departmentsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.adminView(r, "admin.departments")
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "departments", p)
}

func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request) error {
	_, err := s.db.CreateDepartment(r.Context(), kesu.Department{Code: strings.TrimSpace(r.PostFormValue("code")),
		Name: r.PostFormValue("name")}, strings.TrimSpace(r.PostFormValue("parent")), s.clock.Now())
	if err != nil {
		return s.refusedCreate(w, r, err, func(*adminPage) error { return nil }, "departments")
	}
	return redirect(w, r, "/admin/departments", "flash.saved")
}

func (s *Server) categoriesPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.adminView(r, "admin.categories")
	if err != nil {
		return err
	}
	if err := s.loadCategories(r, &p); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "categories", p)
}

func (s *Server) loadCategories(r *http.Request, p *adminPage) error {
	var err error
	if p.Categories, err = s.db.Categories(r.Context()); err != nil {
		return err
	}
	for _, c := range p.Categories {
		p.CatNames[c.ID] = c.Name
	}
	return nil
}

func (s *Server) createCategory(w http.ResponseWriter, r *http.Request) error {
	_, err := s.db.CreateCategory(r.Context(), kesu.Category{Code: strings.TrimSpace(r.PostFormValue("code")),
		Name: r.PostFormValue("name"), NameEN: r.PostFormValue("name_en")},
		store.CategoryRefs{Parent: strings.TrimSpace(r.PostFormValue("parent")), Department: strings.TrimSpace(r.PostFormValue("department"))},
		s.clock.Now())
	if err != nil {
		return s.refusedCreate(w, r, err, func(p *adminPage) error { return s.loadCategories(r, p) }, "categories")
	}
	return redirect(w, r, "/admin/categories", "flash.saved")
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUsers(w, r, "", "")
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, newUser, password string) error {
	p, err := s.adminView(r, "admin.users")
	if err != nil {
		return err
	}
	if p.Users, err = s.db.Users(r.Context()); err != nil {
		return err
	}
	p.NewUser, p.NewPassword = newUser, password
	return s.render(w, http.StatusOK, "users", p)
}

// createUser makes an account with a one-time password, shown once; the
// user must change it at first login.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	password := auth.RandomPassword()
	u, err := api.CreateUser(r.Context(), s.db, api.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Role: kesu.Role(r.PostFormValue("role")), Department: strings.TrimSpace(r.PostFormValue("department")), Password: password},
		s.clock.Now())
	if err != nil {
		return s.refusedCreate(w, r, err, func(p *adminPage) error {
			var err error
			p.Users, err = s.db.Users(r.Context())
			return err
		}, "users")
	}
	if err := s.db.RequirePasswordChange(r.Context(), u.ID); err != nil {
		return err
	}
	return s.renderUsers(w, r, u.Email, password)
}

// updateUser changes role, department or active flag, or resets the
// password (a new one-time password).
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return kesu.FieldError("id", "not a user id")
	}
	if r.PostFormValue("reset") == "1" {
		password := auth.RandomPassword()
		h, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		if err := s.db.SetPassword(r.Context(), id, h, true, 0); err != nil {
			return err
		}
		u, err := s.db.UserByID(r.Context(), id)
		if err != nil {
			return err
		}
		return s.renderUsers(w, r, u.Email, password)
	}
	role := kesu.Role(r.PostFormValue("role"))
	dept := strings.TrimSpace(r.PostFormValue("department"))
	active := r.PostFormValue("active") == "on"
	if _, err := s.db.UpdateUser(r.Context(), id, store.UserPatch{Role: &role, Department: &dept, Active: &active}); err != nil {
		return err
	}
	return redirect(w, r, "/admin/users", "flash.saved")
}

func (s *Server) rolesPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.adminView(r, "admin.roles")
	if err != nil {
		return err
	}
	a, err := s.db.Authority(r.Context())
	if err != nil {
		return err
	}
	p.Limits = map[kesu.Role]string{}
	for _, role := range kesu.StaffRoles {
		l, unlimited := a.Limit(role)
		if unlimited {
			p.Limits[role] = "-1"
		} else {
			p.Limits[role] = l.String()
		}
	}
	return s.render(w, http.StatusOK, "roles", p)
}

func (s *Server) setRoleLimit(w http.ResponseWriter, r *http.Request) error {
	role := kesu.Role(r.PostFormValue("role"))
	v := strings.TrimSpace(r.PostFormValue("limit"))
	var limit kesu.Money = -1
	if v != "-1" {
		m, err := kesu.ParseMoney(v)
		if err != nil {
			return kesu.FieldError("limit", "an amount such as 500.00, or -1 for no limit")
		}
		limit = m
	}
	if err := s.db.SetRoleLimit(r.Context(), role, limit); err != nil {
		return err
	}
	return redirect(w, r, "/admin/roles", "flash.saved")
}

func (s *Server) scriptsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.adminView(r, "admin.scripts")
	if err != nil {
		return err
	}
	if p.Scripts, err = s.db.ReplyScripts(r.Context(), false); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "scripts", p)
}

func (s *Server) saveScript(w http.ResponseWriter, r *http.Request) error {
	_, err := s.db.SaveReplyScript(r.Context(), store.ReplyScript{Code: strings.TrimSpace(r.PostFormValue("code")),
		Scenario: r.PostFormValue("scenario"), Name: r.PostFormValue("name"), BodyZH: r.PostFormValue("body_zh"),
		BodyEN: r.PostFormValue("body_en"), Active: r.PostFormValue("active") != "off"}, s.clock.Now())
	if err != nil {
		return err
	}
	return redirect(w, r, "/admin/scripts", "flash.saved")
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.adminView(r, "audit.title")
	if err != nil {
		return err
	}
	p.Nav = "audit"
	if p.Audit, err = s.db.AuditEvents(r.Context(), store.AuditFilter{Action: r.URL.Query().Get("action"), Limit: 500}); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "audit", p)
}
