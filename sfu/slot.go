package sfu

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// binding is what a slot was asked to carry: a participant's source, or something to follow.
type binding struct {
	identity string
	source   string
	follow   string // spotlight, speaker, screen; for audio slots "loudest"
}

// slot is one sending transceiver of a subscriber's connection. It implements
// webrtc.TrackLocal so Pion hands it the negotiated SSRC and payload type, and it writes
// whichever layer of whichever source it carries now as one continuous stream: sequence
// numbers, timestamps, picture IDs and TL0PICIDX go on from where the previous stream stopped.
//
// Lock order: slot.mu before layer.listMu.
type slot struct {
	sub   *participant
	kind  webrtc.RTPCodecType
	audio bool
	id    string
	clock uint32
	tr    *webrtc.RTPTransceiver

	mu           sync.Mutex
	want         binding
	quality      int // wanted layer, -1 off
	capQ         int // the best layer the subscriber's link carries now
	src          *source
	cur, pending *layer
	pendingSince int64
	writer       webrtc.TrackLocalWriter
	ssrc         uint32
	pt           uint8
	redPT        uint8 // RED's payload type when the subscriber accepts it (audio)
	twccID       uint8 // the transport-wide sequence number's header extension ID (0: none)
	rtxSSRC      uint32
	rtxPT        uint8 // retransmissions go as RTX (RFC 4588) when the subscriber takes it
	rtxSeq       uint16
	twccBuf      [2]byte
	red          redLevel
	redCap       atomic.Int32 // the redundancy the subscriber's estimate can carry
	hist         redHistory
	// thin: the subscriber's link is too thin for every voice, so an audio slot forwards one
	// in silentKeep of the packets that carry no voice (as Opus DTX would), renumbered so
	// nothing looks lost; silentRun counts the silent packets in a row.
	thin      atomic.Bool
	silentRun int
	resumed   bool // packets were left out: the next one starts a talk spurt (marker)

	// Rewriting: what is added to incoming values, and the last values written.
	started    bool
	seqOff     uint16
	tsOff      uint32
	picOff     uint16
	tl0Off     uint8
	lastSeq    uint16
	lastTS     uint32
	lastPic    uint16
	lastTL0    uint8
	lastAt     int64
	switchSeq  uint16
	lastMarker bool // the last packet written ended a frame: padding may follow
	hdr        rtp.Header
	buf        [1600]byte
	redBuf     [1600]byte
	// For NACKs answered from the layers' shared histories (video): the numbering of the last
	// few streams written and the transport-wide number each written packet carried.
	segs  [4]slotSeg
	segAt int
	sent  *[nackHistory]uint32 // outSeq<<16 | transport-wide number; allocated on first write
	rtx   [histMTU + 2]byte

	packets      atomic.Uint64
	bytes        atomic.Uint64
	fractionLost atomic.Uint32 // from the subscriber's receiver reports, 0–255
	reportAt     atomic.Int64  // when the last report came (a paused slot gets none)
	rttMs        atomic.Int64
}

func newSlot(sub *participant, kind webrtc.RTPCodecType, n int) *slot {
	s := &slot{sub: sub, kind: kind, audio: kind == webrtc.RTPCodecTypeAudio, quality: -1, capQ: qHigh}
	s.redCap.Store(2) // until an estimate says otherwise
	s.id = kind.String() + "-" + itoa(n)
	s.clock = 90000
	if s.audio {
		s.clock = 48000
	}
	return s
}

