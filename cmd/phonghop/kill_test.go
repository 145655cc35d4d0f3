package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/store/storetest"
)

// TestMain lets a test start this same binary as a real server process (PHONGHOP_TEST_CHILD),
// so it can be killed without warning and started again.
func TestMain(m *testing.M) {
	if os.Getenv("PHONGHOP_TEST_CHILD") == "1" {
		os.Args = append([]string{"phonghop"}, strings.Fields(os.Getenv("PHONGHOP_TEST_CHILD_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type child struct {
	cmd  *exec.Cmd
	base string
	log  bytes.Buffer
}

func startChild(t *testing.T, env []string, addr string) *child {
	t.Helper()
	c := &child{base: "http://" + addr}
	c.cmd = exec.Command(os.Args[0])
	c.cmd.Env = append(os.Environ(), append(env, "PHONGHOP_TEST_CHILD=1", "PHONGHOP_TEST_CHILD_ARGS=serve --demo",
		"PHONGHOP_HTTP_ADDR="+addr, "PHONGHOP_LOG_LEVEL=warn")...)
	c.cmd.Stdout, c.cmd.Stderr = &c.log, &c.log
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.cmd.Process.Kill(); _ = c.cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(c.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %s", c.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type session struct {
	base string
	http *http.Client
	csrf string
	t    *testing.T
}

func login(t *testing.T, base, user, password string) *session {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &session{base: base, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}, t: t}
	var out struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st, err := s.call("POST", "/api/auth/login", map[string]string{"username": user, "password": password}, &out); err != nil || st != 200 {
		t.Fatalf("login %s: %d %v", user, st, err)
	}
	s.csrf = out.CSRFToken
	return s
}

func (s *session) call(method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-CSRF-Token", s.csrf)
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, err
		}
	}
	return resp.StatusCode, nil
}

func (s *session) must(method, path string, in, out any, want int) {
	s.t.Helper()
	if st, err := s.call(method, path, in, out); err != nil || st != want {
		s.t.Fatalf("%s %s: %d %v", method, path, st, err)
	}
}

// A server is killed with SIGKILL while ballots are being cast. After it starts again, every
// ballot that was acknowledged is there with its choice, and the tally matches the ballots.
func TestBallotsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills real server processes")
	}
	setups := []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string {
			return []string{"PHONGHOP_DATABASE_URL=" + storetest.NewPostgresSchema(t)}
		}},
	}
	for _, setup := range setups {
		t.Run(setup.name, func(t *testing.T) {
			env := append(setup.env(t), "PHONGHOP_DATA_DIR="+t.TempDir(), "PHONGHOP_RTC_UDP_PORT=0", "PHONGHOP_RTC_TCP_PORT=0", "PHONGHOP_RTC_LOOPBACK=true", "PHONGHOP_TURN_UDP_PORT=0", "PHONGHOP_TURN_TCP_PORT=0")
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := l.Addr().String()
			l.Close()
			srv := startChild(t, env, addr)

			admin := login(t, srv.base, "admin", DemoPassword)
			sec := login(t, srv.base, "thuky", DemoPassword)
			chair := login(t, srv.base, "chutich", DemoPassword)
			var ms struct{ Items []struct{ ID int64 } }
			sec.must("GET", "/api/meetings", nil, &ms, 200)
			meeting := fmt.Sprintf("/api/meetings/%d", ms.Items[0].ID)
			var orgs struct{ Items []struct{ ID int64 } }
			admin.must("GET", "/api/organizations", nil, &orgs, 200)

			const voters = 24
			var invitees []map[string]any
			names := make([]string, voters)
			for i := range names {
				names[i] = fmt.Sprintf("daibieu.k%02d", i)
				var u struct{ ID int64 }
				admin.must("POST", "/api/users", map[string]any{"username": names[i], "password": "mat-khau-dai-bieu", "full_name": fmt.Sprintf("Đại biểu %d", i),
					"organization_id": orgs.Items[0].ID}, &u, 201)
				invitees = append(invitees, map[string]any{"user_id": u.ID, "role": "delegate", "can_vote": true})
			}
			sec.must("POST", meeting+"/participants", map[string]any{"invitees": invitees}, nil, 201)
			chair.must("POST", meeting+"/transition", map[string]string{"action": "start"}, nil, 200)
			delegates := make([]*session, voters)
			for i, n := range names {
				delegates[i] = login(t, srv.base, n, "mat-khau-dai-bieu")
				delegates[i].must("POST", meeting+"/attendance", map[string]string{"status": "in_person"}, nil, 200)
			}
			var vote struct {
				ID      int64
				Counts  []int
				Turnout int
			}
			chair.must("POST", meeting+"/votes", map[string]any{"question": "Thông qua nghị quyết", "electorate": "present"}, &vote, 201)
			votePath := fmt.Sprintf("%s/votes/%d", meeting, vote.ID)
			chair.must("POST", votePath+"/open", nil, nil, 200)

			var mu sync.Mutex
			acked := map[int]int{} // voter → choice
			var wg sync.WaitGroup
			killAt := voters / 2
			for i := range delegates {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
					choice := i % 3
					if st, err := delegates[i].call("POST", votePath+"/ballot", map[string]int{"option": choice}, nil); err == nil && st == 200 {
						mu.Lock()
						acked[i] = choice
						if len(acked) == killAt {
							_ = srv.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			_ = srv.cmd.Wait()
			if len(acked) < killAt {
				t.Fatalf("only %d ballots acknowledged before the kill", len(acked))
			}

			srv = startChild(t, env, addr)
			// Sessions are in the database: the same people carry on.
			for i, choice := range acked {
				var v struct {
					Voted    bool `json:"voted"`
					MyChoice *int `json:"my_choice"`
				}
				delegates[i].must("GET", votePath, nil, &v, 200)
				if !v.Voted || v.MyChoice == nil || *v.MyChoice != choice {
					t.Fatalf("acknowledged ballot of voter %d lost after the kill: %+v", i, v)
				}
			}
			chair.must("POST", votePath+"/close", nil, &vote, 200)
			sum := 0
			for _, c := range vote.Counts {
				sum += c
			}
			if sum != vote.Turnout || vote.Turnout < len(acked) || vote.Turnout > voters {
				t.Fatalf("after restart: counts %v (sum %d), turnout %d, acknowledged %d", vote.Counts, sum, vote.Turnout, len(acked))
			}
			t.Logf("%d of %d ballots acknowledged before SIGKILL; %d counted after restart", len(acked), voters, vote.Turnout)
		})
	}
}

// `phonghop verify` passes on a register that was filed through the API and fails, naming the
// entry, once the filed file is changed on disk.
func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PHONGHOP_DATA_DIR=" + dir, "PHONGHOP_RTC_UDP_PORT=0", "PHONGHOP_RTC_LOOPBACK=true", "PHONGHOP_TURN_UDP_PORT=0", "PHONGHOP_TURN_TCP_PORT=0"}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	srv := startChild(t, env, addr)
	sec := login(t, srv.base, "thuky", DemoPassword)
	var orgs struct{ Items []struct{ ID int64 } }
	sec.must("GET", "/api/me/organizations", nil, &orgs, 200)
	var e struct{ ID int64 }
	for i := 0; i < 3; i++ {
		sec.must("POST", "/api/register/entries", map[string]any{"organization_id": orgs.Items[0].ID, "doc_type": "TB", "summary": fmt.Sprintf("Thông báo %d", i), "signer": "A"}, &e, 201)
	}
	_ = srv.cmd.Process.Kill()
	_ = srv.cmd.Wait()

	t.Setenv("PHONGHOP_DATA_DIR", dir)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"verify"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "intact") {
		t.Fatalf("verify on an intact register: %v\n%s", err, out.String())
	}
	db, err := openStorage(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db.ExecContext(context.Background(), `UPDATE register_entries SET signer = 'B' WHERE number = 2`)
	db.Close()
	out.Reset()
	if err := run(context.Background(), []string{"verify"}, &out, io.Discard); err == nil || !strings.Contains(out.String(), "BROKEN") || !strings.Contains(out.String(), "02/TB-") {
		t.Fatalf("verify on a changed register: %v\n%s", err, out.String())
	}
}
