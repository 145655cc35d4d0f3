// Package sfuclient is a meeting point built on Pion that speaks the media signaling protocol,
// version 2 (sfu/PROTOCOL.md): the SFU's tests and the load tester join rooms with it. It
// publishes synthetic VP8 simulcast and Opus that look real to the server (descriptors, key
// frames, audio levels) and carry their send time, receives the slots of a layout and checks
// what the server made of them: loss, continuity across switches, key frames, delay. A Link can
// hold a point to a weak line. It keeps every candidate on loopback when asked.
package sfuclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/sfu"
)

// Options for Join. The zero value joins, publishes nothing and subscribes to nothing.
type Options struct {
	// LoopbackOnly keeps every ICE candidate on 127.0.0.1 (tests and load tests).
	LoopbackOnly bool
	// Publish lists the sources to send: sfu.SourceMic, sfu.SourceCamera, sfu.SourceScreen.
	Publish []string
	// SingleLayer sends the camera as one encoding without RID instead of l/m/h simulcast.
	SingleLayer bool
	// Layout is sent as the first `subscribe` once joined (nil: none; Subscribe changes it).
	Layout *Layout
	// Talk says when the microphone's audio level says "speaking".
	Talk Talk
	// ICEServers (TURN) to use; UseJoinedICEServers adds those `joined` hands out; RelayOnly
	// allows relayed candidates only.
	ICEServers          []webrtc.ICEServer
	UseJoinedICEServers bool
	RelayOnly           bool
	// Receive-side RTCP: NACKs with retransmission, receiver reports, transport-wide congestion
	// control feedback (what the server's bandwidth estimation needs). All on unless turned off.
	NoNACK, NoReports, NoTWCC bool
	// NoRED refuses redundant audio (RFC 2198) on the subscribe connection.
	NoRED bool
	// CountOnly makes a point that only counts what it receives: packets, bytes, arrival and
	// sequence gaps per slot, without reading payloads (no forwarding delay, continuity or
	// layers), so that a load test can run many points on little CPU.
	CountOnly bool
	// NACKHistory is how many sent packets per layer the publisher keeps to answer NACKs
	// (a power of two; default 256; negative: none).
	NACKHistory int
	// TCPOnly connects with ICE over TCP only, as a point behind a firewall that drops UDP.
	TCPOnly bool
	// Link shapes both connections' sockets (rate, loss, outages); nil: none.
	Link *Link
	// Session resumes an earlier participant (the `session` of its `joined`).
	Session string
	// MaxPacket is the largest video payload (default 1,100 bytes).
	MaxPacket int
	// KeyFrameInterval between unrequested key frames (default 10 s).
	KeyFrameInterval time.Duration
	// Seed makes sequence numbers, timestamps and picture IDs reproducible (0: from identity).
	Seed uint64
	// JoinTimeout bounds the wait for `joined` (default 10 s).
	JoinTimeout time.Duration
	// PionLogs lets Pion log warnings and errors (off: nothing).
	PionLogs bool
}

// Layout is a subscriber's wish: the video slots and the number of audio slots.
type Layout struct {
	Video []sfu.Want
	Audio int
}

// RefusedError is the server's `error` answer to the join.
type RefusedError struct{ Code, Message string }

func (e *RefusedError) Error() string { return "sfuclient: refused: " + e.Code + ": " + e.Message }

// Client is one connected participant.
type Client struct {
	opts Options
	ws   *websocket.Conn
	wmu  sync.Mutex
	// Msgs receives every server message except offers, candidates and publish answers, in
	// order; closed when the connection ends. Nobody has to read it: when full, new messages
	// are dropped rather than stall signaling.
	Msgs chan sfu.Message
	// Stats are what this client sent and received.
	Stats *Stats

	// Timing of the join: the WebSocket dial, `joined`.
	DialAt, JoinedAt time.Time

	mu         sync.Mutex
	joinedMsg  sfu.Message
	roster     map[string]sfu.Participant
	tracks     map[string]sfu.Slot
	speaking   []string
	spotlight  string
	muted      map[string]string // kind → by, when muted
	iceServers []webrtc.ICEServer
	pub        *publisher
	sub        *subscriber

	talk     atomic.Pointer[Talk]
	joinedCh chan error
	done     chan struct{}
	once     sync.Once
	readDone chan struct{}
}

