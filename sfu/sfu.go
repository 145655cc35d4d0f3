// Package sfu is the media plane: a selective forwarding unit on Pion WebRTC. Meeting points and
// tablets join a media room with a join token signed by the room service; each participant's
// audio and video are forwarded to everyone else in the room without decoding. The room service
// controls rooms only through bus commands (mute, unmute, spotlight, remove, end); the SFU knows
// nothing else about meetings.
//
// One PeerConnection per participant carries both directions, and the server always makes the
// offers: it offers receive slots for what the grant lets the participant publish, and a send
// slot for every track in the room, renegotiating as tracks come and go. With a single offerer
// there is no offer glare, and a commune point on a weak link keeps one ICE/DTLS session.
package sfu

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
)

// Options configure the SFU.
type Options struct {
	// UDPPort is the one UDP port all media uses (ICE UDP mux); 0 lets the system choose (tests).
	UDPPort int
	// PublicIP is announced instead of local addresses behind 1:1 NAT.
	PublicIP string
	// LoopbackOnly keeps every candidate on 127.0.0.1 (tests and benchmarks).
	LoopbackOnly bool
	// AllowedOrigins for the signaling WebSocket; empty allows the same host only.
	AllowedOrigins []string
	Logger         *slog.Logger
}

// Server is a running SFU.
type Server struct {
	opts   Options
	tokens *auth.TokenSigner
	bus    *bus.Bus
	log    *slog.Logger
	api    *webrtc.API
	mux    ice.UDPMux
	sub    *nats.Subscription

	mu    sync.Mutex
	rooms map[string]*room
}

// New prepares an SFU; Start opens its media port.
func New(opts Options, tokens *auth.TokenSigner, b *bus.Bus) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Server{opts: opts, tokens: tokens, bus: b, log: opts.Logger, rooms: map[string]*room{}}
}

// Start opens the UDP mux and listens for room commands. It does not block.
func (s *Server) Start() error {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil { // NACK, RTCP reports
		return err
	}
	se := webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	var muxOpts []ice.UDPMuxFromPortOption
	if s.opts.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		muxOpts = append(muxOpts, ice.UDPMuxFromPortWithInterfaceFilter(func(n string) bool { return n == "lo" }),
			ice.UDPMuxFromPortWithIPFilter(func(ip net.IP) bool { return ip.IsLoopback() }), ice.UDPMuxFromPortWithLoopback())
	}
	if s.opts.PublicIP != "" {
		se.SetNAT1To1IPs([]string{s.opts.PublicIP}, webrtc.ICECandidateTypeHost)
	}
	mux, err := ice.NewMultiUDPMuxFromPort(s.opts.UDPPort, muxOpts...)
	if err != nil {
		return err
	}
	s.mux = mux
	se.SetICEUDPMux(mux)
	s.api = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	if s.bus != nil {
		if s.sub, err = s.bus.Subscribe(bus.AllMediaCommands, s.command); err != nil {
			return err
		}
	}
	return nil
}

// Shutdown closes every room and the media port.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.sub != nil {
		_ = s.sub.Unsubscribe()
	}
	s.mu.Lock()
	rooms := s.rooms
	s.rooms = map[string]*room{}
	s.mu.Unlock()
	for _, r := range rooms {
		r.close()
	}
	if s.mux != nil {
		return s.mux.Close()
	}
	return nil
}

// Command is what the room service sends on bus.MediaCommands(room).
type Command struct {
	Type     string `json:"type"` // mute, unmute, mute_all (all but Identity), spotlight, remove, end
	Identity string `json:"identity,omitempty"`
}

func (s *Server) command(subject string, data []byte) {
	name := strings.TrimSuffix(strings.TrimPrefix(subject, "phonghop.media."), ".commands")
	var c Command
	if err := json.Unmarshal(data, &c); err != nil {
		s.log.Warn("sfu: bad command", "room", name, "err", err)
		return
	}
	s.mu.Lock()
	r := s.rooms[name]
	s.mu.Unlock()
	if r != nil {
		r.apply(c)
	}
}

func (s *Server) room(name string) *room {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[name]
	if r == nil {
		r = newRoom(s, name)
		s.rooms[name] = r
	}
	return r
}

func (s *Server) dropRoom(r *room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[r.name] == r {
		delete(s.rooms, r.name)
	}
}

func (s *Server) checkOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	for _, a := range s.opts.AllowedOrigins {
		if a == o {
			return true
		}
	}
	return false
}

// Handler is the signaling WebSocket (mount it at /rtc).
func (s *Server) Handler() http.Handler {
	up := websocket.Upgrader{CheckOrigin: s.checkOrigin}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.api == nil {
			http.Error(w, "media server not started", http.StatusServiceUnavailable)
			return
		}
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		conn.SetReadLimit(maxMessage)
		s.serve(conn)
	})
}

var errNotJoined = errors.New("join first")
