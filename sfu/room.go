package sfu

import (
	"errors"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/internal/auth"
)

// Lock order: room.mu before participant.mu; never the other way round.

// room is one media room: its participants and the tracks they publish.
type room struct {
	s    *Server
	name string

	mu           sync.Mutex
	participants map[string]*participant
	tracks       []*published
	spotlight    string
	closed       bool
}

// published is a track a participant sends, fanned out to every other participant.
type published struct {
	owner   *participant
	kind    string
	remote  *webrtc.TrackRemote
	local   *webrtc.TrackLocalStaticRTP
	senders map[*participant]*webrtc.RTPSender
}

// participant is one connected client.
type participant struct {
	room  *room
	grant auth.MediaGrant
	conn  *websocket.Conn
	pc    *webrtc.PeerConnection

	wmu sync.Mutex // serializes writes to conn

	mu          sync.Mutex
	negotiating bool
	pending     bool
	remoteSet   bool
	candidates  []webrtc.ICECandidateInit
	chairMuted  map[string]bool // enforced here: nothing of that kind is forwarded
	selfMuted   map[string]bool
	gone        bool
}

func newRoom(s *Server, name string) *room {
	return &room{s: s, name: name, participants: map[string]*participant{}}
}

func (p *participant) send(m Message) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_ = p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_ = p.conn.WriteJSON(m)
}

func (p *participant) forwarding(kind string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.chairMuted[kind] && !p.selfMuted[kind]
}

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
	p, err := r.join(grant, conn)
	if err != nil {
		refuse("unavailable", err.Error())
		return
	}
	defer r.leave(p)
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
		case "answer":
			p.answer(m.SDP)
		case "candidate":
			p.candidate(*m.Candidate)
		case "mute":
			p.selfMute(m.Kind, m.Muted)
		case "leave":
			return
		}
	}
}

// join adds a participant: its connection, receive slots for what it may publish, and every
// track already in the room; then the first offer.
func (r *room) join(g auth.MediaGrant, conn *websocket.Conn) (*participant, error) {
	pc, err := r.s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := &participant{room: r, grant: g, conn: conn, pc: pc, chairMuted: map[string]bool{}, selfMuted: map[string]bool{}}
	if g.StartMuted {
		p.chairMuted["audio"] = true
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			init := c.ToJSON()
			p.send(Message{Type: "candidate", Candidate: &init})
		}
	})
	pc.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { r.publish(p, remote) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed {
			_ = conn.Close()
		}
	})
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if g.CanPublish(kind.String()) {
			if _, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				pc.Close()
				return nil, err
			}
		}
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		pc.Close()
		return nil, errors.New("room ended")
	}
	if old := r.participants[g.Identity]; old != nil {
		// The same point joining again (a reload, a new network) replaces its old session.
		r.mu.Unlock()
		r.leave(old)
		_ = old.conn.Close()
		r.mu.Lock()
	}
	var others []Participant
	for _, o := range r.participants {
		others = append(others, Participant{Identity: o.grant.Identity, Name: o.grant.Name})
	}
	r.participants[g.Identity] = p
	if g.Subscribe {
		for _, t := range r.tracks {
			r.attach(t, p)
		}
	}
	spot := r.spotlight
	r.mu.Unlock()

	p.send(Message{V: ProtocolVersion, Type: "joined", Identity: g.Identity, Name: g.Name, Participants: others})
	if spot != "" {
		p.send(Message{Type: "spotlight", Identity: spot})
	}
	r.broadcast(p, Message{Type: "participant_joined", Identity: g.Identity, Name: g.Name})
	if g.StartMuted {
		r.broadcast(nil, Message{Type: "muted", Identity: g.Identity, Kind: "audio", Muted: true, By: "room"})
	}
	// Newcomers learn who is muted now.
	r.mu.Lock()
	var mutedNow []string
	for id, o := range r.participants {
		if o != p {
			o.mu.Lock()
			if o.chairMuted["audio"] || o.selfMuted["audio"] {
				mutedNow = append(mutedNow, id)
			}
			o.mu.Unlock()
		}
	}
	r.mu.Unlock()
	for _, id := range mutedNow {
		p.send(Message{Type: "muted", Identity: id, Kind: "audio", Muted: true})
	}
	p.negotiate()
	return p, nil
}

