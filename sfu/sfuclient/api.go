package sfuclient

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/logging"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/sfu"
)

// Payload types, as the server and browsers use them.
const (
	ptOpus = 111
	ptVP8  = 96
	ptRTX  = 97
	ptRED  = 63
)

// mimeTypeRED is redundant audio (RFC 2198), which the server sends towards lossy links.
const mimeTypeRED = "audio/red"

// mediaEngine is what one connection offers or accepts: Opus and VP8 as the server wants them,
// with retransmissions (RTX) and redundant audio (RED) only on the subscribe side (the publisher answers NACKs by resending
// on the same stream, so the server's simulcast intake never needs repair streams), the header
// extensions for MID, RID and audio level, and transport-wide sequence numbers unless turned off.
func mediaEngine(publish bool, o *Options) (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	var videoFB []webrtc.RTCPFeedback
	var audioFB []webrtc.RTCPFeedback
	if !o.NoTWCC {
		videoFB = append(videoFB, webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC})
		audioFB = append(audioFB, webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC})
	}
	videoFB = append(videoFB, webrtc.RTCPFeedback{Type: "goog-remb"}, webrtc.RTCPFeedback{Type: "ccm", Parameter: "fir"},
		webrtc.RTCPFeedback{Type: "nack", Parameter: "pli"})
	if !o.NoNACK {
		videoFB = append(videoFB, webrtc.RTCPFeedback{Type: "nack"})
	}
	codecs := []struct {
		p    webrtc.RTPCodecParameters
		kind webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1", RTCPFeedback: audioFB}, PayloadType: ptOpus}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFB}, PayloadType: ptVP8}, webrtc.RTPCodecTypeVideo},
	}
	if !publish && !o.NoRED {
		codecs = append(codecs, struct {
			p    webrtc.RTPCodecParameters
			kind webrtc.RTPCodecType
		}{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTypeRED, ClockRate: 48000, Channels: 2, SDPFmtpLine: "111/111"}, PayloadType: ptRED}, webrtc.RTPCodecTypeAudio})
	}
	if !publish && !o.NoNACK {
		codecs = append(codecs, struct {
			p    webrtc.RTPCodecParameters
			kind webrtc.RTPCodecType
		}{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=96"}, PayloadType: ptRTX}, webrtc.RTPCodecTypeVideo})
	}
	for _, c := range codecs {
		if err := m.RegisterCodec(c.p, c.kind); err != nil {
			return nil, err
		}
	}
	both := []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo}
	exts := []struct {
		uri   string
		kinds []webrtc.RTPCodecType
	}{
		{sdp.SDESMidURI, both},
		{sdp.AudioLevelURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio}},
	}
	if publish {
		exts = append(exts, struct {
			uri   string
			kinds []webrtc.RTPCodecType
		}{sdp.SDESRTPStreamIDURI, []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}})
	}
	if !o.NoTWCC {
		exts = append(exts, struct {
			uri   string
			kinds []webrtc.RTPCodecType
		}{sdp.TransportCCURI, both})
	}
	for _, e := range exts {
		for _, k := range e.kinds {
			if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: e.uri}, k); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// interceptors: the publisher answers NACKs from a small history, sends sender reports and
// stamps transport-wide sequence numbers; the subscriber sends NACKs, receiver reports and
// transport-wide feedback. Each is optional, and with all off a subscriber's packets go
// straight from SRTP to its reader.
func interceptors(publish bool, o *Options, lf logging.LoggerFactory) (*interceptor.Registry, error) {
	reg := &interceptor.Registry{}
	add := func(f interceptor.Factory, err error) error {
		if err == nil {
			reg.Add(f)
		}
		return err
	}
	var errs []error
	if publish {
		if !o.NoNACK && o.NACKHistory > 0 {
			errs = append(errs, add(nack.NewResponderInterceptor(nack.ResponderSize(uint16(o.NACKHistory)), nack.WithResponderLoggerFactory(lf))))
		}
		if !o.NoReports {
			errs = append(errs, add(report.NewSenderInterceptor(report.WithSenderLoggerFactory(lf))))
		}
		if !o.NoTWCC {
			errs = append(errs, add(twcc.NewHeaderExtensionInterceptor()))
		}
	} else {
		if !o.NoNACK {
			errs = append(errs, add(nack.NewGeneratorInterceptor(nack.GeneratorMaxNacksPerPacket(10), nack.WithGeneratorLoggerFactory(lf))))
		}
		if !o.NoReports {
			errs = append(errs, add(report.NewReceiverInterceptor(report.WithReceiverLoggerFactory(lf))))
		}
		if !o.NoTWCC {
			errs = append(errs, add(twcc.NewSenderInterceptor(twcc.WithLoggerFactory(lf))))
		}
	}
	return reg, errors.Join(errs...)
}