// Bind is called by Pion when the transceiver starts sending.
func (s *slot) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	mime := webrtc.MimeTypeVP8
	if s.audio {
		mime = webrtc.MimeTypeOpus
	}
	var redPT, twccID uint8
	for _, e := range ctx.HeaderExtensions() {
		if e.URI == sdp.TransportCCURI {
			twccID = uint8(e.ID)
		}
	}
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, mimeTypeRED) {
			redPT = uint8(c.PayloadType)
		}
	}
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, mime) {
			// Stamp transport-wide numbers only where the subscriber answered that it reports
			// them for this codec: a browser that takes the extension on audio but does not
			// report it would make every audio packet look lost.
			fb := false
			for _, f := range c.RTCPFeedback {
				fb = fb || f.Type == webrtc.TypeRTCPFBTransportCC
			}
			if !fb {
				twccID = 0
			}
			var rtxPT uint8
			for _, r := range ctx.CodecParameters() {
				if strings.EqualFold(r.MimeType, webrtc.MimeTypeRTX) && r.SDPFmtpLine == "apt="+itoa(int(c.PayloadType)) {
					rtxPT = uint8(r.PayloadType)
				}
			}
			s.mu.Lock()
			s.writer, s.ssrc, s.pt, s.redPT, s.twccID = ctx.WriteStream(), uint32(ctx.SSRC()), uint8(c.PayloadType), redPT, twccID
			s.rtxSSRC, s.rtxPT = uint32(ctx.SSRCRetransmission()), rtxPT
			s.mu.Unlock()
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, errors.New("sfu: the subscriber does not accept " + mime)
}

// Unbind is called by Pion when the transceiver stops.
func (s *slot) Unbind(webrtc.TrackLocalContext) error {
	s.mu.Lock()
	s.writer = nil
	s.mu.Unlock()
	return nil
}

// ID, RID, StreamID and Kind complete webrtc.TrackLocal; a slot's IDs never change, whatever it
// carries, so the browser keeps one receiver per slot.
func (s *slot) ID() string                { return s.id }
func (s *slot) RID() string               { return "" }
func (s *slot) StreamID() string          { return s.id }
func (s *slot) Kind() webrtc.RTPCodecType { return s.kind }

func (s *slot) describeLocked(mid string) Slot {
	sl := Slot{Mid: mid, Kind: s.kind.String()}
	if !s.audio {
		sl.Follow = s.want.follow
	}
	if s.src != nil {
		sl.Identity, sl.Source = s.src.owner.grant.Identity, s.src.kind
		l := s.pending
		if l == nil {
			l = s.cur
		}
		if l != nil && !s.audio {
			sl.Quality = qualityNames[l.q]
		}
	}
	return sl
}

func (s *slot) describe(mid string) Slot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.describeLocked(mid)
}

// forward writes one packet of layer l if this slot carries l, switching to l first when it
// was waiting for it (on a key frame for video, at once for audio).
func (s *slot) forward(l *layer, p *packet, counters *serverStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writer == nil {
		return
	}
	switch l {
	case s.cur:
		if s.started && int16(p.seq-s.switchSeq) < 0 {
			return // older than the switch: the subscriber already has newer numbers
		}
	case s.pending:
		if !s.audio && !(p.isVP8 && p.vp8.keyframe) {
			return
		}
		old := s.cur
		s.cur, s.pending = l, nil
		s.rebase(p)
		s.segAt = (s.segAt + 1) % len(s.segs)
		s.segs[s.segAt] = slotSeg{l: l, from: p.seq + s.seqOff, seqOff: s.seqOff, tsOff: s.tsOff, picOff: s.picOff, tl0Off: s.tl0Off}
		if old != nil {
			old.removeSlot(s)
		}
	default:
		return // a stale list entry, about to be removed
	}
	marker := p.marker
	if s.audio {
		if p.silent && s.thin.Load() && s.started {
			s.silentRun++
			if s.silentRun%silentKeep != 1 {
				s.seqOff-- // the packets after it close the gap
				s.resumed = true
				return
			}
		} else {
			s.silentRun = 0
		}
		if s.resumed {
			s.resumed, marker = false, true
		}
	}
	outSeq := p.seq + s.seqOff
	outTS := p.ts + s.tsOff
	payload, pic, tl0 := rewriteVP8(p, s.picOff, s.tl0Off, s.buf[:])
	pt := s.pt
	if s.audio && s.redPT != 0 {
		if d := int(min(s.red.distance.Load(), s.redCap.Load())); d > 0 {
			if red := s.hist.encode(s.redBuf[:], d, s.pt, outSeq, outTS, payload); red != nil {
				s.hist.push(outSeq, outTS, payload)
				payload, pt = red, s.redPT
			}
		} else {
			s.hist.push(outSeq, outTS, payload)
		}
	}
	if int16(outSeq-s.lastSeq) > 0 {
		s.lastSeq, s.lastTS, s.lastAt, s.lastMarker = outSeq, outTS, p.arrival, p.marker
		if p.isVP8 {
			if p.vp8.picIDAt >= 0 {
				s.lastPic = pic
			}
			if p.vp8.tl0At >= 0 {
				s.lastTL0 = tl0
			}
		}
	}
	ext := s.hdr.Extensions[:0]
	s.hdr = rtp.Header{Version: 2, Marker: marker, PayloadType: pt, SequenceNumber: outSeq, Timestamp: outTS, SSRC: s.ssrc, Extensions: ext}
	tw, stamped := s.stamp(&s.hdr, len(payload), p.arrival)
	if stamped && !s.audio && l.keepHistory {
		if s.sent == nil {
			s.sent = new([nackHistory]uint32)
		}
		s.sent[outSeq%nackHistory] = uint32(outSeq)<<16 | uint32(tw)
	}
	if _, err := s.writer.WriteRTP(&s.hdr, payload); err == nil {
		s.packets.Add(1)
		s.bytes.Add(uint64(len(payload) + 12))
		counters.packetsOut.Add(1)
	}
}

