package sfuclient

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Stats are what a client sent and received. Counters are atomic so a load test can read them
// while media flows; per-slot figures are in SlotStats.
type Stats struct {
	// Publishing.
	SentPackets   [numLayers]atomic.Int64 // by layer (audio is LayerAudio)
	SentBytes     atomic.Int64
	KeyFramesSent atomic.Int64
	KeyRequests   atomic.Int64 // PLI and FIR the server sent for our layers
	AudioOnly     atomic.Bool  // the server asked this point to send no video (its link is too weak)
	// SendLag is how late each frame left against its schedule (the ticker's time to the last
	// packet written): a load tester that falls behind shows here, not as the server's delay.
	SendLag Histogram

	// Subscribing.
	Packets      atomic.Int64 // RTP packets received on the subscribe connection
	Bytes        atomic.Int64 // their size (RTP header and payload)
	AudioPackets atomic.Int64
	PLIsSent     atomic.Int64 // key frames this client asked for (its decoder would be stuck)
	Offers       atomic.Int64 // offers the server made on the subscribe connection
	FirstMedia   atomic.Int64 // when the first packet arrived, Unix nanoseconds (0: none yet)
	// Delay is the forwarding delay of every packet (send time in its marker to arrival);
	// AudioDelay the same for audio alone.
	Delay, AudioDelay Histogram

	lastAt   atomic.Int64
	mu       sync.Mutex
	slots    map[string]*SlotStats
	silences []Silence
}

// Silence is a stretch in which nothing at all arrived on the subscribe connection (an outage).
type Silence struct {
	From, To time.Time
}

const (
	silenceMin  = 300 * time.Millisecond
	maxSilences = 64
)

func newStats() *Stats { return &Stats{slots: map[string]*SlotStats{}} }

// slot returns (making it if needed) the statistics of the slot with this mid.
func (s *Stats) slot(mid, kind string) *SlotStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.slots[mid]
	if st == nil {
		st = &SlotStats{}
		st.snap.Mid, st.snap.Kind = mid, kind
		s.slots[mid] = st
	}
	return st
}

// arrived notes that a packet came in at now (for silences and first media).
func (s *Stats) arrived(now int64, size int) {
	s.Packets.Add(1)
	s.Bytes.Add(int64(size))
	s.FirstMedia.CompareAndSwap(0, now)
	prev := s.lastAt.Swap(now)
	if prev != 0 && now-prev > int64(silenceMin) {
		s.mu.Lock()
		if len(s.silences) < maxSilences {
			s.silences = append(s.silences, Silence{time.Unix(0, prev), time.Unix(0, now)})
		}
		s.mu.Unlock()
	}
}

// Silences lists the outages seen so far (at most 64).
func (s *Stats) Silences() []Silence {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.silences)
}

// Slots returns a snapshot of every slot, by mid.
func (s *Stats) Slots() []SlotSnapshot {
	s.mu.Lock()
	all := make([]*SlotStats, 0, len(s.slots))
	for _, st := range s.slots {
		all = append(all, st)
	}
	s.mu.Unlock()
	out := make([]SlotSnapshot, 0, len(all))
	for _, st := range all {
		out = append(out, st.Snapshot())
	}
	slices.SortFunc(out, func(a, b SlotSnapshot) int { return cmpMid(a.Mid, b.Mid) })
	return out
}

