package record

import "encoding/binary"

// Opus needs no reassembly: each RTP packet carries one Opus packet (RFC 7587). The recorder only
// drops duplicates and packets too old to place, and reads each packet's duration from its TOC
// byte (RFC 6716 section 3.1) to know where the recording ends.

// seqWindow remembers which of the last 64 sequence numbers were seen, to drop duplicates while
// letting a packet that is merely late through.
type seqWindow struct {
	started bool
	highest uint16
	seen    uint64 // bit i: highest-i was seen
}

// fresh reports whether seq is new, and remembers it.
func (w *seqWindow) fresh(seq uint16) bool {
	if !w.started {
		w.started, w.highest, w.seen = true, seq, 1
		return true
	}
	d := int(int16(seq - w.highest))
	switch {
	case d > 0:
		if d >= 64 {
			w.seen = 0
		} else {
			w.seen <<= uint(d)
		}
		w.seen |= 1
		w.highest = seq
		return true
	case -d >= 64:
		return false
	}
	bit := uint64(1) << uint(-d)
	if w.seen&bit != 0 {
		return false
	}
	w.seen |= bit
	return true
}

// opusDuration is the playing time of an Opus packet in 48 kHz samples, 0 if the packet is not
// well formed.
func opusDuration(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	toc := p[0]
	cfg := int(toc >> 3)
	var frame int // samples per frame at 48 kHz
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		frame = []int{480, 960, 1920, 2880}[cfg%4]
	case cfg < 16: // hybrid: 10, 20 ms
		frame = []int{480, 960}[cfg%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = []int{120, 240, 480, 960}[cfg%4]
	}
	var frames int
	switch toc & 3 {
	case 0:
		frames = 1
	case 1, 2:
		frames = 2
	default:
		if len(p) < 2 {
			return 0
		}
		frames = int(p[1] & 0x3f)
	}
	if frames*frame > 5760 { // at most 120 ms in one packet
		return 0
	}
	return frames * frame
}

// opusHead is the CodecPrivate of an A_OPUS track: the identification header of RFC 7845
// section 5.1 ("OpusHead", version 1, channels, pre-skip 0, 48 kHz input, gain 0, mapping 0).
func opusHead(channels int) []byte {
	b := []byte("OpusHead")
	b = append(b, 1, byte(channels))
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 48000)
	b = binary.LittleEndian.AppendUint16(b, 0)
	return append(b, 0)
}