// attach adds a published track to a subscriber's connection (room.mu held).
func (r *room) attach(t *published, sub *participant) {
	if t.owner == sub {
		return
	}
	// A transceiver of its own: AddTrack would reuse the subscriber's receive slot of the same
	// kind, and the subscriber's own camera or microphone would then have nowhere to go.
	tr, err := sub.pc.AddTransceiverFromTrack(t.local, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		r.s.log.Warn("sfu: add track", "room", r.name, "to", sub.grant.Identity, "err", err)
		return
	}
	sender := tr.Sender()
	t.senders[sub] = sender
	go func() { // RTCP from the subscriber: NACKs are answered by the interceptors; PLIs go upstream.
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
				if _, ok := pk.(*rtcp.PictureLossIndication); ok && t.kind == "video" {
					t.requestKeyFrame()
				}
			}
		}
	}()
	if t.kind == "video" {
		t.requestKeyFrame()
	}
}

func (t *published) requestKeyFrame() {
	_ = t.owner.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(t.remote.SSRC())}})
}

// publish starts forwarding a participant's new track to everyone else.
func (r *room) publish(p *participant, remote *webrtc.TrackRemote) {
	kind := remote.Kind().String()
	local, err := webrtc.NewTrackLocalStaticRTP(remote.Codec().RTPCodecCapability, kind, p.grant.Identity)
	if err != nil {
		r.s.log.Warn("sfu: local track", "err", err)
		return
	}
	t := &published{owner: p, kind: kind, remote: remote, local: local, senders: map[*participant]*webrtc.RTPSender{}}
	r.mu.Lock()
	r.tracks = append(r.tracks, t)
	var subs []*participant
	for _, sub := range r.participants {
		if sub != p && sub.grant.Subscribe {
			r.attach(t, sub)
			subs = append(subs, sub)
		}
	}
	r.mu.Unlock()
	for _, sub := range subs {
		sub.negotiate()
	}
	buf := make([]byte, 1500)
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				r.s.log.Debug("sfu: track ended", "room", r.name, "from", p.grant.Identity, "err", err)
			}
			return
		}
		if !p.forwarding(kind) {
			continue // muted: enforced here, whatever the client does
		}
		if _, err := local.Write(buf[:n]); err != nil && !errors.Is(err, io.ErrClosedPipe) {
			return
		}
	}
}

// negotiate sends an offer now, or as soon as the one in flight is answered.
func (p *participant) negotiate() {
	p.mu.Lock()
	if p.gone {
		p.mu.Unlock()
		return
	}
	if p.negotiating {
		p.pending = true
		p.mu.Unlock()
		return
	}
	if len(p.pc.GetTransceivers()) == 0 {
		p.mu.Unlock()
		return // nothing to send or receive yet: the first track will start negotiation
	}
	p.negotiating = true
	p.mu.Unlock()
	offer, err := p.pc.CreateOffer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(offer)
	}
	if err != nil {
		p.room.s.log.Warn("sfu: offer", "to", p.grant.Identity, "err", err)
		p.mu.Lock()
		p.negotiating = false
		p.mu.Unlock()
		return
	}
	p.send(Message{Type: "offer", SDP: offer.SDP})
}

func (p *participant) answer(sdp string) {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		p.send(Message{Type: "error", Code: "bad_request", Message: "answer refused: " + err.Error()})
		return
	}
	p.mu.Lock()
	queued := p.candidates
	p.candidates, p.remoteSet, p.negotiating = nil, true, false
	again := p.pending
	p.pending = false
	p.mu.Unlock()
	for _, c := range queued {
		_ = p.pc.AddICECandidate(c)
	}
	if again {
		p.negotiate()
	}
}

