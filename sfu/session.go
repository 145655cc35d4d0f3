package sfu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/internal/auth"
)

// participant is one connected client: its signaling socket, its publish connection (it
// offers) and its subscribe connection (the server offers).
//
// Lock order: room.mu before participant.mu before slot.mu.
type participant struct {
	room    *room
	grant   auth.MediaGrant
	session string
	conn    *websocket.Conn
	out     chan []byte
	done    chan struct{}
	once    sync.Once
	joined  time.Time

	mu       sync.Mutex
	pub, sub *webrtc.PeerConnection
	pubMids  map[string]string // publish m-line → source
	sources  map[string]*source
	video    []*slot
	audio    []*slot
	layout   []Want
	audioN   int
	neg      struct {
		busy, again, restart bool
	}
	subRemote bool
	subQueue  []webrtc.ICECandidateInit
	pubRemote bool
	pubQueue  []webrtc.ICECandidateInit
	selfMuted map[string]bool
	audioOnly bool
	// autoAudioOnly is set when the server, not the operator, chose audio only.
	autoAudioOnly bool
	budget        *budget
	speakSent     string
	gone          bool
	leftOnDrop    bool
}

// grantKind is the word a join token uses for a source.
func grantKind(source string) string {
	switch source {
	case SourceMic:
		return "audio"
	case SourceCamera:
		return "video"
	}
	return source
}

func newSessionID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// send queues a message for the client; a client too slow to take its messages is
// disconnected (it rejoins and catches up) rather than holding up the room.
func (p *participant) send(m Message) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	p.sendRaw(b)
}

func (p *participant) sendRaw(b []byte) {
	select {
	case <-p.done:
	case p.out <- b:
	default:
		p.room.s.log.Warn("sfu: client too slow, disconnecting", "room", p.room.name, "identity", p.grant.Identity)
		p.closeConn()
	}
}

func (p *participant) closeConn() {
	p.once.Do(func() {
		close(p.done)
		_ = p.conn.Close()
	})
}

func (p *participant) writeLoop() {
	for {
		select {
		case <-p.done:
			return
		case b := <-p.out:
			_ = p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := p.conn.WriteMessage(websocket.TextMessage, b); err != nil {
				p.closeConn()
				return
			}
		}
	}
}

var errNotJoined = errors.New("join first")

// serve runs one client's signaling until it leaves or the connection drops.
func (s *Server) serve(conn *websocket.Conn) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, data, err := conn.ReadMessage()
	if err != nil {
		return
	}
	m, err := decode(data)
	if err == nil && m.Type != "join" {
		err = errNotJoined
	}
	refuse := func(code, msg string) {
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_ = conn.WriteJSON(Message{Type: "error", Code: code, Message: msg})
	}
	if err != nil {
		refuse("bad_request", err.Error())
		return
	}
	grant, err := s.tokens.Verify(m.Token)
	if err != nil {
		refuse("unauthorized", err.Error())
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	r := s.room(grant.Room)
	p, err := r.join(grant, conn, m.Session)
	if err != nil {
		refuse("unavailable", err.Error())
		return
	}
	go p.writeLoop()
	reason := "lost"
	defer func() { r.leave(p, reason) }()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		m, err := decode(data)
		if err != nil {
			p.send(Message{Type: "error", Code: "bad_request", Message: err.Error()})
			continue
		}
		switch m.Type {
		case "join":
			p.send(Message{Type: "error", Code: "bad_request", Message: "already joined"})
		case "publish_offer":
			p.publishOffer(m)
		case "answer":
			p.subAnswer(m.SDP)
		case "candidate":
			p.candidate(m.PC, *m.Candidate)
		case "subscribe":
			n := 3
			if m.Audio != nil {
				n = *m.Audio
			}
			p.subscribe(m.Video, n)
		case "mute":
			p.selfMute(m.Kind, m.Muted)
		case "restart_ice":
			if m.PC == "subscribe" {
				p.mu.Lock()
				p.neg.restart = true
				p.mu.Unlock()
				p.negotiate()
			}
		case "leave":
			reason = "leave"
			return
		}
	}
}

