package api

import (
	"net/http"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
)

func requireAdmin(p *auth.Principal) error {
	if !p.IsAdmin {
		return errs.E(errs.Forbidden, "Chỉ quản trị viên được thực hiện thao tác này.", "Only an administrator may do this.")
	}
	return nil
}

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	orgs, err := s.d.Directory.Organizations(r.Context())
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, items(orgs))
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r, "id")
	if err == nil {
		var o directory.Organization
		if o, err = s.d.Directory.Organization(r.Context(), id); err == nil {
			writeJSON(w, http.StatusOK, o)
			return
		}
	}
	writeError(w, r, s.d.Log, err)
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in struct {
		ParentID     *int64          `json:"parent_id"`
		Code         string          `json:"code"`
		Name         string          `json:"name"`
		Abbreviation string          `json:"abbreviation"`
		Level        directory.Level `json:"level"`
	}
	if err := requireAdmin(p); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	o, err := s.d.Directory.CreateOrganization(r.Context(), directory.Organization{
		ParentID: in.ParentID, Code: in.Code, Name: in.Name, Abbreviation: in.Abbreviation, Level: in.Level})
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) myOrganizations(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	orgs, err := s.d.Directory.OrganizationsByID(r.Context(), append([]int64{p.OrganizationID}, p.RoleOrganizations()...))
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, items(orgs))
}

func (s *Server) listMeetingPoints(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	org, err := queryID(r, "organization_id")
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	points, err := s.d.Directory.MeetingPoints(r.Context(), org)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, items(points))
}

func (s *Server) createMeetingPoint(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in struct {
		OrganizationID int64  `json:"organization_id"`
		Code           string `json:"code"`
		Name           string `json:"name"`
		Location       string `json:"location"`
	}
	if err := requireAdmin(p); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	mp, err := s.d.Directory.CreateMeetingPoint(r.Context(), directory.MeetingPoint{
		OrganizationID: in.OrganizationID, Code: in.Code, Name: in.Name, Location: in.Location})
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, mp)
}

// userView is a user with their system roles, as the admin screens show them.
type userView struct {
	*auth.Principal
	auth.AccountSource
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	org, err := queryID(r, "organization_id")
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	var scope []int64 // nil: everyone
	switch {
	case p.IsAdmin && org > 0:
		scope = []int64{org}
	case p.IsAdmin:
	default:
		// Secretaries invite officials of any body of the province to their meetings, so they
		// read the whole directory; people without a role see no list.
		if len(p.RoleOrganizations()) == 0 {
			writeError(w, r, s.d.Log, errs.ErrForbidden)
			return
		}
		if org > 0 {
			scope = []int64{org}
		}
	}
	users, err := s.d.Directory.Users(r.Context(), scope)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	sources, err := s.d.Auth.AccountSources(r.Context())
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	out := make([]userView, 0, len(users))
	for _, u := range users {
		pr, err := s.d.Auth.Principal(r.Context(), u.ID)
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		out = append(out, userView{pr, sources[u.ID]})
	}
	writeJSON(w, http.StatusOK, items(out))
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if err := requireAdmin(p); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	var in struct {
		Username       string           `json:"username"`
		Password       string           `json:"password"`
		FullName       string           `json:"full_name"`
		Title          string           `json:"title"`
		OrganizationID int64            `json:"organization_id"`
		Roles          []auth.RoleGrant `json:"roles"`
	}
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	u, err := s.d.Auth.CreateAccount(r.Context(), auth.NewAccount{
		User:     directory.User{Username: in.Username, FullName: in.FullName, Title: in.Title, OrganizationID: in.OrganizationID},
		Password: in.Password, Roles: in.Roles})
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	pr, err := s.d.Auth.Principal(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, userView{pr, auth.AccountSource{LocalPassword: true}})
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if err := requireAdmin(p); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	var in struct {
		NewPassword string `json:"new_password"`
	}
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	if err := s.d.Auth.SetPassword(r.Context(), id, in.NewPassword, ""); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
