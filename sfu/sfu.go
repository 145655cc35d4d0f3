// Package sfu is the media plane: a selective forwarding unit on Pion WebRTC. Meeting points and
// tablets join a media room with a join token signed by the room service; the SFU forwards
// their audio and video without decoding. The room service controls rooms only through bus
// commands (mute, spotlight, remove, end, …) and hears back media events (joined, left,
// speaking, stats); the SFU knows nothing else about meetings.
//
// A participant publishes on a connection it offers (VP8 simulcast, Opus) and receives on a
// connection the server offers, made of slots: sending transceivers whose source the server
// switches (another layer, another point) by rewriting the stream, so a 250-point briefing
// changes its main screen without renegotiating 250 connections. PROTOCOL.md is the contract.
package sfu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/transport/v5/udp"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
)

// Options configure the SFU.
type Options struct {
	// UDPPort is the one UDP port all media uses (ICE UDP mux); 0 lets the system choose (tests).
	UDPPort int
	// TCPPort is the ICE-TCP fallback port for points whose networks block UDP; 0 lets the
	// system choose, a negative value turns it off.
	TCPPort int
	// PublicIP is announced instead of local addresses behind 1:1 NAT.
	PublicIP string
	// LoopbackOnly keeps every candidate on 127.0.0.1 (tests and benchmarks).
	LoopbackOnly bool
	// ListenIP is the address the media ports bind; empty is every interface (127.0.0.1 when
	// LoopbackOnly).
	ListenIP string
	// NoBatchWrite sends each packet with its own system call instead of batching them (sendmmsg).
	NoBatchWrite bool
	// NoGSO keeps batched writes to one datagram a message (no UDP_SEGMENT); the server also
	// gives GSO up by itself when the kernel refuses it.
	NoGSO bool
	// LegacyForwarding selects the forwarding path this server had before the shared packet
	// history and round-batched writes (docs/PERFORMANCE.md compares them): Pion's NACK
	// responder keeping a copy of every packet per subscriber track, and Pion's batching
	// connection with its flusher goroutine. Kept to measure the two side by side until the new one has proven itself.
	LegacyForwarding bool
	// AllowedOrigins for the signaling WebSocket; empty allows the same host only.
	AllowedOrigins []string
	// ICEServers returns TURN servers with credentials for a participant (nil: none).
	ICEServers func(identity string) []ICEServer
	// RecordDir is where recordings are written until the room service imports them (empty:
	// this server does not record).
	RecordDir string
	// ResumeGrace is how long a dropped participant's layout and session are kept for a rejoin.
	ResumeGrace time.Duration
	Logger      *slog.Logger
}

// Server is a running SFU.
type Server struct {
	opts   Options
	tokens *auth.TokenSigner
	bus    *bus.Bus
	log    *slog.Logger
	pubAPI *webrtc.API // publish connections: NACKs and reports to publishers, TWCC feedback
	subAPI *webrtc.API // subscribe connections: retransmissions, sender reports, bandwidth estimation
	udpMux ice.UDPMux
	tcpMux *ice.TCPMuxDefault
	tcpLn  net.Listener
	out    *roundWriter // the media port's batched writes (nil: legacy path or unbatched)
	sub    *nats.Subscription
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	rooms map[string]*room
	stats serverStats
}

// New prepares an SFU; Start opens its media ports.
func New(opts Options, tokens *auth.TokenSigner, b *bus.Bus) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ResumeGrace == 0 {
		opts.ResumeGrace = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{opts: opts, tokens: tokens, bus: b, log: opts.Logger, rooms: map[string]*room{}, ctx: ctx, cancel: cancel}
}

// Header extensions the SFU negotiates: the MID and RIDs that identify simulcast layers, the
// audio level that drives speaker detection, and transport-wide sequence numbers for congestion
// control in both directions.
var headerExtensions = []struct {
	uri   string
	kinds []webrtc.RTPCodecType
}{
	{sdp.SDESMidURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}},
	{sdp.SDESRTPStreamIDURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
	{sdp.SDESRepairRTPStreamIDURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}},
	{sdp.AudioLevelURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio}},
	{sdp.TransportCCURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}},
}