// rewriteVP8 gives a VP8 payload the picture ID and TL0PICIDX of the slot's numbering (the
// offsets of the stream it belongs to), in dst when they change; other payloads are returned
// as they are.
func rewriteVP8(p *packet, picOff uint16, tl0Off uint8, dst []byte) (payload []byte, pic uint16, tl0 uint8) {
	payload = p.payload
	if !p.isVP8 {
		return payload, 0, 0
	}
	d := &p.vp8
	pic = (d.picID + picOff) & d.picIDMask()
	tl0 = d.tl0 + tl0Off
	if (picOff != 0 && d.picIDAt >= 0) || (tl0Off != 0 && d.tl0At >= 0) {
		n := copy(dst, payload)
		payload = dst[:n]
		d.writePicID(payload, pic)
		if d.tl0At >= 0 {
			payload[d.tl0At] = tl0
		}
	}
	return payload, pic, tl0
}

// stamp gives a packet its transport-wide sequence number and notes it for the subscriber's
// bandwidth estimator (s.mu held).
func (s *slot) stamp(h *rtp.Header, size int, now int64) (uint16, bool) {
	if s.twccID == 0 || s.sub == nil || s.sub.budget == nil {
		return 0, false
	}
	seq := s.sub.budget.est.sent(size+12+8, now)
	s.twccBuf[0], s.twccBuf[1] = byte(seq>>8), byte(seq)
	_ = h.SetExtension(s.twccID, s.twccBuf[:])
	return seq, true
}

// rebase sets the offsets so that p, the first packet of a new stream, follows the last packet
// written: the next sequence number, the timestamp advanced by the time that passed, the next
// picture ID.
func (s *slot) rebase(p *packet) {
	s.switchSeq = p.seq
	s.hist.reset()
	if !s.started {
		s.started = true
		s.seqOff, s.tsOff, s.picOff, s.tl0Off = 0, 0, 0, 0
		s.lastSeq, s.lastTS, s.lastAt = p.seq-1, p.ts, p.arrival
		if p.isVP8 {
			s.lastPic, s.lastTL0 = p.vp8.picID-1, p.vp8.tl0-1
		}
		return
	}
	s.seqOff = s.lastSeq + 1 - p.seq
	ticks := uint32((p.arrival - s.lastAt) * int64(s.clock) / int64(time.Second))
	if s.audio {
		ticks = max(ticks, s.clock/50) // an Opus frame lasts 20 ms: the new one may not overlap it
	} else if ticks == 0 {
		ticks = 1
	}
	s.tsOff = s.lastTS + ticks - p.ts
	if p.isVP8 {
		s.picOff = s.lastPic + 1 - p.vp8.picID
		s.tl0Off = s.lastTL0 + 1 - p.vp8.tl0
	}
}

