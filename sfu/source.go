package sfu

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Quality indexes of simulcast layers, lowest first.
const (
	qLow = iota
	qMid
	qHigh
	numLayers
)

// qualityIndex turns a protocol quality into a layer index; -1 is "off".
func qualityIndex(q string) int {
	switch q {
	case QualityLow:
		return qLow
	case QualityMid:
		return qMid
	case QualityHigh:
		return qHigh
	}
	return -1
}

var qualityNames = [numLayers]string{QualityLow, QualityMid, QualityHigh}

// ridLayer maps a simulcast RID (l, m, h as PROTOCOL.md names them) to a layer; a stream
// without RID is the only layer and counts as high.
func ridLayer(rid string) int {
	switch rid {
	case "l":
		return qLow
	case "m":
		return qMid
	}
	return qHigh
}

var layerRIDs = [numLayers]string{"l", "m", "h"}

// source is one thing a participant publishes: its microphone, camera or screen.
type source struct {
	owner *participant
	kind  string // SourceMic, SourceCamera, SourceScreen
	audio bool
	clock uint32

	mu     sync.Mutex
	layers [numLayers]*layer
	rid    [numLayers]string // the RID the publisher uses for each layer

	// muted stops forwarding at the source: a chair mute is enforced here, whatever the
	// client does.
	muted atomic.Bool

	// Loudness from the audio-level header extension (127 − level in −dBov), summed over the
	// packets since the room's speaker detection last looked.
	loudSum, loudN atomic.Int64
	score          float64 // smoothed loudness, owned by the room's loop
	speaking       bool    // owned by the room's loop
	lastLoud       time.Time
}

// layer is one simulcast encoding of a source (or the only one).
type layer struct {
	src    *source
	q      int
	rid    string
	remote *webrtc.TrackRemote
	ssrc   uint32
	pc     *webrtc.PeerConnection
	// audioLevelID is the negotiated ID of the audio-level extension (0: none).
	audioLevelID uint8
	// keepHistory: this layer's packets are kept once, in hist, to answer the NACKs of every
	// slot that forwards it (video on the shared-history forwarding path).
	keepHistory bool
	hist        atomic.Pointer[layerHistory] // allocated when the layer first has a slot

	listMu sync.Mutex
	subs   atomic.Pointer[[]*slot] // copy on write; read without locks for every packet

	lastPacket atomic.Int64 // unix nanoseconds
	lastPLI    atomic.Int64
	packets    atomic.Uint64
	bytes      atomic.Uint64 // whole packets, for the control room's figures
	media      atomic.Uint64 // payload bytes of media packets (no padding), for layer rates
	// Loss as the publisher's stream arrives: the highest extended sequence number and the
	// packets received, sampled by the stats loop.
	extHighest atomic.Int64
	paused     atomic.Bool // the publisher was asked to stop sending it
	lastWanted atomic.Int64
	// Measured bitrate (bit/s), sampled by the room loop.
	rateBps, rateAt atomic.Int64
	rateBytes       atomic.Uint64
}

// packet is one received RTP packet, parsed once and handed to every slot that forwards it.
type packet struct {
	seq     uint16
	ts      uint32
	marker  bool
	payload []byte
	arrival int64
	vp8     vp8Desc
	isVP8   bool
	silent  bool // audio whose level extension says no voice and quieter than −silentLevel dBov
}

// Silence thinning towards thin links: audio packets without the voice flag and at or below
// −60 dBov (room noise at most) are forwarded one in ten, a packet every 200 ms like Opus DTX.
const (
	silentLevel = 60
	silentKeep  = 10
)

func (l *layer) addSlot(s *slot) {
	l.listMu.Lock()
	defer l.listMu.Unlock()
	var cur []*slot
	if p := l.subs.Load(); p != nil {
		cur = *p
	}
	for _, x := range cur {
		if x == s {
			return
		}
	}
	next := make([]*slot, len(cur), len(cur)+1)
	copy(next, cur)
	next = append(next, s)
	l.subs.Store(&next)
}

func (l *layer) removeSlot(s *slot) {
	l.listMu.Lock()
	defer l.listMu.Unlock()
	p := l.subs.Load()
	if p == nil {
		return
	}
	next := make([]*slot, 0, len(*p))
	for _, x := range *p {
		if x != s {
			next = append(next, x)
		}
	}
	l.subs.Store(&next)
}

