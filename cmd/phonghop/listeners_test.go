package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

// freePort is a port free for both UDP and TCP on loopback a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp4", l.Addr().String())
		l.Close()
		if err == nil {
			u.Close()
			return p
		}
	}
	t.Fatal("no port free for both UDP and TCP")
	return 0
}

// TestListenersDefaultToLoopback: with the default settings (only the ports changed so that
// concurrent runs do not collide) every listener — HTTP, media UDP and TCP, TURN UDP and TCP —
// is bound to loopback, and all of them are printed at start.
func TestListenersDefaultToLoopback(t *testing.T) {
	cfg := defaultConfig()
	cfg.DataDir, cfg.HTTP.Addr, cfg.Log.Level = t.TempDir(), "127.0.0.1:0", "warn"
	cfg.RTC.UDPPort, cfg.RTC.TCPPort = freePort(t), freePort(t)
	p := freePort(t)
	cfg.TURN.UDPPort, cfg.TURN.TCPPort = p, p
	if cfg.RTC.Loopback {
		t.Fatal("the default must not be the loopback trial mode: the listen addresses are what is tested")
	}
	srv, err := Open(context.Background(), cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ls := srv.Listeners()
	seen := map[string]bool{}
	for _, l := range ls {
		host, _, err := net.SplitHostPort(l.Addr)
		if err != nil || !net.ParseIP(host).IsLoopback() {
			t.Errorf("%s %s listens on %s, not loopback", l.Name, l.Network, l.Addr)
		}
		seen[l.Name+"/"+l.Network] = true
	}
	for _, want := range []string{"http/tcp", "media/udp", "media/tcp", "turn/udp", "turn/tcp"} {
		if !seen[want] {
			t.Errorf("listener %s missing from %+v", want, ls)
		}
	}
	var out bytes.Buffer
	printListeners(&out, ls)
	if n := strings.Count(out.String(), "listening"); n != len(ls) || n < 5 {
		t.Fatalf("printed %d listeners: %q", n, out.String())
	}
}

func TestOpsConfig(t *testing.T) {
	c := defaultConfig()
	if err := c.fromEnv([]string{"PHONGHOP_TURN_LISTEN_IP=0.0.0.0", "PHONGHOP_RTC_LISTEN_IP=10.0.0.5", "PHONGHOP_REGISTER_DAYS_BACK=730",
		"PHONGHOP_WS_PER_SESSION=3", "PHONGHOP_AUDIT_RETENTION_DAYS=1825"}); err != nil {
		t.Fatal(err)
	}
	if o := c.Ops; o.TURNListenIP != "0.0.0.0" || o.RTCListenIP != "10.0.0.5" || o.RegisterDaysBack != 730 || o.SocketsPerSession != 3 || o.AuditRetentionDays != 1825 {
		t.Fatalf("from env: %+v", o)
	}
	if c.turnLoopback() || c.mediaLoopback() {
		t.Fatal("non-loopback listen addresses taken for loopback")
	}
	for i, bad := range []func(*Config){
		func(c *Config) { c.Ops.TURNListenIP = "every" },
		func(c *Config) { c.Ops.RTCListenIP = "" },
		func(c *Config) { c.RTC.PublicIP = "203.0.113.7" }, // announced, yet bound to loopback
		func(c *Config) { c.Ops.RegisterDaysBack = 0 },
		func(c *Config) { c.Ops.SocketsPerSession = 0 },
		func(c *Config) { c.Ops.AuditRetentionDays = -1 },
	} {
		c := defaultConfig()
		bad(&c)
		if c.Validate() == nil {
			t.Errorf("bad setting %d accepted", i)
		}
	}
}