// mediaEngine allows Opus (with in-band FEC) and VP8 with retransmissions: every publisher's
// video is VP8, so any slot can carry any source. Subscribe connections also offer RED for
// audio (RFC 2198), which the SFU uses towards lossy links; publishers are not offered it, so
// what arrives is always plain Opus.
func mediaEngine(red bool) (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	videoFB := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "transport-cc"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	for _, c := range []struct {
		p    webrtc.RTPCodecParameters
		kind webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1", RTCPFeedback: []webrtc.RTCPFeedback{{Type: "transport-cc"}}}, PayloadType: 111}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFB}, PayloadType: 96}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=96"}, PayloadType: 97}, webrtc.RTPCodecTypeVideo},
	} {
		if err := m.RegisterCodec(c.p, c.kind); err != nil {
			return nil, err
		}
	}
	if red {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTypeRED, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "111/111"}, PayloadType: 63}, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
	}
	for _, e := range headerExtensions {
		for _, k := range e.kinds {
			if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: e.uri}, k); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// publishInterceptors are chosen for receiving from publishers rather than taken from Pion's
// defaults: NACKs for lost packets, receiver reports, and TWCC feedback (the publisher's
// browser needs it for its send-side bandwidth estimation to turn on the upper simulcast
// layers). No per-packet statistics interceptor: the SFU counts what it needs itself.
func publishInterceptors() (*interceptor.Registry, error) {
	reg := &interceptor.Registry{}
	// Ask for a lost packet at most ten times, as browsers do: a publisher on a lossy uplink
	// must not be asked for the same packets without end.
	gen, err := nack.NewGeneratorInterceptor(nack.GeneratorMaxNacksPerPacket(10))
	if err != nil {
		return nil, err
	}
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	fb, err := twcc.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	reg.Add(gen)
	reg.Add(rr)
	reg.Add(fb)
	return reg, nil
}

// nackHistory is how many recent packets a slot remembers for NACKs: their transport-wide
// numbers (and, on the legacy path, the packets themselves in Pion's responder).
const nackHistory = 256

// subscribeInterceptors serve the subscribers: the NACK guard and sender reports. NACKs are
// answered by the slots from the layers' shared histories (history.go); on the legacy path
// Pion's responder keeps a history per slot (a quarter of Pion's default, over a second at the
// high layer). Transport-wide sequence numbers and bandwidth estimation are the SFU's own
// (estimator.go): the slots stamp packets as they write them.
func subscribeInterceptors(legacy bool) (*interceptor.Registry, error) {
	reg := &interceptor.Registry{}
	sr, err := report.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	reg.Add(nackGuardFactory{}) // first: the responder and the slots see only what it lets through
	if legacy {
		resp, err := nack.NewResponderInterceptor(nack.ResponderSize(nackHistory))
		if err != nil {
			return nil, err
		}
		reg.Add(resp)
		reg.Add(sr)
	} else {
		reg.Add(mainSSRCOnly{sr})
	}
	return reg, nil
}

// mainSSRCOnly keeps an interceptor's per-stream writer to the stream's own SSRC: the slots
// send retransmissions through the same writer as RTX, which must not move the sender report's
// RTP clock (Pion's responder wrote them below the sender reports for the same reason).
type mainSSRCOnly struct{ interceptor.Factory }

func (f mainSSRCOnly) NewInterceptor(id string) (interceptor.Interceptor, error) {
	i, err := f.Factory.NewInterceptor(id)
	if err != nil {
		return nil, err
	}
	return mainSSRCInterceptor{i}, nil
}

type mainSSRCInterceptor struct{ interceptor.Interceptor }

func (m mainSSRCInterceptor) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	inner := m.Interceptor.BindLocalStream(info, writer)
	ssrc := info.SSRC
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if h.SSRC != ssrc {
			return writer.Write(h, payload, a)
		}
		return inner.Write(h, payload, a)
	})
}

