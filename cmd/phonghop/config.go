package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is the whole server's configuration: defaults, then PHONGHOP_* environment variables,
// then flags, then Validate. Each subsystem has its own section.
type Config struct {
	DataDir  string
	HTTP     HTTPConfig
	Database DatabaseConfig
	NATS     NATSConfig
	RTC      RTCConfig
	TURN     TURNConfig
	Log      LogConfig
	Notify   NotifyConfig
	Ops      OpsConfig
	// MaxUploadMB bounds one uploaded document (default 100).
	MaxUploadMB int
	// RecordingDir is where the media server writes recordings until the room service has
	// imported them into the documents (default <data dir>/recordings). With several nodes it is
	// the same path on each, on the disk of the node that records.
	RecordingDir string
	// SigningCert and SigningKey are PEM files of the agency certificate that signs filed
	// documents; empty uses a self-signed certificate kept in the data directory.
	SigningCert, SigningKey string
	SSO                     SSOConfig
	Sign                    SignConfig // leaders' own signatures (signconfig.go)
	Demo                    bool       // seed demo data into an empty database at start
}

type HTTPConfig struct {
	Addr          string
	SecureCookies bool
	TrustProxy    bool
}

type DatabaseConfig struct{ URL string }

type NATSConfig struct{ URL string }

type RTCConfig struct {
	UDPPort  int    // one UDP port for all media (ICE UDP mux)
	TCPPort  int    // ICE over TCP fallback; 0 turns it off
	PublicIP string // announced instead of local addresses behind 1:1 NAT
	// Loopback keeps media on 127.0.0.1 only: a single-machine trial, and the browser tests.
	Loopback bool
	// LegacyForwarding puts the media server back on its previous forwarding path (a NACK
	// history per subscriber track, Pion's batching connection) while the new one proves itself.
	LegacyForwarding bool
}

// TURNConfig is the embedded TURN server, for meeting points whose networks block UDP or allow
// only outgoing TCP. It announces the RTC public IP and follows the RTC loopback setting.
type TURNConfig struct {
	UDPPort int // TURN over UDP; 0 turns it off
	TCPPort int // TURN over TCP; 0 turns it off
	// RelayPorts is the "min-max" range relays use, so the firewall opens just it; empty lets
	// the system choose.
	RelayPorts string
}

// On reports whether the TURN server runs at all.
func (t TURNConfig) On() bool { return t.UDPPort != 0 || t.TCPPort != 0 }

// RelayRange parses RelayPorts; 0, 0 when empty.
func (t TURNConfig) RelayRange() (lo, hi int, err error) {
	if t.RelayPorts == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(t.RelayPorts, "-")
	if lo, err = strconv.Atoi(strings.TrimSpace(a)); ok && err == nil {
		hi, err = strconv.Atoi(strings.TrimSpace(b))
	}
	if !ok || err != nil || lo < 1024 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("turn relay ports %q: use a range like 49160-49659 within 1024-65535", t.RelayPorts)
	}
	return lo, hi, nil
}

type LogConfig struct {
	Level  string // debug, info, warn, error
	Format string // text or json
}

func defaultConfig() Config {
	return Config{
		DataDir:     "data",
		HTTP:        HTTPConfig{Addr: "127.0.0.1:8080"},
		Sign:        SignConfig{LeaderRequired: true},
		RTC:         RTCConfig{UDPPort: 7882, TCPPort: 7881},
		TURN:        TURNConfig{UDPPort: 3478, TCPPort: 3478, RelayPorts: "49160-49659"},
		Log:         LogConfig{Level: "info", Format: "text"},
		MaxUploadMB: 100,
		Notify:      defaultNotifyConfig(),
		Ops:         defaultOps(),
	}
}

