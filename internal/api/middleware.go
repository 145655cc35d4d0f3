package api

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/phonghop/phonghop/internal/audit"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "phonghop_session"

func requestIDOf(r *http.Request) string {
	id, _ := r.Context().Value(keyRequestID).(string)
	return id
}

// requestID gives each request an ID (or keeps a well-formed one from a proxy) for logs and errors.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < '!' || c > '~' }) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		ctx := audit.WithRequest(context.WithValue(r.Context(), keyRequestID, id), s.clientAddr(r), id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (WebSocket upgrades, flushing).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the connection to a WebSocket upgrade (gorilla/websocket asserts http.Hijacker).
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.status = http.StatusSwitchingProtocols
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// logAndRecover logs each request, counts it in the metrics, sets security headers and turns a
// panic into a 500.
func (s *Server) logAndRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		securityHeaders(w.Header())
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.d.Log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(p), "path", r.URL.Path, "request_id", requestIDOf(r))
				if sw.status == 0 {
					writeError(sw, r, s.d.Log, errInternal)
				}
			}
			d := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			s.metrics.requests.With(prometheus.Labels{"route": route, "code": fmt.Sprint(sw.status)}).Inc()
			s.metrics.latency.With(prometheus.Labels{"route": route}).Observe(d.Seconds())
			if strings.HasPrefix(r.URL.Path, "/assets/") {
				return // static files would drown the log
			}
			s.d.Log.InfoContext(r.Context(), "http", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"bytes", sw.bytes, "ms", d.Milliseconds(), "request_id", requestIDOf(r))
		}()
		next.ServeHTTP(sw, r)
	})
}

// clientAddr is the client's IP, from X-Forwarded-For only when the proxy is trusted.
func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TrustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			first, _, _ := strings.Cut(f, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

var (
	errCSRF   = errs.E(errs.Forbidden, "Thiếu hoặc sai mã chống giả mạo (CSRF). Hãy tải lại trang.", "Missing or wrong CSRF token. Reload the page.")
	errOrigin = errs.E(errs.Forbidden, "Yêu cầu đến từ một trang khác, bị từ chối.", "Cross-origin request refused.")
)

// sameOrigin refuses state-changing requests whose Origin names another site. Browsers send
// Origin on every POST; tools that send none are let through to the CSRF check.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func isStateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// authed requires a valid session; for state-changing methods it also requires the same origin
// and the session's CSRF token in X-CSRF-Token.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, p *auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil {
			writeError(w, r, s.d.Log, errs.ErrUnauthenticated)
			return
		}
		p, err := s.d.Auth.Authenticate(r.Context(), c.Value)
		if err != nil {
			if errs.CodeOf(err) == errs.Unauthenticated {
				s.clearCookie(w)
			}
			writeError(w, r, s.d.Log, err)
			return
		}
		if isStateChanging(r.Method) {
			if !sameOrigin(r) {
				writeError(w, r, s.d.Log, errOrigin)
				return
			}
			got := r.Header.Get("X-CSRF-Token")
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRFToken)) != 1 {
				writeError(w, r, s.d.Log, errCSRF)
				return
			}
		}
		h(w, r.WithContext(audit.WithActor(context.WithValue(r.Context(), keyPrincipal, p), p.ID, p.Username)), p)
	}
}

func (s *Server) setCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(auth.SessionMaximum.Seconds())})
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phonghop_http_requests_total",
			Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "phonghop_http_request_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}
