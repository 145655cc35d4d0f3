package sfu

import (
	"sync"
	"sync/atomic"
	"time"

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
	probeDuration  = 6 * time.Second
	probeBackoff0  = 3 * time.Second
	probeBackoffMx = 30 * time.Second
	paddingSize    = 255
)

// nominalRate is a layer's assumed bitrate until it has been measured (paused layers keep
// their last measure).
var nominalRate = [numLayers]float64{150_000, 500_000, 1_500_000}

// budget is a subscriber's estimator and allocation state.
type budget struct {
	est       *estimator
	feedback  atomic.Bool // the subscriber sends TWCC feedback: the estimate means something
	targetBps atomic.Int64

	mu         sync.Mutex
	up         map[*slot]int // rounds an upgrade has fitted
	probeTill  time.Time
	probeBps   float64
	lastTarget float64
	clean      int // rounds in a row without loss
	nextProbe  time.Time
	backoff    time.Duration
	lowSince   time.Time // the estimate has been below one thumbnail and audio since
	highSince  time.Time
	// What the slots sent, to know the current sending rate; the lowest round-trip time lately.
	sentBytes uint64
	sentAt    time.Time
	sending   float64
	minRTT    int64
	minRTTAt  time.Time
	// lossy: the link shows 5% loss or half a second of queue: audio only may be considered.
	lossy bool
	// noAutoUntil holds off the automatic audio-only switch after the operator decided.
	noAutoUntil time.Time
}

func newBudget(est *estimator) *budget {
	b := &budget{est: est, up: map[*slot]int{}, backoff: probeBackoff0}
	est.onChange = func(bps float64) { b.targetBps.Store(int64(bps)) }
	b.targetBps.Store(int64(est.Target()))
	return b
}

// rate is what forwarding the layer costs: its measured media bitrate (payload without the
// publisher's padding, plus RTP and transport headers), kept between half and one and a half
// times its nominal rate so that one odd measure cannot starve or flood a subscriber.
func (l *layer) rate() float64 {
	n := nominalRate[l.q]
	r := float64(l.rateBps.Load())
	if l.rid == "" {
		// A single encoding (a shared screen, a point without simulcast) has no nominal rate:
		// a still document costs little, a camera up to a high layer.
		if r > 0 {
			return min(max(r, 50_000), n*1.5)
		}
		return nominalRate[qMid]
	}
	if r > 0 {
		return min(max(r, n/2), n*1.5)
	}
	return n
}