// publishOffer applies the client's offer on its publish connection, after checking that every
// source it sends is one its token allows.
func (p *participant) publishOffer(m Message) {
	mids := map[string]string{}
	for _, s := range m.Sources {
		if !p.grant.CanPublish(grantKind(s.Source)) {
			p.send(Message{Type: "error", Code: "forbidden", Message: fmt.Sprintf("not allowed to publish %s", s.Source)})
			return
		}
		mids[s.Mid] = s.Source
	}
	if err := checkPublishSDP(m.SDP, mids); err != nil {
		p.send(Message{Type: "error", Code: "bad_request", Message: "publish_offer: " + err.Error()})
		return
	}
	p.mu.Lock()
	if p.gone {
		p.mu.Unlock()
		return
	}
	if p.pub == nil {
		pc, err := p.room.s.pubAPI.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			p.mu.Unlock()
			p.send(Message{Type: "error", Code: "unavailable", Message: err.Error()})
			return
		}
		p.pub = pc
		pc.OnICECandidate(func(c *webrtc.ICECandidate) {
			if c != nil {
				init := c.ToJSON()
				p.send(Message{Type: "candidate", PC: "publish", Candidate: &init})
			}
		})
		pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) { p.track(pc, t, r) })
	}
	for mid, src := range mids {
		p.pubMids[mid] = src
	}
	pc := p.pub
	p.mu.Unlock()

	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}); err != nil {
		p.send(Message{Type: "error", Code: "bad_request", Message: "publish_offer refused: " + err.Error()})
		return
	}
	ans, err := pc.CreateAnswer(nil)
	if err == nil {
		err = pc.SetLocalDescription(ans)
	}
	if err != nil {
		p.send(Message{Type: "error", Code: "bad_request", Message: "publish_offer: " + err.Error()})
		return
	}
	p.send(Message{Type: "publish_answer", SDP: pc.LocalDescription().SDP})
	p.mu.Lock()
	queued := p.pubQueue
	p.pubQueue, p.pubRemote = nil, true
	p.mu.Unlock()
	for _, c := range queued {
		_ = pc.AddICECandidate(c)
	}
}

// checkPublishSDP refuses an offer that sends on an m-line the client did not name a source for,
// or names a source of the wrong kind.
func checkPublishSDP(raw string, mids map[string]string) error {
	var d sdp.SessionDescription
	if err := d.Unmarshal([]byte(raw)); err != nil {
		return fmt.Errorf("SDP does not parse: %w", err)
	}
	for _, md := range d.MediaDescriptions {
		kind := md.MediaName.Media
		if kind != "audio" && kind != "video" {
			continue
		}
		mid, _ := md.Attribute("mid")
		sending := true
		for _, dir := range []string{"recvonly", "inactive"} {
			if _, ok := md.Attribute(dir); ok {
				sending = false
			}
		}
		if md.MediaName.Port.Value == 0 || !sending {
			continue
		}
		src, ok := mids[mid]
		if !ok {
			return fmt.Errorf("m-line %q sends %s without a source", mid, kind)
		}
		if (src == SourceMic) != (kind == "audio") {
			return fmt.Errorf("m-line %q is %s but source %s", mid, kind, src)
		}
	}
	return nil
}

// track starts forwarding a new track (or simulcast layer) of the publish connection.
func (p *participant) track(pc *webrtc.PeerConnection, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	mid := ""
	for _, t := range pc.GetTransceivers() {
		if t.Receiver() == recv {
			mid = t.Mid()
		}
	}
	audio := remote.Kind() == webrtc.RTPCodecTypeAudio
	p.mu.Lock()
	kind := p.pubMids[mid]
	if kind == "" {
		kind = SourceCamera
		if audio {
			kind = SourceMic
		}
	}
	src := p.sources[kind]
	if src == nil {
		src = &source{owner: p, kind: kind, audio: audio, clock: remote.Codec().ClockRate}
		p.sources[kind] = src
	}
	p.mu.Unlock()
	q := qHigh
	if !audio {
		q = ridLayer(remote.RID())
	}
	l := &layer{src: src, q: q, rid: remote.RID(), remote: remote, ssrc: uint32(remote.SSRC()), pc: pc,
		keepHistory: !audio && !p.room.s.opts.LegacyForwarding}
	l.lastPacket.Store(time.Now().UnixNano())
	for _, e := range recv.GetParameters().HeaderExtensions {
		if e.URI == sdp.AudioLevelURI {
			l.audioLevelID = uint8(e.ID)
		}
	}
	src.mu.Lock()
	src.layers[q] = l
	src.rid[q] = remote.RID()
	src.mu.Unlock()
	p.room.sourcesChanged(p)
	go func() { // RTCP from the publisher (sender reports) feeds the receiver reports we send back
		for {
			var err error
			if remote.RID() != "" {
				_, _, err = recv.ReadSimulcastRTCP(remote.RID())
			} else {
				_, _, err = recv.ReadRTCP()
			}
			if err != nil {
				return
			}
		}
	}()
	l.read(&p.room.s.stats, p.room.s.out)
	// The track ended: the publisher stopped sharing, renegotiated it away, or left.
	src.mu.Lock()
	if src.layers[q] == l {
		src.layers[q] = nil
	}
	empty := true
	for _, x := range src.layers {
		if x != nil {
			empty = false
		}
	}
	src.mu.Unlock()
	if empty {
		p.mu.Lock()
		if p.sources[kind] == src {
			delete(p.sources, kind)
		}
		p.mu.Unlock()
		p.room.sourcesChanged(p)
	}
}

