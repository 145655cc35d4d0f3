package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/sfu"
)

// ServerCommand makes the command that runs the server under test with the given arguments.
// The default re-runs this program as `phonghop loadtest-server`; tests substitute their own
// binary.
type ServerCommand func(args ...string) *exec.Cmd

// DefaultServerCommand runs `<this executable> loadtest-server args…`.
func DefaultServerCommand(args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, append([]string{"loadtest-server"}, args...)...)
}

// server is the SFU under test, running in its own process.
type server struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	url    string // ws://127.0.0.1:port/rtc
	base   string // http://127.0.0.1:port
	signer *auth.TokenSigner
	exe    string
	http   *http.Client
	waited chan error
}

// startServer starts the server process and waits for its URL; its log goes to logFile.
func startServer(ctx context.Context, mk ServerCommand, logFile io.Writer, args ...string) (*server, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	signer, err := auth.NewTokenSigner(key)
	if err != nil {
		return nil, err
	}
	cmd := mk(args...)
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, KeyEnv+"="+hex.EncodeToString(key))
	cmd.Stderr = logFile
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loadtest: start the server: %w", err)
	}
	s := &server{cmd: cmd, stdin: stdin, signer: signer, exe: cmd.Path, http: &http.Client{Timeout: 10 * time.Second}, waited: make(chan error, 1)}
	go func() { s.waited <- cmd.Wait() }()
	url, err := readLine(stdout, 30*time.Second)
	if err != nil {
		s.stop()
		return nil, err
	}
	if !strings.HasPrefix(url, "ws://127.0.0.1:") {
		s.stop()
		return nil, fmt.Errorf("loadtest: the server printed %q, not a loopback URL", url)
	}
	s.url = url
	s.base = "http://" + strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/rtc")
	return s, nil
}

// token signs a join token for one simulated point.
func (s *server) token(room, identity string, publish bool) (string, error) {
	g := auth.MediaGrant{Room: room, Identity: identity, Name: identity, Subscribe: true}
	if publish {
		g.Publish = []string{"audio", "video", "screen"}
	}
	return s.signer.Sign(g, 2*time.Hour)
}

// counters reads the server's packet totals.
func (s *server) counters() (sfu.Counters, error) {
	var c sfu.Counters
	resp, err := s.http.Get(s.base + "/counters")
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	return c, json.NewDecoder(resp.Body).Decode(&c)
}

// pointStats reads the SFU's latest control-room figures per identity.
func (s *server) pointStats() (map[string]sfu.PointStats, error) {
	var m map[string]sfu.PointStats
	resp, err := s.http.Get(s.base + "/stats")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

// command publishes a room command (spotlight, mute, …) as the room service would.
func (s *server) command(room, typ, identity string) error {
	b, _ := json.Marshal(map[string]string{"room": room, "type": typ, "identity": identity})
	resp, err := s.http.Post(s.base+"/command", "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("loadtest: command %s: %s", typ, resp.Status)
	}
	return nil
}

// profile takes a CPU profile of the server over d.
func (s *server) profile(d time.Duration) ([]byte, error) {
	c := &http.Client{Timeout: d + 30*time.Second}
	resp, err := c.Get(s.base + "/debug/pprof/profile?seconds=" + strconv.Itoa(int(d.Seconds())))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadtest: profile: %s", resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// procSample is the server process's CPU time and memory at one moment, from /proc.
type procSample struct {
	at     time.Time
	cpu    float64 // user + system seconds
	rssKiB int64
	hwmKiB int64
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat (100 on Linux).
const clockTicks = 100

func (s *server) sample() (procSample, error) {
	return readProc(s.cmd.Process.Pid)
}

func readProc(pid int) (procSample, error) {
	ps := procSample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	// The command name may hold spaces: fields are counted after its closing parenthesis.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return ps, errors.New("loadtest: unreadable /proc stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return ps, errors.New("loadtest: short /proc stat")
	}
	utime, _ := strconv.ParseFloat(f[11], 64) // field 14 of the whole line
	stime, _ := strconv.ParseFloat(f[12], 64) // field 15
	ps.cpu = (utime + stime) / clockTicks
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			ps.rssKiB = kb
		case "VmHWM":
			ps.hwmKiB = kb
		}
	}
	return ps, nil
}

// stop closes the server's stdin, which ends it, and kills it if it has not gone in 15 s.
func (s *server) stop() error {
	_ = s.stdin.Close()
	select {
	case err := <-s.waited:
		return err
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.waited
		return errors.New("loadtest: the server did not stop in 15 s and was killed")
	}
}
