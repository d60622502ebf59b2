package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/store"
)

type (
	NewDepartment struct {
		Code   string `json:"code"`
		Name   string `json:"name"`
		Parent string `json:"parent,omitempty"` // parent department code
	}
	DepartmentPatch struct {
		Name   *string `json:"name"`
		Active *bool   `json:"active"`
	}
	DepartmentList struct {
		Items []kesu.Department `json:"items"`
	}
	NewCategory struct {
		Code       string `json:"code"`
		Name       string `json:"name"`
		NameEN     string `json:"name_en,omitempty"`
		Parent     string `json:"parent,omitempty"`     // parent category code
		Department string `json:"department,omitempty"` // owning department code
	}
	CategoryPatch struct {
		Name       *string `json:"name"`
		NameEN     *string `json:"name_en"`
		Department *string `json:"department"` // owning department code; "" clears
		Active     *bool   `json:"active"`
	}
	CategoryList struct {
		Items []kesu.Category `json:"items"`
	}
	NewUser struct {
		Email      string    `json:"email"`
		Name       string    `json:"name"`
		Role       kesu.Role `json:"role"`
		Department string    `json:"department,omitempty"` // department code
		Password   string    `json:"password,omitempty"`   // empty: API-token only account
	}
	UserPatch struct {
		Name       *string    `json:"name"`
		Role       *kesu.Role `json:"role"`
		Department *string    `json:"department"` // code; "" clears
		Active     *bool      `json:"active"`
		Password   *string    `json:"password"`
	}
	UserList struct {
		Items []kesu.User `json:"items"`
	}
	NewToken struct {
		Name string `json:"name,omitempty"`
	}
	TokenCreated struct {
		ID    int64  `json:"id"`
		Token string `json:"token"` // shown once; kesu keeps only its hash
	}
)

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request) error {
	list, err := s.db.Departments(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, DepartmentList{Items: list})
	return nil
}

func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in NewDepartment
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	d, err := s.db.CreateDepartment(r.Context(), kesu.Department{Code: in.Code, Name: in.Name}, in.Parent, s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) updateDepartment(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in DepartmentPatch
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	d, err := s.db.UpdateDepartment(r.Context(), r.PathValue("code"), in.Name, in.Active)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request) error {
	list, err := s.db.Categories(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CategoryList{Items: list})
	return nil
}

func (s *Server) createCategory(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in NewCategory
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.db.CreateCategory(r.Context(), kesu.Category{Code: in.Code, Name: in.Name, NameEN: in.NameEN},
		store.CategoryRefs{Parent: in.Parent, Department: in.Department}, s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermStaff); err != nil {
		return err
	}
	list, err := s.db.Users(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, UserList{Items: list})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in NewUser
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	u, err := CreateUser(r.Context(), s.db, in, s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, caller(r.Context()))
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in NewToken
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	token, hash := auth.NewToken()
	id, err := s.db.CreateToken(r.Context(), caller(r.Context()).ID, strings.TrimSpace(in.Name), hash, s.clock.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, TokenCreated{ID: id, Token: token})
	return nil
}

// decode reads and strictly decodes a JSON body.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readBody(w, r, s.maxBody)
	if err != nil {
		return err
	}
	return decodeJSON(body, dst)
}

func (s *Server) updateCategory(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	var in CategoryPatch
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.db.UpdateCategory(r.Context(), r.PathValue("code"), store.CategoryPatch(in))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	if err := require(r.Context(), kesu.PermAdmin); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in UserPatch
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	p := store.UserPatch{Name: in.Name, Role: in.Role, Department: in.Department, Active: in.Active}
	if in.Password != nil {
		if err := kesu.ValidatePassword(*in.Password); err != nil {
			return err
		}
		hash, err := auth.HashPassword(*in.Password)
		if err != nil {
			return err
		}
		p.PasswordHash = &hash
	}
	u, err := s.db.UpdateUser(r.Context(), id, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u := caller(r.Context())
	owner := u.ID
	if u.Role == kesu.RoleAdmin {
		owner = 0
	}
	if err := s.db.RevokeToken(r.Context(), id, owner, s.clock.Now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pathID reads a numeric path parameter; anything else names nothing.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, kesu.Errorf(kesu.ENotFound, "no %s %q", name, r.PathValue(name))
	}
	return id, nil
}
