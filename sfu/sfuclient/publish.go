package sfuclient

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/sfu"
)

const (
	audioInterval = 20 * time.Millisecond
	audioBytes    = 80 // 32 kbit/s at 50 packets/s
	opusTOC       = 0xf8
	keyThrottle   = 200 * time.Millisecond // at most one requested key frame per layer
	videoTick     = time.Second / 30
)

// publisher is the publish connection: the client offers it, with the microphone, the camera's
// simulcast encodings and the screen, and sends synthetic media on it once answered.
type publisher struct {
	c      *Client
	pc     *webrtc.PeerConnection
	sig    *pcSignal
	closer io.Closer
	source uint32

	audio   *sendTrack
	video   [numLayers]*sendTrack // camera layers (LayerHigh alone when single-layer), screen
	streams [numLayers]*vp8Stream
	trans   []*webrtc.RTPTransceiver
	srcs    []string // the source of each transceiver
	rng     *rand.Rand

	mu         sync.Mutex
	paused     [numLayers]bool
	needKey    [numLayers]bool
	lastKey    [numLayers]time.Time
	audioOnly  bool
	audioMuted bool
	videoMuted bool

	startOnce sync.Once
	started   time.Time
	stop      chan struct{}
	wg        sync.WaitGroup
}

func (c *Client) publisher() *publisher {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pub
}

// startPublishing opens the publish connection and sends its offer.
func (c *Client) startPublishing() error {
	api, closer, err := newAPI(true, &c.opts)
	if err != nil {
		return err
	}
	pc, err := api.NewPeerConnection(c.configuration())
	if err != nil {
		if closer != nil {
			_ = closer.Close()
		}
		return fmt.Errorf("sfuclient: publish connection: %w", err)
	}
	id := c.Identity()
	seed := c.opts.Seed
	if seed == 0 {
		seed = uint64(SourceID(id))
	}
	p := &publisher{c: c, pc: pc, closer: closer, source: SourceID(id), rng: rand.New(rand.NewPCG(seed, 0x5eed)), stop: make(chan struct{})}
	p.sig = newSignal(c, "publish", pc)
	c.mu.Lock()
	c.pub = p
	c.mu.Unlock()
	sendonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}
	add := func(t *sendTrack, src string) (*webrtc.RTPTransceiver, error) {
		tr, err := pc.AddTransceiverFromTrack(t, sendonly)
		if err != nil {
			return nil, fmt.Errorf("sfuclient: add %s: %w", src, err)
		}
		p.trans, p.srcs = append(p.trans, tr), append(p.srcs, src)
		return tr, nil
	}
	for _, src := range c.opts.Publish {
		switch src {
		case sfu.SourceMic:
			p.audio = newSendTrack(webrtc.RTPCodecTypeAudio, "mic", id, "")
			if _, err := add(p.audio, src); err != nil {
				return err
			}
		case sfu.SourceCamera:
			if c.opts.SingleLayer {
				p.video[LayerHigh] = newSendTrack(webrtc.RTPCodecTypeVideo, "camera", id, "")
				if _, err := add(p.video[LayerHigh], src); err != nil {
					return err
				}
				p.streams[LayerHigh] = p.newStream(LayerHigh)
				continue
			}
			for l := LayerLow; l <= LayerHigh; l++ {
				p.video[l] = newSendTrack(webrtc.RTPCodecTypeVideo, "camera", id, l.RID())
				p.streams[l] = p.newStream(l)
			}
			tr, err := add(p.video[LayerLow], src)
			if err != nil {
				return err
			}
			for _, l := range []Layer{LayerMid, LayerHigh} {
				if err := tr.Sender().AddEncoding(p.video[l]); err != nil {
					return fmt.Errorf("sfuclient: simulcast layer %s: %w", l, err)
				}
			}
		case sfu.SourceScreen:
			p.video[LayerScreen] = newSendTrack(webrtc.RTPCodecTypeVideo, "screen", id+"-screen", "")
			if _, err := add(p.video[LayerScreen], src); err != nil {
				return err
			}
			p.streams[LayerScreen] = p.newStream(LayerScreen)
		}
	}
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			p.keyAll() // what was sent before DTLS was up never arrived
		}
	})
	return p.offer(false)
}

func (p *publisher) newStream(l Layer) *vp8Stream {
	return newVP8Stream(l, p.source, uint16(p.rng.Uint32()), uint16(p.rng.Uint32()), p.c.opts.MaxPacket)
}

