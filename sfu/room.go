package sfu

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/phonghop/phonghop/internal/auth"
)

// room is one media room: its participants, what they publish, who is on the main screen and
// who speaks. One goroutine per room (run) does the periodic work: speaker detection, the
// loudest-audio slots, roster and speaking messages, layer choice and pausing, statistics.
type room struct {
	s    *Server
	name string

	mu           sync.Mutex
	participants map[string]*participant
	order        []string // identities in joining order
	spotlight    string
	speaker      string   // the active speaker
	recent       []string // recent speakers, most recent first
	screen       *source
	chairMuted   map[string]bool // by identity: survives a rejoin
	// mutedByRule marks a chairMuted entry that only the meeting's rule set (joining muted), so
	// that a rejoin tells the page which it is: the rule, or the chair.
	mutedByRule map[string]bool
	parked      map[string]parked
	rosterDirty map[string]bool
	rosterGone  map[string]bool
	closed      bool
	kick        chan struct{}
	stop        chan struct{}
	speakingSet []string
	busSpeaking string
	lastStats   map[*participant]statSample
	lastStatsAt time.Time
	recording   *roomRecording
}

// parked is what a participant that dropped keeps for ResumeGrace: a rejoin with the same
// session gets its layout and own mute state back.
type parked struct {
	session   string
	layout    []Want
	audioN    int
	selfMuted map[string]bool
	until     time.Time
}

func newRoom(s *Server, name string) *room {
	return &room{s: s, name: name, participants: map[string]*participant{}, chairMuted: map[string]bool{}, mutedByRule: map[string]bool{},
		parked: map[string]parked{}, rosterDirty: map[string]bool{}, rosterGone: map[string]bool{},
		kick: make(chan struct{}, 1), stop: make(chan struct{}), lastStats: map[*participant]statSample{}}
}

// join adds a participant and sends it the room as it is.
func (r *room) join(g auth.MediaGrant, conn *websocket.Conn, session string) (*participant, error) {
	p := &participant{room: r, grant: g, conn: conn, out: make(chan []byte, 1024), done: make(chan struct{}),
		joined: time.Now(), pubMids: map[string]string{}, sources: map[string]*source{}, selfMuted: map[string]bool{}}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, errors.New("room ended")
	}
	old := r.participants[g.Identity]
	var resume *parked
	if pk, ok := r.parked[g.Identity]; ok {
		delete(r.parked, g.Identity)
		if session != "" && pk.session == session && time.Now().Before(pk.until) {
			resume = &pk
		}
	}
	if resume != nil {
		p.session = resume.session
		for k, v := range resume.selfMuted {
			p.selfMuted[k] = v
		}
	} else {
		p.session = newSessionID()
		if _, known := r.chairMuted[g.Identity]; !known && g.StartMuted {
			r.chairMuted[g.Identity] = true
			r.mutedByRule[g.Identity] = true
		}
	}
	r.participants[g.Identity] = p
	if old == nil {
		r.order = append(r.order, g.Identity)
	}
	r.rosterDirty[g.Identity] = true
	delete(r.rosterGone, g.Identity)
	roster := make([]Participant, 0, len(r.participants))
	for _, id := range r.order {
		if o := r.participants[id]; o != nil && o != p {
			roster = append(roster, r.describeLocked(o))
		}
	}
	spot := r.spotlight
	r.mu.Unlock()
	if old != nil {
		// The same point joining again (a reload, a new network) replaces its old session.
		old.send(Message{Type: "error", Code: "unavailable", Message: "joined again from another connection"})
		r.cleanup(old)
	}
	var ice []ICEServer
	if r.s.opts.ICEServers != nil {
		ice = r.s.opts.ICEServers(g.Identity)
	}
	p.send(Message{V: ProtocolVersion, Type: "joined", Identity: g.Identity, Name: g.Name, Session: p.session,
		Participants: roster, Spotlight: spot, ICEServers: ice})
	if muted, byRule := r.audioMuteOf(g.Identity); muted {
		by := "chair"
		if byRule {
			by = "room"
		}
		p.send(Message{Type: "muted", Kind: "audio", Muted: true, By: by})
	}
	r.s.publishEvent(r.name, map[string]string{"type": "joined", "identity": g.Identity, "name": g.Name})
	if resume != nil && len(resume.layout)+resume.audioN > 0 {
		go p.subscribe(resume.layout, resume.audioN)
	}
	return p, nil
}

