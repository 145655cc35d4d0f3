package sfuclient

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/sfu"
)

// subscriber is the subscribe connection: the server offers it (again whenever slots are
// added), and every slot's packets are read and judged by SlotStats.
type subscriber struct {
	c      *Client
	pc     *webrtc.PeerConnection
	sig    *pcSignal
	closer io.Closer
	err    error
	wg     sync.WaitGroup
	once   sync.Once
}

// subscriberFor returns the subscribe connection, opening it on first use.
func (c *Client) subscriberFor() *subscriber {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sub != nil {
		return c.sub
	}
	s := &subscriber{c: c}
	c.sub = s
	api, closer, err := newAPI(false, &c.opts)
	if err != nil {
		s.err = err
		return s
	}
	s.closer = closer
	cfg := webrtc.Configuration{ICEServers: c.opts.ICEServers}
	if c.opts.UseJoinedICEServers {
		cfg.ICEServers = append(cfg.ICEServers, c.iceServers...)
	}
	if c.opts.RelayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	pc, err := api.NewPeerConnection(cfg)
	if err != nil {
		s.err = fmt.Errorf("sfuclient: subscribe connection: %w", err)
		return s
	}
	s.pc = pc
	s.sig = newSignal(c, "subscribe", pc)
	pc.OnTrack(s.onTrack)
	return s
}

// onOffer answers an offer on the subscribe connection.
func (c *Client) onOffer(sdp string) error {
	c.Stats.Offers.Add(1)
	s := c.subscriberFor()
	if s.err != nil {
		return s.err
	}
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return fmt.Errorf("sfuclient: subscribe offer: %w", err)
	}
	s.sig.applied()
	ans, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("sfuclient: subscribe answer: %w", err)
	}
	if err := s.pc.SetLocalDescription(ans); err != nil {
		return fmt.Errorf("sfuclient: subscribe answer: %w", err)
	}
	if err := c.Send(sfu.Message{Type: "answer", SDP: ans.SDP}); err != nil {
		return err
	}
	s.sig.sent()
	return nil
}

func (s *subscriber) midOf(r *webrtc.RTPReceiver) string {
	for _, tr := range s.pc.GetTransceivers() {
		if tr.Receiver() == r {
			return tr.Mid()
		}
	}
	return ""
}

func (s *subscriber) onTrack(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	video := t.Kind() == webrtc.RTPCodecTypeVideo
	kind := "audio"
	if video {
		kind = "video"
	}
	slot := s.c.Stats.slot(s.midOf(r), kind)
	var redPT int = -1
	for _, c := range r.GetParameters().Codecs {
		if strings.EqualFold(c.MimeType, mimeTypeRED) {
			redPT = int(c.PayloadType)
		}
	}
	s.wg.Add(1)
	go s.read(t, slot, video, redPT)
	if !s.c.opts.NoReports || !s.c.opts.NoNACK {
		// The server's sender reports (for round-trip time in our receiver reports) only
		// reach the interceptors when read.
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				if _, _, err := r.ReadRTCP(); err != nil {
					return
				}
			}
		}()
	}
}

func (s *subscriber) read(t *webrtc.TrackRemote, slot *SlotStats, video bool, redPT int) {
	defer s.wg.Done()
	st := s.c.Stats
	buf := make([]byte, 1600)
	ssrc := uint32(t.SSRC())
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		seq, ts, payload, ok := rtpFields(buf[:n])
		if !ok {
			continue
		}
		now := time.Now()
		st.arrived(now.UnixNano(), n)
		if !video {
			st.AudioPackets.Add(1)
		}
		if s.c.opts.CountOnly {
			slot.count(now, seq, n)
			continue
		}
		var red redPacket
		if int(buf[1]&0x7f) == redPT {
			if red, ok = parseRED(payload); !ok {
				continue
			}
			payload = red.primary
		}
		o := slot.observe(now, seq, ts, payload, n, video)
		if red.n > 0 {
			slot.recover(seq, red)
		}
		if o.marked {
			d := now.Sub(time.Unix(0, o.marker.Sent))
			st.Delay.Add(d)
			if !video {
				st.AudioDelay.Add(d)
			}
		}
		if o.wantKey {
			if s.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}) == nil {
				st.PLIsSent.Add(1)
			}
		}
	}
}

// rtpFields reads what the statistics need from a raw RTP packet without allocating.
func rtpFields(b []byte) (seq uint16, ts uint32, payload []byte, ok bool) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return 0, 0, nil, false
	}
	off := 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < off+4 {
			return 0, 0, nil, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(b[off+2:]))
	}
	end := len(b)
	if b[0]&0x20 != 0 && end > off {
		end -= int(b[end-1])
	}
	if off > end {
		return 0, 0, nil, false
	}
	return binary.BigEndian.Uint16(b[2:]), binary.BigEndian.Uint32(b[4:]), b[off:end], true
}

func (s *subscriber) close() {
	s.once.Do(func() {
		if s.pc != nil {
			_ = s.pc.Close()
		}
		if s.closer != nil {
			_ = s.closer.Close()
		}
		s.wg.Wait()
	})
}
