package sfu

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the TURN REST convention fixes HMAC-SHA1; browsers send what it gives
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/turn/v5"
	"golang.org/x/time/rate"
)

// The embedded TURN server lets meeting points behind restrictive networks (provincial and
// commune firewalls that drop UDP or allow only outgoing TCP) still reach this node's SFU: the
// browser allocates a relay here, over UDP or TCP, and its media leaves from the relay towards
// the SFU's media port. Credentials follow the "TURN REST API" convention (username
// "<unix-expiry>:<identity>", password base64(HMAC-SHA1(secret, username))), so the SFU hands them
// out in the joined message without storing anything, and any node sharing the secret can check
// them.

// TURNOptions configure the embedded TURN server.
type TURNOptions struct {
	// UDPPort and TCPPort are where clients reach the server (3478 both in production). 0 lets
	// the system choose (tests); a negative port turns that transport off.
	UDPPort, TCPPort int
	// PublicIP is announced as the relay address and in the URLs; empty uses this host's first
	// global IPv4 address.
	PublicIP string
	// Realm of the long-term credentials; empty is "phonghop".
	Realm string
	// Secret signs the credentials (auth.TokenSigner.DeriveKey("turn")); at least 16 bytes.
	Secret []byte
	// LoopbackOnly listens, relays and permits peers on 127.0.0.1 only (trials and tests).
	LoopbackOnly bool
	// ListenIP is the address the TURN ports and relays bind; empty is every interface
	// (127.0.0.1 when LoopbackOnly).
	ListenIP string
	// RelayPortMin and RelayPortMax bound the relay ports, so a firewall can open just them;
	// both 0 lets the system choose.
	RelayPortMin, RelayPortMax int
	// MaxAllocations bounds relays alive at once on this node; 0 is 500, or the relay port
	// range's size when that is smaller.
	MaxAllocations int
	// MaxPerIdentity bounds one participant's relays; 0 is 8: a participant has two
	// connections (publish, subscribe), each allocating once per TURN URL (UDP, TCP), and a
	// reconnect may briefly hold the old ones too.
	MaxPerIdentity int
	// PeerPorts, when set, are the only peer ports a relay sends to or hears from (the SFU's
	// media port), so credentials cannot reach other services on the peers. Empty allows any.
	PeerPorts []int
	// AllowPeer decides which peer addresses a relay may talk to. Nil allows only the relay
	// address itself (this node's SFU), or loopback addresses when LoopbackOnly.
	AllowPeer func(net.IP) bool
	Logger    *slog.Logger
}

// TURNStats is what the TURN server has done, for the control room and tests.
type TURNStats struct {
	Allocations int // relays alive now
	OverTCP     int // of which the client reaches this server over TCP
	TCPConns    int // open client TCP connections, with or without a relay
	// RefusedCredentials counts requests with forged, expired or malformed credentials;
	// RefusedQuota counts allocations refused by MaxPerIdentity or MaxAllocations.
	RefusedCredentials, RefusedQuota uint64
}

// TURNServer is a running embedded TURN server.
type TURNServer struct {
	opts    TURNOptions
	log     *slog.Logger
	secret  []byte
	realm   string
	host    string // the address in the URLs
	relayIP net.IP
	now     func() time.Time
	// logLimit keeps refusals from flooding the log when someone hammers the port.
	logLimit *rate.Limiter

	server *turn.Server
	udp    net.PacketConn
	tcp    *turnListener

	mu         sync.Mutex
	byIdentity map[string]int
	total      int
	overTCP    int

	refusedCredentials, refusedQuota atomic.Uint64
}

const (
	defaultTURNRealm          = "phonghop"
	defaultTURNAllocations    = 500
	defaultTURNPerIdentity    = 8
	maxTURNIdentity           = 128
	minTURNSecret             = 16
	turnTCPIdle               = 11 * time.Minute // one allocation lifetime (10 min) and a margin
	turnTCPConnsPerAllocation = 2                // room for connections still authenticating
)