// Join connects to url (ws://…/rtc) with a media join token, waits for `joined`, starts
// publishing and sends the layout. A refusal is a *RefusedError.
func Join(url, token string, o Options) (*Client, error) {
	if o.MaxPacket <= 0 {
		o.MaxPacket = 1100
	}
	if o.KeyFrameInterval <= 0 {
		o.KeyFrameInterval = 10 * time.Second
	}
	if o.JoinTimeout <= 0 {
		o.JoinTimeout = 10 * time.Second
	}
	if o.NACKHistory == 0 {
		o.NACKHistory = 256
	}
	for _, s := range o.Publish {
		if s != sfu.SourceMic && s != sfu.SourceCamera && s != sfu.SourceScreen {
			return nil, fmt.Errorf("sfuclient: unknown source %q", s)
		}
	}
	c := &Client{opts: o, Msgs: make(chan sfu.Message, 1024), Stats: newStats(), roster: map[string]sfu.Participant{},
		tracks: map[string]sfu.Slot{}, muted: map[string]string{}, joinedCh: make(chan error, 1),
		done: make(chan struct{}), readDone: make(chan struct{})}
	talk := o.Talk
	c.talk.Store(&talk)
	c.DialAt = time.Now()
	d := websocket.Dialer{HandshakeTimeout: o.JoinTimeout}
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		return nil, fmt.Errorf("sfuclient: dial %s: %w", url, err)
	}
	c.ws = ws
	go c.read()
	if err := c.Send(sfu.Message{V: sfu.ProtocolVersion, Type: "join", Token: token, Session: o.Session}); err != nil {
		c.Close()
		return nil, err
	}
	t := time.NewTimer(o.JoinTimeout)
	defer t.Stop()
	select {
	case err := <-c.joinedCh:
		if err != nil {
			c.Close()
			return nil, err
		}
	case <-t.C:
		c.Close()
		return nil, errors.New("sfuclient: no joined message in time")
	}
	if len(o.Publish) > 0 {
		if err := c.startPublishing(); err != nil {
			c.Close()
			return nil, err
		}
	}
	if o.Layout != nil {
		if err := c.Subscribe(o.Layout.Video, o.Layout.Audio); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Identity is this participant's identity, from `joined`.
func (c *Client) Identity() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.joinedMsg.Identity
}

// Joined is the server's `joined` message.
func (c *Client) Joined() sfu.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.joinedMsg
}

// Roster is everyone present as this client knows it: `joined` and the roster deltas since.
func (c *Client) Roster() map[string]sfu.Participant {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.roster)
}

// Tracks is what each slot of the subscribe connection carries, by mid, as the server last said.
func (c *Client) Tracks() map[string]sfu.Slot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.tracks)
}

// Speaking is the last `speaking` list.
func (c *Client) Speaking() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.speaking)
}

// Spotlight is who is on the main screen (empty: nobody).
func (c *Client) Spotlight() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.spotlight
}

// MutedBy says who muted this client's audio or video ("" when not muted).
func (c *Client) MutedBy(kind string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.muted[kind]
}

// ActiveLayers says which camera layers this client sends now (the server's `layers` and
// `audio_only` decide).
func (c *Client) ActiveLayers() []Layer {
	if p := c.publisher(); p != nil {
		return p.activeLayers()
	}
	return nil
}

// Send writes one signaling message.
func (c *Client) Send(m sfu.Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := c.SendRaw(b); err != nil {
		return fmt.Errorf("sfuclient: send %s: %w", m.Type, err)
	}
	return nil
}

// SendRaw writes a text message as it is (tests of how the server takes malformed ones).
func (c *Client) SendRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// Subscribe sends a whole new layout.
func (c *Client) Subscribe(video []sfu.Want, audio int) error {
	if video == nil {
		video = []sfu.Want{}
	}
	return c.Send(sfu.Message{Type: "subscribe", Video: video, Audio: &audio})
}

// Mute mutes or unmutes this client's audio or video. Muted video stops the camera's and the
// screen's packets; muted audio keeps sending, at silence level, as a browser does.
func (c *Client) Mute(kind string, muted bool) error {
	if p := c.publisher(); p != nil {
		p.setMuted(kind, muted)
	}
	return c.Send(sfu.Message{Type: "mute", Kind: kind, Muted: muted})
}

// SetTalk changes when this client speaks.
func (c *Client) SetTalk(t Talk) { c.talk.Store(&t) }

