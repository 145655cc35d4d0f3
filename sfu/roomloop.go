package sfu

import (
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// The room's periodic work, on one goroutine per room, every tick:
//   - speaker detection from the audio levels gathered since the last tick;
//   - the loudest-audio slots when the ranking's top changed;
//   - every 2 ticks, speaking messages (each client only for those it shows);
//   - every 3 ticks, the roster deltas;
//   - every 5 ticks (or when kicked), layer choice for every slot and pausing of unwatched layers;
//   - every 20 ticks, statistics for the control room.
const (
	tick          = 100 * time.Millisecond
	speakOn       = 72.0 // smoothed loudness (127 − level in −dBov) above which one speaks
	speakOff      = 62.0
	speakerHold   = 10 // ticks a louder speaker must lead before taking over the main screen
	pauseAfter    = 3 * time.Second
	statsInterval = 20
)

// serverStats are whole-server counters the load tester reads.
type serverStats struct {
	packetsIn  atomic.Uint64
	packetsOut atomic.Uint64
}

// Counters are the server's totals since start: packets received from publishers and packets
// forwarded to subscribers.
type Counters struct {
	PacketsIn  uint64 `json:"packets_in"`
	PacketsOut uint64 `json:"packets_out"`
	WriteCounters
}

// Counters reads the server's packet totals.
func (s *Server) Counters() Counters {
	return Counters{PacketsIn: s.stats.packetsIn.Load(), PacketsOut: s.stats.packetsOut.Load(), WriteCounters: s.writeCounters()}
}

func (r *room) run() {
	t := time.NewTicker(tick)
	defer t.Stop()
	var n int
	var lead string
	var leadTicks int
	var lastTop string
	for {
		kicked := false
		select {
		case <-r.stop:
			return
		case <-r.s.ctx.Done():
			return
		case <-r.kick:
			kicked = true
		case <-t.C:
			n++
		}
		if !kicked {
			lead, leadTicks = r.detectSpeakers(lead, leadTicks)
			if top := r.topKey(); top != lastTop {
				lastTop = top
				r.allocateAudio()
			}
			if n%2 == 0 {
				r.sendSpeaking()
			}
			if n%3 == 0 {
				r.flushRoster()
			}
			if n%50 == 0 {
				r.maybeDrop()
			}
		}
		if !kicked {
			r.probe()
		}
		if kicked || n%5 == 0 {
			r.allocate(!kicked)
			r.retargetAll()
			r.dynacast()
		}
		if !kicked && n%statsInterval == 0 {
			r.publishStats()
		}
	}
}

// detectSpeakers smooths each microphone's loudness, marks who speaks, and elects the active
// speaker: someone who speaks when the current one stopped, or who has been louder for
// speakerHold ticks.
func (r *room) detectSpeakers(lead string, leadTicks int) (string, int) {
	now := time.Now()
	var mics []*source
	for _, p := range r.members() {
		if s := p.source(SourceMic); s != nil {
			mics = append(mics, s)
		}
	}
	var loudest *source
	for _, s := range mics {
		sum, cnt := s.loudSum.Swap(0), s.loudN.Swap(0)
		avg := 0.0
		if cnt > 0 {
			avg = float64(sum) / float64(cnt)
		}
		if s.muted.Load() {
			avg = 0
		}
		s.score = 0.6*s.score + 0.4*avg
		if s.speaking && s.score < speakOff || !s.speaking && s.score > speakOn {
			s.speaking = !s.speaking
		}
		if s.speaking {
			s.lastLoud = now
			if loudest == nil || s.score > loudest.score {
				loudest = s
			}
		}
	}
	r.mu.Lock()
	cur := r.participants[r.speaker]
	var curSrc *source
	if cur != nil {
		curSrc = cur.source(SourceMic)
	}
	changed := false
	switch {
	case loudest == nil:
		lead, leadTicks = "", 0
	case curSrc == nil || !curSrc.speaking:
		if r.speaker != loudest.owner.grant.Identity {
			r.speaker, changed = loudest.owner.grant.Identity, true
		}
		lead, leadTicks = "", 0
	case loudest != curSrc:
		id := loudest.owner.grant.Identity
		if lead == id {
			leadTicks++
		} else {
			lead, leadTicks = id, 1
		}
		if leadTicks >= speakerHold {
			r.speaker, changed = id, true
			lead, leadTicks = "", 0
		}
	default:
		lead, leadTicks = "", 0
	}
	if changed {
		r.recent = append([]string{r.speaker}, removeString(r.recent, r.speaker)...)
		if len(r.recent) > 8 {
			r.recent = r.recent[:8]
		}
	}
	var speaking []string
	for _, s := range mics {
		if s.speaking {
			speaking = append(speaking, s.owner.grant.Identity)
		}
	}
	sort.Strings(speaking)
	r.speakingSet = speaking
	r.mu.Unlock()
	if changed {
		r.rebindAll()
	}
	return lead, leadTicks
}

func removeString(xs []string, x string) []string {
	out := xs[:0:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// topKey names the first few of the audio ranking, so the loudest-audio slots are redone only
// when it changes.
func (r *room) topKey() string {
	rank := r.audioRanking()
	var b strings.Builder
	for i, s := range rank {
		if i == maxAudioSlots+1 {
			break
		}
		b.WriteString(s.owner.grant.Identity)
		b.WriteByte(',')
	}
	return b.String()
}

// sendSpeaking gives each client the speakers it shows, and the room service the whole set.
func (r *room) sendSpeaking() {
	r.mu.Lock()
	set := map[string]bool{}
	for _, id := range r.speakingSet {
		set[id] = true
	}
	key := strings.Join(r.speakingSet, ",")
	busChanged := key != r.busSpeaking
	r.busSpeaking = key
	ids := append([]string{}, r.speakingSet...)
	r.mu.Unlock()
	for _, p := range r.members() {
		r.mu.Lock()
		spot := ""
		if m := r.mainFor(p); m != nil {
			spot = m.grant.Identity
		}
		r.mu.Unlock()
		r.speakingFor(p, set, spot)
	}
	if busChanged {
		r.s.publishEvent(r.name, map[string]any{"type": "speaking", "identities": ids})
	}
}

// allocate measures every layer's bitrate (on a full round) and spends each subscriber's
// estimate on its slots.
func (r *room) allocate(measure bool) {
	now := time.Now()
	members := r.members()
	if measure {
		for _, p := range members {
			for _, src := range []*source{p.source(SourceCamera), p.source(SourceScreen)} {
				if src != nil {
					for _, l := range src.allLayers() {
						l.sampleRate(now.UnixNano())
					}
				}
			}
		}
	}
	for _, p := range members {
		if measure {
			for _, s := range p.slots() {
				if s.audio {
					s.red.update(s.loss(time.Now().UnixNano()))
				}
			}
			switch p.audioOnlyDecision(now) {
			case 1:
				r.setAudioOnly(p, true, "server")
			case -1:
				r.setAudioOnly(p, false, "server")
			}
		}
		p.allocate(now)
	}
}

// probe sends padding for the subscribers whose estimate must grow before they can have the
// layers they asked for.
func (r *room) probe() {
	now := time.Now()
	for _, p := range r.members() {
		bps := p.probing(now)
		if bps <= 0 {
			continue
		}
		n := int(bps * tick.Seconds() / 8 / paddingSize)
		if n <= 0 {
			continue
		}
		p.mu.Lock()
		video := append([]*slot(nil), p.video...)
		p.mu.Unlock()
		for _, s := range video {
			if s.pad(min(n, 50)) > 0 {
				break
			}
		}
	}
}

// retargetAll moves every slot to the layer it should carry now (a layer stopped or came back,
// the link estimate changed, a key frame request went unanswered).
func (r *room) retargetAll() {
	now := time.Now().UnixNano()
	for _, p := range r.members() {
		for _, s := range p.slots() {
			s.retarget(now)
		}
	}
	r.mu.Lock()
	rr := r.recording
	r.mu.Unlock()
	if rr != nil {
		rr.video.retarget(now)
		rr.audio.retarget(now)
	}
}

// dynacast pauses simulcast layers nobody has received for pauseAfter and resumes them as soon as
// somebody asks, telling each publisher which of its layers to send.
func (r *room) dynacast() {
	now := time.Now().UnixNano()
	for _, p := range r.members() {
		for _, src := range []*source{p.source(SourceCamera), p.source(SourceScreen)} {
			if src == nil {
				continue
			}
			changed := false
			for _, l := range src.allLayers() {
				if l.rid == "" {
					continue // one encoding: nothing to pause
				}
				if l.subscribers() > 0 {
					l.lastWanted.Store(now)
					if l.paused.Swap(false) {
						changed = true
					}
					continue
				}
				if l.lastWanted.Load() == 0 {
					l.lastWanted.Store(now)
				}
				if !l.paused.Load() && now-l.lastWanted.Load() > int64(pauseAfter) {
					l.paused.Store(true)
					changed = true
				}
			}
			if changed {
				var active []string
				for _, l := range src.allLayers() {
					if !l.paused.Load() {
						active = append(active, l.rid)
					}
				}
				if active == nil {
					active = []string{}
				}
				p.send(Message{Type: "layers", Source: src.kind, Active: active})
			}
		}
	}
}
