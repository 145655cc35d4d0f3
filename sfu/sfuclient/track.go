package sfuclient

import (
	"errors"
	"strings"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// sendTrack is one outgoing encoding (a simulcast layer, the screen or the microphone). It is a
// webrtc.TrackLocal of its own rather than TrackLocalStaticRTP because it needs what Bind
// learns: its SSRC (to tell which layer a PLI asks for) and the negotiated header extension IDs
// (MID and RID on every packet, as browsers send them, and the audio level).
type sendTrack struct {
	id, stream, rid string
	ridB            []byte
	kind            webrtc.RTPCodecType
	mime            string

	mu      sync.Mutex
	mid     []byte
	w       webrtc.TrackLocalWriter
	ssrc    uint32
	pt      uint8
	midID   uint8
	ridID   uint8
	levelID uint8
	hdr     rtp.Header
	level   [1]byte
}

var errNotBound = errors.New("sfuclient: track not negotiated yet")

func newSendTrack(kind webrtc.RTPCodecType, id, stream, rid string) *sendTrack {
	mime := webrtc.MimeTypeVP8
	if kind == webrtc.RTPCodecTypeAudio {
		mime = webrtc.MimeTypeOpus
	}
	return &sendTrack{id: id, stream: stream, rid: rid, ridB: []byte(rid), kind: kind, mime: mime}
}

// Bind takes the negotiated codec, SSRC and header extensions.
func (t *sendTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range ctx.CodecParameters() {
		if !strings.EqualFold(c.MimeType, t.mime) {
			continue
		}
		t.w, t.ssrc, t.pt = ctx.WriteStream(), uint32(ctx.SSRC()), uint8(c.PayloadType)
		for _, e := range ctx.HeaderExtensions() {
			switch e.URI {
			case sdp.SDESMidURI:
				t.midID = uint8(e.ID)
			case sdp.SDESRTPStreamIDURI:
				t.ridID = uint8(e.ID)
			case sdp.AudioLevelURI:
				t.levelID = uint8(e.ID)
			}
		}
		t.hdr = rtp.Header{}
		return c, nil
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

// Unbind forgets the connection.
func (t *sendTrack) Unbind(webrtc.TrackLocalContext) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.w = nil
	return nil
}

func (t *sendTrack) ID() string                { return t.id }
func (t *sendTrack) RID() string               { return t.rid }
func (t *sendTrack) StreamID() string          { return t.stream }
func (t *sendTrack) Kind() webrtc.RTPCodecType { return t.kind }

func (t *sendTrack) setMid(mid string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mid = []byte(mid)
}

// SSRC is the encoding's SSRC once negotiated (0 before).
func (t *sendTrack) SSRC() uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.w == nil {
		return 0
	}
	return t.ssrc
}

// write sends one packet; level is the audio level byte (ignored for video).
func (t *sendTrack) write(seq uint16, ts uint32, marker bool, payload []byte, level byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.w == nil {
		return errNotBound
	}
	h := &t.hdr
	h.Version, h.PayloadType, h.SSRC = 2, t.pt, t.ssrc
	h.SequenceNumber, h.Timestamp, h.Marker = seq, ts, marker
	if t.midID != 0 && len(t.mid) > 0 {
		_ = h.SetExtension(t.midID, t.mid)
	}
	if t.ridID != 0 && len(t.ridB) > 0 {
		_ = h.SetExtension(t.ridID, t.ridB)
	}
	if t.levelID != 0 {
		t.level[0] = level
		_ = h.SetExtension(t.levelID, t.level[:])
	}
	_, err := t.w.WriteRTP(h, payload)
	return err
}