// RestartICE asks for an ICE restart of the publish or subscribe connection.
func (c *Client) RestartICE(pc string) error {
	if p := c.publisher(); pc == "publish" && p != nil {
		return p.offer(true)
	}
	return c.Send(sfu.Message{Type: "restart_ice", PC: pc})
}

// Expect waits for a message of the given type, skipping others.
func (c *Client) Expect(typ string, timeout time.Duration) (sfu.Message, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case m, ok := <-c.Msgs:
			if !ok {
				return m, errors.New("sfuclient: connection closed")
			}
			if m.Type == typ {
				return m, nil
			}
		case <-deadline.C:
			return sfu.Message{}, errors.New("sfuclient: no " + typ + " message")
		}
	}
}

// Done is closed when the client is closed.
func (c *Client) Done() <-chan struct{} { return c.done }

// Close leaves the room and stops everything.
func (c *Client) Close() {
	c.once.Do(func() {
		close(c.done)
		if c.ws != nil {
			_ = c.Send(sfu.Message{Type: "leave"})
			_ = c.ws.Close()
		}
		c.mu.Lock()
		pub, sub := c.pub, c.sub
		c.mu.Unlock()
		if pub != nil {
			pub.close()
		}
		if sub != nil {
			sub.close()
		}
		if c.ws != nil {
			<-c.readDone
		}
	})
}

func (c *Client) read() {
	defer close(c.readDone)
	defer close(c.Msgs)
	joined := false
	defer func() {
		if !joined {
			c.joinedCh <- errors.New("sfuclient: connection closed before joined")
		}
	}()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var m sfu.Message
		if err := json.Unmarshal(data, &m); err != nil {
			c.forward(sfu.Message{Type: "error", Code: "client", Message: "bad message from server: " + err.Error()})
			continue
		}
		if !joined {
			switch m.Type {
			case "joined":
				joined = true
				c.joined(m)
				c.joinedCh <- nil
			case "error":
				joined = true // nothing to wait for any more
				c.joinedCh <- &RefusedError{m.Code, m.Message}
			}
			c.forward(m)
			continue
		}
		if err := c.handle(m); err != nil {
			c.forward(sfu.Message{Type: "error", Code: "client", Message: err.Error()})
		}
	}
}

func (c *Client) forward(m sfu.Message) {
	select {
	case c.Msgs <- m:
	default:
	}
}

func (c *Client) joined(m sfu.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.JoinedAt = time.Now()
	c.joinedMsg = m
	c.spotlight = m.Spotlight
	for _, p := range m.Participants {
		c.roster[p.Identity] = p
	}
	for _, s := range m.ICEServers {
		c.iceServers = append(c.iceServers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
}

// handle applies one message after `joined`; signaling for the connections is done here, in
// order, so a candidate never overtakes its description.
func (c *Client) handle(m sfu.Message) error {
	switch m.Type {
	case "publish_answer":
		p := c.publisher()
		if p == nil {
			return errors.New("publish_answer without a publish connection")
		}
		return p.answer(m.SDP)
	case "offer":
		return c.onOffer(m.SDP)
	case "candidate":
		if m.Candidate == nil {
			return nil
		}
		if p := c.publisher(); m.PC == "publish" && p != nil {
			return p.sig.candidate(*m.Candidate)
		}
		if m.PC == "subscribe" {
			return c.subscriberFor().sig.candidate(*m.Candidate)
		}
		return nil
	case "tracks":
		c.mu.Lock()
		c.tracks = map[string]sfu.Slot{}
		for _, t := range m.Tracks {
			c.tracks[t.Mid] = t
		}
		c.mu.Unlock()
	case "roster":
		c.mu.Lock()
		for _, p := range m.Upsert {
			c.roster[p.Identity] = p
		}
		for _, id := range m.Remove {
			delete(c.roster, id)
		}
		c.mu.Unlock()
	case "speaking":
		c.mu.Lock()
		c.speaking = m.Identities
		c.mu.Unlock()
	case "spotlight":
		c.mu.Lock()
		c.spotlight = m.Identity
		c.mu.Unlock()
	case "muted":
		c.mu.Lock()
		if m.Muted {
			c.muted[m.Kind] = m.By
		} else {
			delete(c.muted, m.Kind)
		}
		c.mu.Unlock()
	case "layers":
		if p := c.publisher(); p != nil {
			p.setLayers(m.Source, m.Active)
		}
	case "audio_only":
		if p := c.publisher(); p != nil {
			p.setAudioOnly(m.On)
		}
	}
	c.forward(m)
	return nil
}