// audioMuteOf says whether the room holds id muted, and whether only the meeting's rule did.
func (r *room) audioMuteOf(id string) (muted, byRule bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.chairMuted[id], r.mutedByRule[id]
}

// leave removes a participant. reason is what the room service hears: "leave" (it said so),
// "lost" (its connection went away; its session is kept for a rejoin), "removed" or "ended".
func (r *room) leave(p *participant, reason string) {
	r.mu.Lock()
	if r.closed && reason == "lost" {
		reason = "ended"
	}
	dropped := reason == "lost"
	current := r.participants[p.grant.Identity] == p
	if current {
		delete(r.participants, p.grant.Identity)
		for i, id := range r.order {
			if id == p.grant.Identity {
				r.order = append(r.order[:i], r.order[i+1:]...)
				break
			}
		}
		r.rosterGone[p.grant.Identity] = true
		delete(r.rosterDirty, p.grant.Identity)
		if dropped {
			p.mu.Lock()
			sm := map[string]bool{}
			for k, v := range p.selfMuted {
				sm[k] = v
			}
			r.parked[p.grant.Identity] = parked{session: p.session, layout: p.layout, audioN: p.audioN, selfMuted: sm, until: time.Now().Add(r.s.opts.ResumeGrace)}
			p.mu.Unlock()
		}
	}
	empty := len(r.participants) == 0
	r.mu.Unlock()
	r.cleanup(p)
	if current {
		r.s.publishEvent(r.name, map[string]string{"type": "left", "identity": p.grant.Identity, "reason": reason})
	}
	if empty && !dropped {
		r.maybeDrop()
	}
}

// cleanup closes a participant's connections and takes its sources out of the room.
func (r *room) cleanup(p *participant) {
	p.close()
	p.mu.Lock()
	srcs := make([]*source, 0, len(p.sources))
	for _, s := range p.sources {
		srcs = append(srcs, s)
	}
	p.sources = map[string]*source{}
	p.mu.Unlock()
	r.mu.Lock()
	for _, s := range srcs {
		if r.screen == s {
			r.screen = nil
		}
	}
	r.mu.Unlock()
	r.rebindAll()
}

// maybeDrop forgets an empty room (a room with parked sessions waits for them).
func (r *room) maybeDrop() {
	r.mu.Lock()
	if len(r.participants) > 0 {
		r.mu.Unlock()
		return
	}
	now := time.Now()
	for id, pk := range r.parked {
		if now.After(pk.until) {
			delete(r.parked, id)
		}
	}
	drop := len(r.parked) == 0 && !r.closed && r.recording == nil
	if drop {
		r.closed = true
		close(r.stop)
	}
	r.mu.Unlock()
	if drop {
		r.s.dropRoom(r)
	}
}

// describeLocked is a participant as the roster shows it (r.mu held).
func (r *room) describeLocked(p *participant) Participant {
	d := Participant{Identity: p.grant.Identity, Name: p.grant.Name, Sources: p.sourceList()}
	p.mu.Lock()
	switch {
	case r.chairMuted[p.grant.Identity]:
		d.AudioMuted, d.MutedBy = true, "chair"
	case p.selfMuted["audio"]:
		d.AudioMuted, d.MutedBy = true, "self"
	}
	d.VideoMuted = p.selfMuted["video"]
	d.AudioOnly = p.audioOnly
	p.mu.Unlock()
	return d
}

// sourcesChanged is called when a participant starts or stops publishing something.
func (r *room) sourcesChanged(p *participant) {
	r.mu.Lock()
	if r.participants[p.grant.Identity] == p {
		r.rosterDirty[p.grant.Identity] = true
	}
	if scr := p.source(SourceScreen); scr != nil {
		r.screen = scr
	} else if r.screen != nil && r.screen.owner == p {
		r.screen = nil
	}
	r.mu.Unlock()
	r.applyMutes(p)
	r.rebindAll()
}

