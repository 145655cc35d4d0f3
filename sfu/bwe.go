package sfu

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/rtp"
)

// Bandwidth allocation for one subscriber. A send-side estimator (Pion's GCC, fed by the
// subscriber's transport-wide congestion control feedback) says how much its link carries now;
// the allocation spends that on its slots in order of importance: audio first, then the main
// screen at its lowest layer, then every thumbnail at its lowest layer (thumbnails that do not
// fit are paused), then upgrades, main screen first. Downgrades apply at once; an upgrade must
// fit with 15% to spare for three rounds in a row, so a link near a layer's rate does not
// oscillate.
//
// GCC never lets its estimate rise above 1.5 times what actually arrives, so a subscriber cut
// down to low layers would stay there when its link recovers. While a slot is held below what
// it asked for, the main slot sends padding between frames (a probe) so the estimate can grow.

const (
	audioReserve   = 48_000 // bit/s kept for each audio slot
	upgradeMargin  = 1.15
	upgradeRounds  = 3
	probeDuration  = 2 * time.Second
	probeBackoff0  = 3 * time.Second
	probeBackoffMx = 30 * time.Second
	paddingSize    = 255
)

// nominalRate is a layer's assumed bitrate until it has been measured (paused layers keep
// their last measure).
var nominalRate = [numLayers]float64{150_000, 500_000, 1_500_000}

// budget is a subscriber's estimator and allocation state.
type budget struct {
	est       cc.BandwidthEstimator
	feedback  atomic.Bool // the subscriber sends TWCC feedback: the estimate means something
	targetBps atomic.Int64

	mu        sync.Mutex
	up        map[*slot]int // rounds an upgrade has fitted
	probeTill time.Time
	nextProbe time.Time
	backoff   time.Duration
	lowSince  time.Time // the estimate has been below one thumbnail and audio since
	highSince time.Time
}

func newBudget(est cc.BandwidthEstimator) *budget {
	b := &budget{est: est, up: map[*slot]int{}, backoff: probeBackoff0}
	if est != nil {
		est.OnTargetBitrateChange(func(bps int) { b.targetBps.Store(int64(bps)) })
		b.targetBps.Store(int64(est.GetTargetBitrate()))
	}
	return b
}

// measuredRate is the layer's bitrate over the last rounds, or its nominal rate.
func (l *layer) rate() float64 {
	if r := l.rateBps.Load(); r > 0 {
		return float64(r)
	}
	return nominalRate[l.q]
}

// sampleRate updates the layer's measured bitrate (called by the room loop every round).
func (l *layer) sampleRate(now int64) {
	b := l.bytes.Load()
	prevB, prevT := l.rateBytes.Swap(b), l.rateAt.Swap(now)
	if prevT == 0 || l.paused.Load() {
		return
	}
	dt := float64(now-prevT) / 1e9
	if dt <= 0 {
		return
	}
	r := float64(b-prevB) * 8 / dt
	if r <= 0 {
		return // not sending now: keep the last measure
	}
	old := float64(l.rateBps.Load())
	if old == 0 {
		old = r
	}
	l.rateBps.Store(int64(0.7*old + 0.3*r))
}