func cmpMid(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SlotSnapshot is what one slot of the subscribe connection received, cumulative since it
// opened. Loss and continuity are judged on the stream the browser would see: the server
// rewrites sequence numbers, timestamps and picture IDs when it switches a slot to another
// layer or participant, and none of that may show as a gap or a step backwards.
type SlotSnapshot struct {
	Mid  string `json:"mid"`
	Kind string `json:"kind"`

	Packets    int64 `json:"packets"`
	Bytes      int64 `json:"bytes"`
	Padding    int64 `json:"padding"`    // packets without payload (probes)
	Expected   int64 `json:"expected"`   // by sequence number: highest - first + 1
	Duplicates int64 `json:"duplicates"` // the same sequence number twice
	Late       int64 `json:"late"`       // arrived after a newer one (retransmissions, reordering)
	RED        int64 `json:"red"`        // audio packets that came as RED (RFC 2198)
	Recovered  int64 `json:"recovered"`  // lost packets rebuilt from a later RED packet
	MaxGap     int   `json:"max_gap"`    // the most sequence numbers missing at once
	// Discontinuities are jumps backwards of more than 512 sequence numbers.
	Discontinuities int64 `json:"discontinuities"`
	TSBackwards     int64 `json:"ts_backwards"` // an RTP timestamp lower than the one before
	// PicIDJumps are picture IDs that skipped ahead although no packet was missing;
	// PicIDBackwards repeated or went back.
	PicIDJumps     int64 `json:"picid_jumps"`
	PicIDBackwards int64 `json:"picid_backwards"`
	KeyFrames      int64 `json:"key_frames"`

	// From the in-payload marker: which publisher and layer the packets came from.
	Unmarked     int64            `json:"unmarked"`
	LayerPackets [numLayers]int64 `json:"layer_packets"`
	Source       uint32           `json:"source"`
	Layer        Layer            `json:"layer"`
	Switches     int64            `json:"switches"`       // changes of publisher or layer
	SwitchMaxGap int              `json:"switch_max_gap"` // sequence numbers missing at a switch
	SwitchNotKey int64            `json:"switch_not_key"` // a video switch that did not start on a key frame
	CounterLost  int64            `json:"counter_lost"`   // publisher's packets missing within one run of a source and layer
	CounterLate  int64            `json:"counter_late"`   // of those, arrived later (repaired)
	Resumes      int64            `json:"resumes"`        // the server paused the slot and resumed the same stream
	SwitchLog    []Switch         `json:"-"`
	KeyFrameLog  []time.Time      `json:"-"`
	FirstAt      time.Time        `json:"-"`
	LastAt       time.Time        `json:"-"`
	Freezes      int64            `json:"freezes"`   // times a video decoder would have waited for a key frame
	FrozenFor    time.Duration    `json:"frozen_ns"` // how long in all
	FirstKeyAt   time.Time        `json:"-"`         // the first key frame (video)
	Frozen       bool             `json:"frozen"`    // waiting for a key frame now
}

// Lost is the number of sequence numbers never received.
func (s SlotSnapshot) Lost() int64 {
	return max(0, s.Expected-(s.Packets-s.Duplicates))
}

// Unrepaired is what stayed lost after RED: what a listener would hear as a gap.
func (s SlotSnapshot) Unrepaired() int64 {
	return max(0, s.Lost()-s.Recovered)
}

// Switch is one change of publisher or layer in a slot.
type Switch struct {
	At       time.Time
	From, To Marker // the last packet before and the first after
	Gap      int    // sequence numbers missing at the switch (0 when continuous)
}

const (
	seqWindow    = 512
	maxSwitchLog = 64
	maxKeyLog    = 32
	giveUpHoles  = 250 * time.Millisecond // a browser's decoder stops waiting for repairs
	bigGap       = 100                    // so many missing at once: ask for a key frame at once
	pliInterval  = 300 * time.Millisecond
	resumeAfter  = 250 * time.Millisecond // audio that stopped this long was paused, not lost
)

// SlotStats is the receiving state of one slot; its reader goroutine updates it.
type SlotStats struct {
	mu   sync.Mutex
	snap SlotSnapshot

	started       bool
	highest       int64 // extended highest sequence number
	base          int64
	seen          [seqWindow / 64]uint64
	lastTS        uint32
	haveFrame     bool
	lastPicID     uint16
	gapSinceFrame bool
	haveRun       bool
	run           Marker
	runAt         time.Time // the last in-order packet of the run
	holes         int
	holeSince     time.Time
	needKey       bool
	needKeySince  time.Time
	lastPLI       time.Time
}

// Snapshot copies the slot's figures.
func (st *SlotStats) Snapshot() SlotSnapshot {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.snap
	s.SwitchLog = slices.Clone(s.SwitchLog)
	s.KeyFrameLog = slices.Clone(s.KeyFrameLog)
	s.Frozen = st.needKey && !s.FirstKeyAt.IsZero()
	if s.Frozen {
		s.FrozenFor += time.Since(st.needKeySince)
	}
	return s
}

func (st *SlotStats) bit(ext int64) (word int, mask uint64) {
	i := int(ext & (seqWindow - 1))
	return i / 64, 1 << (i % 64)
}

// observed is what one packet told: its marker (if it had one and was not a duplicate) and
// whether the receiver should ask for a key frame now (a real decoder would be stuck; already
// throttled).
type observed struct {
	marker  Marker
	marked  bool
	wantKey bool
}

// sequence counts one packet by its sequence number (st.mu held): gaps, late arrivals and
// duplicates. dup is true when the packet adds nothing (a duplicate or a jump backwards).
func (st *SlotStats) sequence(now time.Time, seq uint16, size int, video bool) (inOrder, dup bool) {
	s := &st.snap
	s.Packets++
	s.Bytes += int64(size)
	s.LastAt = now
	if !st.started {
		st.started = true
		st.highest, st.base = int64(seq)+1<<32, int64(seq)+1<<32
		w, m := st.bit(st.highest)
		st.seen[w] |= m
		s.FirstAt = now
		inOrder = true
		if video {
			st.needKey, st.needKeySince = true, now
		}
	} else {
		d := int64(int16(seq - uint16(st.highest)))
		switch {
		case d > 0:
			if gap := int(d - 1); gap > 0 {
				s.MaxGap = max(s.MaxGap, gap)
				if st.holes == 0 {
					st.holeSince = now
				}
				st.holes += gap
				st.gapSinceFrame = true
				if video && gap >= bigGap && !st.needKey {
					st.needKey, st.needKeySince = true, now
				}
			}
			for k := int64(1); k <= min(d, seqWindow); k++ {
				w, m := st.bit(st.highest + k)
				st.seen[w] &^= m
			}
			st.highest += d
			w, m := st.bit(st.highest)
			st.seen[w] |= m
			inOrder = true
		case d == 0:
			s.Duplicates++
			return false, true
		case -d < seqWindow:
			w, m := st.bit(st.highest + d)
			if st.seen[w]&m != 0 {
				s.Duplicates++
				return false, true
			}
			st.seen[w] |= m
			s.Late++
			if st.holes > 0 {
				st.holes--
			}
		default:
			s.Discontinuities++
			return false, true
		}
	}
	s.Expected = st.highest - st.base + 1
	return inOrder, false
}

// count takes one packet of a point that only counts what it receives (Options.CountOnly):
// packets, bytes and sequence gaps, nothing from the payload.
func (st *SlotStats) count(now time.Time, seq uint16, size int) {
	st.mu.Lock()
	_, _ = st.sequence(now, seq, size, false)
	st.mu.Unlock()
}

// observe takes one received packet.
func (st *SlotStats) observe(now time.Time, seq uint16, ts uint32, payload []byte, size int, video bool) (o observed) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := &st.snap
	inOrder, dup := st.sequence(now, seq, size, video)
	if dup {
		return o
	}
	if len(payload) == 0 {
		s.Padding++
		o.wantKey = st.keyCheck(now, video)
		return o
	}
	if inOrder {
		if s.Packets > 1 && int32(ts-st.lastTS) < 0 {
			s.TSBackwards++
		}
		st.lastTS = ts
	}
	var desc vp8Desc
	if video {
		var ok bool
		if desc, ok = parseVP8(payload); ok && desc.start && inOrder {
			st.frameStart(desc)
		}
		if ok && desc.keyframe {
			s.KeyFrames++
			st.keyFrame(now)
		}
	}
	m, ok := ReadMarker(payload, video)
	if !ok {
		s.Unmarked++
		o.wantKey = st.keyCheck(now, video)
		return o
	}
	o.marker, o.marked = m, true
	if m.Layer < numLayers {
		s.LayerPackets[m.Layer]++
	}
	switch {
	case !inOrder:
		if st.haveRun && m.Source == st.run.Source && m.Layer == st.run.Layer && m.Counter < st.run.Counter {
			s.CounterLate++
		}
	case !st.haveRun:
		st.haveRun, st.run = true, m
		s.Source, s.Layer = m.Source, m.Layer
	case m.Source != st.run.Source || m.Layer != st.run.Layer:
		s.Switches++
		sw := Switch{At: now, From: st.run, To: m, Gap: st.lastGap()}
		s.SwitchMaxGap = max(s.SwitchMaxGap, sw.Gap)
		if len(s.SwitchLog) < maxSwitchLog {
			s.SwitchLog = append(s.SwitchLog, sw)
		}
		if video && !(desc.start && desc.keyframe) {
			s.SwitchNotKey++
			if !st.needKey {
				st.needKey, st.needKeySince = true, now
			}
		}
		st.run = m
		s.Source, s.Layer = m.Source, m.Layer
	default:
		// A gap in the publisher's counter is loss, unless the server had paused the slot and
		// resumed it (on a key frame for video; after a silence for audio): then the sequence
		// numbers rightly go on without a gap.
		if d := int64(m.Counter) - int64(st.run.Counter); d > 1 {
			if video && m.Key || !video && now.Sub(st.runAt) > resumeAfter {
				s.Resumes++
			} else {
				s.CounterLost += d - 1
			}
		}
		if m.Counter > st.run.Counter {
			st.run.Counter = m.Counter
		}
	}
	st.runAt = now
	o.wantKey = st.keyCheck(now, video)
	return o
}