// applyMutes sets the forwarding switches of a participant's sources from its mute state.
func (r *room) applyMutes(p *participant) {
	r.mu.Lock()
	chair := r.chairMuted[p.grant.Identity]
	r.mu.Unlock()
	p.mu.Lock()
	if s := p.sources[SourceMic]; s != nil {
		s.muted.Store(chair || p.selfMuted["audio"])
	}
	if s := p.sources[SourceCamera]; s != nil {
		s.muted.Store(p.selfMuted["video"] || p.audioOnly)
	}
	p.mu.Unlock()
}

// muteChanged tells the participant its own state of that kind and everyone else through the
// roster.
func (r *room) muteChanged(p *participant, kind, by string) {
	r.applyMutes(p)
	r.mu.Lock()
	chair := r.chairMuted[p.grant.Identity]
	if r.participants[p.grant.Identity] == p {
		r.rosterDirty[p.grant.Identity] = true
	}
	r.mu.Unlock()
	p.mu.Lock()
	muted := p.selfMuted[kind]
	if kind == "audio" {
		muted = muted || chair
	}
	p.mu.Unlock()
	p.send(Message{Type: "muted", Kind: kind, Muted: muted, By: by})
	r.kickLoop()
}

// layoutChanged resolves a participant's slots after it asked for a new layout.
func (r *room) layoutChanged(p *participant) {
	r.bind(p)
	r.allocateAudio()
	r.kickLoop()
}

func (r *room) kickLoop() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// mainFor is whom the main screen shows to p: the spotlight, else the active speaker, else a
// recent speaker, else the first who publishes a camera; never p itself.
func (r *room) mainFor(p *participant) *participant {
	ok := func(id string) *participant {
		if id == "" || p != nil && id == p.grant.Identity {
			return nil
		}
		o := r.participants[id]
		if o == nil || o.source(SourceCamera) == nil {
			return nil
		}
		return o
	}
	for _, id := range append([]string{r.spotlight, r.speaker}, r.recent...) {
		if o := ok(id); o != nil {
			return o
		}
	}
	for _, id := range r.order {
		if o := ok(id); o != nil {
			return o
		}
	}
	return nil
}

// resolveLocked finds the source a video slot's binding points to now (r.mu held).
func (r *room) resolveLocked(p *participant, b binding) *source {
	switch b.follow {
	case "":
		if b.identity == "" || p != nil && b.identity == p.grant.Identity {
			return nil
		}
		if o := r.participants[b.identity]; o != nil {
			return o.source(b.source)
		}
	case "spotlight":
		if o := r.mainFor(p); o != nil {
			return o.source(SourceCamera)
		}
	case "speaker":
		saved := r.spotlight
		r.spotlight = ""
		o := r.mainFor(p)
		r.spotlight = saved
		if o != nil {
			return o.source(SourceCamera)
		}
	case "screen":
		if r.screen != nil && (p == nil || r.screen.owner != p) {
			return r.screen
		}
	}
	return nil
}

// bind points each of p's video slots at its source and tells p if anything changed.
func (r *room) bind(p *participant) {
	r.mu.Lock()
	video := func() []*slot { p.mu.Lock(); defer p.mu.Unlock(); return append([]*slot(nil), p.video...) }()
	targets := make([]*source, len(video))
	for i, s := range video {
		s.mu.Lock()
		b := s.want
		s.mu.Unlock()
		targets[i] = r.resolveLocked(p, b)
	}
	r.mu.Unlock()
	changed := false
	now := time.Now().UnixNano()
	for i, s := range video {
		s.mu.Lock()
		if s.src != targets[i] {
			s.src = targets[i]
			changed = true
		}
		s.mu.Unlock()
		if l := s.retarget(now); l != nil && l.paused.Load() {
			r.kickLoop()
		}
	}
	if changed {
		p.sendTracks()
	}
}