// envVars lists every environment variable the server reads, with what it sets.
var envVars = append([]struct{ name, help string }{
	{"PHONGHOP_DATA_DIR", "data directory: SQLite file, NATS store, documents (default ./data)"},
	{"PHONGHOP_HTTP_ADDR", "HTTP listen address (default 127.0.0.1:8080)"},
	{"PHONGHOP_DATABASE_URL", "postgres:// URL; empty uses SQLite in the data directory"},
	{"PHONGHOP_NATS_URL", "nats:// URL; empty runs an embedded NATS server"},
	{"PHONGHOP_RTC_UDP_PORT", "UDP port for all media (default 7882)"},
	{"PHONGHOP_RTC_TCP_PORT", "TCP port for media when UDP is blocked (default 7881, 0 = off)"},
	{"PHONGHOP_RTC_PUBLIC_IP", "public IP announced for media behind 1:1 NAT"},
	{"PHONGHOP_RTC_LOOPBACK", "true keeps media on 127.0.0.1 (browser and media on this machine only)"},
	{"PHONGHOP_RTC_LEGACY_FORWARDING", "true forwards media on the previous path (a NACK history per subscriber track), for comparison"},
	{"PHONGHOP_TURN_UDP_PORT", "TURN relay port over UDP for restrictive networks (default 3478, 0 = off)"},
	{"PHONGHOP_TURN_TCP_PORT", "TURN relay port over TCP for networks that allow only TCP (default 3478, 0 = off)"},
	{"PHONGHOP_TURN_RELAY_PORTS", "UDP ports relays use, min-max (default 49160-49659)"},
	{"PHONGHOP_LOG_LEVEL", "debug, info, warn or error (default info)"},
	{"PHONGHOP_LOG_FORMAT", "text or json (default text)"},
	{"PHONGHOP_SECURE_COOKIES", "true when served over HTTPS"},
	{"PHONGHOP_TRUST_PROXY", "true to take client addresses from X-Forwarded-For"},
	{"PHONGHOP_MAX_UPLOAD_MB", "largest document upload in MB (default 100)"},
	{"PHONGHOP_RECORDING_DIR", "where recordings are written until imported (default <data dir>/recordings)"},
	{"PHONGHOP_SIGNING_CERT", "PEM certificate (and issuers) that signs filed documents"},
	{"PHONGHOP_SIGNING_KEY", "PEM private key of that certificate"},
}, opsEnvVars...)

// fromEnv applies PHONGHOP_* variables over c. Unknown PHONGHOP_ variables are an error, so a
// misspelt setting is not silently ignored.
func (c *Config) fromEnv(environ []string) error {
	known := map[string]bool{}
	for _, v := range envVars {
		known[v.name] = true
	}
	var oidc []string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "PHONGHOP_") || strings.HasPrefix(k, "PHONGHOP_TEST_") {
			continue
		}
		if strings.HasPrefix(k, "PHONGHOP_OIDC_") {
			oidc = append(oidc, kv)
			continue
		}
		if !known[k] {
			return fmt.Errorf("unknown environment variable %s (see phonghop serve --help)", k)
		}
		var err error
		switch k {
		case "PHONGHOP_DATA_DIR":
			c.DataDir = v
		case "PHONGHOP_HTTP_ADDR":
			c.HTTP.Addr = v
		case "PHONGHOP_DATABASE_URL":
			c.Database.URL = v
		case "PHONGHOP_NATS_URL":
			c.NATS.URL = v
		case "PHONGHOP_RTC_UDP_PORT":
			c.RTC.UDPPort, err = strconv.Atoi(v)
		case "PHONGHOP_RTC_TCP_PORT":
			c.RTC.TCPPort, err = strconv.Atoi(v)
		case "PHONGHOP_RTC_PUBLIC_IP":
			c.RTC.PublicIP = v
		case "PHONGHOP_RTC_LOOPBACK":
			c.RTC.Loopback, err = strconv.ParseBool(v)
		case "PHONGHOP_RTC_LEGACY_FORWARDING":
			c.RTC.LegacyForwarding, err = strconv.ParseBool(v)
		case "PHONGHOP_TURN_UDP_PORT":
			c.TURN.UDPPort, err = strconv.Atoi(v)
		case "PHONGHOP_TURN_TCP_PORT":
			c.TURN.TCPPort, err = strconv.Atoi(v)
		case "PHONGHOP_TURN_RELAY_PORTS":
			c.TURN.RelayPorts = v
		case "PHONGHOP_LOG_LEVEL":
			c.Log.Level = v
		case "PHONGHOP_LOG_FORMAT":
			c.Log.Format = v
		case "PHONGHOP_SECURE_COOKIES":
			c.HTTP.SecureCookies, err = strconv.ParseBool(v)
		case "PHONGHOP_TRUST_PROXY":
			c.HTTP.TrustProxy, err = strconv.ParseBool(v)
		case "PHONGHOP_MAX_UPLOAD_MB":
			c.MaxUploadMB, err = strconv.Atoi(v)
		case "PHONGHOP_RECORDING_DIR":
			c.RecordingDir = v
		case "PHONGHOP_SIGNING_CERT":
			c.SigningCert = v
		case "PHONGHOP_SIGNING_KEY":
			c.SigningKey = v
		default:
			if strings.HasPrefix(k, "PHONGHOP_SIGN_") {
				err = c.Sign.set(k, v)
			}
		}
		if err == nil {
			err = c.Notify.fromEnv(k, v)
		}
		if err == nil {
			err = c.opsFromEnv(k, v)
		}
		if err != nil {
			return fmt.Errorf("%s=%q: %v", k, v, err)
		}
	}
	return c.ssoFromEnv(oidc)
}

