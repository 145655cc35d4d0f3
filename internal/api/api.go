// Package api is phonghop's HTTP face: JSON routes, sessions and CSRF, errors mapped from domain
// codes, request IDs, structured logs, health and metrics, and the static web app. It holds no
// meeting state of its own: every request reads or changes the database through the domain
// services, so any node can serve any request.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/frontend"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/mediastats"
	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
	"github.com/phonghop/phonghop/rooms/notice"
)

// Config holds the API's settings.
type Config struct {
	// MaxBodyBytes bounds JSON request bodies (default 1 MiB).
	MaxBodyBytes int64
	// SecureCookies marks the session cookie Secure; on when served over HTTPS.
	SecureCookies bool
	// TrustProxy takes the client address from X-Forwarded-For (behind a reverse proxy only).
	TrustProxy bool
	// PasswordsAdminsOnly tells the login page that local passwords are for administrators only.
	PasswordsAdminsOnly bool
	// SocketsPerSession caps one sign-in's live meeting WebSockets on a node (default 8).
	SocketsPerSession int
}

// Deps are the services the API calls.
type Deps struct {
	DB        *store.DB
	Bus       *bus.Bus
	Auth      *auth.Service
	Directory *directory.Directory
	Rooms     *rooms.Service
	Agenda    *agenda.Agenda
	Docs      *docs.Service
	Register  *register.Register
	// Signer signs filed documents; nil files them unsigned.
	Signer *docs.Signer
	// SSO signs people in through the province's identity providers; nil offers none.
	SSO *auth.SSO
	// Signing lets leaders sign what they approve (signing.go); nil: the server key alone.
	Signing *Signing
	// Media signs join tokens for the media server; nil turns the media token route off.
	Media *auth.TokenSigner
	// DocumentVersion finds a document version of a meeting for an approval request (from package
	// docs); nil until documents are wired in.
	DocumentVersion func(ctx context.Context, m rooms.Member, versionID int64) (*rooms.DocumentVersion, error)
	// MediaStats follows the media rooms for the control room; nil makes one fed from Bus.
	MediaStats *mediastats.Aggregator
	Log        *slog.Logger
	// Notifier tells people of opinion forms and tasks (see package rooms/notice); nil writes the
	// notices to the meeting event log.
	Notifier notice.Notifier
	// Extra mounts more handlers (e.g. the SFU's signaling at /rtc) on the same mux.
	Extra map[string]http.Handler
	// Notify is the notifications outbox (the bell, settings, calendar feed); nil sends no mail.
	Notify *notify.Outbox
}

// Server is the HTTP handler tree.
type Server struct {
	cfg     Config
	d       Deps
	mux     *http.ServeMux
	handler http.Handler
	metrics *metrics
	hub     *hub
	stats   *mediastats.Aggregator
	bells   *bells
	between
	sockets *socketCap
}

// New builds the routes.
func New(cfg Config, d Deps) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Server{cfg: cfg, d: d, mux: http.NewServeMux(), metrics: newMetrics(), hub: newHub(d.Log), sockets: newSocketCap(cfg.SocketsPerSession)}
	if s.d.DocumentVersion == nil && d.Docs != nil {
		s.d.DocumentVersion = s.documentVersionForApproval
	}
	if d.Bus != nil {
		if _, err := events.Subscribe(d.Bus, d.Log, s.hub.deliver); err != nil {
			d.Log.Error("meeting events: subscribe", "err", err)
		}
	}
	if s.stats = d.MediaStats; s.stats == nil {
		s.stats = mediastats.New(mediastats.Options{Log: d.Log})
		if d.Bus != nil {
			if _, err := s.stats.Subscribe(d.Bus); err != nil {
				d.Log.Error("media events: subscribe", "err", err)
			}
		}
	}
	s.routes()
	s.handler = s.requestID(s.logAndRecover(s.auditRoutes(s.mux)))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Registry is the Prometheus registry, for other parts to add their collectors.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))

	m.HandleFunc("POST /api/auth/login", s.login)
	m.HandleFunc("POST /api/auth/logout", s.authed(s.logout))
	m.HandleFunc("GET /api/auth/session", s.authed(s.session))
	m.HandleFunc("POST /api/auth/password", s.authed(s.changePassword))

	m.HandleFunc("GET /api/organizations", s.authed(s.listOrganizations))
	m.HandleFunc("POST /api/organizations", s.authed(s.createOrganization))
	m.HandleFunc("GET /api/organizations/{id}", s.authed(s.getOrganization))
	m.HandleFunc("GET /api/me/organizations", s.authed(s.myOrganizations))

	m.HandleFunc("GET /api/meeting-points", s.authed(s.listMeetingPoints))
	m.HandleFunc("POST /api/meeting-points", s.authed(s.createMeetingPoint))

	m.HandleFunc("GET /api/users", s.authed(s.listUsers))
	m.HandleFunc("POST /api/users", s.authed(s.createUser))
	m.HandleFunc("POST /api/users/{id}/password", s.authed(s.resetPassword))

	s.meetingRoutes()
	s.controlRoomRoutes()
	s.documentRoutes()
	s.registerRoutes()
	s.ssoRoutes()
	s.signingRoutes()
	s.notificationRoutes()
	s.betweenSessionsRoutes()
	s.auditLogRoutes()

	// Unknown API paths answer in JSON, not with the web app.
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { writeError(w, r, s.d.Log, errRouteNotFound) })
	for pattern, h := range s.d.Extra {
		m.Handle(pattern, h)
	}
	app := frontend.Handler()
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, r, s.d.Log, errRouteNotFound)
			return
		}
		app.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "bus": "ok"}
	status := http.StatusOK
	if err := s.d.DB.Ping(ctx); err != nil {
		checks["database"], status = "error: "+err.Error(), http.StatusServiceUnavailable
	}
	if err := s.d.Bus.Ready(ctx); err != nil {
		checks["bus"], status = "error: "+err.Error(), http.StatusServiceUnavailable
	}
	state := "ready"
	if status != http.StatusOK {
		state = "not ready"
	}
	writeJSON(w, status, map[string]any{"status": state, "checks": checks})
}
