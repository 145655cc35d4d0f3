package loadtest

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	rpprof "runtime/pprof"
	"sync"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/sfu"
)

// KeyEnv carries the media token key (hex) from the load tester to the server it starts, so the
// key never shows in a process listing.
const KeyEnv = "PHONGHOP_LOADTEST_KEY"

// Serve runs `phonghop loadtest-server`: only the SFU, on 127.0.0.1 with loopback-only
// candidates, in a process of its own so that its CPU time and memory are measured apart from
// the simulated points. It prints its signaling URL on stdout and stops when stdin closes or
// the context ends (SIGTERM). Besides /rtc it serves, on the same loopback listener:
// /counters (the server's packet totals), /command (a room command, as the room service would
// publish it on the bus), /stats (the latest control-room stats of every point) and
// /debug/pprof/ (a CPU profile of a given number of seconds, the heap, goroutines).
func Serve(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("phonghop loadtest-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	logLevel := fs.String("log", "warn", "log level: debug, info, warn, error")
	legacy := fs.Bool("legacy-forwarding", false, "forward on the previous path: Pion's NACK responder per subscriber track and Pion's batching connection")
	noGSO := fs.Bool("no-gso", false, "batched writes without UDP GSO")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key, err := hex.DecodeString(os.Getenv(KeyEnv))
	if err != nil || len(key) < 32 {
		return fmt.Errorf("loadtest-server: %s must hold a hex key of at least 32 bytes", KeyEnv)
	}
	signer, err := auth.NewTokenSigner(key)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("loadtest-server: -log: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := rpprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer rpprof.StopCPUProfile()
	}
	dir, err := os.MkdirTemp("", "phonghop-loadtest-bus-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b, err := bus.Open(ctx, bus.Config{DataDir: dir, Name: "loadtest"}, log)
	if err != nil {
		return err
	}
	defer b.Close()
	stats := newStatsBoard()
	if _, err := b.Subscribe(bus.AllMediaEvents, stats.event); err != nil {
		return err
	}
	srv := sfu.New(sfu.Options{LoopbackOnly: true, TCPPort: -1, Logger: log, LegacyForwarding: *legacy, NoGSO: *noGSO}, signer, b)
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.Handle("/rtc", srv.Handler())
	mux.HandleFunc("GET /counters", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, srv.Counters())
	})
	mux.HandleFunc("POST /command", func(w http.ResponseWriter, r *http.Request) {
		var c struct {
			Room string `json:"room"`
			sfu.Command
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&c); err != nil || c.Room == "" || c.Type == "" {
			http.Error(w, `{"error":"want {room, type, identity}"}`, http.StatusBadRequest)
			return
		}
		if err := b.Publish(bus.MediaCommands(c.Room), c.Command); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, stats.all()) })
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	fmt.Fprintf(stdout, "ws://%s/rtc\n", ln.Addr())

	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(eof)
	}()
	select {
	case <-ctx.Done():
	case <-eof:
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// statsBoard keeps the latest control-room figures of every point, from the SFU's media events.
type statsBoard struct {
	mu     sync.Mutex
	points map[string]sfu.PointStats
}

func newStatsBoard() *statsBoard { return &statsBoard{points: map[string]sfu.PointStats{}} }

func (s *statsBoard) event(_ string, data []byte) {
	var ev struct {
		Type   string           `json:"type"`
		Points []sfu.PointStats `json:"points"`
	}
	if json.Unmarshal(data, &ev) != nil || ev.Type != "stats" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ev.Points {
		s.points[p.Identity] = p
	}
}

func (s *statsBoard) all() map[string]sfu.PointStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]sfu.PointStats, len(s.points))
	for k, v := range s.points {
		out[k] = v
	}
	return out
}

// readLine reads the first line the server prints (its URL), bounded in time.
func readLine(r io.Reader, timeout time.Duration) (string, error) {
	line := make(chan string, 1)
	fail := make(chan error, 1)
	go func() {
		s := bufio.NewScanner(r)
		if s.Scan() {
			line <- s.Text()
			_, _ = io.Copy(io.Discard, r)
			return
		}
		fail <- errors.Join(errors.New("loadtest: the server printed no URL"), s.Err())
	}()
	select {
	case l := <-line:
		return l, nil
	case err := <-fail:
		return "", err
	case <-time.After(timeout):
		return "", errors.New("loadtest: the server did not start within " + timeout.String())
	}
}