// StartTURN listens on the configured ports and serves until Close. It does not block.
func StartTURN(o TURNOptions) (*TURNServer, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	t := &TURNServer{
		opts:       o,
		log:        o.Logger,
		secret:     append([]byte(nil), o.Secret...),
		realm:      o.Realm,
		now:        time.Now,
		logLimit:   rate.NewLimiter(rate.Every(time.Second), 20),
		byIdentity: map[string]int{},
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	if t.realm == "" {
		t.realm = defaultTURNRealm
	}
	if t.opts.MaxPerIdentity <= 0 {
		t.opts.MaxPerIdentity = defaultTURNPerIdentity
	}
	if t.opts.MaxAllocations <= 0 {
		t.opts.MaxAllocations = defaultTURNAllocations
		if n := o.RelayPortMax - o.RelayPortMin + 1; o.RelayPortMin > 0 && n < t.opts.MaxAllocations {
			t.opts.MaxAllocations = n
		}
	}
	listenIP := "0.0.0.0"
	switch {
	case o.LoopbackOnly:
		listenIP, t.relayIP = "127.0.0.1", net.IPv4(127, 0, 0, 1)
	case o.PublicIP != "":
		t.relayIP = net.ParseIP(o.PublicIP)
	case net.ParseIP(o.ListenIP) != nil && !net.ParseIP(o.ListenIP).IsUnspecified():
		t.relayIP = net.ParseIP(o.ListenIP) // bound to one address: relays are reached there
	default:
		ip, err := firstGlobalIPv4()
		if err != nil {
			return nil, err
		}
		t.relayIP = ip
	}
	if o.ListenIP != "" && !o.LoopbackOnly {
		listenIP = o.ListenIP
	}
	t.host = t.relayIP.String()
	if t.opts.AllowPeer == nil {
		relayIP, loopback := t.relayIP, o.LoopbackOnly
		t.opts.AllowPeer = func(ip net.IP) bool {
			return ip.Equal(relayIP) || (loopback && ip.IsLoopback())
		}
	}

	cfg := turn.ServerConfig{
		Realm:         t.realm,
		AuthHandler:   t.authenticate,
		QuotaHandler:  t.quota,
		EventHandler:  turn.EventHandler{OnAuth: t.onAuth},
		LoggerFactory: pionLogs{t.log},
	}
	permit := func(_ net.Addr, peer net.IP) bool { return t.opts.AllowPeer(peer) }
	if o.UDPPort >= 0 {
		c, err := net.ListenPacket("udp4", net.JoinHostPort(listenIP, strconv.Itoa(o.UDPPort)))
		if err != nil {
			return nil, fmt.Errorf("turn: listen udp: %w", err)
		}
		t.udp = c
		cfg.PacketConnConfigs = []turn.PacketConnConfig{{PacketConn: c, RelayAddressGenerator: t.relays(listenIP, false), PermissionHandler: permit}}
	}
	if o.TCPPort >= 0 {
		l, err := net.Listen("tcp4", net.JoinHostPort(listenIP, strconv.Itoa(o.TCPPort)))
		if err != nil {
			t.closeListeners()
			return nil, fmt.Errorf("turn: listen tcp: %w", err)
		}
		t.tcp = newTURNListener(l, t.opts.MaxAllocations*turnTCPConnsPerAllocation, turnTCPIdle, t.log)
		cfg.ListenerConfigs = []turn.ListenerConfig{{Listener: t.tcp, RelayAddressGenerator: t.relays(listenIP, true), PermissionHandler: permit}}
	}
	s, err := turn.NewServer(cfg)
	if err != nil {
		t.closeListeners()
		return nil, fmt.Errorf("turn: %w", err)
	}
	t.server = s
	t.log.Info("turn: listening", "addrs", t.Addrs(), "relay_ip", t.host,
		"relay_ports", fmt.Sprintf("%d-%d", o.RelayPortMin, o.RelayPortMax),
		"max_allocations", t.opts.MaxAllocations, "max_per_identity", t.opts.MaxPerIdentity)
	return t, nil
}

func (o TURNOptions) validate() error {
	var problems []error
	if len(o.Secret) < minTURNSecret {
		problems = append(problems, fmt.Errorf("turn: the secret must be at least %d bytes", minTURNSecret))
	}
	if o.UDPPort > 65535 || o.TCPPort > 65535 {
		problems = append(problems, errors.New("turn: ports must be at most 65535"))
	}
	if o.UDPPort < 0 && o.TCPPort < 0 {
		problems = append(problems, errors.New("turn: both UDP and TCP are off"))
	}
	if err := checkRelayPorts(o.RelayPortMin, o.RelayPortMax); err != nil {
		problems = append(problems, fmt.Errorf("turn: %w", err))
	}
	if o.PublicIP != "" && net.ParseIP(o.PublicIP).To4() == nil {
		problems = append(problems, fmt.Errorf("turn: public IP %q is not an IPv4 address", o.PublicIP))
	}
	return errors.Join(problems...)
}

// checkRelayPorts accepts both zero (system-chosen ports) or a range within 1024-65535.
func checkRelayPorts(lo, hi int) error {
	if lo == 0 && hi == 0 {
		return nil
	}
	if lo < 1024 || hi > 65535 || lo > hi {
		return fmt.Errorf("relay ports %d-%d: use a range within 1024-65535, lowest first", lo, hi)
	}
	return nil
}

// firstGlobalIPv4 is the address relays announce when no public IP is configured.
func firstGlobalIPv4() (net.IP, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("turn: list interface addresses: %w", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP.To4(), nil
		}
	}
	return nil, errors.New("turn: this host has no global IPv4 address; set the public IP")
}

