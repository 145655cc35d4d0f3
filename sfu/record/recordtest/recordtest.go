// Package recordtest makes synthetic conference streams for tests of recordings: VP8 frames that
// real decoders accept, Opus packets of silence, their RTP packets as a slot of the SFU would
// forward them, and WebM files made from them by the real muxer.
//
// The VP8 frames carry no picture worth looking at but are valid: every bool-coded partition is
// all zero bytes. A zero stream makes the VP8 bool decoder read a 0 for every decision whatever
// its probability, so every header field reads 0 (no segmentation, no loop filter, quantizer 0,
// no probability updates, no skip flags; in inter frames a zero intra probability) and every
// macroblock reads as intra predicted from its neighbours (B_PRED with B_DC_PRED sub-blocks in
// key frames, DC_PRED in inter frames) with no coefficients: a flat grey picture, decoded by
// libvpx and FFmpeg alike. Partitions are sized so the decoder never reads past their end.
package recordtest

import (
	"encoding/binary"
	"os"
	"sort"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/phonghop/phonghop/sfu/record"
)

// OpusSilence is a 20 ms Opus packet of silence (CELT, fullband, mono, one frame).
var OpusSilence = []byte{0xF8, 0xFF, 0xFE}

func partitions(width, height int) (first, tokens int) {
	mbs := ((width + 15) / 16) * ((height + 15) / 16)
	return 128 + 4*mbs, 64 + 8*mbs
}

// VP8KeyFrame is a decodable key frame of the given size (at most 16383 × 16383).
func VP8KeyFrame(width, height int) []byte {
	p1, p2 := partitions(width, height)
	f := make([]byte, 10+p1+p2)
	tag := uint32(0) | 1<<4 | uint32(p1)<<5 // key frame (P bit clear), version 0, shown
	f[0], f[1], f[2] = byte(tag), byte(tag>>8), byte(tag>>16)
	f[3], f[4], f[5] = 0x9d, 0x01, 0x2a
	binary.LittleEndian.PutUint16(f[6:], uint16(width&0x3fff))
	binary.LittleEndian.PutUint16(f[8:], uint16(height&0x3fff))
	return f
}

// VP8InterFrame is a decodable inter frame for a stream of the given size.
func VP8InterFrame(width, height int) []byte {
	p1, p2 := partitions(width, height)
	f := make([]byte, 3+p1+p2)
	tag := uint32(1) | 1<<4 | uint32(p1)<<5
	f[0], f[1], f[2] = byte(tag), byte(tag>>8), byte(tag>>16)
	return f
}

// Packet is an RTP packet of a stream with the time it reaches the recorder.
type Packet struct {
	Video bool
	At    time.Time
	RTP   *rtp.Packet
}

// Spec describes a synthetic stream.
type Spec struct {
	Start    time.Time
	Duration time.Duration
	FPS      int // video frames a second (0: no video)
	Width    int
	Height   int
	// KeyEvery makes every n-th frame a key frame (0: only the first).
	KeyEvery int
	// SwitchAt, when set, changes the picture size to SwitchWidth × SwitchHeight at the first key
	// frame from then on, as a slot does when it switches to another source.
	SwitchAt                  time.Duration
	SwitchWidth, SwitchHeight int
	Audio                     bool
	// AudioLead shifts the audio's arrival by this much relative to the video.
	AudioLead time.Duration
	MTU       uint16 // default 1200
}

// Packets returns the stream's RTP packets in arrival order. Sequence numbers and timestamps
// start near their wrap-around points, so unwrapping is exercised.
func Packets(s Spec) []Packet {
	if s.MTU == 0 {
		s.MTU = 1200
	}
	if s.Start.IsZero() {
		s.Start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	}
	var out []Packet
	if s.FPS > 0 {
		pay := &codecs.VP8Payloader{EnablePictureID: true}
		seq, ts := uint16(65500), uint32(0xFFFFFFFF-90000)
		step := time.Second / time.Duration(s.FPS)
		w, h := s.Width, s.Height
		for i := 0; i < int(s.Duration*time.Duration(s.FPS)/time.Second); i++ {
			at := time.Duration(i) * step
			key := i == 0 || s.KeyEvery > 0 && i%s.KeyEvery == 0
			if key && s.SwitchAt > 0 && at >= s.SwitchAt {
				w, h = s.SwitchWidth, s.SwitchHeight
			}
			data := VP8InterFrame(w, h)
			if key {
				data = VP8KeyFrame(w, h)
			}
			parts := pay.Payload(s.MTU, data)
			for j, p := range parts {
				out = append(out, Packet{Video: true, At: s.Start.Add(at), RTP: &rtp.Packet{
					Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, SSRC: 1111, Marker: j == len(parts)-1},
					Payload: p,
				}})
				seq++
			}
			ts += uint32(90000 / s.FPS)
		}
	}
	if s.Audio {
		seq, ts := uint16(65000), uint32(0xFFFFFFFF-48000*3)
		for i := 0; i < int(s.Duration/(20*time.Millisecond)); i++ {
			at := time.Duration(i) * 20 * time.Millisecond
			out = append(out, Packet{At: s.Start.Add(at + s.AudioLead), RTP: &rtp.Packet{
				Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq, Timestamp: ts, SSRC: 2222},
				Payload: OpusSilence,
			}})
			seq++
			ts += 960
		}
	}
	// Merge by arrival, video first at equal times; a stable sort keeps each stream's order.
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// Feed writes packets to a recorder made with the clock Feed drives: each packet arrives at its
// At time. clock must be the variable the recorder's WithClock reads.
func Feed(r record.Sink, clock *time.Time, pkts []Packet) {
	for _, p := range pkts {
		*clock = p.At
		if p.Video {
			r.WriteVideoRTP(p.RTP)
		} else {
			r.WriteAudioRTP(p.RTP)
		}
	}
}

// WriteFile records the stream s into a new WebM file at path with the real muxer.
func WriteFile(path string, s Spec) (record.Info, error) {
	var now time.Time
	r, err := record.Create(path, record.WithClock(func() time.Time { return now }), record.WithQueue(1<<20))
	if err != nil {
		return record.Info{}, err
	}
	Feed(r, &now, Packets(s))
	return r.Close()
}

// Exists reports whether a file is at path (tests of clean-up).
func Exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
