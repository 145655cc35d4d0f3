package sfu

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// historyStream is a publisher's layer whose packets are kept in the layer's shared history, as
// the reading loop keeps them, before the slot forwards them.
func (st *stream) historyFrame(t *testing.T, s *slot, key bool, at time.Time, n int) {
	t.Helper()
	st.pic = (st.pic + 1) & 0x7fff
	st.tl0++
	for i := 0; i < n; i++ {
		payload := vp8Packet(st.pic, st.tl0, i == 0, key)
		p := packet{seq: st.seq, ts: st.ts, marker: i == n-1, payload: payload, arrival: at.UnixNano()}
		p.vp8, p.isVP8 = parseVP8(payload)
		st.l.keep(&p)
		s.forward(st.l, &p, &serverStats{})
		st.seq++
	}
	st.ts += st.tsPerFrm
}

// A NACK for any packet the slot wrote, before or after a switch to another layer, is answered
// with that packet exactly as it was written: same number, timestamp and rewritten VP8 picture
// ID, from the history of the layer it came from.
func TestResendFromSharedHistoryAcrossSwitch(t *testing.T) {
	for _, rtx := range []bool{false, true} {
		src := &source{kind: SourceCamera, clock: 90000}
		low := &layer{src: src, q: qLow, keepHistory: true}
		high := &layer{src: src, q: qHigh, keepHistory: true}
		s := newSlot(nil, webrtc.RTPCodecTypeVideo, 0)
		w := &recorder{}
		s.writer, s.ssrc, s.pt = w, 1234, 96
		if rtx {
			s.rtxSSRC, s.rtxPT, s.rtxSeq = 5678, 97, 40000
		}
		s.src, s.quality = src, qLow
		a := &stream{l: low, seq: 65530, ts: 4294960000, pic: 32760, tl0: 250, tsPerFrm: 6000}
		b := &stream{l: high, seq: 1000, ts: 777, pic: 90, tl0: 3, tsPerFrm: 3000}
		t0 := time.Unix(1000, 0)
		s.pending = low
		a.historyFrame(t, s, true, t0, 3)
		for i := 1; i <= 4; i++ {
			a.historyFrame(t, s, false, t0.Add(time.Duration(i)*66*time.Millisecond), 2)
		}
		s.pending = high
		b.historyFrame(t, s, false, t0.Add(400*time.Millisecond), 2) // not key: low goes on
		a.historyFrame(t, s, false, t0.Add(400*time.Millisecond), 2)
		b.historyFrame(t, s, true, t0.Add(450*time.Millisecond), 3)
		b.historyFrame(t, s, false, t0.Add(500*time.Millisecond), 2)
		written := append([]rtpPacketCopy(nil), copies(w)...)
		if len(written) != 3+8+2+3+2 {
			t.Fatalf("wrote %d packets", len(written))
		}
		w.pkts = nil
		for _, orig := range written {
			if !s.resend(1234, orig.seq) {
				t.Fatalf("rtx=%v: seq %d not resent", rtx, orig.seq)
			}
		}
		for i, got := range w.pkts {
			orig := written[i]
			seq, ssrc, pt, payload := got.SequenceNumber, got.SSRC, got.PayloadType, got.Payload
			if rtx {
				if ssrc != 5678 || pt != 97 || seq != uint16(40000+i) || len(payload) < 2 {
					t.Fatalf("RTX packet %d: ssrc %d pt %d seq %d", i, ssrc, pt, seq)
				}
				seq, ssrc, pt, payload = uint16(payload[0])<<8|uint16(payload[1]), 1234, 96, payload[2:]
			}
			if seq != orig.seq || ssrc != 1234 || pt != 96 || got.Timestamp != orig.ts || got.Marker != orig.marker || !bytes.Equal(payload, orig.payload) {
				t.Fatalf("rtx=%v: resent %d (ts %d marker %v % x), wrote %d (ts %d marker %v % x)", rtx,
					seq, got.Timestamp, got.Marker, payload, orig.seq, orig.ts, orig.marker, orig.payload)
			}
		}
		// Numbers never written, or from before the slot started, are not answered.
		last := written[len(written)-1].seq
		for _, seq := range []uint16{last + 1, written[0].seq - 1} {
			if s.resend(1234, seq) {
				t.Fatalf("resent %d, which was never written", seq)
			}
		}
		if s.resend(999, written[0].seq) {
			t.Fatal("answered a NACK for another SSRC")
		}
	}
}

type rtpPacketCopy struct {
	seq     uint16
	ts      uint32
	marker  bool
	payload []byte
}

func copies(w *recorder) []rtpPacketCopy {
	var out []rtpPacketCopy
	for _, p := range w.pkts {
		out = append(out, rtpPacketCopy{p.SequenceNumber, p.Timestamp, p.Marker, p.Payload})
	}
	return out
}

// The ring answers for what it still holds and refuses what was overwritten or never stored.
func TestLayerHistoryRing(t *testing.T) {
	h := newLayerHistory(128)
	buf := make([]byte, histMTU)
	for seq := uint16(65500); seq != 100; seq++ {
		p := packet{seq: seq, ts: uint32(seq) * 10, payload: []byte{byte(seq), byte(seq >> 8)}}
		h.push(&p)
	}
	for seq := uint16(65536 + 100 - 128); seq != 100; seq++ {
		p, ok := h.get(seq, buf)
		if !ok || p.ts != uint32(seq)*10 || p.payload[0] != byte(seq) || p.payload[1] != byte(seq>>8) {
			t.Fatalf("seq %d: ok %v ts %d", seq, ok, p.ts)
		}
	}
	for _, seq := range []uint16{65536 + 100 - 129, 100, 65499} {
		if _, ok := h.get(seq, buf); ok {
			t.Fatalf("seq %d should be gone or absent", seq)
		}
	}
	big := packet{seq: 100, payload: make([]byte, histMTU+1)}
	h.push(&big)
	if _, ok := h.get(100, buf); ok {
		t.Fatal("a payload over histMTU was stored")
	}
}

// Keeping a packet in the shared history and answering from it allocate nothing.
func BenchmarkLayerHistory(b *testing.B) {
	h := newLayerHistory(512)
	payload := make([]byte, 1100)
	buf := make([]byte, histMTU)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := packet{seq: uint16(i), payload: payload}
		h.push(&p)
		if _, ok := h.get(uint16(i-10), buf); !ok && i > 10 {
			b.Fatal("lost")
		}
	}
}
