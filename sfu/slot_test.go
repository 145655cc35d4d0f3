package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// recorder stands in for Pion's write stream: the slot's rewriting is tested on what it writes.
type recorder struct{ pkts []rtp.Packet }

func (w *recorder) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.pkts = append(w.pkts, rtp.Packet{Header: *h, Payload: append([]byte(nil), payload...)})
	return len(payload), nil
}
func (w *recorder) Write(b []byte) (int, error) { return len(b), nil }

// vp8Packet builds a VP8 payload with a 15-bit picture ID and TL0PICIDX.
func vp8Packet(pic uint16, tl0 uint8, start, key bool) []byte {
	b0 := byte(0x80)
	if start {
		b0 |= 0x10
	}
	hdr := byte(0x01) // inter frame
	if key {
		hdr = 0x00
	}
	return []byte{b0, 0xe0, 0x80 | byte(pic>>8), byte(pic), tl0, 0x40, hdr, 0x9d, 0x01, 0x2a, 1, 2, 3}
}

// stream is a publisher's layer producing frames of packetsPerFrame packets.
type stream struct {
	l        *layer
	seq      uint16
	ts       uint32
	pic      uint16
	tl0      uint8
	tsPerFrm uint32
}

func (st *stream) frame(t *testing.T, s *slot, key bool, at time.Time, n int) {
	t.Helper()
	st.pic = (st.pic + 1) & 0x7fff
	st.tl0++
	for i := 0; i < n; i++ {
		payload := vp8Packet(st.pic, st.tl0, i == 0, key)
		p := packet{seq: st.seq, ts: st.ts, marker: i == n-1, payload: payload, arrival: at.UnixNano()}
		p.vp8, p.isVP8 = parseVP8(payload)
		s.forward(st.l, &p, &serverStats{})
		st.seq++
	}
	st.ts += st.tsPerFrm
}

func TestSlotSwitchesLayersWithoutGaps(t *testing.T) {
	src := &source{kind: SourceCamera, clock: 90000}
	low := &layer{src: src, q: qLow}
	high := &layer{src: src, q: qHigh}
	s := newSlot(nil, webrtc.RTPCodecTypeVideo, 0)
	w := &recorder{}
	s.writer, s.ssrc, s.pt = w, 1234, 96
	s.src, s.quality = src, qLow
	// The layers have unrelated numbering, as a browser's simulcast encodings do.
	a := &stream{l: low, seq: 65530, ts: 4294960000, pic: 32760, tl0: 250, tsPerFrm: 6000}
	b := &stream{l: high, seq: 1000, ts: 777, pic: 90, tl0: 3, tsPerFrm: 3000}

	t0 := time.Unix(1000, 0)
	s.pending = low
	a.frame(t, s, false, t0, 2) // not a key frame: nothing is sent yet
	if len(w.pkts) != 0 {
		t.Fatalf("sent %d packets before a key frame", len(w.pkts))
	}
	a.frame(t, s, true, t0, 3)
	for i := 1; i <= 5; i++ { // across the sequence and picture ID wrap
		a.frame(t, s, false, t0.Add(time.Duration(i)*66*time.Millisecond), 2)
	}
	s.pending = high
	b.frame(t, s, false, t0.Add(400*time.Millisecond), 2) // high, not key: low goes on
	a.frame(t, s, false, t0.Add(400*time.Millisecond), 2)
	b.frame(t, s, true, t0.Add(450*time.Millisecond), 4)  // the switch
	a.frame(t, s, false, t0.Add(460*time.Millisecond), 2) // old layer: dropped
	b.frame(t, s, false, t0.Add(483*time.Millisecond), 3)

	if s.cur != high || s.pending != nil {
		t.Fatalf("slot carries %v pending %v, want the high layer", s.cur, s.pending)
	}
	var keys int
	for i, p := range w.pkts {
		if p.SSRC != 1234 || p.PayloadType != 96 {
			t.Fatalf("packet %d: ssrc %d pt %d", i, p.SSRC, p.PayloadType)
		}
		d, _ := parseVP8(p.Payload)
		if d.keyframe {
			keys++
		}
		if i == 0 {
			continue
		}
		prev := w.pkts[i-1]
		if p.SequenceNumber != prev.SequenceNumber+1 {
			t.Fatalf("packet %d: sequence %d after %d", i, p.SequenceNumber, prev.SequenceNumber)
		}
		if dt := int32(p.Timestamp - prev.Timestamp); dt < 0 || dt > 90000 {
			t.Fatalf("packet %d: timestamp step %d", i, dt)
		}
		pd, _ := parseVP8(prev.Payload)
		if d.start {
			if want := (pd.picID + 1) & 0x7fff; d.picID != want {
				t.Fatalf("packet %d: picture ID %d after %d", i, d.picID, pd.picID)
			}
			if d.tl0 != pd.tl0+1 {
				t.Fatalf("packet %d: TL0PICIDX %d after %d", i, d.tl0, pd.tl0)
			}
		} else if d.picID != pd.picID {
			t.Fatalf("packet %d: picture ID changed inside a frame", i)
		}
	}
	if keys != 2 {
		t.Fatalf("key frames forwarded = %d, want 2 (the start and the switch)", keys)
	}
	// 3+10+2 packets of low, then 4+3 of high; the low frame after the switch was dropped.
	if len(w.pkts) != 22 {
		t.Fatalf("forwarded %d packets, want 22", len(w.pkts))
	}
	// The high layer's first frame follows 50 ms after the last low packet in time.
	var first int
	for i, p := range w.pkts {
		if d, _ := parseVP8(p.Payload); d.keyframe && i > 0 {
			first = i
		}
	}
	if dt := w.pkts[first].Timestamp - w.pkts[first-1].Timestamp; dt < 4000 || dt > 5000 {
		t.Fatalf("timestamp advanced %d at the switch, want about 50 ms (4500)", dt)
	}
}