// muxCloser closes a connection's own socket and UDP mux.
type muxCloser struct {
	mux  *ice.UDPMuxDefault
	conn net.PacketConn
	once sync.Once
}

func (m *muxCloser) Close() error {
	var err error
	m.once.Do(func() {
		err = errors.Join(m.mux.Close(), m.conn.Close())
	})
	return err
}

// newAPI builds the Pion API for one of the client's two connections. With LoopbackOnly or a
// Link the connection gets a socket of its own on 127.0.0.1 (shaped by the link), behind a UDP
// mux, so every packet passes where the client can count and shape it; the two connections
// never share a socket, because the server tells its peers apart by address on its one port.
func newAPI(publish bool, o *Options) (*webrtc.API, io.Closer, error) {
	m, err := mediaEngine(publish, o)
	if err != nil {
		return nil, nil, err
	}
	// Quiet unless asked: closing hundreds of points makes Pion log every read on a closed pipe.
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled
	if o.PionLogs {
		lf.DefaultLogLevel = logging.LogLevelWarn
	}
	reg, err := interceptors(publish, o, lf)
	if err != nil {
		return nil, nil, err
	}
	se := webrtc.SettingEngine{LoggerFactory: lf}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// A point notices a dead link within seconds and comes back after an outage on its own.
	se.SetICETimeouts(4*time.Second, 20*time.Second, 2*time.Second)
	if o.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	var closer io.Closer
	if o.TCPOnly {
		// A point whose network lets no UDP through: ICE over TCP to the server's TCP port.
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
	} else if o.LoopbackOnly || o.Link != nil {
		host := net.IPv4zero
		if o.LoopbackOnly {
			host = net.IPv4(127, 0, 0, 1)
		}
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: host})
		if err != nil {
			return nil, nil, fmt.Errorf("sfuclient: socket: %w", err)
		}
		_ = conn.SetReadBuffer(1 << 20)
		_ = conn.SetWriteBuffer(1 << 20)
		var pc net.PacketConn = conn
		if o.Link != nil {
			pc = o.Link.Wrap(conn)
		}
		mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: pc, Logger: lf.NewLogger("mux")})
		se.SetICEUDPMux(mux)
		closer = &muxCloser{mux: mux, conn: pc}
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), closer, nil
}

// configuration is the RTCConfiguration for both connections.
func (c *Client) configuration() webrtc.Configuration {
	cfg := webrtc.Configuration{ICEServers: c.opts.ICEServers}
	if c.opts.UseJoinedICEServers {
		c.mu.Lock()
		cfg.ICEServers = append(cfg.ICEServers, c.iceServers...)
		c.mu.Unlock()
	}
	if c.opts.RelayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	return cfg
}

// pcSignal keeps one connection's trickle ICE in order: the server's candidates wait until the
// remote description is applied, and ours until our description has been sent.
type pcSignal struct {
	c    *Client
	name string // publish or subscribe
	pc   *webrtc.PeerConnection

	mu        sync.Mutex
	remoteSet bool
	remoteQ   []webrtc.ICECandidateInit
	localSent bool
	localQ    []webrtc.ICECandidateInit
}

func newSignal(c *Client, name string, pc *webrtc.PeerConnection) *pcSignal {
	s := &pcSignal{c: c, name: name, pc: pc}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand == nil {
			return
		}
		init := cand.ToJSON()
		s.mu.Lock()
		if !s.localSent {
			s.localQ = append(s.localQ, init)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		_ = c.Send(sfu.Message{Type: "candidate", PC: name, Candidate: &init})
	})
	return s
}

// sent is called once our description went out: the candidates found meanwhile follow it.
func (s *pcSignal) sent() {
	s.mu.Lock()
	q := s.localQ
	s.localQ, s.localSent = nil, true
	s.mu.Unlock()
	for i := range q {
		_ = s.c.Send(sfu.Message{Type: "candidate", PC: s.name, Candidate: &q[i]})
	}
}

// applied is called once the remote description is set.
func (s *pcSignal) applied() {
	s.mu.Lock()
	q := s.remoteQ
	s.remoteQ, s.remoteSet = nil, true
	s.mu.Unlock()
	for _, cand := range q {
		_ = s.pc.AddICECandidate(cand)
	}
}

// candidate takes one of the server's candidates.
func (s *pcSignal) candidate(cand webrtc.ICECandidateInit) error {
	s.mu.Lock()
	if !s.remoteSet {
		s.remoteQ = append(s.remoteQ, cand)
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	if err := s.pc.AddICECandidate(cand); err != nil {
		return fmt.Errorf("sfuclient: %s candidate: %w", s.name, err)
	}
	return nil
}