// offer sends a (new) publish offer, naming the source of every m-line.
func (p *publisher) offer(restart bool) error {
	off, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		return fmt.Errorf("sfuclient: publish offer: %w", err)
	}
	if err := p.pc.SetLocalDescription(off); err != nil {
		return fmt.Errorf("sfuclient: publish offer: %w", err)
	}
	var sources []sfu.SourceMid
	for i, tr := range p.trans {
		mid := tr.Mid()
		sources = append(sources, sfu.SourceMid{Mid: mid, Source: p.srcs[i]})
		for _, t := range p.tracksOf(p.srcs[i]) {
			t.setMid(mid)
		}
	}
	if err := p.c.Send(sfu.Message{Type: "publish_offer", SDP: off.SDP, Sources: sources}); err != nil {
		return err
	}
	p.sig.sent()
	return nil
}

func (p *publisher) tracksOf(src string) []*sendTrack {
	var ts []*sendTrack
	switch src {
	case sfu.SourceMic:
		ts = append(ts, p.audio)
	case sfu.SourceCamera:
		for l := LayerLow; l <= LayerHigh; l++ {
			if p.video[l] != nil {
				ts = append(ts, p.video[l])
			}
		}
	case sfu.SourceScreen:
		ts = append(ts, p.video[LayerScreen])
	}
	return ts
}

// answer applies the server's publish_answer; the first one starts the media.
func (p *publisher) answer(sdp string) error {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("sfuclient: publish answer: %w", err)
	}
	p.sig.applied()
	p.startOnce.Do(p.start)
	return nil
}

func (p *publisher) start() {
	p.started = time.Now()
	for i, tr := range p.trans {
		s := tr.Sender()
		switch {
		case p.srcs[i] == sfu.SourceMic:
			p.reader(func() ([]rtcp.Packet, error) { pk, _, err := s.ReadRTCP(); return pk, err }, nil, 0)
		case p.srcs[i] == sfu.SourceCamera && !p.c.opts.SingleLayer:
			for l := LayerLow; l <= LayerHigh; l++ {
				rid := l.RID()
				p.reader(func() ([]rtcp.Packet, error) { pk, _, err := s.ReadSimulcastRTCP(rid); return pk, err }, p.video[l], l)
			}
		case p.srcs[i] == sfu.SourceCamera:
			p.reader(func() ([]rtcp.Packet, error) { pk, _, err := s.ReadRTCP(); return pk, err }, p.video[LayerHigh], LayerHigh)
		default:
			p.reader(func() ([]rtcp.Packet, error) { pk, _, err := s.ReadRTCP(); return pk, err }, p.video[LayerScreen], LayerScreen)
		}
	}
	if p.audio != nil {
		p.wg.Add(1)
		go p.sendAudio()
	}
	if slices.ContainsFunc(p.video[:], func(t *sendTrack) bool { return t != nil }) {
		p.wg.Add(1)
		go p.sendVideo()
	}
}

// reader reads one encoding's RTCP (which also drives the interceptors: NACKs, reports) and
// turns a PLI or FIR for its SSRC into a key frame.
func (p *publisher) reader(read func() ([]rtcp.Packet, error), t *sendTrack, l Layer) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for failures := 0; ; {
			pkts, err := read()
			if err != nil {
				// A malformed compound packet is skipped; a closed connection ends the reader.
				if failures++; failures > 100 || errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || p.closed() {
					return
				}
				continue
			}
			failures = 0
			if t == nil {
				continue
			}
			ssrc := t.SSRC()
			for _, pk := range pkts {
				switch v := pk.(type) {
				case *rtcp.PictureLossIndication:
					if v.MediaSSRC == ssrc {
						p.requestKey(l)
					}
				case *rtcp.FullIntraRequest:
					for _, e := range v.FIR {
						if e.SSRC == ssrc {
							p.requestKey(l)
						}
					}
				}
			}
		}
	}()
}

func (p *publisher) closed() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

func (p *publisher) requestKey(l Layer) {
	p.c.Stats.KeyRequests.Add(1)
	p.mu.Lock()
	p.needKey[l] = true
	p.mu.Unlock()
}

func (p *publisher) keyAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for l := range p.needKey {
		p.needKey[l] = true
	}
}