// retarget moves the slot towards the layer it should carry now: its source's best live layer
// within what was asked and what the link carries. It returns the layer it waits for, if any,
// so the caller can resume a paused one.
func (s *slot) retarget(now int64) *layer {
	s.mu.Lock()
	defer s.mu.Unlock()
	var target *layer
	if s.src != nil && s.quality >= 0 && s.capQ >= 0 {
		target = s.src.pick(min(s.quality, s.capQ), now)
	}
	if target == s.cur {
		if s.pending != nil {
			s.pending.removeSlot(s)
			s.pending = nil
		}
		return nil
	}
	if target == nil {
		if s.pending != nil {
			s.pending.removeSlot(s)
			s.pending = nil
		}
		if s.cur != nil {
			s.cur.removeSlot(s)
			s.cur = nil
		}
		return nil
	}
	if target != s.pending {
		if s.pending != nil {
			s.pending.removeSlot(s)
		}
		s.pending, s.pendingSince = target, now
		target.addSlot(s)
	}
	target.requestKeyFrame() // throttled; repeated while the slot waits
	return target
}

// detach stops the slot forwarding anything (its subscriber leaves).
func (s *slot) detach() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range []*layer{s.cur, s.pending} {
		if l != nil {
			l.removeSlot(s)
		}
	}
	s.cur, s.pending, s.src = nil, nil, nil
	s.segs = [len(s.segs)]slotSeg{} // let go of the layers' histories
}

// carried is the layer the slot forwards now, or waits for.
func (s *slot) carried() (cur, pending *layer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, s.pending
}

// readRTCP drains the subscriber's RTCP for this slot: NACKs are answered from the layers'
// shared histories (or by Pion's responder on the legacy path); key frame requests go to the publisher; receiver reports give loss and round-trip time.
func (s *slot) readRTCP(sender *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		n, _, err := sender.Read(buf)
		if err != nil {
			return
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		for _, pk := range pkts {
			switch pk := pk.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if cur, _ := s.carried(); cur != nil {
					cur.requestKeyFrame()
				}
			case *rtcp.ReceiverReport:
				for _, r := range pk.Reports {
					s.report(r)
				}
			case *rtcp.TransportLayerNack:
				// Already limited by the NACK guard; on the legacy path Pion's responder answers.
				for _, pair := range pk.Nacks {
					pair.Range(func(seq uint16) bool {
						s.resend(pk.MediaSSRC, seq)
						return true
					})
				}
			case *rtcp.TransportLayerCC:
				if b := s.sub.budget; b != nil {
					b.feedback.Store(true)
					b.est.feedback(pk, time.Now())
				}
			}
		}
	}
}

func (s *slot) report(r rtcp.ReceptionReport) {
	s.mu.Lock()
	mine := r.SSRC == s.ssrc
	s.mu.Unlock()
	if !mine {
		return
	}
	s.fractionLost.Store(uint32(r.FractionLost))
	s.reportAt.Store(time.Now().UnixNano())
	if r.LastSenderReport != 0 {
		now := ntpMiddle(time.Now())
		if d := now - r.LastSenderReport - r.Delay; d < 1<<20 { // under 16 s: a sane value
			s.rttMs.Store(int64(d) * 1000 / 65536)
		}
	}
}

// loss is the fraction lost (0–255) of the subscriber's latest report on this slot; a report
// older than 3 s (the slot sends nothing, so no report covers it) counts as no loss.
func (s *slot) loss(now int64) uint32 {
	l, _ := s.lastReport(now)
	return l
}

// lastReport is the loss of the subscriber's latest report on this slot and when it came, or
// (0, 0) when it is older than 3 s.
func (s *slot) lastReport(now int64) (uint32, int64) {
	at := s.reportAt.Load()
	if now-at > int64(3*time.Second) {
		return 0, 0
	}
	return s.fractionLost.Load(), at
}

// ntpMiddle is the middle 32 bits of the NTP time (RFC 3550 §6.4.1), as LSR carries them.
func ntpMiddle(t time.Time) uint32 {
	const ntpEpochOffset = 2208988800
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return uint32((secs<<32 | frac) >> 16)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
