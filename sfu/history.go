package sfu

import (
	"sync"

	"github.com/pion/rtp"
)

// layerHistory keeps the last packets of one published video layer as they arrived, once for
// all the slots that forward it: a subscriber's NACK is answered from here through the slot's
// own numbering (slot.resend), instead of every subscriber's track keeping a copy of every
// packet it was sent. With a hundred subscribers on a layer that is a hundred times less
// memory and no copy per packet and subscriber.
//
// The ring is allocated whole, once, when the layer first has a slot to forward to: a layer
// nobody watches costs nothing. Only the layer's reading goroutine writes; NACK answers read
// under the same mutex, which the writer holds for one copy.
type layerHistory struct {
	mu   sync.Mutex
	mask uint16
	ents []histEntry
	data []byte // len(ents) × histMTU
}

// histEntry is one stored packet: what the forwarding loop parsed from it and its payload.
type histEntry struct {
	seq    uint16
	ok     bool
	marker bool
	isVP8  bool
	ts     uint32
	size   uint16
	vp8    vp8Desc
}

// histMTU is the largest payload kept; a longer one (not sent by any known encoder inside a
// 1,200-byte path MTU) is not stored and cannot be resent.
const histMTU = 1280

// Ring sizes per layer cover about 1.5 s at the layer's nominal packet rate (150/500/1,500
// kbit/s VP8 at 1,100-byte packets: about 20/60/170 packets a second, more on key frames), which
// is longer than four resends 40 ms apart on a 300 ms round trip.
var historySize = [numLayers]int{128, 256, 512}

func newLayerHistory(n int) *layerHistory {
	// n is a power of two so that a sequence number indexes the ring by a mask.
	return &layerHistory{mask: uint16(n - 1), ents: make([]histEntry, n), data: make([]byte, n*histMTU)}
}

// push stores one packet as received (payload without RTP header or padding).
func (h *layerHistory) push(p *packet) {
	if len(p.payload) > histMTU {
		return
	}
	i := int(p.seq & h.mask)
	h.mu.Lock()
	e := &h.ents[i]
	e.seq, e.ok, e.marker, e.isVP8, e.ts, e.size, e.vp8 = p.seq, true, p.marker, p.isVP8, p.ts, uint16(len(p.payload)), p.vp8
	copy(h.data[i*histMTU:], p.payload)
	h.mu.Unlock()
}

// get copies packet seq into dst (at least histMTU long) and returns it as a packet whose
// payload is in dst; ok is false when the ring no longer (or never) held it.
func (h *layerHistory) get(seq uint16, dst []byte) (p packet, ok bool) {
	i := int(seq & h.mask)
	h.mu.Lock()
	defer h.mu.Unlock()
	e := &h.ents[i]
	if !e.ok || e.seq != seq {
		return p, false
	}
	n := copy(dst, h.data[i*histMTU:i*histMTU+int(e.size)])
	return packet{seq: seq, ts: e.ts, marker: e.marker, payload: dst[:n], vp8: e.vp8, isVP8: e.isVP8}, true
}

// bytes is the memory the ring holds.
func (h *layerHistory) bytes() int { return len(h.data) + len(h.ents)*40 }

// keep stores p in the layer's history (when the layer keeps one), allocating the ring on the
// first packet that has a slot to go to. Whatever feeds a layer's slots calls it before
// forwarding p; only that one goroutine may call it.
func (l *layer) keep(p *packet) {
	if !l.keepHistory {
		return
	}
	h := l.hist.Load()
	if h == nil {
		h = newLayerHistory(historySize[l.q])
		l.hist.Store(h)
	}
	h.push(p)
}

// slotSeg is how a slot numbered one stream it wrote: from the out sequence number from on,
// layer l's packets went out with these offsets added.
type slotSeg struct {
	l      *layer
	from   uint16
	seqOff uint16
	tsOff  uint32
	picOff uint16
	tl0Off uint8
}

// resend answers a subscriber's NACK for out sequence number seq of this slot from the shared
// history of the layer that packet came from, numbered again as it was first written: the
// same sequence number, timestamp, picture ID and transport-wide number (a retransmission is
// counted once by the estimator). It goes as RTX when the subscriber negotiated it.
func (s *slot) resend(mediaSSRC uint32, seq uint16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writer == nil || s.audio || mediaSSRC != s.ssrc || !s.started || int16(s.lastSeq-seq) < 0 {
		return false
	}
	var g *slotSeg
	for i := range len(s.segs) {
		c := &s.segs[(s.segAt-i+len(s.segs))%len(s.segs)]
		if c.l == nil {
			break
		}
		if int16(seq-c.from) >= 0 {
			g = c
			break
		}
	}
	if g == nil {
		return false
	}
	h := g.l.hist.Load()
	if h == nil {
		return false
	}
	p, ok := h.get(seq-g.seqOff, s.rtx[2:])
	if !ok {
		return false
	}
	payload, _, _ := rewriteVP8(&p, g.picOff, g.tl0Off, s.rtx[2:])
	ext := s.hdr.Extensions[:0]
	s.hdr = rtp.Header{Version: 2, Marker: p.marker, PayloadType: s.pt, SequenceNumber: seq, Timestamp: p.ts + g.tsOff, SSRC: s.ssrc, Extensions: ext}
	if s.twccID != 0 && s.sent != nil {
		if e := s.sent[seq%nackHistory]; e != 0 && uint16(e>>16) == seq {
			s.twccBuf[0], s.twccBuf[1] = byte(e>>8), byte(e)
			_ = s.hdr.SetExtension(s.twccID, s.twccBuf[:])
		}
	}
	if s.rtxSSRC != 0 && s.rtxPT != 0 {
		// RFC 4588: the original sequence number first, then the payload, on the RTX stream.
		s.rtx[0], s.rtx[1] = byte(seq>>8), byte(seq)
		payload = s.rtx[:2+len(payload)]
		s.hdr.SSRC, s.hdr.PayloadType, s.hdr.SequenceNumber = s.rtxSSRC, s.rtxPT, s.rtxSeq
		s.rtxSeq++
	}
	_, err := s.writer.WriteRTP(&s.hdr, payload)
	return err == nil
}