func TestSlotDropsPacketsOlderThanTheSwitch(t *testing.T) {
	src := &source{kind: SourceCamera, clock: 90000}
	l := &layer{src: src, q: qHigh}
	s := newSlot(nil, webrtc.RTPCodecTypeVideo, 0)
	w := &recorder{}
	s.writer = w
	s.pending = l
	st := &stream{l: l, seq: 500, ts: 1, pic: 1, tsPerFrm: 3000}
	st.frame(t, s, true, time.Unix(1, 0), 2)
	// A retransmission of a packet from before the key frame arrives late.
	old := packet{seq: 480, ts: 0, payload: vp8Packet(0, 0, true, false)}
	old.vp8, old.isVP8 = parseVP8(old.payload)
	s.forward(l, &old, &serverStats{})
	if len(w.pkts) != 2 {
		t.Fatalf("forwarded %d packets, want the 2 of the key frame only", len(w.pkts))
	}
}

func TestAudioSlotSwitchesSourcesAtOnce(t *testing.T) {
	a := &layer{src: &source{kind: SourceMic, audio: true, clock: 48000}, q: qHigh}
	b := &layer{src: &source{kind: SourceMic, audio: true, clock: 48000}, q: qHigh}
	s := newSlot(nil, webrtc.RTPCodecTypeAudio, 0)
	w := &recorder{}
	s.writer = w
	s.pending = a
	t0 := time.Unix(5, 0)
	for i := 0; i < 5; i++ {
		p := packet{seq: uint16(100 + i), ts: uint32(960 * i), payload: []byte{1}, arrival: t0.Add(time.Duration(i) * 20 * time.Millisecond).UnixNano()}
		s.forward(a, &p, &serverStats{})
	}
	s.pending = b
	p := packet{seq: 9, ts: 123456, payload: []byte{2}, arrival: t0.Add(100 * time.Millisecond).UnixNano()}
	s.forward(b, &p, &serverStats{})
	if len(w.pkts) != 6 {
		t.Fatalf("forwarded %d, want 6", len(w.pkts))
	}
	last, prev := w.pkts[5], w.pkts[4]
	if last.SequenceNumber != prev.SequenceNumber+1 || last.Timestamp-prev.Timestamp != 960 {
		t.Fatalf("after the switch: seq %d→%d ts %d→%d", prev.SequenceNumber, last.SequenceNumber, prev.Timestamp, last.Timestamp)
	}
}

func TestParseVP8(t *testing.T) {
	d, ok := parseVP8(vp8Packet(0x1234, 7, true, true))
	if !ok || !d.start || !d.keyframe || d.picID != 0x1234 || !d.picID15 || d.tl0 != 7 || d.headerAt != 6 {
		t.Fatalf("parse = %+v %v", d, ok)
	}
	// A 7-bit picture ID, no extensions after it.
	d, ok = parseVP8([]byte{0x90, 0x80, 0x05, 0x00})
	if !ok || d.picID != 5 || d.picID15 || d.tl0At != -1 || !d.keyframe {
		t.Fatalf("short parse = %+v %v", d, ok)
	}
	for _, bad := range [][]byte{{}, {0x80}, {0x80, 0x80}, {0x80, 0x80, 0x80}, {0x80, 0x40}} {
		if _, ok := parseVP8(bad); ok {
			t.Fatalf("parsed truncated %x", bad)
		}
	}
}

func FuzzParseVP8(f *testing.F) {
	f.Add(vp8Packet(1, 1, true, true))
	f.Add([]byte{0x90, 0x80, 0x05, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, ok := parseVP8(b)
		if !ok {
			return
		}
		if d.headerAt > len(b) {
			t.Fatalf("header beyond the payload")
		}
		buf := append([]byte(nil), b...)
		d.writePicID(buf, d.picID)
		if string(buf) != string(b) {
			t.Fatalf("rewriting the same picture ID changed the payload")
		}
	})
}
