package sfu

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
	"golang.org/x/sys/unix"
)

func listenLoopback(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadBuffer(4 << 20)
	t.Cleanup(func() { c.Close() })
	return c
}

// datagram is what a test writes: to which receiver, and its bytes.
type datagram struct {
	to   int
	data []byte
}

// frames makes, for each of n receivers, a "frame" of equal-sized packets and a shorter last
// one, interleaved across receivers as the forwarding loop writes them, plus a lone small one.
func frames(n int) []datagram {
	var out []datagram
	for k := range 5 {
		for r := range n {
			size := 1100
			if k == 4 {
				size = 300
			}
			b := bytes.Repeat([]byte{byte(r)}, size)
			b[0], b[1] = byte(k), byte(r)
			out = append(out, datagram{r, b})
		}
	}
	return append(out, datagram{0, []byte("tail")})
}

// Every datagram arrives whole and, for each receiver, in the order written, with GSO or
// without, and when the kernel refuses GSO the writer notices and sends them plainly.
func TestRoundWriterDelivers(t *testing.T) {
	for _, mode := range []string{"gso", "plain", "refused"} {
		t.Run(mode, func(t *testing.T) {
			send := listenLoopback(t)
			if mode == "refused" {
				// A socket without UDP checksums may not use GSO: the kernel answers EINVAL.
				rc, _ := send.SyscallConn()
				_ = rc.Control(func(fd uintptr) { _ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_NO_CHECK, 1) })
			}
			w, err := newRoundWriter(send, mode != "plain")
			if err != nil {
				t.Fatal(err)
			}
			if mode != "plain" && !w.gso.Load() {
				t.Skip("the kernel does not offer UDP GSO")
			}
			recv := []*net.UDPConn{listenLoopback(t), listenLoopback(t), listenLoopback(t)}
			dgs := frames(len(recv))
			for _, d := range dgs {
				ap := recv[d.to].LocalAddr().(*net.UDPAddr).AddrPort()
				if _, err := w.WriteToAddrPort(d.data, ap); err != nil {
					t.Fatal(err)
				}
			}
			w.Flush()
			for r, c := range recv {
				var want [][]byte
				for _, d := range dgs {
					if d.to == r {
						want = append(want, d.data)
					}
				}
				buf := make([]byte, 2000)
				for i, wb := range want {
					_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
					n, err := c.Read(buf)
					if err != nil || !bytes.Equal(buf[:n], wb) {
						t.Fatalf("receiver %d, datagram %d: %v, got %d bytes % x…, want %d", r, i, err, n, buf[:min(n, 4)], len(wb))
					}
				}
			}
			sent, calls, gsoMsgs, _, gso := w.writeStats()
			t.Logf("%d datagrams in %d calls, %d GSO messages, GSO still on: %v", sent, calls, gsoMsgs, gso)
			switch mode {
			case "gso":
				if gsoMsgs != uint64(len(recv)) || calls != 1 {
					t.Fatalf("%d GSO messages in %d calls, want one per receiver in one call", gsoMsgs, calls)
				}
			case "plain":
				if gsoMsgs != 0 || calls != 1 {
					t.Fatalf("%d GSO messages in %d calls", gsoMsgs, calls)
				}
			case "refused":
				if gso {
					t.Fatal("GSO still on after the kernel refused it")
				}
			}
		})
	}
}

// Writes that no round flushes (RTCP, ICE) go out by themselves within flushAfter.
func TestRoundWriterFlushesByItself(t *testing.T) {
	w, err := newRoundWriter(listenLoopback(t), true)
	if err != nil {
		t.Fatal(err)
	}
	r := listenLoopback(t)
	if _, err := w.WriteTo([]byte("rtcp"), r.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	_ = r.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 100)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "rtcp" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}

// The forwarding path as the server runs it, up to Pion's boundary: a received packet is
// parsed, kept in the layer's history, rewritten by each of 50 slots, and each copy is queued
// in the round writer as SRTP would write it (a marshalled packet); the round ends with the
// frame and goes to a real loopback socket. It allocates nothing.
func BenchmarkForwardPath(b *testing.B) {
	const subscribers = 50
	send := listenLoopback(b)
	w, err := newRoundWriter(send, true)
	if err != nil {
		b.Fatal(err)
	}
	sink := listenLoopback(b)
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, err := sink.Read(buf); err != nil {
				return
			}
		}
	}()
	dst := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	src := &source{kind: SourceCamera, clock: 90000}
	l := &layer{src: src, q: qHigh, keepHistory: true}
	var slots []*slot
	for i := range subscribers {
		s := newSlot(nil, 2, i)
		s.writer, s.ssrc, s.pt = &portWriter{w: w, dst: dst}, uint32(1000+i), 96
		s.src, s.quality, s.pending = src, qHigh, l
		slots = append(slots, s)
		l.addSlot(s)
	}
	raw := make([]byte, 1200)
	hdr := rtp.Header{Version: 2, PayloadType: 96, SSRC: 42}
	payload := vp8Packet(1, 1, true, true)
	payload = append(payload, make([]byte, 1100-len(payload))...)
	var h rtp.Header
	var counters serverStats
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		hdr.SequenceNumber, hdr.Timestamp, hdr.Marker = uint16(i), uint32(i/8)*3000, i%8 == 7
		n, _ := hdr.MarshalTo(raw)
		n += copy(raw[n:], payload)
		hl, _ := h.Unmarshal(raw[:n])
		p := packet{seq: h.SequenceNumber, ts: h.Timestamp, marker: h.Marker, payload: raw[hl:n], arrival: int64(i)}
		p.vp8, p.isVP8 = parseVP8(p.payload)
		hist := l.hist.Load()
		if hist == nil {
			hist = newLayerHistory(historySize[l.q])
			l.hist.Store(hist)
		}
		hist.push(&p)
		for _, s := range *l.subs.Load() {
			s.forward(l, &p, &counters)
		}
		if p.marker {
			w.Flush()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*subscribers), "ns/forwarded")
}

// portWriter stands in for Pion's SRTP write stream: it marshals the packet and writes it to
// the port, as SRTP does after encrypting.
type portWriter struct {
	w   *roundWriter
	dst netip.AddrPort
	buf [1500]byte
}

func (p *portWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	n, err := h.MarshalTo(p.buf[:])
	if err != nil {
		return 0, err
	}
	n += copy(p.buf[n:], payload)
	return p.w.WriteToAddrPort(p.buf[:n], p.dst)
}

func (p *portWriter) Write(b []byte) (int, error) { return p.w.WriteToAddrPort(b, p.dst) }
