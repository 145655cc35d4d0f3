package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/phonghop/phonghop/internal/bus/bustest"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/phonghop/phonghop/internal/store/storetest"
)

// TestServe runs the real program in-process with demo data on both setups: the embedded
// defaults, and PostgreSQL with an external NATS, then signs in as the demo admin.
func TestServe(t *testing.T) {
	setups := []struct {
		name string
		cfg  func(t *testing.T, c *Config)
	}{
		{"sqlite+embedded-nats", func(t *testing.T, c *Config) {}},
		{"postgres+external-nats", func(t *testing.T, c *Config) {
			c.Database.URL = storetest.NewPostgresSchema(t)
			c.NATS.URL = bustest.ExternalURL(t)
		}},
	}
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			cfg := defaultConfig()
			cfg.DataDir, cfg.HTTP.Addr, cfg.Demo = t.TempDir(), "127.0.0.1:0", true
			cfg.Log.Level = "warn"
			quietMedia(&cfg)
			s.cfg(t, &cfg)
			var out bytes.Buffer
			srv, err := Open(context.Background(), cfg, io.Discard, &out)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if !strings.Contains(out.String(), "admin") || !strings.Contains(out.String(), DemoPassword) {
				t.Fatalf("demo logins not printed: %q", out.String())
			}
			base := "http://" + srv.Addr()
			resp, err := http.Get(base + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("readyz: %d", resp.StatusCode)
			}
			resp, err = http.Post(base+"/api/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"`+DemoPassword+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			var login struct {
				User struct {
					IsAdmin bool `json:"is_admin"`
				}
			}
			_ = json.NewDecoder(resp.Body).Decode(&login)
			resp.Body.Close()
			if resp.StatusCode != 200 || !login.User.IsAdmin {
				t.Fatalf("demo admin login: %d %+v", resp.StatusCode, login)
			}
			var orgs int
			if err := srv.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM organizations`).Scan(&orgs); err != nil || orgs != len(demoOrgs) {
				t.Fatalf("organizations: %d (%v), want %d", orgs, err, len(demoOrgs))
			}
		})
	}
}

func TestDemoAndUserCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PHONGHOP_DATA_DIR", dir)
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"demo"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"demo"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "already there") {
		t.Fatalf("second demo run: %q", out.String())
	}

	stdin = strings.NewReader("mat-khau-moi-123\n")
	if err := run(ctx, []string{"user", "add", "-username", "vanthu", "-full-name", "Lê Văn Thư", "-org", "UBND-TH", "-secretary-of", "UBND-TH"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	stdin = strings.NewReader("ngan\n")
	err := run(ctx, []string{"user", "add", "-username", "vanthu2", "-full-name", "X", "-org", "UBND-TH"}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "10") {
		t.Fatalf("short password: %v", err)
	}
	stdin = strings.NewReader("mat-khau-khac-456\n")
	if err := run(ctx, []string{"user", "passwd", "-username", "vanthu"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"user", "add", "-username", "x", "-full-name", "X", "-org", "KHONG-CO"}, &out, io.Discard); err == nil {
		t.Fatal("unknown organization accepted")
	}

	// The account works against a server on the same data directory.
	cfg := defaultConfig()
	cfg.DataDir, cfg.HTTP.Addr, cfg.Log.Level = dir, "127.0.0.1:0", "warn"
	quietMedia(&cfg)
	srv, err := Open(ctx, cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, p, err := srv.Auth.Login(ctx, "vanthu", "mat-khau-khac-456", "127.0.0.1", ""); err != nil || !p.IsSecretaryOf(p.OrganizationID) {
		t.Fatalf("login with the changed password: %v", err)
	}
}

func TestConfig(t *testing.T) {
	c := defaultConfig()
	if err := c.fromEnv([]string{"PHONGHOP_HTTP_ADRR=:1"}); err == nil || !strings.Contains(err.Error(), "PHONGHOP_HTTP_ADRR") {
		t.Fatalf("misspelt variable: %v", err)
	}
	if err := c.fromEnv([]string{"PHONGHOP_RTC_UDP_PORT=abc"}); err == nil {
		t.Fatal("non-numeric port accepted")
	}
	if err := c.fromEnv([]string{"PHONGHOP_TURN_UDP_PORT=0", "PHONGHOP_TURN_TCP_PORT=443", "PHONGHOP_TURN_RELAY_PORTS=50000-50099"}); err != nil {
		t.Fatal(err)
	}
	if lo, hi, err := c.TURN.RelayRange(); err != nil || lo != 50000 || hi != 50099 || c.TURN.UDPPort != 0 || c.TURN.TCPPort != 443 || !c.TURN.On() {
		t.Fatalf("TURN from env: %+v %d-%d %v", c.TURN, lo, hi, err)
	}
	if err := c.fromEnv([]string{"PHONGHOP_TURN_TCP_PORT=x"}); err == nil {
		t.Fatal("non-numeric TURN port accepted")
	}
	if d := defaultConfig(); d.Validate() != nil {
		t.Fatalf("the default configuration does not validate: %v", d.Validate())
	}
	if off := (TURNConfig{}); off.On() {
		t.Fatal("TURN with both ports 0 is on")
	}
	if err := c.fromEnv([]string{"PHONGHOP_TEST_DATABASE_URL=x", "PATH=/bin", "PHONGHOP_NATS_URL=nats://n:4222"}); err != nil || c.NATS.URL != "nats://n:4222" {
		t.Fatalf("good env: %v %q", err, c.NATS.URL)
	}
	bad := []func(c *Config){
		func(c *Config) { c.DataDir = "" },
		func(c *Config) { c.HTTP.Addr = "8080" },
		func(c *Config) { c.Database.URL = "mysql://x" },
		func(c *Config) { c.NATS.URL = "http://x" },
		func(c *Config) { c.RTC.UDPPort = 70000 },
		func(c *Config) { c.RTC.PublicIP = "not-an-ip" },
		func(c *Config) { c.TURN.UDPPort = 70000 },
		func(c *Config) { c.TURN.TCPPort = -1 },
		func(c *Config) { c.TURN.UDPPort = c.RTC.UDPPort },
		func(c *Config) { c.TURN.TCPPort = c.RTC.TCPPort },
		func(c *Config) { c.TURN.RelayPorts = "49200-49160" },
		func(c *Config) { c.TURN.RelayPorts = "49160" },
		func(c *Config) { c.TURN.RelayPorts = "80-90" },
		func(c *Config) { c.TURN.RelayPorts = "3000-4000" }, // holds the TURN UDP port 3478
		func(c *Config) { c.TURN.RelayPorts = "7000-8000" }, // holds the media UDP port 7882
		func(c *Config) { c.Log.Level = "loud" },
		func(c *Config) { c.Log.Format = "xml" },
	}
	for i, f := range bad {
		c := defaultConfig()
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("bad config %d validated", i)
		}
	}
	if err := run(context.Background(), []string{"nonsense"}, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// quietMedia keeps a test server's media on loopback ports the system picks, with no TURN, so
// tests never take the production ports nor announce other addresses.
func quietMedia(cfg *Config) {
	cfg.RTC.Loopback, cfg.RTC.UDPPort, cfg.RTC.TCPPort = true, 0, 0
	cfg.TURN = TURNConfig{}
}