// sampleRate updates the layer's measured bitrate (called by the room loop every round).
func (l *layer) sampleRate(now int64) {
	b := l.media.Load() + 40*l.packets.Load() // payload and RTP/UDP/IP headers
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
	target := p.effectiveEstimate(now)
	p.mu.Lock()
	video := append([]*slot(nil), p.video...)
	audio := append([]*slot(nil), p.audio[:min(p.audioN, len(p.audio))]...)
	audioOnly := p.audioOnly
	p.mu.Unlock()
	left := target * 0.95
	// Audio first, with the redundancy its loss asks for as long as the link can carry it: on a
	// congested link RED would only add to the congestion.
	// The estimator acts on each report once, so it gets the newest report's time with the
	// loss (0 when no slot has a recent one).
	var loss uint32
	var reportAt int64
	nowN := now.UnixNano()
	for _, group := range [][]*slot{audio, video} {
		for _, s := range group {
			l, at := s.lastReport(nowN)
			loss, reportAt = max(loss, l), max(reportAt, at)
		}
	}
	b.est.reportedLoss(float64(loss)/256, reportAt)
	red := int32(0)
	for _, s := range audio {
		red = max(red, s.red.distance.Load())
	}
	// A link that cannot carry every voice and a low main screen hears the silent ones thinned.
	thin := audioOnly || left < audioCost(len(audio), false)+nominalRate[qLow]
	for red > 0 && left < audioCost(len(audio), thin)*float64(1+red)+nominalRate[qLow] {
		red--
	}
	for _, s := range audio {
		s.redCap.Store(red)
		s.thin.Store(thin)
	}
	left -= audioCost(len(audio), thin) * float64(1+red)
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
		switch follow {
		case "screen": // the document being presented comes before the faces
			main = append([]*want{w}, main...)
		case "spotlight":
			main = append(main, w)
		default:
			rest = append(rest, w)
		}
	}
	all := append(main, rest...)
	// The main screen first, as high as the link allows; then the thumbnails' lowest layers (a
	// thumbnail that does not fit is paused), then their upgrades.
	fill := func(ws []*want) {
		for _, w := range ws {
			if len(w.layers) > 0 && left >= w.layers[0].rate() {
				left -= w.layers[0].rate()
				w.got = 0
			}
		}
		for _, w := range ws {
			for w.got >= 0 && w.got+1 < len(w.layers) {
				extra := w.layers[w.got+1].rate() - w.layers[w.got].rate()
				if left < extra {
					break
				}
				left -= extra
				w.got++
			}
		}
	}
	fill(main)
	fill(rest)
	b.mu.Lock()
	defer b.mu.Unlock()
	held, down, up := false, false, false
	var nextNeed float64 // what the first held slot's next layer would add
	for _, w := range all {
		newCap := -1
		if w.got >= 0 {
			newCap = w.layers[w.got].q
		}
		if len(w.layers) > 0 && (w.got < 0 || w.got < len(w.layers)-1) {
			if !held {
				if w.got < 0 {
					nextNeed = w.layers[0].rate()
				} else {
					nextNeed = w.layers[w.got+1].rate() - w.layers[w.got].rate()
				}
			}
			held = true
		}
		switch {
		case newCap > w.cap:
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
				up = true
			}
		case newCap < w.cap:
			down = true
			b.up[w.s] = 0
		default:
			b.up[w.s] = 0
		}
		w.s.mu.Lock()
		w.s.capQ = newCap
		w.s.mu.Unlock()
	}
	// Probing, when a slot is held below what it asked for, the link shows no loss, and nothing
	// had to come down lately; each probe that ends in a downgrade doubles the wait.
	// A downgrade counts only when the estimate itself fell; a thumbnail flickering at the edge
	// of the budget must not keep postponing the probe that would settle it.
	fell := target < 0.9*b.lastTarget
	b.lastTarget = target
	down = down && fell
	switch {
	case down && !b.probeTill.IsZero() && now.Before(b.probeTill.Add(2*time.Second)):
		// The probe itself overloaded the link: wait twice as long before the next.
		b.probeTill = time.Time{}
		b.nextProbe = now.Add(b.backoff)
		b.backoff = min(b.backoff*2, probeBackoffMx)
	case down:
		// The link got worse by itself: let it settle, then look again.
		b.nextProbe = now.Add(probeBackoff0)
	case up:
		b.backoff = probeBackoff0
	}
	// A link that has stayed clean for 3 s gets its probing back at the short wait: failed
	// probes on a line that has since recovered must not keep it waiting for half a minute.
	if loss < 5 {
		b.clean++
	} else {
		b.clean = 0
	}
	if b.clean >= 6 && b.backoff > probeBackoff0 {
		b.backoff = probeBackoff0
		if b.nextProbe.After(now.Add(probeBackoff0)) {
			b.nextProbe = now.Add(probeBackoff0)
		}
	}
	if now.After(b.probeTill) {
		b.probeBps = 0
	}
	if held && loss < 5 && now.After(b.nextProbe) && now.After(b.probeTill) {
		b.probeTill = now.Add(probeDuration)
		b.nextProbe = now.Add(probeDuration + b.backoff)
		// On a thin line no more padding than half the estimate: a probe that overruns it
		// costs its audio for the probe's whole length (seen: 21% of a 150 kbit/s point's
		// audio lost with full probes, 2.5% with these).
		probeMax := 1_000_000.0
		if target < delayFloor {
			probeMax = max(0.5*target, 50_000)
		}
		b.probeBps = min(max(nextNeed*upgradeMargin, 50_000), probeMax)
	}
	if !held {
		b.probeTill = time.Time{}
	}
}