// Addrs are the addresses the server listens on: UDP first, then TCP, each if on.
func (t *TURNServer) Addrs() []net.Addr {
	var a []net.Addr
	if t.udp != nil {
		a = append(a, t.udp.LocalAddr())
	}
	if t.tcp != nil {
		a = append(a, t.tcp.Addr())
	}
	return a
}

// Close stops the server: listeners, relays and open client TCP connections.
func (t *TURNServer) Close() error {
	err := t.server.Close() // closes the UDP socket and the TCP listener, then their relays
	if t.tcp != nil {
		t.tcp.closeConns()
	}
	return err
}

func (t *TURNServer) closeListeners() {
	if t.udp != nil {
		_ = t.udp.Close()
	}
	if t.tcp != nil {
		_ = t.tcp.Close()
	}
}

// Stats reports current relays and refusals.
func (t *TURNServer) Stats() TURNStats {
	t.mu.Lock()
	s := TURNStats{Allocations: t.total, OverTCP: t.overTCP}
	t.mu.Unlock()
	if t.tcp != nil {
		s.TCPConns = t.tcp.open()
	}
	s.RefusedCredentials = t.refusedCredentials.Load()
	s.RefusedQuota = t.refusedQuota.Load()
	return s
}

// Credentials issues TURN credentials for identity valid for ttl, as the ICE server entry a
// client passes to RTCPeerConnection. The credentials stop being accepted at expiry, which
// includes refreshing a relay already made: give a ttl that covers the longest meeting.
func (t *TURNServer) Credentials(identity string, ttl time.Duration) ICEServer {
	username := strconv.FormatInt(t.now().Add(ttl).Unix(), 10) + ":" + identity
	s := ICEServer{Username: username, Credential: t.password(username)}
	if t.udp != nil {
		s.URLs = append(s.URLs, t.url(t.udp.LocalAddr(), "udp"))
	}
	if t.tcp != nil {
		s.URLs = append(s.URLs, t.url(t.tcp.Addr(), "tcp"))
	}
	return s
}

