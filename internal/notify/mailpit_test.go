package notify_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// mailpit is a real SMTP server for the tests (github.com/axllent/mailpit), found through
// MAILPIT_BIN or PATH; under CI a missing binary fails the test, elsewhere it skips.
type mailpit struct {
	t        testing.TB
	bin      string
	args     []string
	SMTPPort int
	httpPort int
	cmd      *exec.Cmd
}

func mailpitBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("MAILPIT_BIN"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("mailpit is not installed: set MAILPIT_BIN (.ci/run installs it)")
	}
	t.Skip("mailpit not found (set MAILPIT_BIN or put it on PATH; .ci/run installs it)")
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMailpit runs a Mailpit on loopback ports of its own; extra flags are passed through.
func startMailpit(t testing.TB, extra ...string) *mailpit {
	t.Helper()
	m := &mailpit{t: t, bin: mailpitBinary(t), SMTPPort: freePort(t), httpPort: freePort(t)}
	m.args = append([]string{"--smtp", "127.0.0.1:" + strconv.Itoa(m.SMTPPort), "--listen", "127.0.0.1:" + strconv.Itoa(m.httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--quiet", "--disable-version-check",
		"--smtp-disable-rdns"}, extra...)
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// Start (re)starts the server on the same ports and waits until both answer.
func (m *mailpit) Start() {
	m.t.Helper()
	m.cmd = exec.Command(m.bin, m.args...)
	m.cmd.Stdout, m.cmd.Stderr = io.Discard, io.Discard
	if err := m.cmd.Start(); err != nil {
		m.t.Fatalf("start mailpit: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(m.SMTPPort), time.Second)
		if err == nil {
			c.Close()
			if resp, err := http.Get(m.api("/api/v1/info")); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mailpit did not start on %d/%d", m.SMTPPort, m.httpPort)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server this test started (by its own process handle).
func (m *mailpit) Stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_, _ = m.cmd.Process.Wait()
	m.cmd = nil
}

func (m *mailpit) api(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", m.httpPort, path)
}

type mailSummary struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	To        []struct {
		Name    string `json:"Name"`
		Address string `json:"Address"`
	} `json:"To"`
}

// Messages lists what the server received, newest first.
func (m *mailpit) Messages() []mailSummary {
	m.t.Helper()
	var out struct {
		Messages []mailSummary `json:"messages"`
	}
	m.getJSON("/api/v1/messages?limit=500", &out)
	return out.Messages
}

type mailDetail struct {
	Text string `json:"Text"`
	HTML string `json:"HTML"`
}

func (m *mailpit) Message(id string) mailDetail {
	m.t.Helper()
	var d mailDetail
	m.getJSON("/api/v1/message/"+id, &d)
	return d
}

func (m *mailpit) Raw(id string) []byte {
	m.t.Helper()
	resp, err := http.Get(m.api("/api/v1/message/" + id + "/raw"))
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

func (m *mailpit) getJSON(path string, v any) {
	m.t.Helper()
	resp, err := http.Get(m.api(path))
	if err != nil {
		m.t.Fatalf("mailpit %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		m.t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		m.t.Fatalf("mailpit %s: %v", path, err)
	}
}
