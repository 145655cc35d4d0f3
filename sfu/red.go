package sfu

import "sync/atomic"

// RED (RFC 2198) for audio towards lossy links: each packet also carries the one or two Opus
// packets before it, so a listener that lost a packet rebuilds it from the next one. Browsers
// decode it natively; the SFU turns it on per subscriber from the loss in its receiver reports
// and off again when the link is clean, since it doubles or triples the audio bitrate.

const mimeTypeRED = "audio/red"

// redHistory keeps the last Opus payloads written by an audio slot, for redundancy.
type redHistory struct {
	n    int
	seq  [2]uint16
	ts   [2]uint32
	data [2][]byte
}

func (h *redHistory) reset() { h.n = 0 }

// push remembers a primary payload (most recent first).
func (h *redHistory) push(seq uint16, ts uint32, payload []byte) {
	if len(payload) > 1023 {
		h.n = 0
		return
	}
	h.seq[1], h.ts[1] = h.seq[0], h.ts[0]
	h.data[1] = append(h.data[1][:0], h.data[0]...)
	h.seq[0], h.ts[0] = seq, ts
	h.data[0] = append(h.data[0][:0], payload...)
	h.n = min(h.n+1, 2)
}

// encode writes a RED payload into dst: up to distance earlier packets that directly precede
// seq, then the primary. It returns the payload, or nil if RED does not apply.
func (h *redHistory) encode(dst []byte, distance int, pt uint8, seq uint16, ts uint32, primary []byte) []byte {
	var use [2]int
	k := 0
	for i := min(distance, h.n) - 1; i >= 0; i-- { // oldest first
		if h.seq[i] != seq-uint16(i+1) {
			continue
		}
		off := ts - h.ts[i]
		if off >= 1<<14 {
			continue
		}
		use[k] = i
		k++
	}
	size := 1 + len(primary)
	for j := 0; j < k; j++ {
		size += 4 + len(h.data[use[j]])
	}
	if size > len(dst) {
		return nil
	}
	b := dst[:0]
	for j := 0; j < k; j++ {
		i := use[j]
		off := ts - h.ts[i]
		l := len(h.data[i])
		b = append(b, 0x80|pt&0x7f, byte(off>>6), byte(off<<2)|byte(l>>8)&0x03, byte(l))
	}
	b = append(b, pt&0x7f)
	for j := 0; j < k; j++ {
		b = append(b, h.data[use[j]]...)
	}
	return append(b, primary...)
}

// redLevel decides a subscriber's redundancy from the fraction lost its receiver reports give
// (0–255): none on a clean link, one packet from 2% loss, two from 8%; it goes down only after
// the loss stayed low for a while, so RED does not flap on and off.
type redLevel struct {
	distance atomic.Int32
	calm     int
}

func (r *redLevel) update(fractionLost uint32) {
	want := int32(0)
	switch {
	case fractionLost >= 20: // 8%
		want = 2
	case fractionLost >= 5: // 2%
		want = 1
	}
	cur := r.distance.Load()
	if want >= cur {
		r.calm = 0
		r.distance.Store(want)
		return
	}
	r.calm++
	if r.calm >= 20 { // 10 s of rounds
		r.calm = 0
		r.distance.Store(want)
	}
}
