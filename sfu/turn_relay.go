package sfu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
)

// errTCPRelay refuses RFC 6062 TCP relays: browsers never ask for them, and they would let a
// participant open TCP connections from this host.
var errTCPRelay = errors.New("turn: TCP relays are not offered")

// relayGenerator makes the relay sockets of one listener (UDP or TCP clients), counting each
// against the identity's and the node's limits until the relay closes.
type relayGenerator struct {
	t       *TURNServer
	overTCP bool
	inner   turn.RelayAddressGenerator
	ports   map[int]bool // allowed peer ports; nil allows any
}

func (t *TURNServer) relays(listenIP string, overTCP bool) *relayGenerator {
	g := &relayGenerator{t: t, overTCP: overTCP}
	if o := t.opts; o.RelayPortMin > 0 {
		g.inner = &turn.RelayAddressGeneratorPortRange{RelayAddress: t.relayIP, Address: listenIP,
			MinPort: uint16(o.RelayPortMin), MaxPort: uint16(o.RelayPortMax), //nolint:gosec // validated to fit
			MaxRetries: 3 * (o.RelayPortMax - o.RelayPortMin + 1)}
	} else {
		g.inner = &turn.RelayAddressGeneratorStatic{RelayAddress: t.relayIP, Address: listenIP}
	}
	if len(t.opts.PeerPorts) > 0 {
		g.ports = map[int]bool{}
		for _, p := range t.opts.PeerPorts {
			g.ports[p] = true
		}
	}
	return g
}

func (g *relayGenerator) Validate() error { return g.inner.Validate() }

func (g *relayGenerator) AllocatePacketConn(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	// An empty user ID is pion probing for an even port; the socket is closed at once.
	counted := c.UserID != ""
	if counted {
		if err := g.t.reserve(c.UserID, g.overTCP); err != nil {
			return nil, nil, err
		}
	}
	conn, addr, err := g.inner.AllocatePacketConn(c)
	if err != nil {
		if counted {
			g.t.release(c.UserID, g.overTCP)
		}
		return nil, nil, fmt.Errorf("turn: relay port: %w", err)
	}
	rc := &relayConn{PacketConn: conn, ports: g.ports}
	if counted {
		rc.release = func() { g.t.release(c.UserID, g.overTCP) }
	}
	return rc, addr, nil
}

func (g *relayGenerator) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errTCPRelay
}

func (g *relayGenerator) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	return nil, errTCPRelay
}

// relayConn is one relay socket: it drops traffic to and from peer ports other than the allowed
// ones (as a firewall would, silently) and gives its place back when closed.
type relayConn struct {
	net.PacketConn
	ports   map[int]bool
	once    sync.Once
	release func()
}

func (c *relayConn) allowed(a net.Addr) bool {
	if c.ports == nil {
		return true
	}
	u, ok := a.(*net.UDPAddr)
	return ok && c.ports[u.Port]
}

func (c *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.PacketConn.ReadFrom(p)
		if err != nil || c.allowed(a) {
			return n, a, err
		}
	}
}

func (c *relayConn) WriteTo(p []byte, a net.Addr) (int, error) {
	if !c.allowed(a) {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, a)
}

func (c *relayConn) Close() error {
	c.once.Do(func() {
		if c.release != nil {
			c.release()
		}
	})
	return c.PacketConn.Close()
}

// turnListener bounds the TURN server's client TCP connections: at most max open, each closed
// after idle without a byte, all closed with the server (pion leaves accepted ones open). A
// failed Accept (e.g. out of file descriptors) is retried rather than ending TCP service, as
// pion would.
type turnListener struct {
	net.Listener
	max  int
	idle time.Duration
	log  *slog.Logger

	mu     sync.Mutex
	conns  map[*turnConn]struct{}
	closed bool
}

func newTURNListener(l net.Listener, max int, idle time.Duration, log *slog.Logger) *turnListener {
	return &turnListener{Listener: l, max: max, idle: idle, log: log, conns: map[*turnConn]struct{}{}}
}

func (l *turnListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			l.log.Warn("turn: accept", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		l.mu.Lock()
		if l.closed || len(l.conns) >= l.max {
			l.mu.Unlock()
			_ = c.Close()
			continue
		}
		tc := &turnConn{Conn: c, l: l}
		l.conns[tc] = struct{}{}
		l.mu.Unlock()
		return tc, nil
	}
}

func (l *turnListener) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return l.Listener.Close()
}

func (l *turnListener) closeConns() {
	l.mu.Lock()
	conns := make([]*turnConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

func (l *turnListener) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

type turnConn struct {
	net.Conn
	l    *turnListener
	once sync.Once
}

func (c *turnConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.l.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *turnConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// pionLogs sends pion's TURN logs to slog. Pion logs some things per packet a remote peer can
// trigger (refused permissions at Info), so Info goes to Debug, and Trace is dropped.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (p pionLogger) logf(level slog.Level, format string, args ...any) {
	if p.log.Enabled(context.Background(), level) {
		p.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (p pionLogger) Trace(string)              {}
func (p pionLogger) Tracef(string, ...any)     {}
func (p pionLogger) Debug(m string)            { p.logf(slog.LevelDebug, "%s", m) }
func (p pionLogger) Debugf(f string, a ...any) { p.logf(slog.LevelDebug, f, a...) }
func (p pionLogger) Info(m string)             { p.logf(slog.LevelDebug, "%s", m) }
func (p pionLogger) Infof(f string, a ...any)  { p.logf(slog.LevelDebug, f, a...) }
func (p pionLogger) Warn(m string)             { p.logf(slog.LevelWarn, "%s", m) }
func (p pionLogger) Warnf(f string, a ...any)  { p.logf(slog.LevelWarn, f, a...) }
func (p pionLogger) Error(m string)            { p.logf(slog.LevelWarn, "%s", m) }
func (p pionLogger) Errorf(f string, a ...any) { p.logf(slog.LevelWarn, f, a...) }