// Automatic audio-only: a point whose link cannot carry its audio and half a thumbnail for
// autoAudioOnlyAfter stops sending and receiving video; it gets video back once its estimate
// has stayed a whole low layer above that for videoBackAfter (probing keeps measuring).
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
	need := audioCost(audioN, true) + nominalRate[qLow]/2 // this low, silence is thinned
	est := p.effectiveEstimate(now)
	b.mu.Lock()
	defer b.mu.Unlock()
	if est < need && b.lossy {
		b.highSince = time.Time{}
		if b.lowSince.IsZero() {
			b.lowSince = now
		}
	} else {
		b.lowSince = time.Time{}
		if est > need+nominalRate[qLow] {
			if b.highSince.IsZero() {
				b.highSince = now
			}
		} else {
			b.highSince = time.Time{}
		}
	}
	switch {
	case now.Before(b.noAutoUntil):
		return 0
	case !on && !b.lowSince.IsZero() && now.Sub(b.lowSince) >= autoAudioOnlyAfter:
		return 1
	case on && auto && !b.highSince.IsZero() && now.Sub(b.highSince) >= videoBackAfter:
		return -1
	}
	return 0
}

// effectiveEstimate is what the allocation may spend. GCC's delay-based estimate is trusted
// when the link shows congestion: loss in the receiver reports, or a round-trip time 250 ms above
// its recent minimum (a queue filling). Without either it may not push the subscriber below what
// it receives now: on a busy server GCC reads the server's own scheduling delays as a queue and
// would starve clean links.
func (p *participant) effectiveEstimate(now time.Time) float64 {
	b := p.budget
	est := float64(b.targetBps.Load())
	nowN := now.UnixNano()
	var sent uint64
	var loss uint32
	var rtt int64
	for _, s := range p.slots() {
		sent += s.bytes.Load()
		loss = max(loss, s.loss(nowN))
		if nowN-s.reportAt.Load() < int64(3*time.Second) {
			rtt = max(rtt, s.rttMs.Load())
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.sentAt.IsZero() {
		if dt := now.Sub(b.sentAt).Seconds(); dt >= 0.2 {
			b.sending = float64(sent-b.sentBytes) * 8 / dt
			b.sentBytes, b.sentAt = sent, now
		}
	} else {
		b.sentBytes, b.sentAt = sent, now
	}
	if rtt > 0 && (b.minRTT == 0 || rtt < b.minRTT || now.Sub(b.minRTTAt) > 30*time.Second) {
		b.minRTT, b.minRTTAt = rtt, now
	}
	congested := loss >= 5 || (b.minRTT > 0 && rtt > b.minRTT+250)
	b.lossy = loss >= 13 || (b.minRTT > 0 && rtt > b.minRTT+500)
	if congested {
		return est
	}
	return max(est, b.sending)
}

// audioCost is what n audio slots are budgeted: audioReserve each, or with silence thinned one
// voice in full and a quarter for each of the others (they may speak at once now and then).
func audioCost(n int, thin bool) float64 {
	if n == 0 {
		return 0
	}
	if thin {
		return audioReserve + float64(n-1)*audioReserve/4
	}
	return float64(n * audioReserve)
}

// probing reports how many bits per second of padding the subscriber should get now.
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
	return b.probeBps
}

// pad sends n padding packets on the slot between frames; they take sequence numbers of their
// own, so what follows is renumbered after them.
func (s *slot) pad(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Between frames, or while the slot forwards nothing (it resumes on a key frame anyway).
	if s.writer == nil || !s.started || !s.lastMarker && s.cur != nil {
		return 0
	}
	payload := make([]byte, paddingSize)
	payload[paddingSize-1] = paddingSize
	sent := 0
	for i := 0; i < n; i++ {
		s.lastSeq++
		s.seqOff++
		h := rtp.Header{Version: 2, Padding: true, PayloadType: s.pt, SequenceNumber: s.lastSeq, Timestamp: s.lastTS, SSRC: s.ssrc}
		s.stamp(&h, len(payload), time.Now().UnixNano())
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