// subscribe applies a layout: slots keep what they carry when it is still wanted, free slots
// take the new entries, and new slots (a renegotiation) are added only when there are too few.
func (p *participant) subscribe(video []Want, audioN int) {
	if !p.grant.Subscribe {
		p.send(Message{Type: "error", Code: "forbidden", Message: "this token does not receive media"})
		return
	}
	p.mu.Lock()
	if p.gone {
		p.mu.Unlock()
		return
	}
	if p.sub == nil {
		pc, err := p.room.s.subAPI.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			p.mu.Unlock()
			p.send(Message{Type: "error", Code: "unavailable", Message: err.Error()})
			return
		}
		p.sub, p.budget = pc, newBudget(newEstimator(2_500_000, 30_000, 10_000_000))
		pc.OnICECandidate(func(c *webrtc.ICECandidate) {
			if c != nil {
				init := c.ToJSON()
				p.send(Message{Type: "candidate", PC: "subscribe", Candidate: &init})
			}
		})
	}
	p.layout, p.audioN = append([]Want(nil), video...), audioN
	added := false
	wants := make([]binding, len(video))
	quality := make([]int, len(video))
	for i, w := range video {
		b := binding{identity: w.Identity, follow: w.Follow, source: w.Source}
		if b.identity != "" && b.source == "" {
			b.source = SourceCamera
		}
		wants[i], quality[i] = b, qualityIndex(w.Quality)
	}
	// Keep slots that already carry a wanted entry.
	assigned := make([]*slot, len(wants))
	used := map[*slot]bool{}
	for i, b := range wants {
		for _, s := range p.video {
			if !used[s] && s.want == b {
				assigned[i], used[s] = s, true
				break
			}
		}
	}
	for i := range wants {
		if assigned[i] != nil {
			continue
		}
		for _, s := range p.video {
			if !used[s] {
				assigned[i], used[s] = s, true
				break
			}
		}
		if assigned[i] == nil {
			s, err := p.addSlot(webrtc.RTPCodecTypeVideo, len(p.video))
			if err != nil {
				p.mu.Unlock()
				p.send(Message{Type: "error", Code: "unavailable", Message: err.Error()})
				return
			}
			p.video = append(p.video, s)
			assigned[i], used[s], added = s, true, true
		}
	}
	for _, s := range p.video {
		s.mu.Lock()
		if !used[s] {
			s.want, s.quality = binding{}, -1
		}
		s.mu.Unlock()
	}
	for i, s := range assigned {
		s.mu.Lock()
		s.want, s.quality = wants[i], quality[i]
		s.mu.Unlock()
	}
	for len(p.audio) < audioN {
		s, err := p.addSlot(webrtc.RTPCodecTypeAudio, len(p.audio))
		if err != nil {
			break
		}
		s.want, s.quality = binding{follow: "loudest"}, qHigh
		p.audio = append(p.audio, s)
		added = true
	}
	for i, s := range p.audio {
		s.mu.Lock()
		if i < audioN {
			s.want, s.quality = binding{follow: "loudest"}, qHigh
		} else {
			s.want, s.quality = binding{}, -1
		}
		s.mu.Unlock()
	}
	p.mu.Unlock()
	p.room.layoutChanged(p)
	if added {
		p.negotiate()
	} else {
		p.sendTracks()
	}
}

// addSlot adds a sending transceiver to the subscribe connection (p.mu held).
func (p *participant) addSlot(kind webrtc.RTPCodecType, n int) (*slot, error) {
	s := newSlot(p, kind, n)
	tr, err := p.sub.AddTransceiverFromTrack(s, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, err
	}
	s.tr = tr
	go s.readRTCP(tr.Sender())
	return s, nil
}