func (p *participant) candidate(c webrtc.ICECandidateInit) {
	p.mu.Lock()
	if !p.remoteSet {
		p.candidates = append(p.candidates, c) // before the first answer: keep in order
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	_ = p.pc.AddICECandidate(c)
}

// selfMute is the participant muting or unmuting itself. After the chair muted it, it may unmute
// only if its grant allows.
func (p *participant) selfMute(kind string, muted bool) {
	p.mu.Lock()
	if !muted && p.chairMuted[kind] {
		if !p.grant.SelfUnmute {
			p.mu.Unlock()
			p.send(Message{Type: "error", Code: "forbidden", Message: "muted by the chair"})
			return
		}
		p.chairMuted[kind] = false
	}
	p.selfMuted[kind] = muted
	p.mu.Unlock()
	p.room.broadcast(nil, Message{Type: "muted", Identity: p.grant.Identity, Kind: kind, Muted: muted, By: "self"})
}

// apply runs a command from the room service.
func (r *room) apply(c Command) {
	r.mu.Lock()
	p := r.participants[c.Identity]
	r.mu.Unlock()
	switch c.Type {
	case "mute", "unmute":
		if p == nil {
			return
		}
		p.mu.Lock()
		p.chairMuted["audio"] = c.Type == "mute"
		if c.Type == "unmute" {
			p.selfMuted["audio"] = false
		}
		p.mu.Unlock()
		r.broadcast(nil, Message{Type: "muted", Identity: c.Identity, Kind: "audio", Muted: c.Type == "mute", By: "chair"})
	case "mute_all":
		// Everyone but the one who asked (the chair) is muted.
		r.mu.Lock()
		var ps []*participant
		for id, q := range r.participants {
			if id != c.Identity {
				ps = append(ps, q)
			}
		}
		r.mu.Unlock()
		for _, q := range ps {
			q.mu.Lock()
			q.chairMuted["audio"] = true
			q.mu.Unlock()
			r.broadcast(nil, Message{Type: "muted", Identity: q.grant.Identity, Kind: "audio", Muted: true, By: "chair"})
		}
	case "spotlight":
		r.mu.Lock()
		r.spotlight = c.Identity
		r.mu.Unlock()
		r.broadcast(nil, Message{Type: "spotlight", Identity: c.Identity})
	case "remove":
		if p != nil {
			p.send(Message{Type: "removed"})
			_ = p.conn.Close()
		}
	case "end":
		r.close()
	}
}

func (r *room) broadcast(except *participant, m Message) {
	r.mu.Lock()
	ps := make([]*participant, 0, len(r.participants))
	for _, p := range r.participants {
		if p != except {
			ps = append(ps, p)
		}
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.send(m)
	}
}

// leave removes a participant and its tracks from everyone else's connection.
func (r *room) leave(p *participant) {
	p.mu.Lock()
	if p.gone {
		p.mu.Unlock()
		return
	}
	p.gone = true
	p.mu.Unlock()
	r.mu.Lock()
	if r.participants[p.grant.Identity] == p {
		delete(r.participants, p.grant.Identity)
	}
	changed := map[*participant]bool{}
	kept := r.tracks[:0]
	for _, t := range r.tracks {
		if t.owner == p {
			for sub, sender := range t.senders {
				_ = sub.pc.RemoveTrack(sender)
				changed[sub] = true
			}
			continue
		}
		delete(t.senders, p)
		kept = append(kept, t)
	}
	r.tracks = kept
	empty := len(r.participants) == 0
	r.mu.Unlock()
	_ = p.pc.Close()
	for sub := range changed {
		sub.negotiate()
	}
	r.broadcast(nil, Message{Type: "participant_left", Identity: p.grant.Identity})
	if empty {
		r.s.dropRoom(r)
	}
}

func (r *room) close() {
	r.mu.Lock()
	r.closed = true
	ps := make([]*participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.send(Message{Type: "ended"})
		_ = p.conn.Close()
	}
	r.s.dropRoom(r)
}
