// Package csctest is a remote signing service speaking the Cloud Signature Consortium API v2, for
// tests and the demo: users log in with a password, each holds one credential (a key and its
// certificate chain), an OTP is "sent" by keeping it where a test can read it (GET /test/otp),
// and a signature activation datum is good for the hashes it was issued for only (SCAL2).
package csctest

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Service is the signing service.
type Service struct {
	mu     sync.Mutex
	users  map[string]*user // by login name
	tokens map[string]*user
	creds  map[string]*cred
	sads   map[string]*sad
	delay  time.Duration
	// URL is the API base ("http://127.0.0.1:port/csc/v2") once Listen has run.
	URL string
	srv *http.Server
}

type user struct {
	name, password string
	cred           *cred
}

type cred struct {
	id     string
	key    crypto.Signer
	chain  []*x509.Certificate
	otp    string
	otpExp time.Time
}

type sad struct {
	cred   *cred
	hashes map[string]bool
	exp    time.Time
}

// New makes an empty service.
func New() *Service {
	return &Service{users: map[string]*user{}, tokens: map[string]*user{}, creds: map[string]*cred{}, sads: map[string]*sad{}}
}

// AddUser gives login name/password a credential with key and chain (leaf first) and returns
// the credential's identifier.
func (s *Service) AddUser(name, password string, key crypto.Signer, chain []*x509.Certificate) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &cred{id: "cred-" + random(6), key: key, chain: chain}
	s.users[name] = &user{name: name, password: password, cred: c}
	s.creds[c.id] = c
	return c.id
}

// SetDelay makes every answer wait d: a service that does not answer in time.
func (s *Service) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// OTP is the one-time password last sent for the user's credential ("" if none).
func (s *Service) OTP(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[name]; u != nil {
		return u.cred.otp
	}
	return ""
}

// Listen serves on addr ("127.0.0.1:0" for any port) until Close.
func (s *Service) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.URL = "http://" + ln.Addr().String() + "/csc/v2"
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// Close stops the listener.
func (s *Service) Close() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// Handler serves the API under /csc/v2/ and the OTP under /test/otp?user=NAME.
func (s *Service) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /test/otp", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"otp": s.OTP(r.URL.Query().Get("user"))})
	})
	m.HandleFunc("POST /csc/v2/info", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"specs": "2.0.0.2", "name": "phonghop CSC test service", "lang": "vi-VN",
			"authType": []string{"basic"}, "methods": []string{"auth/login", "credentials/list", "credentials/info", "credentials/sendOTP", "credentials/authorize", "signatures/signHash"}})
	})
	m.HandleFunc("POST /csc/v2/auth/login", s.login)
	m.HandleFunc("POST /csc/v2/credentials/list", s.authed(s.list))
	m.HandleFunc("POST /csc/v2/credentials/info", s.authed(s.info))
	m.HandleFunc("POST /csc/v2/credentials/sendOTP", s.authed(s.sendOTP))
	m.HandleFunc("POST /csc/v2/credentials/authorize", s.authed(s.authorize))
	m.HandleFunc("POST /csc/v2/signatures/signHash", s.authed(s.signHash))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		d := s.delay
		s.mu.Unlock()
		if d > 0 && strings.HasPrefix(r.URL.Path, "/csc/") {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		m.ServeHTTP(w, r)
	})
}

func (s *Service) login(w http.ResponseWriter, r *http.Request) {
	name, pass, ok := r.BasicAuth()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[name]
	if !ok || u == nil || u.password != pass {
		fail(w, 401, "invalid_request", "Sai tên đăng nhập hoặc mật khẩu")
		return
	}
	tok := random(16)
	s.tokens[tok] = u
	writeJSON(w, 200, map[string]any{"access_token": tok, "expires_in": 3600})
}

type request struct {
	CredentialID  string   `json:"credentialID"`
	NumSignatures int      `json:"numSignatures"`
	Hashes        []string `json:"hashes"`
	HashAlgorithm string   `json:"hashAlgorithmOID"`
	SignAlgo      string   `json:"signAlgo"`
	OTP           string   `json:"OTP"`
	SAD           string   `json:"SAD"`
}

