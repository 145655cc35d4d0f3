package sfu

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// link simulates a subscriber's line for the estimator: the SFU sends at rate, the line carries
// capacity (the excess queues up to 200 ms, then is lost) and may lose packets at random; every
// 100 ms the subscriber reports what arrived when, and every second its receiver report says
// what share was lost.
type link struct {
	e              *estimator
	now            time.Time
	capacity       float64 // bit/s
	random         float64 // share lost at random, without queueing
	rng            *rand.Rand
	queued         time.Duration
	fb             uint8
	lost, expected int
}

func (l *link) run(t *testing.T, rate float64, d time.Duration) {
	t.Helper()
	const size = 1000
	gap := time.Duration(float64(size*8) / rate * float64(time.Second))
	for end := l.now.Add(d); l.now.Before(end); {
		fb := &rtcp.TransportLayerCC{FbPktCount: l.fb, ReferenceTime: uint32(l.now.Sub(time.Unix(0, 0)) / (64 * time.Millisecond))}
		l.fb++
		ref := time.Unix(0, 0).Add(time.Duration(fb.ReferenceTime) * 64 * time.Millisecond)
		prev := ref
		var syms []uint16
		for round := l.now.Add(100 * time.Millisecond); l.now.Before(round); l.now = l.now.Add(gap) {
			seq := l.e.sent(size, l.now.UnixNano())
			if len(syms) == 0 {
				fb.BaseSequenceNumber = seq
			}
			// The queue drains at capacity and fills by what was sent.
			l.queued -= gap
			l.queued = max(l.queued, 0) + time.Duration(float64(size*8)/l.capacity*float64(time.Second))
			if l.queued > 200*time.Millisecond {
				l.queued -= time.Duration(float64(size*8) / l.capacity * float64(time.Second))
				syms = append(syms, rtcp.TypeTCCPacketNotReceived)
				continue
			}
			if l.random > 0 && l.rng.Float64() < l.random {
				syms = append(syms, rtcp.TypeTCCPacketNotReceived)
				continue
			}
			arrival := l.now.Add(20*time.Millisecond + l.queued)
			syms = append(syms, rtcp.TypeTCCPacketReceivedLargeDelta)
			fb.RecvDeltas = append(fb.RecvDeltas, &rtcp.RecvDelta{Type: rtcp.TypeTCCPacketReceivedLargeDelta, Delta: arrival.Sub(prev).Microseconds()})
			prev = arrival
		}
		fb.PacketStatusCount = uint16(len(syms))
		for _, s := range syms {
			if s == rtcp.TypeTCCPacketNotReceived {
				l.lost++
			}
		}
		l.expected += len(syms)
		// A receiver report every second says the loss since the last (the SFU decides on those).
		if l.fb%10 == 0 {
			l.e.reportedLoss(float64(l.lost)/float64(max(l.expected, 1)), l.now.UnixNano())
			l.lost, l.expected = 0, 0
		}
		for _, s := range syms {
			fb.PacketChunks = append(fb.PacketChunks, &rtcp.RunLengthChunk{PacketStatusSymbol: s, RunLength: 1})
		}
		l.e.feedback(fb, l.now)
	}
}

func TestEstimatorFollowsTheLine(t *testing.T) {
	e := newEstimator(2_500_000, 30_000, 10_000_000)
	l := &link{e: e, now: time.Unix(1000, 0), capacity: 5_000_000}
	l.run(t, 1_000_000, 3*time.Second)
	if got := e.Target(); got < 1_400_000 {
		t.Fatalf("on a free line the estimate fell to %.0f", got)
	}
	// The line narrows to 300 kbit/s while 1 Mbit/s is sent: the queue grows, then packets drop.
	l.capacity = 300_000
	l.run(t, 1_000_000, 2*time.Second)
	if got := e.Target(); got > 400_000 {
		t.Fatalf("after 2 s on a 300 kbit/s line the estimate is %.0f", got)
	}
	// Sending what the line carries, the estimate stays near it rather than collapsing.
	l.queued = 0
	l.run(t, 250_000, 5*time.Second)
	if got := e.Target(); got < 200_000 || got > 500_000 {
		t.Fatalf("sending 250 kbit/s on a 300 kbit/s line: estimate %.0f", got)
	}
	// The line recovers: growth is capped by what was delivered, so it needs traffic (probes).
	l.capacity = 5_000_000
	l.run(t, 250_000, 5*time.Second)
	if got := e.Target(); got > 450_000 {
		t.Fatalf("the estimate outgrew what was delivered: %.0f", got)
	}
	l.run(t, 700_000, 5*time.Second)
	if got := e.Target(); got < 900_000 {
		t.Fatalf("with 700 kbit/s getting through the estimate is only %.0f", got)
	}
}

// Random loss on a line with room to spare (a radio link) is not congestion: sending less would
// not cure it, and NACK and RED repair it, so the estimate holds; loss that heavy is another
// matter.
func TestEstimatorRandomLoss(t *testing.T) {
	for _, c := range []struct {
		loss     float64
		min, max float64
	}{
		{0.05, 900_000, 10_000_000},
		{0.10, 900_000, 10_000_000},
		{0.20, 900_000, 10_000_000},
		{0.40, 0, 500_000},
	} {
		e := newEstimator(1_000_000, 30_000, 10_000_000)
		l := &link{e: e, now: time.Unix(1000, 0), capacity: 5_000_000, random: c.loss, rng: rand.New(rand.NewPCG(1, 2))}
		l.run(t, 1_000_000, 10*time.Second)
		if got := e.Target(); got < c.min || got > c.max {
			t.Errorf("%.0f%% random loss for 10 s: estimate %.0f, want %.0f–%.0f", c.loss*100, got, c.min, c.max)
		}
	}
}

func TestEstimatorUsesAFeedbackOnce(t *testing.T) {
	e := newEstimator(1_000_000, 30_000, 10_000_000)
	now := time.Unix(5, 0)
	seq := e.sent(1000, now.UnixNano())
	fb := &rtcp.TransportLayerCC{FbPktCount: 3, BaseSequenceNumber: seq, PacketStatusCount: 1,
		PacketChunks: []rtcp.PacketStatusChunk{&rtcp.RunLengthChunk{PacketStatusSymbol: rtcp.TypeTCCPacketNotReceived, RunLength: 1}}}
	e.feedback(fb, now)
	e.feedback(fb, now)
	if e.totalN != 1 || e.lostN != 1 {
		t.Fatalf("counted %d packets, %d lost; want the report counted once", e.totalN, e.lostN)
	}
}