// sendTracks tells the client what each of its slots carries now.
func (p *participant) sendTracks() {
	p.mu.Lock()
	slots := append(append([]*slot(nil), p.video...), p.audio...)
	p.mu.Unlock()
	var ts []Slot
	for _, s := range slots {
		if mid := s.tr.Mid(); mid != "" {
			ts = append(ts, s.describe(mid))
		}
	}
	if ts == nil {
		ts = []Slot{}
	}
	p.send(Message{Type: "tracks", Tracks: ts})
}

// negotiate sends an offer on the subscribe connection now, or as soon as the one in flight is
// answered; the slot map follows each offer.
func (p *participant) negotiate() {
	p.mu.Lock()
	if p.gone || p.sub == nil {
		p.mu.Unlock()
		return
	}
	if p.neg.busy {
		p.neg.again = true
		p.mu.Unlock()
		return
	}
	p.neg.busy = true
	restart := p.neg.restart
	p.neg.restart = false
	pc := p.sub
	p.mu.Unlock()
	var opts *webrtc.OfferOptions
	if restart {
		opts = &webrtc.OfferOptions{ICERestart: true}
	}
	offer, err := pc.CreateOffer(opts)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		p.room.s.log.Warn("sfu: offer", "to", p.grant.Identity, "err", err)
		p.mu.Lock()
		p.neg.busy = false
		p.mu.Unlock()
		return
	}
	p.send(Message{Type: "offer", SDP: offer.SDP})
	p.sendTracks()
}

func (p *participant) subAnswer(sdp string) {
	p.mu.Lock()
	pc := p.sub
	p.mu.Unlock()
	if pc == nil || pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		p.send(Message{Type: "error", Code: "bad_request", Message: "answer without an offer"})
		return
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		p.send(Message{Type: "error", Code: "bad_request", Message: "answer refused: " + err.Error()})
		return
	}
	p.mu.Lock()
	queued := p.subQueue
	p.subQueue, p.subRemote, p.neg.busy = nil, true, false
	again := p.neg.again
	p.neg.again = false
	p.mu.Unlock()
	for _, c := range queued {
		_ = pc.AddICECandidate(c)
	}
	if again {
		p.negotiate()
	}
}

func (p *participant) candidate(which string, c webrtc.ICECandidateInit) {
	p.mu.Lock()
	var pc *webrtc.PeerConnection
	if which == "publish" {
		if !p.pubRemote {
			p.pubQueue = append(p.pubQueue, c)
			p.mu.Unlock()
			return
		}
		pc = p.pub
	} else {
		if !p.subRemote {
			p.subQueue = append(p.subQueue, c)
			p.mu.Unlock()
			return
		}
		pc = p.sub
	}
	p.mu.Unlock()
	if pc != nil {
		_ = pc.AddICECandidate(c)
	}
}

// selfMute is the participant muting or unmuting itself. After the chair muted it, it may unmute
// only if its grant allows.
func (p *participant) selfMute(kind string, muted bool) {
	r := p.room
	r.mu.Lock()
	id := p.grant.Identity
	if kind == "audio" && !muted && r.chairMuted[id] {
		if !p.grant.SelfUnmute {
			r.mu.Unlock()
			p.send(Message{Type: "error", Code: "forbidden", Message: "muted by the chair"})
			return
		}
		delete(r.chairMuted, id)
	}
	r.mu.Unlock()
	p.mu.Lock()
	p.selfMuted[kind] = muted
	p.mu.Unlock()
	r.muteChanged(p, kind, "self")
}

// sourceList is what the participant publishes now, in a stable order.
func (p *participant) sourceList() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.sources))
	for k := range p.sources {
		out = append(out, k)
	}
	order := map[string]int{SourceMic: 0, SourceCamera: 1, SourceScreen: 2}
	sort.Slice(out, func(i, j int) bool { return order[out[i]] < order[out[j]] })
	return out
}

func (p *participant) source(kind string) *source {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sources[kind]
}

func (p *participant) slots() []*slot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append(append([]*slot(nil), p.video...), p.audio...)
}

// close tears down both connections and every slot.
func (p *participant) close() {
	p.mu.Lock()
	p.gone = true
	pub, sub := p.pub, p.sub
	slots := append(append([]*slot(nil), p.video...), p.audio...)
	p.mu.Unlock()
	for _, s := range slots {
		s.detach()
	}
	if pub != nil {
		_ = pub.Close()
	}
	if sub != nil {
		_ = sub.Close()
	}
	p.closeConn()
}
