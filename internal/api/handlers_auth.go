package api

import (
	"net/http"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
)

type sessionBody struct {
	User      *auth.Principal `json:"user"`
	CSRFToken string          `json:"csrf_token"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		writeError(w, r, s.d.Log, errOrigin)
		return
	}
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	if in.Username == "" || in.Password == "" {
		writeError(w, r, s.d.Log, errs.E(errs.Invalid, "Hãy nhập tên đăng nhập và mật khẩu.", "Enter a username and a password."))
		return
	}
	if len(in.Username) > 64 || len(in.Password) > 256 {
		writeError(w, r, s.d.Log, auth.ErrBadCredentials)
		return
	}
	token, p, err := s.d.Auth.Login(r.Context(), in.Username, in.Password, s.clientAddr(r), r.UserAgent())
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	s.setCookie(w, token)
	writeJSON(w, http.StatusOK, sessionBody{p, p.CSRFToken})
}

// logout ends the session; a session from a province provider that offers logout answers with
// the provider's logout URL for the browser to visit, so the provider's session ends too.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	providerLogout := s.ssoLogoutURL(r, p)
	if err := s.d.Auth.Logout(r.Context(), p); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	s.clearCookie(w)
	if providerLogout != "" {
		writeJSON(w, http.StatusOK, map[string]string{"logout_url": providerLogout})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) session(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	writeJSON(w, http.StatusOK, sessionBody{p, p.CSRFToken})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := s.decode(w, r, &in); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	if err := s.d.Auth.ChangeOwnPassword(r.Context(), p, in.Current, in.New); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