// allocate sets each video slot's cap from the subscriber's estimate.
func (p *participant) allocate(now time.Time) {
	b := p.budget
	if b == nil || !b.feedback.Load() {
		return
	}
	target := float64(b.targetBps.Load())
	p.mu.Lock()
	video := append([]*slot(nil), p.video...)
	audioN := min(p.audioN, len(p.audio))
	audioOnly := p.audioOnly
	p.mu.Unlock()
	left := target*0.95 - float64(audioN*audioReserve)
	if audioOnly {
		left = 0 // the point's link carries audio only: no video either way
	}

	type want struct {
		s      *slot
		layers []*layer // available layers, lowest first, up to what it asked for
		cap    int
		got    int // index into layers, -1 none
	}
	var main, rest []*want
	nowN := now.UnixNano()
	for _, s := range video {
		s.mu.Lock()
		src, q, prevCap, follow := s.src, s.quality, s.capQ, s.want.follow
		s.mu.Unlock()
		w := &want{s: s, cap: prevCap, got: -1}
		if src != nil && q >= 0 {
			for _, l := range src.allLayers() {
				if l.q <= q && l.live(nowN) {
					w.layers = append(w.layers, l)
				}
			}
			if len(w.layers) == 0 { // nothing at or below: the lowest above
				if l := src.pick(q, nowN); l != nil {
					w.layers = []*layer{l}
				}
			}
		}
		if follow == "spotlight" || follow == "screen" {
			main = append(main, w)
		} else {
			rest = append(rest, w)
		}
	}
	all := append(main, rest...)
	for _, w := range all { // everyone's lowest layer, in order of importance
		if len(w.layers) > 0 && left >= w.layers[0].rate() {
			left -= w.layers[0].rate()
			w.got = 0
		}
	}
	for _, w := range all { // then upgrades, main screen first
		for w.got >= 0 && w.got+1 < len(w.layers) {
			extra := w.layers[w.got+1].rate() - w.layers[w.got].rate()
			if left < extra {
				break
			}
			left -= extra
			w.got++
		}
	}
	b.mu.Lock()
	held := false
	for _, w := range all {
		newCap := -1
		if w.got >= 0 {
			newCap = w.layers[w.got].q
		}
		if len(w.layers) > 0 && (w.got < 0 || w.got < len(w.layers)-1) {
			held = true
		}
		if newCap > w.cap {
			// An upgrade: only when it fits with a margin, several rounds in a row.
			need := 0.0
			if w.got >= 0 {
				need = w.layers[w.got].rate() * (upgradeMargin - 1)
			}
			if left >= need {
				b.up[w.s]++
			} else {
				b.up[w.s] = 0
			}
			if b.up[w.s] < upgradeRounds {
				newCap = w.cap
			} else {
				b.up[w.s] = 0
			}
		} else {
			b.up[w.s] = 0
		}
		w.s.mu.Lock()
		w.s.capQ = newCap
		w.s.mu.Unlock()
	}
	// Probing: a slot is held below what it asked for and the estimate is not growing by itself.
	if held && now.After(b.nextProbe) && now.After(b.probeTill) {
		b.probeTill = now.Add(probeDuration)
		b.nextProbe = now.Add(probeDuration + b.backoff)
		b.backoff = min(b.backoff*2, probeBackoffMx)
	}
	if !held {
		b.backoff = probeBackoff0
	}
	b.mu.Unlock()
}

// Automatic audio-only: a point whose link cannot carry audio and one thumbnail for
// autoAudioOnlyAfter stops sending and receiving video; it gets video back once its estimate
// has stayed comfortably above that for videoBackAfter (probing keeps measuring meanwhile).
const (
	autoAudioOnlyAfter = 5 * time.Second
	videoBackAfter     = 10 * time.Second
)

// audioOnlyDecision returns +1 to switch the point to audio only, -1 to give it video back, 0 to
// leave it.
func (p *participant) audioOnlyDecision(now time.Time) int {
	b := p.budget
	if b == nil || !b.feedback.Load() {
		return 0
	}
	p.mu.Lock()
	audioN := min(p.audioN, len(p.audio))
	on, auto := p.audioOnly, p.autoAudioOnly
	p.mu.Unlock()
	need := float64(audioN*audioReserve) + nominalRate[qLow]
	est := float64(b.targetBps.Load())
	b.mu.Lock()
	defer b.mu.Unlock()
	if est < need {
		b.highSince = time.Time{}
		if b.lowSince.IsZero() {
			b.lowSince = now
		}
	} else {
		b.lowSince = time.Time{}
		if est > need+2*nominalRate[qLow] {
			if b.highSince.IsZero() {
				b.highSince = now
			}
		} else {
			b.highSince = time.Time{}
		}
	}
	switch {
	case !on && !b.lowSince.IsZero() && now.Sub(b.lowSince) >= autoAudioOnlyAfter:
		return 1
	case on && auto && !b.highSince.IsZero() && now.Sub(b.highSince) >= videoBackAfter:
		return -1
	}
	return 0
}

// probing reports whether the subscriber should send padding now, and how many bits per second.
func (p *participant) probing(now time.Time) float64 {
	b := p.budget
	if b == nil || !b.feedback.Load() {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.After(b.probeTill) {
		return 0
	}
	// Enough to lift the estimate past the next layer of the main screen.
	return 0.5 * float64(b.targetBps.Load())
}

// pad sends n padding packets on the slot between frames; they take sequence numbers of their
// own, so what follows is renumbered after them.
func (s *slot) pad(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writer == nil || !s.started || !s.lastMarker {
		return 0
	}
	payload := make([]byte, paddingSize)
	payload[paddingSize-1] = paddingSize
	sent := 0
	for i := 0; i < n; i++ {
		s.lastSeq++
		s.seqOff++
		h := rtp.Header{Version: 2, Padding: true, PayloadType: s.pt, SequenceNumber: s.lastSeq, Timestamp: s.lastTS, SSRC: s.ssrc}
		if _, err := s.writer.WriteRTP(&h, payload); err != nil {
			break
		}
		sent++
	}
	return sent
}

// estimateKbps is the subscriber's link estimate (0 until the subscriber sends feedback).
func (p *participant) estimateKbps() float64 {
	if p.budget == nil || !p.budget.feedback.Load() {
		return 0
	}
	return float64(p.budget.targetBps.Load()) / 1000
}
