package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/frontend"
	"github.com/phonghop/phonghop/internal/api"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
	"github.com/phonghop/phonghop/rooms/followup"
	"github.com/phonghop/phonghop/rooms/notice"
	"github.com/phonghop/phonghop/rooms/opinions"
	"github.com/phonghop/phonghop/sfu"
	"github.com/phonghop/phonghop/sfu/record"
)

// migrations lists every component's schema in dependency order.
func migrations() []store.Migrations {
	return []store.Migrations{directory.Migrations(), auth.Migrations(), events.Migrations(), rooms.Migrations(), agenda.Migrations(),
		docs.Migrations(), rooms.SessionMigrations(), register.Migrations(), notify.Migrations(), opinions.Migrations(), followup.Migrations()}
}

// Server is the running program: started by Open, stopped by Close. Tests run it in-process on
// port 0 with a temporary data directory.
type Server struct {
	Config Config
	Log    *slog.Logger
	DB     *store.DB
	Bus    *bus.Bus
	Auth   *auth.Service
	Dir    *directory.Directory
	Events *events.Log
	Rooms  *rooms.Service
	Agenda *agenda.Agenda
	Docs   *docs.Service
	Notify *notify.Outbox
	SFU    *sfu.Server
	TURN   *sfu.TURNServer
	// Recordings imports the SFU's finished recordings into the meetings' documents.
	Recordings *rooms.RecordingImporter

	api      *api.Server
	http     *http.Server
	listener net.Listener
	stop     context.CancelFunc
	done     chan struct{}
}