// storageFlags registers the flags every subcommand that opens the database shares.
func (c *Config) storageFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory (env PHONGHOP_DATA_DIR)")
	fs.StringVar(&c.Database.URL, "database-url", c.Database.URL, "postgres:// URL; empty uses SQLite in the data directory (env PHONGHOP_DATABASE_URL)")
}

func (c *Config) serveFlags(fs *flag.FlagSet) {
	c.storageFlags(fs)
	fs.StringVar(&c.HTTP.Addr, "http-addr", c.HTTP.Addr, "HTTP listen address (env PHONGHOP_HTTP_ADDR)")
	fs.StringVar(&c.NATS.URL, "nats-url", c.NATS.URL, "nats:// URL; empty runs an embedded NATS server (env PHONGHOP_NATS_URL)")
	fs.IntVar(&c.RTC.UDPPort, "rtc-udp-port", c.RTC.UDPPort, "UDP port for all media (env PHONGHOP_RTC_UDP_PORT)")
	fs.IntVar(&c.RTC.TCPPort, "rtc-tcp-port", c.RTC.TCPPort, "TCP port for media when UDP is blocked, 0 = off (env PHONGHOP_RTC_TCP_PORT)")
	fs.StringVar(&c.RTC.PublicIP, "rtc-public-ip", c.RTC.PublicIP, "public IP announced for media behind 1:1 NAT (env PHONGHOP_RTC_PUBLIC_IP)")
	fs.IntVar(&c.TURN.UDPPort, "turn-udp-port", c.TURN.UDPPort, "TURN relay port over UDP, 0 = off (env PHONGHOP_TURN_UDP_PORT)")
	fs.IntVar(&c.TURN.TCPPort, "turn-tcp-port", c.TURN.TCPPort, "TURN relay port over TCP, 0 = off (env PHONGHOP_TURN_TCP_PORT)")
	fs.StringVar(&c.TURN.RelayPorts, "turn-relay-ports", c.TURN.RelayPorts, "UDP ports relays use, min-max; empty lets the system choose (env PHONGHOP_TURN_RELAY_PORTS)")
	fs.StringVar(&c.Log.Level, "log-level", c.Log.Level, "debug, info, warn or error (env PHONGHOP_LOG_LEVEL)")
	fs.StringVar(&c.Log.Format, "log-format", c.Log.Format, "text or json (env PHONGHOP_LOG_FORMAT)")
	fs.IntVar(&c.MaxUploadMB, "max-upload-mb", c.MaxUploadMB, "largest document upload in MB (env PHONGHOP_MAX_UPLOAD_MB)")
	fs.StringVar(&c.RecordingDir, "recording-dir", c.RecordingDir, "where recordings are written until imported; default <data dir>/recordings (env PHONGHOP_RECORDING_DIR)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "seed the demo province into an empty database")
}

// Validate checks the configuration as a whole.
func (c *Config) Validate() error {
	var problems []error
	if c.DataDir == "" {
		problems = append(problems, errors.New("the data directory must not be empty"))
	} else if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if c.RecordingDir == "" && c.DataDir != "" {
		c.RecordingDir = filepath.Join(c.DataDir, "recordings")
	} else if abs, err := filepath.Abs(c.RecordingDir); err == nil {
		c.RecordingDir = abs // the SFU reports absolute paths, which the importer compares
	}
	if c.HTTP.Addr != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
			problems = append(problems, fmt.Errorf("http address %q: %v", c.HTTP.Addr, err))
		}
	}
	if c.Database.URL != "" && !strings.HasPrefix(c.Database.URL, "postgres://") && !strings.HasPrefix(c.Database.URL, "postgresql://") {
		problems = append(problems, errors.New("the database URL must start with postgres://"))
	}
	if c.NATS.URL != "" && !strings.HasPrefix(c.NATS.URL, "nats://") && !strings.HasPrefix(c.NATS.URL, "tls://") {
		problems = append(problems, errors.New("the NATS URL must start with nats:// or tls://"))
	}
	if c.RTC.UDPPort < 0 || c.RTC.UDPPort > 65535 || c.RTC.TCPPort < 0 || c.RTC.TCPPort > 65535 {
		problems = append(problems, errors.New("media ports must be between 0 and 65535"))
	}
	if c.RTC.PublicIP != "" && net.ParseIP(c.RTC.PublicIP) == nil {
		problems = append(problems, fmt.Errorf("rtc public IP %q is not an IP address", c.RTC.PublicIP))
	}
	problems = append(problems, c.validateTURN()...)
	problems = append(problems, c.validateSSO()...)
	problems = append(problems, c.Notify.validate()...)
	problems = append(problems, c.validateOps()...)
	if (c.SigningCert == "") != (c.SigningKey == "") {
		problems = append(problems, errors.New("give both the signing certificate and its key, or neither"))
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 10240 {
		problems = append(problems, fmt.Errorf("max upload %d MB: use 1 to 10240", c.MaxUploadMB))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Errorf("log level %q: use debug, info, warn or error", c.Log.Level))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		problems = append(problems, fmt.Errorf("log format %q: use text or json", c.Log.Format))
	}
	return errors.Join(problems...)
}

