package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// ProviderConfig is one province identity provider (OpenID Connect).
type ProviderConfig struct {
	Name         string // short name in URLs and settings, e.g. "tinh"
	DisplayName  string // shown on the login button's caption
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is phonghop's callback as registered at the provider:
	// https://<host>/api/auth/sso/<name>/callback.
	RedirectURL string
	Scopes      []string // default openid, profile, offline_access
	// ClaimOrg names the claim whose value is an organization's code in the directory; ClaimTitle
	// the claim holding the person's title (chức vụ); ClaimName their full name.
	ClaimOrg, ClaimTitle, ClaimName string
}

// SSOConfig configures single sign-on.
type SSOConfig struct {
	Providers []ProviderConfig
	// RefreshInterval is how old a provider session may grow before phonghop asks the provider
	// again (with the refresh token) whether the person may still sign in (default 15 minutes).
	RefreshInterval time.Duration
	// PasswordsAdminsOnly refuses local passwords to everyone but administrators.
	PasswordsAdminsOnly bool
	HTTPClient          *http.Client // default: 10 s timeout
	Log                 *slog.Logger
}

// SSO signs people in through the province's identity providers.
type SSO struct {
	svc       *Service
	cfg       SSOConfig
	providers map[string]*provider
	order     []string
	log       *slog.Logger
}

// provider is one configured provider, discovered on first use: a provider that is down when
// phonghop starts must not stop phonghop, and is found again once it is back.
type provider struct {
	cfg ProviderConfig
	mu  sync.Mutex
	op  *oidc.Provider
	// endSession is the provider's end_session_endpoint, empty when it offers no logout.
	endSession string
}

// ProviderInfo is what the login page shows of a provider.
type ProviderInfo struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
}

// EnableSSO turns single sign-on on for s with the given providers.
func (s *Service) EnableSSO(cfg SSOConfig) (*SSO, error) {
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = 15 * time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	x := &SSO{svc: s, cfg: cfg, providers: map[string]*provider{}, log: cfg.Log}
	for _, p := range cfg.Providers {
		if p.Name == "" || p.Issuer == "" || p.ClientID == "" || p.RedirectURL == "" {
			return nil, fmt.Errorf("sso provider %q: name, issuer, client id and redirect URL are required", p.Name)
		}
		if _, dup := x.providers[p.Name]; dup {
			return nil, fmt.Errorf("sso provider %q is listed twice", p.Name)
		}
		if len(p.Scopes) == 0 {
			p.Scopes = []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess}
		}
		if p.ClaimName == "" {
			p.ClaimName = "name"
		}
		if p.DisplayName == "" {
			p.DisplayName = p.Name
		}
		x.providers[p.Name] = &provider{cfg: p}
		x.order = append(x.order, p.Name)
	}
	s.sso, s.passwordsAdminsOnly = x, cfg.PasswordsAdminsOnly
	return x, nil
}

// Providers lists the configured providers, in the configured order.
func (x *SSO) Providers() []ProviderInfo {
	out := make([]ProviderInfo, 0, len(x.order))
	for _, n := range x.order {
		out = append(out, ProviderInfo{Name: n, DisplayName: x.providers[n].cfg.DisplayName})
	}
	return out
}

// SSOError is a failed single sign-on: Code is what the login page explains to the person
// (state, provider, code, token, userinfo, organization, account, unavailable, unknown_provider);
// Reason is logged, never shown.
type SSOError struct {
	Code   string
	Reason error
}

func (e *SSOError) Error() string { return "sso " + e.Code + ": " + e.Reason.Error() }
func (e *SSOError) Unwrap() error { return e.Reason }

func ssoErr(code string, format string, a ...any) *SSOError {
	return &SSOError{Code: code, Reason: fmt.Errorf(format, a...)}
}

func (x *SSO) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, x.cfg.HTTPClient)
}