func newLogger(c LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStorage opens and migrates the database.
func openStorage(ctx context.Context, cfg Config) (*store.DB, error) {
	db, err := store.Open(ctx, store.Config{URL: cfg.Database.URL, DataDir: cfg.DataDir})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, migrations()...); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Open starts every part and begins serving HTTP. It returns once the server accepts connections.
func Open(ctx context.Context, cfg Config, logOut io.Writer, stdout io.Writer) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	s := &Server{Config: cfg, Log: newLogger(cfg.Log, logOut), done: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	var err error
	if s.DB, err = openStorage(ctx, cfg); err != nil {
		return nil, err
	}
	s.Auth, s.Dir = auth.NewService(s.DB), directory.New(s.DB)
	if cfg.Demo {
		seeded, err := seedDemo(ctx, s.DB, s.Auth, s.Dir)
		if err != nil {
			return nil, fmt.Errorf("demo data: %w", err)
		}
		if seeded {
			printDemoLogins(stdout)
		}
	}
	if s.Bus, err = bus.Open(ctx, bus.Config{URL: cfg.NATS.URL, DataDir: cfg.DataDir, Name: "phonghop-" + hostname()}, s.Log); err != nil {
		return nil, err
	}
	s.Events = events.NewLog(s.Bus, s.Log)
	s.Rooms, s.Agenda = rooms.New(s.DB, s.Events, s.Bus, s.Log), agenda.New(s.DB, s.Events)
	blobs, err := docs.NewDirStore(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return nil, err
	}
	s.Docs = docs.New(s.DB, s.Events, blobs, int64(cfg.MaxUploadMB)<<20)
	s.Recordings = rooms.NewRecordingImporter(s.Rooms, s.Docs, s.Bus,
		func(room string, id int64) string { return record.Path(cfg.RecordingDir, room, id) }, s.Log)
	if err := s.Recordings.Start(); err != nil {
		return nil, err
	}
	signer, err := loadSigner(cfg)
	if err != nil {
		return nil, err
	}
	mediaKey, err := s.Auth.SecretKey(ctx, "media", 32)
	if err != nil {
		return nil, err
	}
	tokens, err := auth.NewTokenSigner(mediaKey)
	if err != nil {
		return nil, err
	}
	tcpPort := cfg.RTC.TCPPort
	if tcpPort == 0 {
		tcpPort = -1 // off
	}
	s.SFU = sfu.New(sfu.Options{UDPPort: cfg.RTC.UDPPort, TCPPort: tcpPort, PublicIP: cfg.RTC.PublicIP, LoopbackOnly: cfg.mediaLoopback(), ListenIP: cfg.Ops.RTCListenIP, Logger: s.Log,
		RecordDir: cfg.RecordingDir, LegacyForwarding: cfg.RTC.LegacyForwarding,
		ICEServers: func(identity string) []sfu.ICEServer {
			if s.TURN == nil {
				return nil
			}
			// Long-lived: a point behind a firewall must be able to refresh its relay all meeting.
			return []sfu.ICEServer{s.TURN.Credentials(identity, 12*time.Hour)}
		}}, tokens, s.Bus)
	if err := s.SFU.Start(); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	if cfg.TURN.On() {
		lo, hi, _ := cfg.TURN.RelayRange() // validated with the configuration
		off := func(p int) int {           // configuration 0 = off; TURNOptions 0 = any port
			if p == 0 {
				return -1
			}
			return p
		}
		o := sfu.TURNOptions{UDPPort: off(cfg.TURN.UDPPort), TCPPort: off(cfg.TURN.TCPPort), PublicIP: cfg.RTC.PublicIP,
			LoopbackOnly: cfg.turnLoopback(), ListenIP: cfg.Ops.TURNListenIP, Secret: tokens.DeriveKey("turn"), RelayPortMin: lo, RelayPortMax: hi, Logger: s.Log}
		if a, ok := s.SFU.UDPAddr().(*net.UDPAddr); ok {
			o.PeerPorts = []int{a.Port} // relays reach only the media port
		}
		if s.TURN, err = sfu.StartTURN(o); err != nil {
			return nil, fmt.Errorf("turn: %w", err)
		}
	}
	sso, err := enableSSO(s.Auth, cfg.SSO, s.Log)
	if err != nil {
		return nil, err
	}
	if s.Notify, err = newNotifications(cfg.Notify, s.DB, s.Bus, s.Rooms, s.Docs, s.Log); err != nil {
		return nil, err
	}
	s.api = api.New(api.Config{SecureCookies: cfg.HTTP.SecureCookies, TrustProxy: cfg.HTTP.TrustProxy, PasswordsAdminsOnly: cfg.SSO.LocalPasswords == "admins", SocketsPerSession: cfg.Ops.SocketsPerSession}, api.Deps{
		SSO: sso, DB: s.DB, Bus: s.Bus, Auth: s.Auth, Directory: s.Dir, Rooms: s.Rooms, Agenda: s.Agenda, Docs: s.Docs, Register: register.New(s.DB, register.DateWindow(cfg.Ops.RegisterDaysBack, cfg.Ops.RegisterDaysAhead)), Signer: signer, Media: tokens, Log: s.Log, Notify: s.Notify,
		Notifier: notify.Notices{Outbox: s.Notify, Log: notice.EventLog{Log: events.NewLog(s.Bus, s.Log)}},
		Extra:    map[string]http.Handler{"/rtc": s.SFU.Handler()},
	})
	if sg, err := cfg.Sign.signing(); err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	} else if sg != nil {
		s.api.SetSigning(sg, nil)
	}
	if s.listener, err = net.Listen("tcp", cfg.HTTP.Addr); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	s.http = &http.Server{
		Handler:           s.api,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.runNotifications(bg, cfg.Notify)
	go s.housekeeping(bg)
	go func() {
		defer close(s.done)
		if err := s.http.Serve(s.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Log.Error("http server stopped", "err", err)
		}
	}()
	backend := "SQLite in " + cfg.DataDir
	if s.DB.Dialect == store.Postgres {
		backend = "PostgreSQL"
	}
	nats := "embedded NATS"
	if !s.Bus.Embedded() {
		nats = "NATS at " + cfg.NATS.URL
	}
	if !frontend.Built() {
		s.Log.Warn("the web app is not built into this binary; run make frontend (or make run)")
	}
	s.Log.Info("phonghop is serving", "url", "http://"+s.listener.Addr().String(), "database", backend, "bus", nats, "listeners", s.Listeners())
	ok = true
	return s, nil
}

// Addr is the address the HTTP server listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

func (s *Server) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Auth.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
				s.Log.Warn("purging expired sessions", "err", err)
			}
			s.pruneAudit(ctx)
			// Files of uploads whose row never committed; a day leaves any upload in flight alone.
			if n, err := s.Docs.SweepBlobs(ctx, 24*time.Hour); err != nil && ctx.Err() == nil {
				s.Log.Warn("sweeping unused document files", "err", err)
			} else if n > 0 {
				s.Log.Info("removed unused document files", "count", n)
			}
			// Tasks from conclusions that passed their deadline: their unit and the meeting's
			// organizers are told once.
			if n, err := s.api.SweepOverdueTasks(ctx); err != nil && ctx.Err() == nil {
				s.Log.Warn("flagging overdue tasks", "err", err)
			} else if n > 0 {
				s.Log.Info("flagged overdue tasks", "count", n)
			}
		}
	}
}

