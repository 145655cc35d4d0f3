package sfuclient

import (
	"testing"
	"time"
)

// feeder plays the part of a server forwarding into one slot: it rewrites the sequence numbers,
// timestamps and picture IDs of whatever stream it is given, as the SFU must.
type feeder struct {
	st    *SlotStats
	seq   uint16
	ts    uint32
	picID uint16
	now   time.Time
	pkts  []vp8Packet
}

func (f *feeder) frame(v *vp8Stream, key bool, skip map[int]bool) {
	f.pkts = v.frame(key, f.now.UnixNano(), f.pkts)
	for i, p := range f.pkts {
		b := append([]byte(nil), p.payload...)
		b[2], b[3] = 0x80|byte(f.picID>>8), byte(f.picID)
		if !skip[i] {
			f.st.observe(f.now, f.seq, f.ts, b, len(b)+12, true)
		}
		f.seq++
	}
	f.picID = (f.picID + 1) & 0x7fff
	f.ts += 3000
	f.now = f.now.Add(33 * time.Millisecond)
}

// A switch to another publisher's layer that starts on its key frame and continues the
// numbering is seen as one clean switch; a lost packet is a gap, not a discontinuity.
func TestSlotStatsSwitchAndLoss(t *testing.T) {
	f := &feeder{st: &SlotStats{}, seq: 65500, ts: 1 << 31, picID: 0x7ff0, now: time.Now()}
	a := newVP8Stream(LayerHigh, 1, 0, 0, 1100)
	b := newVP8Stream(LayerLow, 2, 0, 0, 1100)
	f.frame(a, true, nil)
	for i := 0; i < 5; i++ {
		f.frame(a, false, nil)
	}
	f.frame(b, true, nil) // the switch
	f.frame(b, false, map[int]bool{1: true})
	f.frame(b, false, nil)
	s := f.st.Snapshot()
	if s.Switches != 1 || s.SwitchMaxGap != 0 || s.SwitchNotKey != 0 || len(s.SwitchLog) != 1 {
		t.Fatalf("switch: %+v", s)
	}
	if sw := s.SwitchLog[0]; sw.From.Source != 1 || sw.From.Layer != LayerHigh || sw.To.Source != 2 || sw.To.Layer != LayerLow {
		t.Fatalf("switch log: %+v", sw)
	}
	if s.Lost() != 1 || s.MaxGap != 1 || s.CounterLost != 1 || s.Discontinuities != 0 || s.TSBackwards != 0 {
		t.Fatalf("loss: lost %d %+v", s.Lost(), s)
	}
	if s.PicIDJumps != 0 || s.PicIDBackwards != 0 || s.KeyFrames != 2 || s.Source != 2 || s.Layer != LayerLow {
		t.Fatalf("frames: %+v", s)
	}
	if s.Freezes != 0 || s.FirstKeyAt.IsZero() {
		t.Fatalf("freezes: %+v", s)
	}
}

// What a careless server would do shows: numbering that restarts, a timestamp that goes back,
// a picture ID that skips with nothing lost, a switch onto a delta frame.
func TestSlotStatsCatchesBadRewriting(t *testing.T) {
	f := &feeder{st: &SlotStats{}, seq: 100, ts: 5000, now: time.Now()}
	a := newVP8Stream(LayerHigh, 1, 0, 0, 1100)
	b := newVP8Stream(LayerMid, 1, 0, 0, 1100)
	f.frame(a, true, nil)
	f.frame(a, false, nil)
	f.picID += 3
	f.frame(a, false, nil)
	f.ts -= 9000
	f.frame(a, false, nil)
	f.frame(b, false, nil) // switch onto a delta frame
	f.seq -= 2000
	f.frame(b, false, nil)
	s := f.st.Snapshot()
	if s.PicIDJumps != 1 || s.TSBackwards != 1 || s.SwitchNotKey != 1 || s.Discontinuities == 0 {
		t.Fatalf("%+v", s)
	}
	if !s.Frozen {
		t.Fatal("a switch onto a delta frame leaves the decoder waiting for a key frame")
	}
}

// Retransmissions fill holes (late, not lost) and a duplicate is counted once.
func TestSlotStatsLateAndDuplicate(t *testing.T) {
	st := &SlotStats{}
	now := time.Now()
	pay := make([]byte, 40)
	pay[0] = opusTOC
	for _, seq := range []uint16{10, 11, 13, 14, 12, 14} {
		Marker{Source: 9, Layer: LayerAudio, Counter: uint32(seq)}.put(pay[1:])
		st.observe(now, seq, uint32(seq)*960, pay, 52, false)
	}
	s := st.Snapshot()
	if s.Expected != 5 || s.Lost() != 0 || s.Late != 1 || s.Duplicates != 1 || s.MaxGap != 1 {
		t.Fatalf("%+v lost %d", s, s.Lost())
	}
	if s.CounterLost != 1 || s.CounterLate != 1 {
		t.Fatalf("counters: %+v", s)
	}
}

func TestHistogramPercentiles(t *testing.T) {
	var h, g Histogram
	for i := 1; i <= 1000; i++ {
		h.Add(time.Duration(i) * 10 * time.Microsecond) // 10 µs … 10 ms
	}
	g.Add(3 * time.Second)
	g.Merge(&h)
	if p := g.Percentile(50); p < 4900*time.Microsecond || p > 5100*time.Microsecond {
		t.Fatalf("p50 %v", p)
	}
	if p := g.Percentile(100); p < 3*time.Second || p > 3100*time.Millisecond {
		t.Fatalf("p100 %v", p)
	}
	if g.Count() != 1001 || g.Max() != 3*time.Second {
		t.Fatalf("count %d max %v", g.Count(), g.Max())
	}
	if d := g.Sub(&h); d.Count() != 1 {
		t.Fatalf("window count %d", d.Count())
	}
}

// A RED packet's redundant blocks fill the holes of the packets they repeat.
func TestSlotStatsREDRecovers(t *testing.T) {
	st := &SlotStats{}
	now := time.Now()
	opus := make([]byte, 40)
	opus[0] = opusTOC
	red := func(seq uint16, back ...int) []byte {
		var hdr, data []byte
		for _, b := range back {
			off := uint32(b * 960)
			hdr = append(hdr, 0x80|111, byte(off>>6), byte(off<<2)|byte(len(opus)>>8), byte(len(opus)))
			data = append(data, opus...)
		}
		Marker{Source: 1, Layer: LayerAudio, Counter: uint32(seq)}.put(opus[1:])
		return append(append(append(hdr, 111), data...), opus...)
	}
	for _, seq := range []uint16{1, 2, 5, 6} { // 3 and 4 lost
		p, ok := parseRED(red(seq, 2, 1))
		if !ok || p.n != 2 || len(p.primary) != len(opus) {
			t.Fatalf("parse: %+v %v", p, ok)
		}
		st.observe(now, seq, uint32(seq)*960, p.primary, 100, false)
		st.recover(seq, p)
	}
	s := st.Snapshot()
	if s.Lost() != 2 || s.Recovered != 2 || s.Unrepaired() != 0 || s.RED != 4 {
		t.Fatalf("lost %d recovered %d: %+v", s.Lost(), s.Recovered, s)
	}
	if _, ok := parseRED([]byte{0x80 | 111, 0, 4, 200, 111}); ok {
		t.Fatal("a block longer than the payload parsed")
	}
}
