package record

import (
	"encoding/binary"
	"time"

	"github.com/pion/rtp/codecs"
)

// VP8 frame reassembly from RTP (RFC 7741). Packets are put back in sequence order through a small
// reorder window; a frame is the payloads of consecutive packets that share a timestamp, from the
// packet that starts partition 0 to the one with the marker bit. A missing packet breaks the frame
// it belonged to and every inter frame after it (they may refer to what was lost), so after a gap
// the assembler drops frames until the next key frame.

const (
	// reorderWindow is how many packets may wait for a missing earlier one before it is declared
	// lost, and reorderWait how long: long enough for a retransmission after a NACK on most
	// links, short enough that the recording asks for a key frame soon after a real loss.
	reorderWindow = 64
	reorderWait   = 300 * time.Millisecond
	// maxFrameBytes bounds one frame; anything bigger is not a frame a browser sent.
	maxFrameBytes = 4 << 20
)

// rtpIn is a packet as the recorder keeps it: what it needs of the header, its own copy of the
// payload, and when it arrived.
type rtpIn struct {
	video   bool
	seq     uint16
	ts      uint32
	marker  bool
	payload []byte
	at      time.Time
}

// vp8Frame is a reassembled frame.
type vp8Frame struct {
	ts   uint32
	at   time.Time // arrival of its last packet
	data []byte
	key  bool
}

// vp8Assembler turns VP8 RTP packets into frames. It is not safe for concurrent use.
type vp8Assembler struct {
	started      bool
	next         uint16 // the sequence number expected next
	waiting      map[uint16]rtpIn
	waitingSince time.Time // arrival of the first packet that began to wait

	desc    codecs.VP8Packet
	inFrame bool
	frameTS uint32
	frame   []byte
	needKey bool // after a gap (and at the start) only a key frame may follow

	lostPackets   int
	latePackets   int
	droppedFrames int
}

func newVP8Assembler() *vp8Assembler {
	return &vp8Assembler{waiting: map[uint16]rtpIn{}, needKey: true}
}

// push takes a packet and calls emit for every frame it completes, in order.
func (a *vp8Assembler) push(p rtpIn, emit func(vp8Frame)) {
	if !a.started {
		a.started, a.next = true, p.seq
	}
	d := int16(p.seq - a.next)
	switch {
	case d < 0:
		a.latePackets++ // a duplicate, or too late: its place in the stream has passed
		return
	case d > 0:
		if _, dup := a.waiting[p.seq]; !dup {
			a.waiting[p.seq] = p
			if len(a.waiting) == 1 {
				a.waitingSince = p.at
			}
		}
		if len(a.waiting) > reorderWindow || int(d) > 4*reorderWindow || p.at.Sub(a.waitingSince) > reorderWait {
			a.skipToWaiting(emit)
		}
		return
	}
	a.process(p, emit)
	a.next++
	a.drain(emit)
}

// drain processes the packets waiting that now follow in order.
func (a *vp8Assembler) drain(emit func(vp8Frame)) {
	for len(a.waiting) > 0 {
		p, ok := a.waiting[a.next]
		if !ok {
			// Still waiting: the clock restarts from the earliest arrival among those left.
			a.waitingSince = time.Time{}
			for _, w := range a.waiting {
				if a.waitingSince.IsZero() || w.at.Before(a.waitingSince) {
					a.waitingSince = w.at
				}
			}
			return
		}
		delete(a.waiting, a.next)
		a.process(p, emit)
		a.next++
	}
}

// skipToWaiting gives up on the packets missing before the earliest one waiting.
func (a *vp8Assembler) skipToWaiting(emit func(vp8Frame)) {
	first, best := a.next, -1
	for s := range a.waiting {
		if d := int(int16(s - a.next)); best < 0 || d < best {
			first, best = s, d
		}
	}
	if best < 0 {
		return
	}
	a.lostPackets += best
	a.gap()
	a.next = first
	a.drain(emit)
}

// flush gives up on anything missing and processes what is waiting (the recording ends).
func (a *vp8Assembler) flush(emit func(vp8Frame)) {
	for len(a.waiting) > 0 {
		a.skipToWaiting(emit)
	}
}

// gap records that packets are missing: the frame being assembled is incomplete, and frames
// after it cannot be decoded until a key frame.
func (a *vp8Assembler) gap() {
	if a.inFrame {
		a.droppedFrames++
	}
	a.inFrame, a.needKey = false, true
}

func (a *vp8Assembler) process(p rtpIn, emit func(vp8Frame)) {
	if len(p.payload) == 0 {
		return // padding (bandwidth probing) takes a sequence number but is no part of a frame
	}
	data, err := a.desc.Unmarshal(p.payload)
	if err != nil {
		a.gap() // a malformed descriptor is as good as a lost packet
		return
	}
	if a.inFrame && p.ts != a.frameTS {
		// The timestamp moved on without a marker bit: the packets were contiguous, so the frame
		// is complete (a sender may leave the marker out).
		a.finish(p.at, emit)
	}
	if !a.inFrame {
		if a.desc.S != 1 || a.desc.PID != 0 {
			// The middle of a frame whose start we never saw (the first packets of the recording).
			a.needKey = true
			return
		}
		a.inFrame, a.frameTS, a.frame = true, p.ts, a.frame[:0]
	}
	if len(a.frame)+len(data) > maxFrameBytes {
		a.gap()
		return
	}
	a.frame = append(a.frame, data...)
	if p.marker {
		a.finish(p.at, emit)
	}
}

func (a *vp8Assembler) finish(at time.Time, emit func(vp8Frame)) {
	a.inFrame = false
	if len(a.frame) == 0 {
		return
	}
	_, _, key := vp8KeyFrame(a.frame)
	if a.needKey && !key {
		a.droppedFrames++
		return
	}
	a.needKey = false
	out := make([]byte, len(a.frame))
	copy(out, a.frame)
	emit(vp8Frame{ts: a.frameTS, at: at, data: out, key: key})
}

// vp8KeyFrame reads a frame's uncompressed header (RFC 6386 section 9.1): a key frame has the
// P bit clear, the start code 9d 01 2a, and its width and height (14 bits each; the top two bits
// are the scaling mode).
func vp8KeyFrame(f []byte) (width, height int, key bool) {
	if len(f) < 10 || f[0]&1 != 0 || f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
		return 0, 0, false
	}
	w := int(binary.LittleEndian.Uint16(f[6:8]) & 0x3fff)
	h := int(binary.LittleEndian.Uint16(f[8:10]) & 0x3fff)
	if w == 0 || h == 0 {
		return 0, 0, false
	}
	return w, h, true
}
