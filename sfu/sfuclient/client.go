// Package sfuclient is a meeting point built on Pion that speaks the media signaling protocol
// (sfu/PROTOCOL.md): the tests and the load tester join rooms with it. It keeps every candidate on
// loopback when asked, and can publish synthetic Opus and VP8 carrying their send time.
package sfuclient

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/sfu"
)

// Stats are what a client received.
type Stats struct {
	Packets map[string]*atomic.Int64 // received, per kind
	Sent    map[string]*atomic.Int64 // sent, per kind
	// Delay is the sum and count of forwarding delays (send time written in the payload).
	delaySum, delayN atomic.Int64
	delays           []time.Duration
	mu               sync.Mutex
}

// Delays returns the forwarding delays seen (a sample of up to 100,000).
func (s *Stats) Delays() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// Client is one connected participant.
type Client struct {
	ws     *websocket.Conn
	pc     *webrtc.PeerConnection
	wmu    sync.Mutex
	mu     sync.Mutex
	remote bool
	queued []webrtc.ICECandidateInit
	// Msgs receives every message other than offers and candidates; closed when the connection ends.
	Msgs  chan sfu.Message
	Stats *Stats
	stop  chan struct{}
	once  sync.Once
}

// Options for Join.
type Options struct {
	LoopbackOnly bool
	// Publish sends synthetic Opus (50 packets/s) and VP8 (VideoPPS packets/s) with the send time
	// in the first 8 payload bytes.
	Publish  bool
	VideoPPS int
	// PayloadBytes of each video packet (default 1000).
	PayloadBytes int
}

func api(loopback bool) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)), nil
}

// Join connects to url (ws://…/rtc) with a join token.
func Join(url, token string, o Options) (*Client, error) {
	a, err := api(o.LoopbackOnly)
	if err != nil {
		return nil, err
	}
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	pc, err := a.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		ws.Close()
		return nil, err
	}
	c := &Client{ws: ws, pc: pc, Msgs: make(chan sfu.Message, 256), stop: make(chan struct{}),
		Stats: &Stats{Packets: map[string]*atomic.Int64{"audio": {}, "video": {}}, Sent: map[string]*atomic.Int64{"audio": {}, "video": {}}}}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			init := cand.ToJSON()
			c.Send(sfu.Message{Type: "candidate", Candidate: &init})
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		n := c.Stats.Packets[tr.Kind().String()]
		go func() {
			for {
				p, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				n.Add(1)
				if len(p.Payload) >= 9 && p.Payload[0] == 0x10 {
					sent := int64(binary.BigEndian.Uint64(p.Payload[1:9]))
					d := time.Duration(time.Now().UnixNano() - sent)
					c.Stats.delaySum.Add(int64(d))
					c.Stats.delayN.Add(1)
					c.Stats.mu.Lock()
					if len(c.Stats.delays) < 100000 {
						c.Stats.delays = append(c.Stats.delays, d)
					}
					c.Stats.mu.Unlock()
				}
			}
		}()
	})
	if o.Publish {
		if err := c.publish(o); err != nil {
			c.Close()
			return nil, err
		}
	}
	go c.read()
	c.Send(sfu.Message{V: sfu.ProtocolVersion, Type: "join", Token: token})
	return c, nil
}

func (c *Client) publish(o Options) error {
	if o.VideoPPS <= 0 {
		o.VideoPPS = 50
	}
	if o.PayloadBytes <= 0 {
		o.PayloadBytes = 1000
	}
	for _, s := range []struct {
		codec webrtc.RTPCodecCapability
		id    string
		pps   int
		size  int
		tsInc uint32
	}{
		{webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", 50, 80, 960},
		{webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", o.VideoPPS, o.PayloadBytes, 90000 / uint32(o.VideoPPS)},
	} {
		tr, err := webrtc.NewTrackLocalStaticRTP(s.codec, s.id, "pub")
		if err != nil {
			return err
		}
		if _, err := c.pc.AddTrack(tr); err != nil {
			return err
		}
		go func() {
			tick := time.NewTicker(time.Second / time.Duration(s.pps))
			defer tick.Stop()
			payload := make([]byte, s.size)
			payload[0] = 0x10 // VP8 descriptor: start of partition; also marks our timestamped packets
			for seq := uint16(0); ; seq++ {
				select {
				case <-c.stop:
					return
				case <-tick.C:
				}
				binary.BigEndian.PutUint64(payload[1:9], uint64(time.Now().UnixNano()))
				if tr.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * s.tsInc, Marker: true}, Payload: payload}) == nil {
					c.Stats.Sent[s.id].Add(1)
				}
			}
		}()
	}
	return nil
}

func (c *Client) read() {
	defer close(c.Msgs)
	for {
		var m sfu.Message
		if err := c.ws.ReadJSON(&m); err != nil {
			return
		}
		switch m.Type {
		case "offer":
			if err := c.answer(m.SDP); err != nil {
				c.Msgs <- sfu.Message{Type: "error", Code: "client", Message: err.Error()}
			}
		case "candidate":
			c.mu.Lock()
			if !c.remote {
				c.queued = append(c.queued, *m.Candidate)
				c.mu.Unlock()
				continue
			}
			c.mu.Unlock()
			_ = c.pc.AddICECandidate(*m.Candidate)
		default:
			select {
			case c.Msgs <- m:
			default: // nobody reads: drop rather than stall the signaling
			}
		}
	}
}

func (c *Client) answer(sdp string) error {
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return err
	}
	ans, err := c.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := c.pc.SetLocalDescription(ans); err != nil {
		return err
	}
	c.Send(sfu.Message{Type: "answer", SDP: ans.SDP})
	c.mu.Lock()
	q := c.queued
	c.queued, c.remote = nil, true
	c.mu.Unlock()
	for _, cand := range q {
		_ = c.pc.AddICECandidate(cand)
	}
	return nil
}

// Send writes one signaling message.
func (c *Client) Send(m sfu.Message) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteJSON(m)
}

// Expect waits for a message of the given type, skipping others.
func (c *Client) Expect(typ string, timeout time.Duration) (sfu.Message, error) {
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-c.Msgs:
			if !ok {
				return m, errors.New("connection closed")
			}
			if m.Type == typ {
				return m, nil
			}
		case <-deadline:
			return sfu.Message{}, errors.New("no " + typ + " message")
		}
	}
}

// Close leaves and stops publishing.
func (c *Client) Close() {
	c.once.Do(func() {
		close(c.stop)
		c.Send(sfu.Message{Type: "leave"})
		c.ws.Close()
		c.pc.Close()
	})
}
