package record_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/phonghop/phonghop/sfu/record"
	"github.com/phonghop/phonghop/sfu/record/recordtest"
)

// packetsFromBytes reads a packet list from fuzz input. Each packet is a 3-byte head — flags
// (bit 0 video, bit 1 marker, bit 2 next timestamp), sequence step (as int8), payload length —
// then the payload.
func packetsFromBytes(data []byte) []recordtest.Packet {
	var out []recordtest.Packet
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var vseq, aseq uint16
	var vts, ats uint32
	for len(data) >= 3 {
		flags, step, n := data[0], int8(data[1]), int(data[2])
		data = data[3:]
		if n > len(data) {
			n = len(data)
		}
		payload := data[:n]
		data = data[n:]
		video := flags&1 != 0
		seq, ts := &aseq, &ats
		if video {
			seq, ts = &vseq, &vts
		}
		*seq += uint16(step)
		if flags&4 != 0 {
			*ts += 3000
		}
		at = at.Add(5 * time.Millisecond)
		out = append(out, recordtest.Packet{Video: video, At: at, RTP: &rtp.Packet{
			Header: rtp.Header{SequenceNumber: *seq, Timestamp: *ts, Marker: flags&2 != 0}, Payload: payload}})
	}
	return out
}

func bytesFromPackets(pkts []recordtest.Packet) []byte {
	var out []byte
	var vseq, aseq uint16
	var vts, ats uint32
	for _, p := range pkts {
		seq, ts := &aseq, &ats
		flags := byte(0)
		if p.Video {
			seq, ts, flags = &vseq, &vts, 1
		}
		if p.RTP.Marker {
			flags |= 2
		}
		if p.RTP.Timestamp != *ts {
			flags |= 4
		}
		step := p.RTP.SequenceNumber - *seq
		*seq, *ts = p.RTP.SequenceNumber, p.RTP.Timestamp
		payload := p.RTP.Payload
		if len(payload) > 255 {
			payload = payload[:255] // a fuzz seed need not decode, only reach the depacketizer
		}
		out = append(out, flags, byte(step), byte(len(payload)))
		out = append(out, payload...)
	}
	return out
}

// FuzzRecorder feeds arbitrary RTP packets through depacketizing and muxing: nothing may panic,
// and whatever file comes out must parse, with blocks in time order, the video starting on a
// key frame and key flags that match the frames.
func FuzzRecorder(f *testing.F) {
	small := recordtest.Packets(recordtest.Spec{Duration: 200 * time.Millisecond, FPS: 30, Width: 32, Height: 32, KeyEvery: 3, Audio: true, MTU: 40})
	f.Add(bytesFromPackets(small))
	f.Add([]byte{1, 0, 4, 0x10, 0x10, 0x00, 0x00})
	f.Add([]byte{3, 1, 11, 0x90, 0x80, 0x01, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x10, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		pkts := packetsFromBytes(data)
		var now time.Time
		mf := &memFile{}
		r, err := record.New(mf, record.WithClock(func() time.Time { return now }), record.WithQueue(len(pkts)+1))
		if err != nil {
			t.Fatal(err)
		}
		recordtest.Feed(r, &now, pkts)
		info, err := r.Close()
		if errors.Is(err, record.ErrNoMedia) {
			return
		}
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
		p, err := parseWebM(mf.b)
		if err != nil {
			t.Fatalf("the file does not parse: %v", err)
		}
		var last int64
		sawVideo := false
		for _, b := range p.blocks {
			if b.ms < last {
				t.Fatalf("blocks out of time order: %d after %d", b.ms, last)
			}
			last = b.ms
			if b.track == 1 {
				if !sawVideo && !b.key {
					t.Fatal("the video starts on an inter frame")
				}
				sawVideo = true
				if b.key != isKeyFrame(b.data) {
					t.Fatal("a key flag does not match its frame")
				}
			}
		}
		if info.VideoFrames+info.AudioFrames != len(p.blocks) {
			t.Fatalf("info counts %d+%d frames, the file has %d blocks", info.VideoFrames, info.AudioFrames, len(p.blocks))
		}
	})
}
