package sfuclient

import (
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// LinkConfig is what a simulated access link does to a point's packets: a commune hall on a
// 300 kbit/s line, a lossy 3G modem, a cable that drops out. Rates count IP and UDP headers.
type LinkConfig struct {
	DownKbps int     // towards the point; 0: unlimited
	UpKbps   int     // from the point; 0: unlimited
	DownLoss float64 // fraction of packets lost at random towards the point, 0–1
	UpLoss   float64
	// Queue is how long a packet may wait in the bottleneck's buffer before the link drops it
	// instead (tail drop); 0 means 200 ms.
	Queue time.Duration
}

// Link shapes a client's UDP sockets: a token bucket with a bounded queue per direction, random
// loss from a seeded generator, and total outages. The same seed and traffic give the same
// drops. Its settings may change while media flows.
type Link struct {
	mu     sync.Mutex
	cfg    LinkConfig
	rng    *rand.Rand
	until  time.Time // outage end
	up     linkDir
	down   linkDir
	closed chan struct{}
	once   sync.Once

	// Counters, in packets: passed and dropped (by loss, queue overflow or outage).
	UpPassed, UpDropped     atomic.Int64
	DownPassed, DownDropped atomic.Int64
}

type linkDir struct {
	nextFree time.Time // when the bottleneck is free again
}

// ipUDPOverhead is what each datagram costs on the wire beyond its payload (IPv4 and UDP).
const ipUDPOverhead = 28

// NewLink makes an unshaped link whose random losses follow seed.
func NewLink(seed uint64) *Link {
	return &Link{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), closed: make(chan struct{})}
}

// Set changes the link's rates and loss from now on.
func (l *Link) Set(c LinkConfig) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg = c
}

// Config is the link's current setting.
func (l *Link) Config() LinkConfig {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg
}

// Outage drops every packet in both directions for d from now.
func (l *Link) Outage(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.until = time.Now().Add(d)
}

// InOutage reports whether the link is down now.
func (l *Link) InOutage() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Now().Before(l.until)
}

// admit decides a packet's fate: dropped, or released at the returned time.
func (l *Link) admit(up bool, size int, now time.Time) (release time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.until) {
		return now, false
	}
	loss, kbps, dir := l.cfg.DownLoss, l.cfg.DownKbps, &l.down
	if up {
		loss, kbps, dir = l.cfg.UpLoss, l.cfg.UpKbps, &l.up
	}
	if loss > 0 && l.rng.Float64() < loss {
		return now, false
	}
	if kbps <= 0 {
		return now, true
	}
	queue := l.cfg.Queue
	if queue <= 0 {
		queue = 200 * time.Millisecond
	}
	start := dir.nextFree
	if start.Before(now) {
		start = now
	}
	if start.Sub(now) > queue {
		return now, false
	}
	dir.nextFree = start.Add(time.Duration(int64(size+ipUDPOverhead) * 8 * int64(time.Millisecond) / int64(kbps)))
	return dir.nextFree, true
}

// Close stops the goroutines of every socket the link wraps.
func (l *Link) Close() {
	l.once.Do(func() { close(l.closed) })
}

// Wrap returns conn shaped by the link. Closing the returned conn closes conn.
func (l *Link) Wrap(conn net.PacketConn) net.PacketConn {
	s := &shapedConn{PacketConn: conn, link: l, in: make(chan datagram, 4096), out: make(chan datagram, 4096), done: make(chan struct{})}
	go s.readLoop()
	go s.writeLoop()
	return s
}

type datagram struct {
	b       []byte
	addr    net.Addr
	release time.Time
}

// shapedConn passes reads and writes through the link. Reads: a goroutine takes every datagram
// off the socket as it arrives (so queueing is judged on arrival times), and ReadFrom hands it
// over at its release time. Writes wait in a queue for their departure time.
type shapedConn struct {
	net.PacketConn
	link      *Link
	in, out   chan datagram
	done      chan struct{}
	closeOnce sync.Once
	pending   atomic.Int64 // writes queued
	deadline  atomic.Int64 // read deadline, Unix nanoseconds (0: none)
	pool      sync.Pool
	readErr   atomic.Value
}