// rebindAll re-resolves every participant's slots (a source came or went, the spotlight or the
// speaker changed).
func (r *room) rebindAll() {
	for _, p := range r.members() {
		r.bind(p)
	}
	r.allocateAudio()
}

func (r *room) members() []*participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	ps := make([]*participant, 0, len(r.participants))
	for _, id := range r.order {
		if p := r.participants[id]; p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// allocateAudio gives each subscriber's audio slots to the loudest participants other than
// itself; a participant keeps its slot while it stays among them, so audio slots seldom switch.
func (r *room) allocateAudio() {
	ranking := r.audioRanking()
	var loudest *source
	if len(ranking) > 0 {
		loudest = ranking[0]
	}
	defer r.bindRecording(loudest)
	for _, p := range r.members() {
		p.mu.Lock()
		slots := append([]*slot(nil), p.audio[:min(p.audioN, len(p.audio))]...)
		idle := append([]*slot(nil), p.audio[min(p.audioN, len(p.audio)):]...)
		p.mu.Unlock()
		want := make([]*source, 0, len(slots))
		for _, s := range ranking {
			if len(want) == len(slots) {
				break
			}
			if s.owner != p {
				want = append(want, s)
			}
		}
		wanted := map[*source]bool{}
		for _, s := range want {
			wanted[s] = true
		}
		taken := map[*source]bool{}
		var free []*slot
		changed := false
		for _, s := range slots {
			s.mu.Lock()
			if s.src != nil && wanted[s.src] && !taken[s.src] {
				taken[s.src] = true
			} else {
				free = append(free, s)
			}
			s.mu.Unlock()
		}
		for _, src := range want {
			if taken[src] || len(free) == 0 {
				continue
			}
			s := free[0]
			free = free[1:]
			s.mu.Lock()
			s.src = src
			s.mu.Unlock()
			changed = true
		}
		for _, s := range append(free, idle...) {
			s.mu.Lock()
			if s.src != nil {
				s.src, changed = nil, true
			}
			s.mu.Unlock()
		}
		now := time.Now().UnixNano()
		for _, s := range slots {
			s.retarget(now)
		}
		for _, s := range idle {
			s.retarget(now)
		}
		if changed {
			p.sendTracks()
		}
	}
}

// audioRanking orders the unmuted microphones: speaking ones by loudness, then the most
// recently loud, then by joining order. Membership of the top few changes only when someone
// starts speaking, which keeps audio slots stable.
func (r *room) audioRanking() []*source {
	r.mu.Lock()
	var srcs []*source
	for _, id := range r.order {
		if p := r.participants[id]; p != nil {
			if s := p.source(SourceMic); s != nil && !s.muted.Load() {
				srcs = append(srcs, s)
			}
		}
	}
	r.mu.Unlock()
	sort.SliceStable(srcs, func(i, j int) bool {
		a, b := srcs[i], srcs[j]
		if a.speaking != b.speaking {
			return a.speaking
		}
		if a.speaking {
			return a.score > b.score
		}
		return a.lastLoud.After(b.lastLoud)
	})
	return srcs
}

// apply runs a command from the room service.
func (r *room) apply(c Command) {
	r.mu.Lock()
	p := r.participants[c.Identity]
	r.mu.Unlock()
	switch c.Type {
	case "mute", "unmute":
		r.mu.Lock()
		r.chairMuted[c.Identity] = c.Type == "mute"
		delete(r.mutedByRule, c.Identity)
		r.mu.Unlock()
		if p != nil {
			if c.Type == "unmute" {
				p.mu.Lock()
				p.selfMuted["audio"] = false
				p.mu.Unlock()
			}
			r.muteChanged(p, "audio", "chair")
			r.allocateAudio()
		}
	case "mute_all":
		// Everyone but the one who asked (the chair) is muted.
		for _, q := range r.members() {
			if q.grant.Identity == c.Identity {
				continue
			}
			r.mu.Lock()
			r.chairMuted[q.grant.Identity] = true
			delete(r.mutedByRule, q.grant.Identity)
			r.mu.Unlock()
			r.muteChanged(q, "audio", "chair")
		}
		r.allocateAudio()
	case "spotlight":
		r.mu.Lock()
		r.spotlight = c.Identity
		r.mu.Unlock()
		r.broadcast(Message{Type: "spotlight", Identity: c.Identity})
		r.rebindAll()
	case "audio_only", "video_on":
		if p != nil {
			r.setAudioOnly(p, c.Type == "audio_only", "operator")
		}
	case "rejoin":
		if p != nil {
			p.send(Message{Type: "rejoin"})
		}
	case "remove":
		if p != nil {
			p.send(Message{Type: "removed"})
			r.leave(p, "removed")
		}
	case "record_start":
		r.startRecording(c.RecordingID)
	case "record_stop":
		r.stopRecording(c.RecordingID)
	case "end":
		r.close("ended")
	}
}

// setAudioOnly switches a point to audio only (it stops sending and receiving video) or back.
func (r *room) setAudioOnly(p *participant, on bool, by string) {
	p.mu.Lock()
	if p.audioOnly == on {
		p.mu.Unlock()
		return
	}
	p.audioOnly, p.autoAudioOnly = on, on && by == "server"
	p.mu.Unlock()
	if b := p.budget; b != nil && by == "operator" {
		// The operator's decision stands for a minute before the server judges the link again.
		b.mu.Lock()
		b.noAutoUntil, b.lowSince, b.highSince = time.Now().Add(time.Minute), time.Time{}, time.Time{}
		b.mu.Unlock()
	}
	r.applyMutes(p)
	r.mu.Lock()
	r.rosterDirty[p.grant.Identity] = true
	r.mu.Unlock()
	p.send(Message{Type: "audio_only", On: on, By: by})
	r.s.log.Info("sfu: audio only", "room", r.name, "identity", p.grant.Identity, "on", on, "by", by)
	r.rebindAll()
	r.kickLoop()
}

// broadcast sends one message to everyone, encoded once.
func (r *room) broadcast(m Message) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	for _, p := range r.members() {
		p.sendRaw(b)
	}
}