// recover takes the redundant blocks of a RED packet whose primary had sequence number seq:
// a block fills the hole of the packet it repeats (found by its timestamp offset, 20 ms of
// Opus per packet).
func (st *SlotStats) recover(seq uint16, r redPacket) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.snap.RED++
	d := int64(int16(seq - uint16(st.highest)))
	for k := 0; k < r.n; k++ {
		back := int64((r.offset[k] + 480) / 960)
		if back <= 0 || back >= seqWindow {
			continue
		}
		ext := st.highest + d - back
		if ext < st.base || st.highest-ext >= seqWindow {
			continue
		}
		w, m := st.bit(ext)
		if st.seen[w]&m != 0 {
			continue
		}
		st.seen[w] |= m
		st.snap.Recovered++
		if st.holes > 0 {
			st.holes--
		}
	}
}

// lastGap is how many sequence numbers are missing right before the highest one.
func (st *SlotStats) lastGap() int {
	gap := 0
	for k := int64(1); k < seqWindow; k++ {
		w, m := st.bit(st.highest - k)
		if st.seen[w]&m != 0 {
			break
		}
		gap++
	}
	return gap
}

func (st *SlotStats) frameStart(d vp8Desc) {
	s := &st.snap
	if st.haveFrame && d.hasPicID {
		diff := (d.picID - st.lastPicID) & 0x7fff
		switch {
		case diff == 0 || diff > 0x4000:
			s.PicIDBackwards++
		case diff > 1 && !st.gapSinceFrame:
			s.PicIDJumps++
		}
	}
	if d.hasPicID {
		st.haveFrame, st.lastPicID = true, d.picID
	}
	st.gapSinceFrame = false
}

func (st *SlotStats) keyFrame(now time.Time) {
	s := &st.snap
	if len(s.KeyFrameLog) >= maxKeyLog {
		s.KeyFrameLog = append(s.KeyFrameLog[:0], s.KeyFrameLog[1:]...)
	}
	s.KeyFrameLog = append(s.KeyFrameLog, now)
	st.holes = 0
	if !st.needKey {
		return
	}
	if !s.FirstKeyAt.IsZero() {
		s.Freezes++
		s.FrozenFor += now.Sub(st.needKeySince)
	} else {
		s.FirstKeyAt = now
	}
	st.needKey = false
}

// keyCheck decides whether to ask for a key frame: the decoder waits for one, and holes that a
// retransmission did not fill in time make it wait.
func (st *SlotStats) keyCheck(now time.Time, video bool) bool {
	if !video {
		return false
	}
	if st.holes > 0 && now.Sub(st.holeSince) > giveUpHoles {
		st.holes = 0
		if !st.needKey {
			st.needKey, st.needKeySince = true, now
		}
	}
	if st.needKey && now.Sub(st.lastPLI) >= pliInterval {
		st.lastPLI = now
		return true
	}
	return false
}
