package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/phonghop/phonghop/docs/register"
)

// OpsConfig holds the trust and operations settings: where the media and TURN ports listen,
// the register's date window, the WebSocket cap and the audit log's retention.
type OpsConfig struct {
	// RTCListenIP and TURNListenIP are the addresses the media and TURN ports bind. Like the
	// HTTP address they default to loopback, so a fresh install exposes nothing until the
	// operator names the interface (0.0.0.0 for all).
	RTCListenIP, TURNListenIP string
	// RegisterDaysBack and RegisterDaysAhead bound a filed document's date around today.
	RegisterDaysBack, RegisterDaysAhead int
	// SocketsPerSession caps the live meeting WebSockets of one sign-in (tabs, the projector
	// view, reconnects); past it a new one is refused with a reason.
	SocketsPerSession int
	// AuditRetentionDays keeps audit rows this long; 0 keeps them forever.
	AuditRetentionDays int
}

func defaultOps() OpsConfig {
	return OpsConfig{RTCListenIP: "127.0.0.1", TURNListenIP: "127.0.0.1",
		RegisterDaysBack: register.DefaultDaysBack, RegisterDaysAhead: register.DefaultDaysAhead,
		SocketsPerSession: 8, AuditRetentionDays: 0}
}

var opsEnvVars = []struct{ name, help string }{
	{"PHONGHOP_RTC_LISTEN_IP", "address the media ports bind (default 127.0.0.1; 0.0.0.0 = every interface)"},
	{"PHONGHOP_TURN_LISTEN_IP", "address the TURN ports bind (default 127.0.0.1; 0.0.0.0 = every interface)"},
	{"PHONGHOP_REGISTER_DAYS_BACK", "oldest document date the register accepts, in days before today (default 365)"},
	{"PHONGHOP_REGISTER_DAYS_AHEAD", "latest document date the register accepts, in days after today (default 30)"},
	{"PHONGHOP_WS_PER_SESSION", "live meeting WebSockets one sign-in may hold (default 8)"},
	{"PHONGHOP_AUDIT_RETENTION_DAYS", "days audit log rows are kept (default 0 = forever)"},
}

// opsFromEnv applies one of opsEnvVars.
func (c *Config) opsFromEnv(k, v string) (err error) {
	o := &c.Ops
	switch k {
	case "PHONGHOP_RTC_LISTEN_IP":
		o.RTCListenIP = v
	case "PHONGHOP_TURN_LISTEN_IP":
		o.TURNListenIP = v
	case "PHONGHOP_REGISTER_DAYS_BACK":
		o.RegisterDaysBack, err = strconv.Atoi(v)
	case "PHONGHOP_REGISTER_DAYS_AHEAD":
		o.RegisterDaysAhead, err = strconv.Atoi(v)
	case "PHONGHOP_WS_PER_SESSION":
		o.SocketsPerSession, err = strconv.Atoi(v)
	case "PHONGHOP_AUDIT_RETENTION_DAYS":
		o.AuditRetentionDays, err = strconv.Atoi(v)
	}
	return err
}

func (c *Config) validateOps() []error {
	var problems []error
	o := c.Ops
	for _, a := range []struct{ name, ip string }{{"media listen IP", o.RTCListenIP}, {"TURN listen IP", o.TURNListenIP}} {
		if net.ParseIP(a.ip) == nil {
			problems = append(problems, fmt.Errorf("%s %q is not an IP address", a.name, a.ip))
		}
	}
	if c.RTC.PublicIP != "" && isLoopbackIP(o.RTCListenIP) && !c.RTC.Loopback {
		problems = append(problems, errors.New("a public media IP is set but the media ports listen on loopback: set PHONGHOP_RTC_LISTEN_IP"))
	}
	if o.RegisterDaysBack < 1 || o.RegisterDaysBack > 36500 || o.RegisterDaysAhead < 1 || o.RegisterDaysAhead > 3650 {
		problems = append(problems, errors.New("the register's date window: days back 1 to 36500, days ahead 1 to 3650"))
	}
	if o.SocketsPerSession < 1 || o.SocketsPerSession > 1000 {
		problems = append(problems, fmt.Errorf("WebSockets per session %d: use 1 to 1000", o.SocketsPerSession))
	}
	if o.AuditRetentionDays < 0 {
		problems = append(problems, errors.New("audit retention days must not be negative"))
	}
	return problems
}

// mediaLoopback reports whether the media ports stay on loopback: asked for, or bound there.
func (c *Config) mediaLoopback() bool { return c.RTC.Loopback || isLoopbackIP(c.Ops.RTCListenIP) }

// turnLoopback reports whether the TURN server stays on loopback (its relays then do too).
func (c *Config) turnLoopback() bool { return c.RTC.Loopback || isLoopbackIP(c.Ops.TURNListenIP) }

func isLoopbackIP(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.IsLoopback()
}
