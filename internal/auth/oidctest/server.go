// Package oidctest is a real OpenID provider for phonghop's tests, built on zitadel/oidc's op
// package: discovery, JWKS, authorization code with PKCE, refresh tokens, userinfo and
// RP-initiated logout, with its own small sign-in page. Tests change its people (add, disable,
// remove), rotate its signing key, or ask it for tokens a relying party must refuse (expired,
// wrongly signed, for another audience).
package oidctest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a person the provider knows.
type User struct {
	Subject, Username, Password, Name string
	OrgCode, Title                    string // sent as the userinfo claims org_code and title
	Disabled                          bool
}

// Client is a registered relying party.
type Client struct {
	ID, Secret             string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// Globs (path.Match patterns) admit any loopback port, for a relying party whose port is
	// chosen after the provider starts.
	RedirectURIGlobs, PostLogoutRedirectURIGlobs []string
}

// Switches make the provider misbehave on purpose.
type Switches struct {
	ExpiredIDToken  bool   // ID tokens expire an hour before they are issued
	WrongAudience   bool   // ID tokens name another application as audience (and only it)
	ForeignKey      bool   // tokens are signed with a key the JWKS does not publish
	UserinfoSubject string // userinfo answers for this subject instead of the token's
}

// Server is a running provider.
type Server struct {
	URL string // the issuer, http://127.0.0.1:port

	mu       sync.Mutex
	users    map[string]*User // by subject
	clients  map[string]Client
	requests map[string]*authRequest
	codes    map[string]string // code → auth request id
	tokens   map[string]*token
	refresh  map[string]*token
	browsers map[string]string // browser session cookie → subject
	keys     []*signingKey     // published; the last one signs
	foreign  *signingKey
	sw       Switches
	// Refreshes and Logouts count refresh grants and ended sessions, for tests to assert on.
	Refreshes, Logouts int

	ln  net.Listener
	srv *http.Server
}

const browserCookie = "testop_session"

// Start listens on addr (e.g. "127.0.0.1:0") and serves the provider.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, users: map[string]*User{}, clients: map[string]Client{},
		requests: map[string]*authRequest{}, codes: map[string]string{}, tokens: map[string]*token{},
		refresh: map[string]*token{}, browsers: map[string]string{}}
	k, err := newKey()
	if err != nil {
		return nil, err
	}
	if s.foreign, err = newKey(); err != nil {
		return nil, err
	}
	s.keys = []*signingKey{k}
	cfg := &op.Config{
		CryptoKey:                sha256.Sum256([]byte(randomID())),
		DefaultLogoutRedirectURI: "/signed-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.Vietnamese, language.English},
	}
	provider, err := op.NewOpenIDProvider(s.URL, cfg, s, op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	callback := op.AuthCallbackURL(provider)
	mux := http.NewServeMux()
	mux.Handle("/login", op.NewIssuerInterceptor(provider.IssuerFromRequest).Handler(s.loginPage(callback)))
	mux.HandleFunc("/signed-out", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("Đã đăng xuất khỏi cổng đăng nhập."))
	})
	mux.Handle("/oauth/token", s.audienceSwitch(provider))
	mux.Handle("/", provider)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the provider; a relying party then finds it down.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// AddClient registers a relying party.
func (s *Server) AddClient(c Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = c
}

// AddUser adds or replaces a person.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.Subject] = &u
}

// SetDisabled disables or re-enables a person.
func (s *Server) SetDisabled(subject string, disabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[subject]; ok {
		u.Disabled = disabled
	}
}

// RemoveUser removes a person.
func (s *Server) RemoveUser(subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, subject)
}

// RotateKey signs with a new key from now on; the old one stays published unless dropOld.
func (s *Server) RotateKey(dropOld bool) (string, error) {
	k, err := newKey()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if dropOld {
		s.keys = nil
	}
	s.keys = append(s.keys, k)
	return k.id, nil
}

// Set replaces the switches.
func (s *Server) Set(sw Switches) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sw = sw
}

// Counts returns how many refresh grants and logouts the provider has served.
func (s *Server) Counts() (refreshes, logouts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Refreshes, s.Logouts
}

var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Cổng đăng nhập tập trung</title></head>
<body><h1>Cổng đăng nhập tập trung của tỉnh</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="authRequestID" value="{{.ID}}">
<label>Tên đăng nhập <input name="username" autocomplete="username"></label>
<label>Mật khẩu <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Đăng nhập</button>
</form></body></html>`))

// loginPage signs a person in at the provider. A browser already signed in here (its cookie names
// an active person) is sent straight back: that is the single sign-on.
func (s *Server) loginPage(callback func(context.Context, string) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id := r.Form.Get("authRequestID")
		var sub, problem string
		if r.Method == http.MethodPost {
			var err error
			if sub, err = s.checkPassword(r.Form.Get("username"), r.Form.Get("password")); err != nil {
				problem = err.Error()
			}
		} else if c, err := r.Cookie(browserCookie); err == nil {
			sub = s.browserSubject(c.Value)
		}
		if sub == "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = loginTmpl.Execute(w, struct{ ID, Error string }{id, problem})
			return
		}
		session, err := s.complete(id, sub)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: browserCookie, Value: session, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
	})
}

func (s *Server) checkPassword(username, password string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Username == username && u.Password == password {
			if u.Disabled {
				return "", errors.New("Tài khoản đã bị khoá.")
			}
			return u.Subject, nil
		}
	}
	return "", errors.New("Tên đăng nhập hoặc mật khẩu không đúng.")
}

func (s *Server) browserSubject(session string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.browsers[session]
	if u, ok := s.users[sub]; ok && !u.Disabled {
		return sub
	}
	return ""
}

// complete marks the auth request signed in by subject and returns a browser session for it.
func (s *Server) complete(id, subject string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return "", errors.New("unknown or finished sign-in request")
	}
	a.subject, a.authTime, a.done = subject, time.Now(), true
	session := randomID()
	s.browsers[session] = subject
	return session, nil
}

// audienceSwitch re-issues the token endpoint's ID token for another application when the switch
// is on, signed with the provider's published key: the op package always adds the requesting
// client to the audience, so the switch has to act on the finished token.
func (s *Server) audienceSwitch(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		on, key := s.sw.WrongAudience, s.keys[len(s.keys)-1]
		s.mu.Unlock()
		if !on {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var resp map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(body, &resp) == nil {
			if raw, ok := resp["id_token"].(string); ok {
				if t, err := reaudience(raw, key); err == nil {
					resp["id_token"] = t
					body, _ = json.Marshal(resp)
				}
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

func reaudience(raw string, key *signingKey) (string, error) {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", err
	}
	var claims map[string]any
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		return "", err
	}
	claims["aud"], claims["azp"], claims["client_id"] = []string{"another-application"}, "another-application", "another-application"
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.id))
	if err != nil {
		return "", err
	}
	out, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return out.CompactSerialize()
}