// authed checks the bearer token and the credential's owner, holding the lock for the handler.
func (s *Service) authed(h func(http.ResponseWriter, *user, request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req request
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
			fail(w, 400, "invalid_request", "Malformed request: "+err.Error())
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		u := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if u == nil {
			fail(w, 401, "invalid_token", "Access token missing or unknown")
			return
		}
		if req.CredentialID != "" && req.CredentialID != u.cred.id {
			fail(w, 400, "invalid_request", "Invalid parameter credentialID")
			return
		}
		h(w, u, req)
	}
}

func (s *Service) list(w http.ResponseWriter, u *user, _ request) {
	writeJSON(w, 200, map[string]any{"credentialIDs": []string{u.cred.id}})
}

func (s *Service) info(w http.ResponseWriter, u *user, _ request) {
	var certs []string
	for _, c := range u.cred.chain {
		certs = append(certs, base64.StdEncoding.EncodeToString(c.Raw))
	}
	leaf := u.cred.chain[0]
	writeJSON(w, 200, map[string]any{
		"key":      map[string]any{"status": "enabled", "algo": []string{algoOf(leaf)}},
		"cert":     map[string]any{"status": "valid", "certificates": certs, "issuerDN": leaf.Issuer.String(), "subjectDN": leaf.Subject.String(), "validFrom": leaf.NotBefore, "validTo": leaf.NotAfter},
		"authMode": "explicit", "SCAL": "2", "multisign": 1,
		"OTP": map[string]any{"presence": "true", "type": "online", "format": "N", "label": "Mã OTP"},
	})
}

func algoOf(c *x509.Certificate) string {
	if c.PublicKeyAlgorithm == x509.ECDSA {
		return "1.2.840.10045.4.3.2"
	}
	return "1.2.840.113549.1.1.1"
}

func (s *Service) sendOTP(w http.ResponseWriter, u *user, _ request) {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	u.cred.otp, u.cred.otpExp = fmt.Sprintf("%06d", n.Int64()), time.Now().Add(5*time.Minute)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) authorize(w http.ResponseWriter, u *user, req request) {
	c := u.cred
	if c.otp == "" || req.OTP != c.otp || time.Now().After(c.otpExp) {
		fail(w, 400, "invalid_otp", "The OTP is invalid or expired")
		return
	}
	c.otp = "" // once
	if len(req.Hashes) == 0 || req.NumSignatures != len(req.Hashes) {
		fail(w, 400, "invalid_request", "numSignatures does not match the hashes")
		return
	}
	a := &sad{cred: c, hashes: map[string]bool{}, exp: time.Now().Add(5 * time.Minute)}
	for _, h := range req.Hashes {
		a.hashes[h] = true
	}
	id := random(16)
	s.sads[id] = a
	writeJSON(w, 200, map[string]any{"SAD": id, "expiresIn": 300})
}

func (s *Service) signHash(w http.ResponseWriter, u *user, req request) {
	a := s.sads[req.SAD]
	if a == nil || a.cred != u.cred || time.Now().After(a.exp) {
		fail(w, 400, "invalid_request", "Invalid or expired SAD")
		return
	}
	if req.HashAlgorithm != "2.16.840.1.101.3.4.2.1" || req.SignAlgo != algoOf(u.cred.chain[0]) {
		fail(w, 400, "invalid_request", "Unsupported hashAlgorithmOID or signAlgo")
		return
	}
	var sigs []string
	for _, h := range req.Hashes {
		if !a.hashes[h] {
			fail(w, 400, "invalid_request", "Hash not authorized by the SAD")
			return
		}
		d, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(d) != 32 {
			fail(w, 400, "invalid_request", "Invalid hash")
			return
		}
		sig, err := u.cred.key.Sign(rand.Reader, d, crypto.SHA256)
		if err != nil {
			fail(w, 500, "server_error", err.Error())
			return
		}
		sigs = append(sigs, base64.StdEncoding.EncodeToString(sig))
	}
	delete(s.sads, req.SAD) // one use
	writeJSON(w, 200, map[string]any{"signatures": sigs})
}

func fail(w http.ResponseWriter, code int, e, desc string) {
	writeJSON(w, code, map[string]string{"error": e, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