func (s *shapedConn) buf() []byte {
	if b, ok := s.pool.Get().(*[]byte); ok {
		return (*b)[:cap(*b)]
	}
	return make([]byte, 1600)
}

func (s *shapedConn) put(b []byte) { s.pool.Put(&b) }

func (s *shapedConn) readLoop() {
	defer close(s.in)
	for {
		b := s.buf()
		n, addr, err := s.PacketConn.ReadFrom(b)
		if err != nil {
			s.readErr.Store(err)
			return
		}
		rel, ok := s.link.admit(false, n, time.Now())
		if !ok {
			s.link.DownDropped.Add(1)
			s.put(b)
			continue
		}
		select {
		case s.in <- datagram{b[:n], addr, rel}:
		default: // the reader is far behind: the socket buffer would have overflowed too
			s.link.DownDropped.Add(1)
			s.put(b)
		}
	}
}

func (s *shapedConn) writeLoop() {
	for {
		select {
		case <-s.done:
			return
		case <-s.link.closed:
			return
		case d := <-s.out:
			if wait := time.Until(d.release); wait > 0 {
				time.Sleep(wait)
			}
			_, _ = s.PacketConn.WriteTo(d.b, d.addr)
			s.pending.Add(-1)
			s.put(d.b)
		}
	}
}

// ReadFrom returns the next datagram that got through the link, at its release time.
func (s *shapedConn) ReadFrom(p []byte) (int, net.Addr, error) {
	var timeout <-chan time.Time
	if dl := s.deadline.Load(); dl != 0 {
		t := time.NewTimer(time.Until(time.Unix(0, dl)))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case d, ok := <-s.in:
		if !ok {
			if err, _ := s.readErr.Load().(error); err != nil {
				return 0, nil, err
			}
			return 0, nil, net.ErrClosed
		}
		if wait := time.Until(d.release); wait > 0 {
			time.Sleep(wait)
		}
		n := copy(p, d.b)
		s.put(d.b)
		s.link.DownPassed.Add(1)
		return n, d.addr, nil
	case <-timeout:
		return 0, nil, os.ErrDeadlineExceeded
	}
}

// WriteTo sends p through the link; a packet the link drops is reported as sent, as a real
// network would.
func (s *shapedConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	select {
	case <-s.done:
		return 0, net.ErrClosed
	default:
	}
	now := time.Now()
	rel, ok := s.link.admit(true, len(p), now)
	if !ok {
		s.link.UpDropped.Add(1)
		return len(p), nil
	}
	s.link.UpPassed.Add(1)
	if !rel.After(now) && s.pending.Load() == 0 {
		return s.PacketConn.WriteTo(p, addr)
	}
	b := s.buf()
	n := copy(b, p)
	s.pending.Add(1)
	select {
	case s.out <- datagram{b[:n], addr, rel}:
	default:
		s.pending.Add(-1)
		s.link.UpDropped.Add(1)
	}
	return len(p), nil
}

// SetReadDeadline bounds ReadFrom.
func (s *shapedConn) SetReadDeadline(t time.Time) error {
	if t.IsZero() {
		s.deadline.Store(0)
	} else {
		s.deadline.Store(t.UnixNano())
	}
	return nil
}

// SetDeadline sets the read deadline (writes never block).
func (s *shapedConn) SetDeadline(t time.Time) error { return s.SetReadDeadline(t) }

// SetWriteDeadline does nothing: writes never block.
func (s *shapedConn) SetWriteDeadline(time.Time) error { return nil }

// Close closes the socket and stops the link's goroutines for it.
func (s *shapedConn) Close() error {
	err := errors.New("already closed")
	s.closeOnce.Do(func() {
		close(s.done)
		err = s.PacketConn.Close()
	})
	return err
}