// discover returns the provider's metadata and keys, fetching them the first time.
func (x *SSO) discover(ctx context.Context, name string) (*provider, error) {
	p, ok := x.providers[name]
	if !ok {
		return nil, ssoErr("unknown_provider", "no provider named %q", name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.op != nil {
		return p, nil
	}
	// The key set keeps this context for its later fetches (key rotation), so it must outlive
	// the request that first discovers the provider.
	op, err := oidc.NewProvider(x.ctx(context.WithoutCancel(ctx)), p.cfg.Issuer)
	if err != nil {
		return nil, ssoErr("unavailable", "discovery at %s: %w", p.cfg.Issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := op.Claims(&meta); err != nil {
		return nil, ssoErr("unavailable", "discovery document of %s: %w", p.cfg.Issuer, err)
	}
	p.op, p.endSession = op, meta.EndSession
	return p, nil
}

func (p *provider) oauth() *oauth2.Config {
	return &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: p.op.Endpoint(),
		RedirectURL: p.cfg.RedirectURL, Scopes: p.cfg.Scopes}
}

// loginTTL is how long a person has at the provider's page before the sign-in must start again.
const loginTTL = 10 * time.Minute

// Begin starts a sign-in at provider name. It returns the provider's authorization URL to send
// the browser to, and a secret the browser must keep in a cookie and bring back to Finish.
func (x *SSO) Begin(ctx context.Context, name string) (authURL, browserSecret string, err error) {
	p, err := x.discover(ctx, name)
	if err != nil {
		return "", "", err
	}
	state, nonce, verifier, secret := randomToken(24), randomToken(24), oauth2.GenerateVerifier(), randomToken(24)
	now := x.svc.db.Now()
	if _, err := x.svc.db.ExecContext(ctx, `INSERT INTO sso_logins (state_hash, provider, nonce, verifier, browser_hash, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		hashToken(state), name, nonce, verifier, hashToken(secret), now.Add(loginTTL)); err != nil {
		return "", "", err
	}
	return p.oauth().AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), secret, nil
}

// Callback is what the provider sent back to the redirect URL.
type Callback struct {
	State, Code             string
	Error, ErrorDescription string
	BrowserSecret           string // from the cookie Begin's secret was kept in
	RemoteAddr, UserAgent   string
}

// Finish completes a sign-in: it takes the sign-in under way back by its state (once), exchanges
// the code with the PKCE verifier, checks the ID token (signature, issuer, audience, expiry,
// nonce) and the userinfo's subject, links or creates the person and opens a session.
// Errors: *SSOError, or a storage error.
func (x *SSO) Finish(ctx context.Context, name string, cb Callback) (string, *Principal, error) {
	if _, ok := x.providers[name]; !ok {
		return "", nil, ssoErr("unknown_provider", "no provider named %q", name)
	}
	var nonce, verifier, browserHash, prov string
	var expires store.Time
	err := x.svc.db.InTx(ctx, func(tx *store.Tx) error {
		h := hashToken(cb.State)
		err := tx.QueryRowContext(ctx, `SELECT provider, nonce, verifier, browser_hash, expires_at FROM sso_logins WHERE state_hash = ?`, h).
			Scan(&prov, &nonce, &verifier, &browserHash, &expires)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sso_logins WHERE state_hash = ?`, h)
		return err
	})
	switch {
	case errors.Is(err, errNoRows):
		return "", nil, ssoErr("state", "unknown or already used state")
	case err != nil:
		return "", nil, err
	case prov != name:
		return "", nil, ssoErr("state", "state of provider %q came back to %q", prov, name)
	case cb.BrowserSecret == "" || hashToken(cb.BrowserSecret) != browserHash:
		return "", nil, ssoErr("state", "the state belongs to another browser")
	case x.svc.db.Now().After(expires.Time):
		return "", nil, ssoErr("state", "the sign-in started more than %s ago", loginTTL)
	case cb.Error != "":
		return "", nil, ssoErr("provider", "the provider answered %s: %s", cb.Error, cb.ErrorDescription)
	case cb.Code == "":
		return "", nil, ssoErr("code", "the provider sent no code")
	}
	p, err := x.discover(ctx, name)
	if err != nil {
		return "", nil, err
	}
	octx := x.ctx(ctx)
	tok, err := p.oauth().Exchange(octx, cb.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		return "", nil, exchangeError(err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return "", nil, ssoErr("token", "the token response has no ID token")
	}
	idt, err := p.op.Verifier(&oidc.Config{ClientID: p.cfg.ClientID}).Verify(octx, rawID)
	if err != nil {
		return "", nil, ssoErr("token", "ID token refused: %w", err)
	}
	if idt.Nonce != nonce {
		return "", nil, ssoErr("token", "the ID token's nonce is not this sign-in's")
	}
	info, err := p.op.UserInfo(octx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return "", nil, ssoErr("userinfo", "userinfo: %w", err)
	}
	if info.Subject != idt.Subject {
		return "", nil, ssoErr("userinfo", "userinfo is for subject %q, the ID token for %q", info.Subject, idt.Subject)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return "", nil, ssoErr("token", "ID token claims: %w", err)
	}
	more := map[string]any{}
	if err := info.Claims(&more); err != nil {
		return "", nil, ssoErr("userinfo", "userinfo claims: %w", err)
	}
	for k, v := range more {
		claims[k] = v
	}
	userID, err := x.account(ctx, p.cfg, idt.Issuer, idt.Subject, claims)
	if err != nil {
		return "", nil, err
	}
	return x.svc.startSession(ctx, userID, cb.RemoteAddr, cb.UserAgent, func(tx *store.Tx, sessionHash string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO provider_sessions (session_hash, provider, id_token, refresh_token, checked_at) VALUES (?, ?, ?, ?, ?)`,
			sessionHash, name, rawID, tok.RefreshToken, tx.Now())
		return err
	})
}

// exchangeError tells a code the provider refused (used twice, expired, not ours) from a provider
// that could not be reached.
func exchangeError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return ssoErr("code", "the provider refused the code: %s %s", re.ErrorCode, re.ErrorDescription)
	}
	return ssoErr("unavailable", "token endpoint: %w", err)
}

// errSessionEnded ends a session whose provider no longer vouches for the person.
var errSessionEnded = errs.E(errs.Unauthenticated, "Phiên đăng nhập bằng tài khoản của tỉnh đã kết thúc. Hãy đăng nhập lại.",
	"Your province sign-in has ended. Please sign in again.")

// recheck asks the provider, with the refresh token, whether the session's person may still sign
// in. Only one request per session does so (the one that moves checked_at); a refusal, an
// unreachable provider or a session without a refresh token ends the session.
func (x *SSO) recheck(ctx context.Context, sessionHash, name, refresh string, checked store.Time) error {
	now := x.svc.db.Now()
	res, err := x.svc.db.ExecContext(ctx, `UPDATE provider_sessions SET checked_at = ? WHERE session_hash = ? AND checked_at = ?`, now, sessionHash, checked.Time)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // another request of this session is checking
	}
	reason := func() error {
		if refresh == "" {
			return errors.New("no refresh token (the provider did not grant offline_access)")
		}
		p, err := x.discover(ctx, name)
		if err != nil {
			return err
		}
		tok, err := p.oauth().TokenSource(x.ctx(ctx), &oauth2.Token{RefreshToken: refresh, Expiry: now.Add(-time.Minute)}).Token()
		if err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
		idt, _ := tok.Extra("id_token").(string)
		_, err = x.svc.db.ExecContext(ctx, `UPDATE provider_sessions SET refresh_token = ?, id_token = CASE WHEN ? = '' THEN id_token ELSE ? END WHERE session_hash = ?`,
			tok.RefreshToken, idt, idt, sessionHash)
		return err
	}()
	if reason == nil {
		return nil
	}
	x.log.WarnContext(ctx, "sso: session ended at refresh", "provider", name, "reason", reason.Error())
	if _, err := x.svc.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, sessionHash); err != nil {
		return err
	}
	return errSessionEnded
}

// LogoutURL is where to send the browser so the provider ends its own session too
// (RP-initiated logout), or "" when p's session is not from a provider or the provider offers no
// logout. Call it before the session is ended.
func (x *SSO) LogoutURL(ctx context.Context, p *Principal, postLogout string) (string, error) {
	var name, idToken string
	err := x.svc.db.QueryRowContext(ctx, `SELECT provider, id_token FROM provider_sessions WHERE session_hash = ?`, p.sessionID).Scan(&name, &idToken)
	if errors.Is(err, errNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	prov, err := x.discover(ctx, name)
	if err != nil || prov.endSession == "" {
		return "", nil // phonghop's session still ends; the provider's cannot be reached
	}
	u, err := url.Parse(prov.endSession)
	if err != nil {
		return "", nil
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("client_id", prov.cfg.ClientID)
	if postLogout != "" {
		q.Set("post_logout_redirect_uri", postLogout)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// checkProvider re-checks a session opened by single sign-on once its last check is older than
// the refresh interval. A provider no longer configured ends its sessions.
func (s *Service) checkProvider(ctx context.Context, sessionHash, name, refresh string, checked store.Time) error {
	if s.sso == nil || s.sso.providers[name] == nil {
		_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, sessionHash)
		if err != nil {
			return err
		}
		return errSessionEnded
	}
	if s.db.Now().Sub(checked.Time) < s.sso.cfg.RefreshInterval {
		return nil
	}
	return s.sso.recheck(ctx, sessionHash, name, refresh, checked)
}

// ErrPasswordsAdminsOnly answers a correct password of a non-administrator when local passwords
// are kept for administrators.
var ErrPasswordsAdminsOnly = errs.E(errs.Forbidden, "Mật khẩu riêng chỉ dùng cho quản trị viên. Hãy đăng nhập bằng tài khoản của tỉnh.",
	"Local passwords are for administrators only. Sign in with your province account.")

func (s *Service) isAdmin(ctx context.Context, userID int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles WHERE user_id = ? AND role = 'admin'`, userID).Scan(&n)
	return n > 0, err
}
