package sfuclient

import (
	"testing"
	"time"
)

// The synthetic VP8 carries what a forwarding server reads: descriptor bits, a 15-bit picture
// ID counting frames, TL0PICIDX and alternating temporal layers, key frames with start code and
// dimensions, S on the first packet and the RTP marker on the last.
func TestVP8FramesLookReal(t *testing.T) {
	v := newVP8Stream(LayerHigh, 42, 65530, 0x7ffe, 1100)
	var pkts []vp8Packet
	seq := uint16(65530)
	wantPic := uint16(0x7ffe)
	var tl0 uint8
	for f := 0; f < 6; f++ {
		key := f == 0 || f == 4
		sent := time.Now().UnixNano()
		pkts = v.frame(key, sent, pkts)
		if key && len(pkts) < 10 || !key && (len(pkts) < 5 || len(pkts) > 7) {
			t.Fatalf("frame %d (key %v): %d packets", f, key, len(pkts))
		}
		for i, p := range pkts {
			b := p.payload
			if len(b) > 1100 {
				t.Fatalf("frame %d packet %d: %d bytes", f, i, len(b))
			}
			if p.seq != seq {
				t.Fatalf("frame %d packet %d: seq %d, want %d", f, i, p.seq, seq)
			}
			seq++
			if p.marker != (i == len(pkts)-1) {
				t.Fatalf("frame %d packet %d: marker %v", f, i, p.marker)
			}
			// X=1, S on the first packet only, PartID 0; I, L, T; M=1 (15-bit picture ID).
			if b[0]&0x80 == 0 || (b[0]&0x10 != 0) != (i == 0) || b[0]&0x0f != 0 || b[1] != 0xe0 || b[2]&0x80 == 0 {
				t.Fatalf("frame %d packet %d: descriptor % x", f, i, b[:6])
			}
			d, ok := parseVP8(b)
			if !ok || !d.picID15 || d.picID != wantPic {
				t.Fatalf("frame %d packet %d: picture ID %d (15-bit %v), want %d", f, i, d.picID, d.picID15, wantPic)
			}
			wantTID := uint8(f % 2) // key frames fall on even frames here

			if !d.hasTID || d.tid != wantTID {
				t.Fatalf("frame %d: TID %d, want %d", f, d.tid, wantTID)
			}
			if !d.hasTL0 || d.tl0 != tl0 {
				t.Fatalf("frame %d: TL0PICIDX %d, want %d", f, d.tl0, tl0)
			}
			if d.keyframe != (key && i == 0) {
				t.Fatalf("frame %d packet %d: keyframe %v", f, i, d.keyframe)
			}
			if i == 0 {
				// P bit of the frame tag: 0 on key frames; key frames carry 9d 01 2a and the size.
				if (b[6]&1 == 0) != key {
					t.Fatalf("frame %d: P bit %d", f, b[6]&1)
				}
				if key && (b[9] != 0x9d || b[10] != 0x01 || b[11] != 0x2a || d.width != 1280 || d.height != 720) {
					t.Fatalf("frame %d: key frame header % x", f, b[6:16])
				}
			}
			m, ok := ReadMarker(b, true)
			if !ok || m.Source != 42 || m.Layer != LayerHigh || m.Sent != sent || m.Key != (key && i == 0) {
				t.Fatalf("frame %d packet %d: marker %+v %v", f, i, m, ok)
			}
		}
		wantPic = (wantPic + 1) & 0x7fff
		if f == 1 { // frame 2 is the only TID 0 frame that is not a key frame
			tl0++
		}
	}
}

// Bit rates come out near the layer's nominal figure: about 150, 500 and 1,500 kbit/s, and the
// high layer needs about 170 packets per second.
func TestVP8LayerRates(t *testing.T) {
	for l, want := range map[Layer]int{LayerLow: 150, LayerMid: 500, LayerHigh: 1500} {
		v := newVP8Stream(l, 1, 0, 0, 1100)
		fps := layerSpecs[l].fps
		var bytes, packets int
		var pkts []vp8Packet
		for f := 0; f < fps*10; f++ {
			pkts = v.frame(f == 0, 0, pkts)
			for _, p := range pkts {
				bytes += len(p.payload)
				packets++
			}
		}
		kbps := bytes * 8 / 10 / 1000
		if kbps < want*9/10 || kbps > want*12/10 {
			t.Errorf("layer %s: %d kbit/s, want about %d", l, kbps, want)
		}
		if l == LayerHigh && (packets/10 < 150 || packets/10 > 200) {
			t.Errorf("layer h: %d packets/s", packets/10)
		}
	}
}

// The marker round-trips and is found after the Opus TOC byte; anything else is not a marker.
func TestMarker(t *testing.T) {
	b := make([]byte, 80)
	b[0] = opusTOC
	in := Marker{Source: SourceID("point-7"), Layer: LayerAudio, Counter: 1 << 31, Sent: 1234567890123456789}
	in.put(b[1:])
	out, ok := ReadMarker(b, false)
	if !ok || out != in {
		t.Fatalf("got %+v %v, want %+v", out, ok, in)
	}
	if _, ok := ReadMarker(b, true); ok {
		t.Fatal("an Opus payload read as VP8 has no marker")
	}
	if _, ok := ReadMarker(b[:10], false); ok {
		t.Fatal("a short payload has no marker")
	}
	if SourceID("point-7") == SourceID("point-8") {
		t.Fatal("source IDs collide")
	}
}