// validateTURN checks the TURN ports, and that they and the relay range leave the media ports free.
func (c *Config) validateTURN() []error {
	var problems []error
	t := c.TURN
	if t.UDPPort < 0 || t.UDPPort > 65535 || t.TCPPort < 0 || t.TCPPort > 65535 {
		problems = append(problems, errors.New("TURN ports must be between 0 and 65535"))
	}
	if t.UDPPort != 0 && t.UDPPort == c.RTC.UDPPort {
		problems = append(problems, fmt.Errorf("TURN UDP port %d is also the media UDP port", t.UDPPort))
	}
	if t.TCPPort != 0 && t.TCPPort == c.RTC.TCPPort {
		problems = append(problems, fmt.Errorf("TURN TCP port %d is also the media TCP port", t.TCPPort))
	}
	lo, hi, err := t.RelayRange()
	if err != nil {
		return append(problems, err)
	}
	for _, p := range []struct {
		name string
		port int
	}{{"media UDP", c.RTC.UDPPort}, {"TURN UDP", t.UDPPort}} {
		if p.port != 0 && p.port >= lo && p.port <= hi {
			problems = append(problems, fmt.Errorf("turn relay ports %s include the %s port %d", t.RelayPorts, p.name, p.port))
		}
	}
	return problems
}

func loadConfig() (Config, error) {
	c := defaultConfig()
	return c, c.fromEnv(os.Environ())
}