// close ends the room: everyone is told and disconnected.
func (r *room) close(why string) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	close(r.stop)
	r.mu.Unlock()
	r.stopRecording(0)
	for _, p := range r.members() {
		p.send(Message{Type: why})
		// Let the writer deliver the last message before the socket closes.
		go func(p *participant) {
			time.Sleep(200 * time.Millisecond)
			r.cleanup(p)
		}(p)
	}
	r.s.dropRoom(r)
}

// flushRoster sends the presence and state changes gathered since the last flush, encoded once
// for everybody.
func (r *room) flushRoster() {
	r.mu.Lock()
	if len(r.rosterDirty) == 0 && len(r.rosterGone) == 0 {
		r.mu.Unlock()
		return
	}
	m := Message{Type: "roster"}
	ids := make([]string, 0, len(r.rosterDirty))
	for id := range r.rosterDirty {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if p := r.participants[id]; p != nil {
			m.Upsert = append(m.Upsert, r.describeLocked(p))
		}
	}
	for id := range r.rosterGone {
		m.Remove = append(m.Remove, id)
	}
	sort.Strings(m.Remove)
	r.rosterDirty, r.rosterGone = map[string]bool{}, map[string]bool{}
	r.mu.Unlock()
	r.broadcast(m)
}

// speakingFor sends p the speakers among those it shows, when that changed.
func (r *room) speakingFor(p *participant, speaking map[string]bool, spot string) {
	shown := map[string]bool{}
	if spot != "" && speaking[spot] {
		shown[spot] = true
	}
	for _, s := range p.slots() {
		s.mu.Lock()
		if s.src != nil && speaking[s.src.owner.grant.Identity] {
			shown[s.src.owner.grant.Identity] = true
		}
		s.mu.Unlock()
	}
	ids := make([]string, 0, len(shown))
	for id := range shown {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	key := strings.Join(ids, ",")
	p.mu.Lock()
	same := key == p.speakSent
	p.speakSent = key
	p.mu.Unlock()
	if !same {
		if ids == nil {
			ids = []string{}
		}
		p.send(Message{Type: "speaking", Identities: ids})
	}
}
