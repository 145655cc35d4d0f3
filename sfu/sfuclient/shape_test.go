package sfuclient

import (
	"net"
	"testing"
	"time"
)

func udpPair(t *testing.T) (a, b *net.UDPConn) {
	t.Helper()
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	a, err := net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	b, err = net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	_ = b.SetReadBuffer(1 << 20)
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// receive reads datagrams from c until quiet for 300 ms, returning their arrival times.
func receive(c net.PacketConn) []time.Time {
	var at []time.Time
	buf := make([]byte, 2000)
	for {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, _, err := c.ReadFrom(buf); err != nil {
			return at
		}
		at = append(at, time.Now())
	}
}

// The bottleneck spaces packets at the configured rate (IP and UDP headers counted) and drops
// what would wait longer than the queue allows.
func TestLinkRateArithmetic(t *testing.T) {
	l := NewLink(1)
	l.Set(LinkConfig{DownKbps: 300, Queue: 200 * time.Millisecond})
	t0 := time.Unix(1000, 0)
	var released []time.Time
	dropped := 0
	for i := 0; i < 20; i++ {
		rel, ok := l.admit(false, 972, t0) // 1,000 bytes on the wire: 26.7 ms at 300 kbit/s
		if !ok {
			dropped++
			continue
		}
		released = append(released, rel)
	}
	if len(released) != 8 || dropped != 12 {
		t.Fatalf("%d passed, %d dropped; want 8 and 12 (200 ms of queue)", len(released), dropped)
	}
	for i, r := range released {
		want := t0.Add(time.Duration(i+1) * 8000 * time.Second / 300000)
		if d := r.Sub(want); d < -time.Microsecond || d > time.Microsecond {
			t.Fatalf("packet %d released at +%v, want +%v", i, r.Sub(t0), want.Sub(t0))
		}
	}
	// The up direction is its own bottleneck, unlimited here.
	if rel, ok := l.admit(true, 972, t0); !ok || !rel.Equal(t0) {
		t.Fatalf("up: %v %v", rel, ok)
	}
}

// The same seed gives the same losses: a weak-link test can be repeated.
func TestLinkLossIsSeeded(t *testing.T) {
	pattern := func(seed uint64) (p []bool) {
		l := NewLink(seed)
		l.Set(LinkConfig{DownLoss: 0.1})
		for i := 0; i < 2000; i++ {
			_, ok := l.admit(false, 100, time.Now())
			p = append(p, ok)
		}
		return p
	}
	a, b, c := pattern(7), pattern(7), pattern(8)
	lost, same := 0, true
	for i := range a {
		if !a[i] {
			lost++
		}
		same = same && a[i] == b[i]
	}
	if !same {
		t.Fatal("same seed, different losses")
	}
	if lost < 150 || lost > 250 {
		t.Fatalf("%d of 2000 lost at 10%%", lost)
	}
	differs := false
	for i := range a {
		differs = differs || a[i] != c[i]
	}
	if !differs {
		t.Fatal("another seed gave the same losses")
	}
}

// Over real sockets: a received burst comes out at the link's rate, in order.
func TestLinkShapesRealSocketDown(t *testing.T) {
	a, b := udpPair(t)
	l := NewLink(1)
	defer l.Close()
	l.Set(LinkConfig{DownKbps: 1000, Queue: 2 * time.Second})
	rb := l.Wrap(b)
	defer rb.Close()
	pkt := make([]byte, 972) // 8,000 bits on the wire: 8 ms each at 1 Mbit/s
	for i := 0; i < 60; i++ {
		pkt[0] = byte(i)
		if _, err := a.WriteTo(pkt, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	at := receive(rb)
	if len(at) != 60 {
		t.Fatalf("%d of 60 arrived", len(at))
	}
	spread := at[len(at)-1].Sub(at[0])
	if spread < 400*time.Millisecond || spread > 700*time.Millisecond {
		t.Fatalf("60 packets spread over %v, want about 472 ms", spread)
	}
	if l.DownPassed.Load() != 60 || l.DownDropped.Load() != 0 {
		t.Fatalf("passed %d dropped %d", l.DownPassed.Load(), l.DownDropped.Load())
	}
}

// Sending through the link: random loss on the way out, then an outage drops everything until
// it ends, after which packets flow again.
func TestLinkLossAndOutageRealSocketUp(t *testing.T) {
	a, b := udpPair(t)
	l := NewLink(3)
	defer l.Close()
	l.Set(LinkConfig{UpLoss: 0.2})
	wa := l.Wrap(a)
	defer wa.Close()
	pkt := make([]byte, 100)
	for i := 0; i < 500; i++ {
		if _, err := wa.WriteTo(pkt, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(receive(b)); got < 350 || got > 450 || int64(got) != l.UpPassed.Load() {
		t.Fatalf("%d of 500 arrived at 20%% loss (link passed %d)", got, l.UpPassed.Load())
	}

	l.Set(LinkConfig{})
	l.Outage(400 * time.Millisecond)
	if !l.InOutage() {
		t.Fatal("outage not on")
	}
	for i := 0; i < 10; i++ {
		_, _ = wa.WriteTo(pkt, b.LocalAddr())
	}
	if got := len(receive(b)); got != 0 {
		t.Fatalf("%d packets crossed a dead link", got)
	}
	for l.InOutage() {
		time.Sleep(20 * time.Millisecond)
	}
	for i := 0; i < 10; i++ {
		_, _ = wa.WriteTo(pkt, b.LocalAddr())
	}
	if got := len(receive(b)); got != 10 {
		t.Fatalf("%d of 10 arrived after the outage", got)
	}
}
