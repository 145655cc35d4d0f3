package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// authRequest is one authorization request, from /authorize until its code is exchanged.
type authRequest struct {
	id, clientID, redirectURI, state, nonce string
	scopes                                  []string
	responseType                            oidc.ResponseType
	responseMode                            oidc.ResponseMode
	challenge                               *oidc.CodeChallenge
	subject                                 string
	authTime                                time.Time
	audience                                []string
	done                                    bool
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return a.audience }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

// token is an access token and, when offline_access was granted, its refresh token.
type token struct {
	id, refresh, clientID, subject string
	scopes, audience               []string
	authTime, expires              time.Time
}

// refreshRequest is what a refresh token stands for.
type refreshRequest struct{ t *token }

func (r *refreshRequest) GetAMR() []string             { return []string{"pwd"} }
func (r *refreshRequest) GetAudience() []string        { return r.t.audience }
func (r *refreshRequest) GetAuthTime() time.Time       { return r.t.authTime }
func (r *refreshRequest) GetClientID() string          { return r.t.clientID }
func (r *refreshRequest) GetScopes() []string          { return r.t.scopes }
func (r *refreshRequest) GetSubject() string           { return r.t.subject }
func (r *refreshRequest) SetCurrentScopes(sc []string) { r.t.scopes = sc }

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func newKey() (*signingKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &signingKey{id: randomID(), key: k}, nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errNotFound = errors.New("not found")

// The op.Storage methods below hold s.mu for their whole body; the provider calls them one at a time
// per request and none calls back into another.

func (s *Server) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &authRequest{id: randomID(), clientID: r.ClientID, redirectURI: r.RedirectURI, state: r.State, nonce: r.Nonce,
		scopes: r.Scopes, responseType: r.ResponseType, responseMode: r.ResponseMode, audience: []string{r.ClientID}}
	if r.CodeChallenge != "" {
		a.challenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	s.requests[a.id] = a
	return a, nil
}

func (s *Server) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		return a, nil
	}
	return nil, errNotFound
}

func (s *Server) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[s.codes[code]]; ok {
		return a, nil
	}
	return nil, errNotFound
}

func (s *Server) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest is called once a code has been exchanged: the code cannot be used again.
func (s *Server) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

func (s *Server) newToken(req op.TokenRequest, withRefresh bool) *token {
	t := &token{id: randomID(), subject: req.GetSubject(), scopes: req.GetScopes(), audience: req.GetAudience(),
		expires: time.Now().Add(5 * time.Minute)}
	switch r := req.(type) {
	case *authRequest:
		t.clientID, t.authTime = r.clientID, r.authTime
	case *refreshRequest:
		t.clientID, t.authTime = r.t.clientID, r.t.authTime
	}
	if withRefresh {
		t.refresh = randomID()
		s.refresh[t.refresh] = t
	}
	s.tokens[t.id] = t
	return t
}

func (s *Server) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.newToken(req, false)
	return t.id, t.expires, nil
}

// CreateAccessAndRefreshTokens rotates the refresh token: the one presented stops working.
func (s *Server) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if current != "" {
		if _, ok := s.refresh[current]; !ok {
			return "", "", time.Time{}, oidc.ErrInvalidGrant()
		}
		delete(s.refresh, current)
	}
	t := s.newToken(req, true)
	s.Refreshes++
	return t.id, t.refresh, t.expires, nil
}

// TokenRequestByRefreshToken refuses the refresh token of a person disabled or removed since.
func (s *Server) TokenRequestByRefreshToken(_ context.Context, refresh string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.refresh[refresh]
	if !ok {
		return nil, errors.New("unknown refresh token")
	}
	if u, ok := s.users[t.subject]; !ok || u.Disabled {
		return nil, errors.New("the account is disabled or removed")
	}
	return &refreshRequest{t}, nil
}

// TerminateSession ends the person's sign-in at the provider (RP-initiated logout): their browser
// sessions and this client's tokens go.
func (s *Server) TerminateSession(_ context.Context, subject, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sub := range s.browsers {
		if sub == subject {
			delete(s.browsers, id)
		}
	}
	for id, t := range s.tokens {
		if t.subject == subject && t.clientID == clientID {
			delete(s.tokens, id)
			delete(s.refresh, t.refresh)
		}
	}
	s.Logouts++
	return nil
}

func (s *Server) RevokeToken(_ context.Context, tok, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tok)
	delete(s.refresh, tok)
	return nil
}

func (s *Server) GetRefreshTokenInfo(_ context.Context, _ string, tok string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.refresh[tok]; ok {
		return t.subject, t.refresh, nil
	}
	return "", "", op.ErrInvalidRefreshToken
}

// SigningKey is the current key, or a key the key set does not publish when the test asks for
// wrongly signed tokens.
func (s *Server) SigningKey(context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sw.ForeignKey {
		return s.foreign, nil
	}
	return s.keys[len(s.keys)-1], nil
}

func (s *Server) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *Server) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]op.Key, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, publicKey{k})
	}
	return out, nil
}

func (s *Server) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, fmt.Errorf("client %q not found", id)
	}
	return &client{c: c, srv: s, lifetime: s.idTokenLifetime()}, nil
}

func (s *Server) idTokenLifetime() time.Duration {
	if s.sw.ExpiredIDToken {
		return -time.Hour
	}
	return 5 * time.Minute
}

func (s *Server) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; ok && c.Secret == secret {
		return nil
	}
	return errors.New("wrong client id or secret")
}

func (s *Server) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest keeps the ID token to the subject (the provider takes the token's
// subject from here): the other claims are read from userinfo.
func (s *Server) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	info.Subject = req.GetSubject()
	return nil
}

func (s *Server) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tokenID]
	if !ok || time.Now().After(t.expires) {
		return errors.New("access token unknown or expired")
	}
	u, ok := s.users[t.subject]
	if !ok || u.Disabled {
		return errors.New("the account is disabled or removed")
	}
	info.Subject = u.Subject
	if s.sw.UserinfoSubject != "" {
		info.Subject = s.sw.UserinfoSubject
	}
	info.Name, info.PreferredUsername = u.Name, u.Username
	info.AppendClaims("org_code", u.OrgCode)
	info.AppendClaims("title", u.Title)
	return nil
}

func (s *Server) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("introspection is not offered")
}

func (s *Server) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *Server) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile is not offered")
}

func (s *Server) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile is not offered")
}

func (s *Server) Health(context.Context) error { return nil }

// client is a registered relying party.
type client struct {
	c        Client
	srv      *Server
	lifetime time.Duration
}

func (c *client) GetID() string                        { return c.c.ID }
func (c *client) RedirectURIs() []string               { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string     { return c.c.PostLogoutRedirectURIs }
func (c *client) RedirectURIGlobs() []string           { return c.c.RedirectURIGlobs }
func (c *client) PostLogoutRedirectURIGlobs() []string { return c.c.PostLogoutRedirectURIGlobs }
func (c *client) ApplicationType() op.ApplicationType  { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod          { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) LoginURL(id string) string            { return c.srv.URL + "/login?authRequestID=" + id }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return c.lifetime }
func (c *client) DevMode() bool                        { return true } // http:// redirect URIs on loopback
func (c *client) IsScopeAllowed(sc string) bool        { return slices.Contains([]string{"org", "title"}, sc) }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