// frameDecision says whether layer l sends a frame now and whether it is a key frame: every
// KeyFrameInterval, and when asked (at most every 200 ms).
func (p *publisher) frameDecision(l Layer, now time.Time) (send, key bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused[l] || p.audioOnly || p.videoMuted {
		return false, false
	}
	last := p.lastKey[l]
	key = last.IsZero() || now.Sub(last) >= p.c.opts.KeyFrameInterval || p.needKey[l] && now.Sub(last) >= keyThrottle
	if key {
		p.lastKey[l], p.needKey[l] = now, false
	}
	return true, key
}

func (p *publisher) sendVideo() {
	defer p.wg.Done()
	t := time.NewTicker(videoTick)
	defer t.Stop()
	var ts0 [numLayers]uint32
	for l := range ts0 {
		ts0[l] = p.rng.Uint32()
	}
	var pkts []vp8Packet
	for n := 0; ; n++ {
		select {
		case <-p.stop:
			return
		case <-p.c.done:
			return
		case <-t.C:
		}
		now := time.Now()
		ts := uint32(now.Sub(p.started) * 90000 / time.Second)
		for l, st := range p.streams {
			if st == nil || n%(30/layerSpecs[l].fps) != 0 {
				continue
			}
			send, key := p.frameDecision(Layer(l), now)
			if !send {
				continue
			}
			pkts = st.frame(key, now.UnixNano(), pkts)
			tr := p.video[l]
			for _, pk := range pkts {
				if tr.write(pk.seq, ts0[l]+ts, pk.marker, pk.payload, 0) == nil {
					p.c.Stats.SentPackets[l].Add(1)
					p.c.Stats.SentBytes.Add(int64(len(pk.payload)))
				}
			}
			if key {
				p.c.Stats.KeyFramesSent.Add(1)
			}
		}
	}
}

func (p *publisher) sendAudio() {
	defer p.wg.Done()
	t := time.NewTicker(audioInterval)
	defer t.Stop()
	seq, ts0 := uint16(p.rng.Uint32()), p.rng.Uint32()
	payload := make([]byte, audioBytes)
	payload[0] = opusTOC
	var counter uint32
	var frames int64 = -1
	for {
		select {
		case <-p.stop:
			return
		case <-p.c.done:
			return
		case <-t.C:
		}
		now := time.Now()
		frames = max(frames+1, int64((now.Sub(p.started)+audioInterval/2)/audioInterval))
		lvl, voice := p.c.talk.Load().level(now, p.started, counter)
		p.mu.Lock()
		if p.audioMuted {
			lvl, voice = 127, false
		}
		p.mu.Unlock()
		ext := lvl & 0x7f
		if voice {
			ext |= 0x80
		}
		Marker{Source: p.source, Layer: LayerAudio, Counter: counter, Sent: now.UnixNano()}.put(payload[1:])
		if p.audio.write(seq, ts0+uint32(frames)*960, false, payload, ext) == nil {
			p.c.Stats.SentPackets[LayerAudio].Add(1)
			p.c.Stats.SentBytes.Add(audioBytes)
			counter++
			seq++
		}
	}
}

// setLayers applies the server's `layers`: which of a source's layers somebody receives.
func (p *publisher) setLayers(source string, active []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	set := func(l Layer, on bool) {
		if p.paused[l] && on {
			p.needKey[l] = true // a resumed layer starts with a key frame
		}
		p.paused[l] = !on
	}
	switch {
	case source == sfu.SourceScreen:
		set(LayerScreen, len(active) > 0)
	case source == sfu.SourceCamera && p.c.opts.SingleLayer:
		set(LayerHigh, len(active) > 0)
	case source == sfu.SourceCamera:
		for l := LayerLow; l <= LayerHigh; l++ {
			set(l, slices.Contains(active, l.RID()))
		}
	}
}

func (p *publisher) setAudioOnly(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.audioOnly && !on {
		for l := range p.needKey {
			p.needKey[l] = true
		}
	}
	p.audioOnly = on
}

func (p *publisher) setMuted(kind string, muted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch kind {
	case "audio":
		p.audioMuted = muted
	case "video":
		if p.videoMuted && !muted {
			for l := range p.needKey {
				p.needKey[l] = true
			}
		}
		p.videoMuted = muted
	}
}

func (p *publisher) activeLayers() []Layer {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ls []Layer
	if p.audioOnly || p.videoMuted {
		return nil
	}
	for l := LayerLow; l <= LayerHigh; l++ {
		if p.video[l] != nil && !p.paused[l] {
			ls = append(ls, l)
		}
	}
	return ls
}

func (p *publisher) close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	_ = p.pc.Close()
	if p.closer != nil {
		_ = p.closer.Close()
	}
	p.wg.Wait()
}