func (l *layer) subscribers() int {
	if p := l.subs.Load(); p != nil {
		return len(*p)
	}
	return 0
}

// pliInterval throttles key frame requests to one publisher layer.
const pliInterval = 300 * time.Millisecond

// requestKeyFrame asks the publisher for a key frame of this layer, at most once per
// pliInterval whatever the number of subscribers asking.
func (l *layer) requestKeyFrame() {
	if l.src.audio {
		return
	}
	now := time.Now().UnixNano()
	last := l.lastPLI.Load()
	if now-last < int64(pliInterval) || !l.lastPLI.CompareAndSwap(last, now) {
		return
	}
	_ = l.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: l.ssrc}})
}

// live is whether the layer can be forwarded now: packets arrive, or it is only paused because
// nobody watched it (asking for it resumes it).
func (l *layer) live(now int64) bool {
	if l.paused.Load() {
		return true
	}
	return now-l.lastPacket.Load() < int64(1500*time.Millisecond)
}

// pick chooses the layer for a subscriber that wants quality want (a layer index): the best
// live layer at or below it, else the lowest live layer above it.
func (s *source) pick(want int, now int64) *layer {
	if want < 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for q := min(want, numLayers-1); q >= 0; q-- {
		if l := s.layers[q]; l != nil && l.live(now) {
			return l
		}
	}
	for q := want + 1; q < numLayers; q++ {
		if l := s.layers[q]; l != nil && l.live(now) {
			return l
		}
	}
	return nil
}

func (s *source) allLayers() []*layer {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ls []*layer
	for _, l := range s.layers {
		if l != nil {
			ls = append(ls, l)
		}
	}
	return ls
}

// read forwards one layer's packets until the publisher's track ends. A round ends with the
// last packet of a video frame, or with each audio packet: then out sends what the round
// queued for every subscriber (the frame's packets for one subscriber as one GSO message).
func (l *layer) read(counters *serverStats, out *roundWriter) {
	buf := make([]byte, 1600)
	var h rtp.Header
	var lastSeq uint16
	var cycles int64
	started := false
	for {
		n, _, err := l.remote.Read(buf)
		if err != nil {
			return
		}
		hl, err := h.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		end := n
		if h.Padding && n > hl {
			pad := int(buf[n-1])
			if pad == 0 || hl+pad > n {
				continue
			}
			end = n - pad
		}
		now := time.Now().UnixNano()
		l.lastPacket.Store(now)
		l.packets.Add(1)
		l.bytes.Add(uint64(n))
		counters.packetsIn.Add(1)
		// Extended highest sequence number, for the loss figures.
		if !started {
			started, lastSeq = true, h.SequenceNumber
			l.extHighest.Store(int64(h.SequenceNumber))
		} else if d := int16(h.SequenceNumber - lastSeq); d > 0 {
			if h.SequenceNumber < lastSeq {
				cycles += 1 << 16
			}
			lastSeq = h.SequenceNumber
			l.extHighest.Store(cycles + int64(h.SequenceNumber))
		}
		if end > hl {
			l.media.Add(uint64(end - hl))
		}
		src := l.src
		silent := false
		if l.audioLevelID != 0 {
			if ext := h.GetExtension(l.audioLevelID); len(ext) > 0 {
				src.loudSum.Add(int64(127 - ext[0]&0x7f))
				src.loudN.Add(1)
				silent = ext[0]&0x80 == 0 && ext[0]&0x7f >= silentLevel
			}
		}
		if src.muted.Load() {
			continue // muted: nothing leaves the server
		}
		p := packet{seq: h.SequenceNumber, ts: h.Timestamp, marker: h.Marker, payload: buf[hl:end], arrival: now, silent: silent}
		if !src.audio {
			p.vp8, p.isVP8 = parseVP8(p.payload)
		}
		subs := l.subs.Load()
		if subs == nil || len(*subs) == 0 {
			continue
		}
		l.keep(&p)
		for _, s := range *subs {
			s.forward(l, &p, counters)
		}
		if p.marker || src.audio {
			out.Flush()
		}
	}
}