// Start opens the media ports and listens for room commands. It does not block.
func (s *Server) Start() error {
	pubReg, err := publishInterceptors()
	if err != nil {
		return err
	}
	subReg, err := subscribeInterceptors(s.opts.LegacyForwarding)
	if err != nil {
		return err
	}
	se := webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// A commune link that stops answering is noticed within seconds, so the page can restart ICE.
	se.SetICETimeouts(4*time.Second, 15*time.Second, 2*time.Second)
	networks := []webrtc.NetworkType{webrtc.NetworkTypeUDP4}
	host := "0.0.0.0"
	if s.opts.LoopbackOnly {
		host = "127.0.0.1"
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	if s.opts.ListenIP != "" && !s.opts.LoopbackOnly {
		host = s.opts.ListenIP
	}
	if s.opts.PublicIP != "" {
		se.SetNAT1To1IPs([]string{s.opts.PublicIP}, webrtc.ICECandidateTypeHost)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(host), Port: s.opts.UDPPort})
	if err != nil {
		return fmt.Errorf("sfu: media UDP port: %w", err)
	}
	_ = conn.SetReadBuffer(4 << 20)
	_ = conn.SetWriteBuffer(4 << 20)
	// Many small writes become one sendmmsg: forwarding to hundreds of points is mostly
	// system calls otherwise.
	var pc net.PacketConn = conn
	if !s.opts.NoBatchWrite && !s.opts.LegacyForwarding {
		if w, err := newRoundWriter(conn, !s.opts.NoGSO); err == nil {
			s.out, pc = w, w
		}
	}
	if !s.opts.NoBatchWrite && s.out == nil {
		pc = udp.NewBatchConn(conn, 64, 500*time.Microsecond)
	}
	s.udpMux = ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: pc})
	se.SetICEUDPMux(s.udpMux)
	if s.opts.TCPPort >= 0 {
		ln, err := net.Listen("tcp4", net.JoinHostPort(host, fmt.Sprint(s.opts.TCPPort)))
		if err != nil {
			_ = s.udpMux.Close()
			return fmt.Errorf("sfu: media TCP port: %w", err)
		}
		s.tcpLn = ln
		s.tcpMux = ice.NewTCPMuxDefault(ice.TCPMuxParams{Listener: ln, ReadBufferSize: 64, WriteBufferSize: 4 << 20})
		se.SetICETCPMux(s.tcpMux)
		networks = append(networks, webrtc.NetworkTypeTCP4)
	}
	se.SetNetworkTypes(networks)
	for _, a := range []struct {
		api **webrtc.API
		reg *interceptor.Registry
		red bool
	}{{&s.pubAPI, pubReg, false}, {&s.subAPI, subReg, true}} {
		m, err := mediaEngine(a.red)
		if err != nil {
			return err
		}
		*a.api = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(a.reg), webrtc.WithSettingEngine(se))
	}
	if s.bus != nil {
		if s.sub, err = s.bus.Subscribe(bus.AllMediaCommands, s.command); err != nil {
			return err
		}
	}
	return nil
}

// UDPAddr is the media port's address (useful when UDPPort was 0).
func (s *Server) UDPAddr() net.Addr {
	if s.udpMux == nil {
		return nil
	}
	if as := s.udpMux.GetListenAddresses(); len(as) > 0 {
		return as[0]
	}
	return nil
}

// TCPAddr is the ICE-TCP port's address, or nil when it is off.
func (s *Server) TCPAddr() net.Addr {
	if s.tcpLn == nil {
		return nil
	}
	return s.tcpLn.Addr()
}

// Shutdown closes every room (asking its clients to rejoin) and the media ports.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.sub != nil {
		_ = s.sub.Unsubscribe()
	}
	s.cancel()
	s.mu.Lock()
	rooms := s.rooms
	s.rooms = map[string]*room{}
	s.mu.Unlock()
	// A shutdown is a restart or a move, not the end of the meeting: clients are told to
	// rejoin, and keep trying (with backoff) until a server takes them again.
	for _, r := range rooms {
		r.close("rejoin")
	}
	var errs []error
	if s.tcpMux != nil {
		errs = append(errs, s.tcpMux.Close())
	}
	if s.udpMux != nil {
		errs = append(errs, s.udpMux.Close())
	}
	return errors.Join(errs...)
}

// Command is what the room service sends on bus.MediaCommands(room).
type Command struct {
	Type     string `json:"type"` // mute, unmute, mute_all, spotlight, audio_only, video_on, rejoin, remove, end, record_start, record_stop
	Identity string `json:"identity,omitempty"`
	// RecordingID names the recording of record_start and record_stop.
	RecordingID int64 `json:"recording_id,omitempty"`
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
	if r == nil && c.Type == "record_start" {
		r = s.room(name) // recording may start before anyone joined
	}
	if r != nil {
		r.apply(c)
	}
}

// publishEvent tells the room service what happened in a media room.
func (s *Server) publishEvent(room string, v any) {
	if s.bus == nil {
		return
	}
	if err := s.bus.Publish(bus.MediaEvents(room), v); err != nil {
		s.log.Debug("sfu: media event", "room", room, "err", err)
	}
}

func (s *Server) room(name string) *room {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[name]
	if r == nil {
		r = newRoom(s, name)
		s.rooms[name] = r
		go r.run()
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
		if s.pubAPI == nil {
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