func (t *TURNServer) url(a net.Addr, transport string) string {
	_, port, _ := net.SplitHostPort(a.String())
	return "turn:" + net.JoinHostPort(t.host, port) + "?transport=" + transport
}

func (t *TURNServer) password(username string) string {
	m := hmac.New(sha1.New, t.secret)
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// authenticate is pion's AuthHandler: it checks the username's form, realm and expiry and returns
// the key the request's MESSAGE-INTEGRITY must match; pion then checks that match, so a forged
// password fails there (reported to onAuth). The user ID it returns, the identity, is what quotas
// count.
func (t *TURNServer) authenticate(ra *turn.RequestAttributes) (string, []byte, bool) {
	identity, err := t.checkUsername(ra.Username)
	if err == nil && ra.Realm != t.realm {
		err = errors.New("wrong realm")
	}
	if err != nil {
		t.refusedCredentials.Add(1)
		t.refused(err.Error(), identity, ra.SrcAddr)
		return "", nil, false
	}
	return identity, turn.GenerateAuthKey(ra.Username, ra.Realm, t.password(ra.Username)), true
}

// checkUsername parses "<unix-expiry>:<identity>" and refuses it once expired.
func (t *TURNServer) checkUsername(username string) (identity string, err error) {
	exp, identity, ok := strings.Cut(username, ":")
	if !ok || identity == "" || len(identity) > maxTURNIdentity {
		return "", errors.New("malformed username")
	}
	expiry, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", errors.New("malformed username")
	}
	if t.now().Unix() >= expiry {
		return identity, errors.New("expired credentials")
	}
	return identity, nil
}

// onAuth hears pion's verdict on a request's MESSAGE-INTEGRITY: false means the password was not
// the one this server issued for that username.
func (t *TURNServer) onAuth(src, _ net.Addr, _, username, _, method string, ok bool) {
	if ok {
		return
	}
	t.refusedCredentials.Add(1)
	_, identity, _ := strings.Cut(username, ":")
	t.refused("wrong password for "+method, identity, src)
}

// quota is pion's QuotaHandler: it refuses an allocation (486) when the identity or the node is
// at its limit. The relay generator checks again as it counts, so two racing requests cannot both
// pass the last place.
func (t *TURNServer) quota(identity, _ string, src net.Addr) bool {
	t.mu.Lock()
	err := t.roomFor(identity)
	t.mu.Unlock()
	if err != nil {
		t.refusedQuota.Add(1)
		t.refused(err.Error(), identity, src)
		return false
	}
	return true
}

var (
	errTURNIdentityFull = errors.New("turn: allocations per identity reached")
	errTURNServerFull   = errors.New("turn: allocations on this node reached")
)

// roomFor says whether identity may have one more relay; t.mu is held.
func (t *TURNServer) roomFor(identity string) error {
	switch {
	case t.byIdentity[identity] >= t.opts.MaxPerIdentity:
		return errTURNIdentityFull
	case t.total >= t.opts.MaxAllocations:
		return errTURNServerFull
	}
	return nil
}

// reserve counts a relay for identity, or refuses it at a limit.
func (t *TURNServer) reserve(identity string, overTCP bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.roomFor(identity); err != nil {
		return err
	}
	t.byIdentity[identity]++
	t.total++
	if overTCP {
		t.overTCP++
	}
	return nil
}

// release uncounts a relay reserve counted.
func (t *TURNServer) release(identity string, overTCP bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byIdentity[identity]--; t.byIdentity[identity] <= 0 {
		delete(t.byIdentity, identity)
	}
	t.total--
	if overTCP {
		t.overTCP--
	}
}

// refused logs a refusal with who and why, never a password or the secret.
func (t *TURNServer) refused(reason, identity string, src net.Addr) {
	if len(identity) > maxTURNIdentity {
		identity = identity[:maxTURNIdentity]
	}
	if t.logLimit.Allow() {
		t.log.Warn("turn: refused", "reason", reason, "identity", identity, "from", src)
	}
}