// Close stops serving (letting requests in flight finish for up to 10 s) and closes everything.
func (s *Server) Close() {
	if s.stop != nil {
		s.stop()
	}
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.http.Shutdown(ctx)
		cancel()
		<-s.done
	}
	if s.TURN != nil {
		_ = s.TURN.Close()
	}
	if s.SFU != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.SFU.Shutdown(ctx)
		cancel()
	}
	if s.Recordings != nil {
		s.Recordings.Stop()
	}
	if s.Bus != nil {
		s.Bus.Close()
	}
	if s.DB != nil {
		s.DB.Close()
	}
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "node"
	}
	return strings.ReplaceAll(h, ".", "-")
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	fs := newFlagSet("serve [flags]", "Runs the web app, the API, meeting events and media in one process.\n"+
		"With no database or NATS URL it uses a SQLite file and an embedded NATS server in the data directory.", stderr)
	cfg.serveFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := Open(ctx, cfg, stderr, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "phonghop: http://%s\n", s.Addr())
	printListeners(stdout, s.Listeners())
	<-ctx.Done()
	s.Log.Info("shutting down")
	s.Close()
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, db, err := storageCommand(ctx, args, stderr, "migrate [flags]", "Applies the database migrations embedded in this binary, then exits.")
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stdout, "phonghop: database is up to date")
	return nil
}

// storageCommand is the start of every tool that works on the database: configuration from the
// environment, the storage flags, validation, then the migrated database.
func storageCommand(ctx context.Context, args []string, stderr io.Writer, name, help string) (Config, *store.DB, error) {
	cfg, err := loadConfig()
	if err != nil {
		return cfg, nil, err
	}
	fs := newFlagSet(name, help, stderr)
	cfg.storageFlags(fs)
	if err := fs.Parse(args); err != nil {
		return cfg, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, nil, err
	}
	db, err := openStorage(ctx, cfg)
	return cfg, db, err
}

// loadSigner reads the configured signing certificate, or keeps a self-signed one in the data
// directory so that a node signs with the same certificate across restarts.
func loadSigner(cfg Config) (*docs.Signer, error) {
	certPath, keyPath := cfg.SigningCert, cfg.SigningKey
	if certPath == "" {
		dir := filepath.Join(cfg.DataDir, "signing")
		certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
			s, err := docs.SelfSignedSigner("phonghop (tự ký / self-signed)", "phonghop")
			if err != nil {
				return nil, err
			}
			c, k, err := s.PEM()
			if err != nil {
				return nil, err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			if err := os.WriteFile(keyPath, k, 0o600); err != nil {
				return nil, err
			}
			if err := os.WriteFile(certPath, c, 0o644); err != nil {
				return nil, err
			}
		}
	}
	c, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("signing certificate: %w", err)
	}
	k, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return docs.LoadSigner(c, k)
}
