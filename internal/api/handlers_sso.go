package api

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/phonghop/phonghop/internal/auth"
)

// ssoCookie keeps, for the few minutes a person spends at the provider's page, the secret that
// binds the sign-in's state to this browser.
const ssoCookie = "phonghop_sso"

func (s *Server) ssoRoutes() {
	s.mux.HandleFunc("GET /api/auth/providers", s.ssoProviders)
	s.mux.HandleFunc("GET /api/auth/sso/{provider}/login", s.ssoLogin)
	s.mux.HandleFunc("GET /api/auth/sso/{provider}/callback", s.ssoCallback)
}

// ssoProviders tells the login page which province sign-ins to offer and whether local passwords
// are for administrators only.
func (s *Server) ssoProviders(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Providers           []auth.ProviderInfo `json:"providers"`
		PasswordsAdminsOnly bool                `json:"passwords_admins_only"`
	}{Providers: []auth.ProviderInfo{}, PasswordsAdminsOnly: s.cfg.PasswordsAdminsOnly}
	if s.d.SSO != nil {
		out.Providers = s.d.SSO.Providers()
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) ssoLogin(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("provider")
	if s.d.SSO == nil {
		s.ssoFailed(w, r, name, &auth.SSOError{Code: "unknown_provider", Reason: errors.New("single sign-on is not configured")})
		return
	}
	to, secret, err := s.d.SSO.Begin(r.Context(), name)
	if err != nil {
		s.ssoFailed(w, r, name, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: secret, Path: "/api/auth/sso/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, to, http.StatusFound)
}

func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("provider")
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: "/api/auth/sso/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	if s.d.SSO == nil {
		s.ssoFailed(w, r, name, &auth.SSOError{Code: "unknown_provider", Reason: errors.New("single sign-on is not configured")})
		return
	}
	q := r.URL.Query()
	cb := auth.Callback{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"), ErrorDescription: q.Get("error_description"),
		RemoteAddr: s.clientAddr(r), UserAgent: r.UserAgent()}
	if c, err := r.Cookie(ssoCookie); err == nil {
		cb.BrowserSecret = c.Value
	}
	token, p, err := s.d.SSO.Finish(r.Context(), name, cb)
	if err != nil {
		s.ssoFailed(w, r, name, err)
		return
	}
	s.d.Log.InfoContext(r.Context(), "sso: signed in", "provider", name, "user_id", p.ID, "request_id", requestIDOf(r))
	s.setCookie(w, token)
	http.Redirect(w, r, "/", http.StatusFound)
}

// ssoFailed logs why a province sign-in failed and sends the browser back to the login page with
// a code the page explains; no session is opened.
func (s *Server) ssoFailed(w http.ResponseWriter, r *http.Request, provider string, err error) {
	code := "internal"
	var se *auth.SSOError
	if errors.As(err, &se) {
		code = se.Code
	}
	s.d.Log.WarnContext(r.Context(), "sso: sign-in refused", "provider", provider, "code", code, "reason", err.Error(), "request_id", requestIDOf(r))
	http.Redirect(w, r, "/login?sso_error="+url.QueryEscape(code), http.StatusFound)
}

// ssoLogoutURL is where the browser goes after phonghop's session ends so the provider ends its
// own, or "" when the session is not from a provider that offers logout.
func (s *Server) ssoLogoutURL(r *http.Request, p *auth.Principal) string {
	if s.d.SSO == nil {
		return ""
	}
	scheme := "http"
	if s.cfg.SecureCookies || r.TLS != nil {
		scheme = "https"
	}
	u, err := s.d.SSO.LogoutURL(r.Context(), p, scheme+"://"+r.Host+"/login")
	if err != nil {
		s.d.Log.WarnContext(r.Context(), "sso: logout URL", "err", err, "request_id", requestIDOf(r))
	}
	return u
}
