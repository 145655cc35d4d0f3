package sfu

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/rtp"
	"github.com/pion/transport/v5/udp"
	"github.com/pion/webrtc/v4"
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

// The forwarding path as the server runs it, up to Pion's SRTP: a received packet is parsed,
// kept in the layer's history, rewritten by each of 50 slots, and each copy is written as SRTP
// writes it (a marshalled packet) to the media port, towards a real loopback socket.
// "shared" is this server's path: one history per layer, the round writer flushed at the end
// of each frame; "legacy" the previous one: Pion's NACK responder copying every packet per
// slot, Pion's batching connection and its flusher goroutine. cpu-ns/forwarded is the whole
// process's CPU time (every goroutine, the system calls included) per packet forwarded. The
// paths take turns, A B A B, so that a change in the machine's load falls on both.
func BenchmarkForwardPath(b *testing.B) {
	for _, path := range []string{"shared", "legacy", "shared", "legacy"} {
		b.Run(path, func(b *testing.B) { benchmarkForwardPath(b, path == "legacy") })
	}
}

func benchmarkForwardPath(b *testing.B, legacy bool) {
	const subscribers = 50
	send := listenLoopback(b)
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
	var w *roundWriter
	var port net.PacketConn
	if legacy {
		bc := udp.NewBatchConn(send, 64, 500*time.Microsecond)
		b.Cleanup(func() { bc.Close() })
		port = bc
	} else {
		var err error
		if w, err = newRoundWriter(send, true); err != nil {
			b.Fatal(err)
		}
		port = w
	}
	src := &source{kind: SourceCamera, clock: 90000}
	l := &layer{src: src, q: qHigh, keepHistory: !legacy}
	respF, err := nack.NewResponderInterceptor(nack.ResponderSize(nackHistory))
	if err != nil {
		b.Fatal(err)
	}
	for i := range subscribers {
		s := newSlot(nil, 2, i)
		var out webrtc.TrackLocalWriter = &portWriter{conn: port, dst: net.UDPAddrFromAddrPort(dst)}
		if legacy {
			resp, _ := respF.NewInterceptor("")
			info := &interceptor.StreamInfo{SSRC: uint32(1000 + i), RTCPFeedback: []interceptor.RTCPFeedback{{Type: "nack"}}}
			out = &chainWriter{resp.BindLocalStream(info, interceptor.RTPWriterFunc(out.(*portWriter).Write3))}
		}
		s.writer, s.ssrc, s.pt = out, uint32(1000+i), 96
		s.src, s.quality, s.pending = src, qHigh, l
		l.addSlot(s)
	}
	raw := make([]byte, 1200)
	hdr := rtp.Header{Version: 2, PayloadType: 96, SSRC: 42}
	payload := vp8Packet(1, 1, true, true)
	payload = append(payload, make([]byte, 1100-len(payload))...)
	var h rtp.Header
	var counters serverStats
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		hdr.SequenceNumber, hdr.Timestamp, hdr.Marker = uint16(i), uint32(i/8)*3000, i%8 == 7
		n, _ := hdr.MarshalTo(raw)
		n += copy(raw[n:], payload)
		hl, _ := h.Unmarshal(raw[:n])
		p := packet{seq: h.SequenceNumber, ts: h.Timestamp, marker: h.Marker, payload: raw[hl:n], arrival: int64(i)}
		p.vp8, p.isVP8 = parseVP8(p.payload)
		l.keep(&p)
		for _, s := range *l.subs.Load() {
			s.forward(l, &p, &counters)
		}
		if p.marker {
			w.Flush()
		}
	}
	w.Flush()
	time.Sleep(2 * time.Millisecond) // the legacy flusher's last batch
	forwarded := float64(b.N * subscribers)
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/forwarded, "cpu-ns/forwarded")
}

// processCPU is the CPU time (user and system) the whole test process has used.
func processCPU() time.Duration {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// chainWriter gives an interceptor's writer the TrackLocalWriter face Pion gives a track.
type chainWriter struct{ w interceptor.RTPWriter }

func (c *chainWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	return c.w.Write(h, payload, nil)
}

func (c *chainWriter) Write(b []byte) (int, error) { return len(b), nil }

// portWriter stands in for Pion's SRTP write stream: it marshals the packet and writes it to
// the media port, as SRTP does after encrypting.
type portWriter struct {
	conn net.PacketConn
	dst  *net.UDPAddr
	buf  [1500]byte
}

func (p *portWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	n, err := h.MarshalTo(p.buf[:])
	if err != nil {
		return 0, err
	}
	n += copy(p.buf[n:], payload)
	return p.conn.WriteTo(p.buf[:n], p.dst)
}

func (p *portWriter) Write(b []byte) (int, error) { return p.conn.WriteTo(b, p.dst) }

// Write as an interceptor.RTPWriter, for the legacy chain.
func (p *portWriter) Write3(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	return p.WriteRTP(h, payload)
}
