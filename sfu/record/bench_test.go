//go:build unix

package record_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/phonghop/phonghop/sfu/record"
	"github.com/phonghop/phonghop/sfu/record/recordtest"
)

// BenchmarkRecorder measures the cost of recording one packet of a conference (a 640×360 VP8
// stream of about ten packets a frame at 30 fps, and 20 ms Opus) into a file on disk: copying,
// depacketizing, interleaving, muxing and writing, everything but the SFU's forwarding. The
// figure is cpu-ns/packet, the process's CPU time (user and system, both goroutines, GC
// included) over the packets: the feed is paced so the writer keeps up, as it does with real
// traffic, which makes ns/op a wall-clock figure of the pacing. It also reports the file's size
// over the media it carries (the container's overhead).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkRecorder(b *testing.B) {
	const cycle = 10 * time.Second
	pkts := recordtest.Packets(recordtest.Spec{Duration: cycle, FPS: 30, Width: 640, Height: 360, KeyEvery: 150, Audio: true})
	videos := 0
	for _, p := range pkts {
		if p.Video {
			videos++
		}
	}
	audios := len(pkts) - videos
	var now time.Time
	path := filepath.Join(b.TempDir(), "bench.webm")
	r, err := record.Create(path, record.WithClock(func() time.Time { return now }), record.WithQueue(1<<16))
	if err != nil {
		b.Fatal(err)
	}
	var pkt rtp.Packet
	var media int64 // frame bytes fed: RTP payloads without the 4-byte VP8 payload descriptor
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k, p := i/len(pkts), pkts[i%len(pkts)]
		now = p.At.Add(time.Duration(k) * cycle)
		pkt = *p.RTP // each stream's numbering and clock continue across cycles
		if p.Video {
			pkt.SequenceNumber += uint16(k * videos)
			pkt.Timestamp += uint32(k) * 90000 * uint32(cycle/time.Second)
			r.WriteVideoRTP(&pkt)
			media += int64(len(pkt.Payload) - 4)
		} else {
			pkt.SequenceNumber += uint16(k * audios)
			pkt.Timestamp += uint32(k) * 48000 * uint32(cycle/time.Second)
			r.WriteAudioRTP(&pkt)
			media += int64(len(pkt.Payload))
		}
		if i%128 == 127 {
			time.Sleep(time.Millisecond) // at most 128 000 packets a second: the writer keeps up
		}
	}
	info, err := r.Close()
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/packet")
	if errors.Is(err, record.ErrNoMedia) && b.N < len(pkts) {
		return // too few packets for a frame
	}
	if err != nil {
		b.Fatal(err)
	}
	if info.Overflow > 0 {
		b.Fatalf("%d of %d packets overflowed the queue: the figure would be wrong", info.Overflow, b.N)
	}
	if fi, err := os.Stat(path); err == nil && b.N >= len(pkts) {
		b.ReportMetric(100*float64(fi.Size()-media)/float64(media), "overhead-%")
	}
}
