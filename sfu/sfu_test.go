package sfu_test

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/sfu"
)

// client is a meeting point built on Pion, talking the signaling protocol like the web page does.
type client struct {
	t      *testing.T
	ws     *websocket.Conn
	pc     *webrtc.PeerConnection
	wmu    sync.Mutex
	mu     sync.Mutex
	remote bool
	queued []webrtc.ICECandidateInit
	msgs   chan sfu.Message
	got    map[string]*atomic.Int64 // packets received per kind
}

func loopbackAPI(t *testing.T) *webrtc.API {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
}

func (c *client) send(m sfu.Message) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteJSON(m)
}

// join connects with token; publish adds a synthetic Opus and VP8 track sending 50 packets/s each.
func join(t *testing.T, url, token string, publish bool) *client {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := loopbackAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, ws: ws, pc: pc, msgs: make(chan sfu.Message, 100), got: map[string]*atomic.Int64{"audio": {}, "video": {}}}
	t.Cleanup(func() { ws.Close(); pc.Close() })
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			init := cand.ToJSON()
			c.send(sfu.Message{Type: "candidate", Candidate: &init})
		}
	})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		n := c.got[tr.Kind().String()]
		go func() {
			for {
				if _, _, err := tr.ReadRTP(); err != nil {
					return
				}
				n.Add(1)
			}
		}()
	})
	if publish {
		stop := make(chan struct{})
		t.Cleanup(func() { close(stop) })
		for _, codec := range []webrtc.RTPCodecCapability{{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, {MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}} {
			tr, err := webrtc.NewTrackLocalStaticRTP(codec, strings.ToLower(codec.MimeType[:5]), "pub")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pc.AddTrack(tr); err != nil {
				t.Fatal(err)
			}
			go func() {
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for seq := uint16(0); ; seq++ {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					payload := make([]byte, 120)
					payload[0] = 0x10 // a VP8 payload descriptor that starts a partition
					_ = tr.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960, Marker: true}, Payload: payload})
				}
			}()
		}
	}
	go func() {
		for {
			var m sfu.Message
			if err := ws.ReadJSON(&m); err != nil {
				close(c.msgs)
				return
			}
			switch m.Type {
			case "offer":
				err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP})
				var ans webrtc.SessionDescription
				if err == nil {
					ans, err = pc.CreateAnswer(nil)
				}
				if err == nil {
					err = pc.SetLocalDescription(ans)
				}
				if err != nil {
					t.Errorf("answering: %v", err)
					continue
				}
				c.send(sfu.Message{Type: "answer", SDP: ans.SDP})
				c.mu.Lock()
				q := c.queued
				c.queued, c.remote = nil, true
				c.mu.Unlock()
				for _, cand := range q {
					_ = pc.AddICECandidate(cand)
				}
			case "candidate":
				c.mu.Lock()
				if !c.remote {
					c.queued = append(c.queued, *m.Candidate)
					c.mu.Unlock()
					continue
				}
				c.mu.Unlock()
				_ = pc.AddICECandidate(*m.Candidate)
			default:
				c.msgs <- m
			}
		}
	}()
	c.send(sfu.Message{V: sfu.ProtocolVersion, Type: "join", Token: token})
	return c
}

// expect waits for a message of a type (skipping others).
func (c *client) expect(typ string) sfu.Message {
	c.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("connection closed while waiting for %q", typ)
			}
			if m.Type == typ {
				return m
			}
		case <-deadline:
			c.t.Fatalf("no %q message", typ)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestForwardingAndControl(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	signer, _ := auth.NewTokenSigner([]byte("0123456789abcdef0123456789abcdef"))
	srv := sfu.New(sfu.Options{LoopbackOnly: true}, signer, b)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(ctx)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	token := func(g auth.MediaGrant, ttl time.Duration) string {
		s, err := signer.Sign(g, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// Refused: a forged token, an expired one, and a message before joining.
	for name, tok := range map[string]string{
		"forged":  token(auth.MediaGrant{Room: "meeting-1", Identity: "x"}, time.Minute) + "x",
		"expired": token(auth.MediaGrant{Room: "meeting-1", Identity: "x"}, -time.Minute),
	} {
		c := join(t, url, tok, false)
		if m := c.expect("error"); m.Code != "unauthorized" {
			t.Fatalf("%s token: %+v", name, m)
		}
	}

	point := join(t, url, token(auth.MediaGrant{Room: "meeting-1", Identity: "point-12", Name: "Điểm cầu xã Đông Hòa",
		Publish: []string{"audio", "video"}, Subscribe: true}, time.Minute), true)
	point.expect("joined")
	hall := join(t, url, token(auth.MediaGrant{Room: "meeting-1", Identity: "user-7", Name: "Hội trường", Subscribe: true}, time.Minute), false)
	if m := hall.expect("joined"); len(m.Participants) != 1 || m.Participants[0].Identity != "point-12" {
		t.Fatalf("joined: %+v", m)
	}
	waitFor(t, "audio and video from the point", func() bool { return hall.got["audio"].Load() > 20 && hall.got["video"].Load() > 20 })

	// The chair mutes the point: the SFU stops forwarding its audio (video goes on) and says so.
	if err := b.Publish(bus.MediaCommands("meeting-1"), sfu.Command{Type: "mute", Identity: "point-12"}); err != nil {
		t.Fatal(err)
	}
	if m := hall.expect("muted"); m.Identity != "point-12" || !m.Muted || m.By != "chair" {
		t.Fatalf("muted: %+v", m)
	}
	time.Sleep(300 * time.Millisecond) // packets already on the way
	a0, v0 := hall.got["audio"].Load(), hall.got["video"].Load()
	time.Sleep(600 * time.Millisecond)
	if a1, v1 := hall.got["audio"].Load(), hall.got["video"].Load(); a1 != a0 || v1 <= v0 {
		t.Fatalf("after mute: audio %d→%d (want unchanged), video %d→%d (want growing)", a0, a1, v0, v1)
	}
	// The point may not unmute itself (its grant does not allow it).
	point.send(sfu.Message{Type: "mute", Kind: "audio", Muted: false})
	if m := point.expect("error"); m.Code != "forbidden" {
		t.Fatalf("self-unmute: %+v", m)
	}
	if err := b.Publish(bus.MediaCommands("meeting-1"), sfu.Command{Type: "unmute", Identity: "point-12"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "audio again after unmute", func() bool { return hall.got["audio"].Load() > a0+10 })

	b.Publish(bus.MediaCommands("meeting-1"), sfu.Command{Type: "spotlight", Identity: "point-12"})
	if m := hall.expect("spotlight"); m.Identity != "point-12" {
		t.Fatalf("spotlight: %+v", m)
	}
	b.Publish(bus.MediaCommands("meeting-1"), sfu.Command{Type: "end"})
	hall.expect("ended")
	point.expect("ended")
}
