package sfu

import (
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// estimator is the send-side bandwidth estimator of one subscribe connection, fed by the
// subscriber's transport-wide congestion control feedback (TWCC). The slots stamp every packet
// with a transport-wide sequence number and note its send time and size in a ring (no
// allocation, one short lock per packet); each feedback says which arrived and when. From it:
//
//   - the delivery rate: bytes acknowledged over the last half second;
//   - loss, from the subscriber's receiver reports;
//   - queueing delay: one-way delay above its minimum of the last ten seconds (the clocks' offset
//     cancels out).
//
// Loss above 10% with a queue (25% without one: a lossy radio line, not congestion) takes half the
// loss off the estimate once per receiver report (not below 70% of the delivery rate); a
// queue above 80 ms
// that is still growing sets it to 85% of the delivery rate; otherwise it grows 8% a second (25%
// while the queue stays under 10 ms), never above 1.5 times what was delivered, which is why a
// subscriber held below its layout gets padding probes (bwe.go).
//
// It replaces Pion's GCC on the forwarding path: GCC allocated a map per packet sent and per
// feedback, and on a busy server read scheduling delays of a few milliseconds as congestion.
type estimator struct {
	mu       sync.Mutex
	seq      uint16
	ring     [1 << 13]sentPacket
	target   float64
	min, max float64

	lastFb     uint8
	fbSeen     bool
	acked      []ackSample // last half second of acknowledged packets
	lostN      int
	totalN     int
	windowAt   time.Time
	minOWD     time.Duration
	minOWDAt   time.Time
	lastQueue  time.Duration
	queueHigh  int // reports in a row with more than 80 ms queued
	lastUpdate time.Time
	holdUntil  time.Time
	onChange   func(bps float64)
	// What was sent (for the delivery rate when feedback acknowledges less than arrived) and
	// the loss the subscriber's receiver reports give.
	sentBytes, sentBytesAt uint64
	rrLoss                 float64
	rrAt                   int64 // when the report behind rrLoss came (unix ns)
	rrFresh                bool  // rrLoss has not yet been acted on
	queuePeak              time.Duration
}

// delayFloor is as low as queueing delay alone takes an estimate (bit/s).
const delayFloor = 300_000

type sentPacket struct {
	seq   uint16
	size  uint16
	at    int64 // unix nanoseconds; 0: empty
	acked bool  // a feedback already counted it
}

type ackSample struct {
	at   time.Time // arrival at the subscriber (its clock)
	size int
}

func newEstimator(initial, min, max float64) *estimator {
	return &estimator{target: initial, min: min, max: max}
}

// sent records a packet about to be written and returns its transport-wide sequence number.
func (e *estimator) sent(size int, now int64) uint16 {
	e.mu.Lock()
	e.seq++
	s := e.seq
	e.ring[int(s)&(len(e.ring)-1)] = sentPacket{seq: s, size: uint16(min(size, 65535)), at: now}
	e.sentBytes += uint64(size)
	e.mu.Unlock()
	return s
}

// reportedLoss takes the loss (0–1) of the subscriber's latest receiver reports and when they
// came: a report is acted on once, however many transport feedbacks follow it.
func (e *estimator) reportedLoss(f float64, at int64) {
	e.mu.Lock()
	if at > e.rrAt {
		e.rrLoss, e.rrAt, e.rrFresh = f, at, true
	} else if at == 0 {
		e.rrLoss = 0 // no recent report: nothing is known to be lost
	}
	e.mu.Unlock()
}

// Target is the current estimate in bit/s.
func (e *estimator) Target() float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.target
}

// feedback takes one TWCC report. The same report may reach several slots' RTCP readers; it is
// used once.
func (e *estimator) feedback(fb *rtcp.TransportLayerCC, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fbSeen && fb.FbPktCount == e.lastFb {
		return
	}
	e.fbSeen, e.lastFb = true, fb.FbPktCount
	arrival := time.Duration(fb.ReferenceTime) * 64 * time.Millisecond
	deltas := fb.RecvDeltas
	seq := fb.BaseSequenceNumber
	var queue time.Duration
	haveQueue := false
	status := func(sym uint16) {
		s := seq
		seq++
		hasDelta := sym == rtcp.TypeTCCPacketReceivedSmallDelta || sym == rtcp.TypeTCCPacketReceivedLargeDelta
		sp := e.ring[int(s)&(len(e.ring)-1)]
		if sp.at == 0 || sp.seq != s || sp.acked {
			// Not ours any more (the ring wrapped), never sent, or counted already: a
			// retransmission carries its first sending's number, and counted again its bytes
			// would look delivered twice (seen as 1.1 Mbit/s "delivered" on a 300 kbit/s line).
			if hasDelta && len(deltas) > 0 {
				arrival += time.Duration(deltas[0].Delta) * time.Microsecond
				deltas = deltas[1:]
			}
			return
		}
		e.totalN++
		if sym == rtcp.TypeTCCPacketNotReceived {
			e.lostN++
			return
		}
		if !hasDelta || len(deltas) == 0 {
			return // received, but the report gives no time
		}
		arrival += time.Duration(deltas[0].Delta) * time.Microsecond
		deltas = deltas[1:]
		e.ring[int(s)&(len(e.ring)-1)].acked = true
		at := time.Unix(0, 0).Add(arrival)
		e.acked = append(e.acked, ackSample{at: at, size: int(sp.size)})
		owd := arrival - time.Duration(sp.at)
		if e.minOWDAt.IsZero() || owd < e.minOWD || now.Sub(e.minOWDAt) > 10*time.Second {
			e.minOWD, e.minOWDAt = owd, now
		}
		queue, haveQueue = owd-e.minOWD, true
	}
	left := int(fb.PacketStatusCount)
	for _, c := range fb.PacketChunks {
		if left <= 0 {
			break
		}
		switch c := c.(type) {
		case *rtcp.RunLengthChunk:
			for i := 0; i < int(c.RunLength) && left > 0; i, left = i+1, left-1 {
				status(c.PacketStatusSymbol)
			}
		case *rtcp.StatusVectorChunk:
			for _, sym := range c.SymbolList {
				if left <= 0 {
					break
				}
				status(sym)
				left--
			}
		}
	}
	e.update(now, queue, haveQueue)
}

// update runs the control law after a feedback (e.mu held).
func (e *estimator) update(now time.Time, queue time.Duration, haveQueue bool) {
	if e.windowAt.IsZero() {
		e.windowAt, e.lastUpdate = now, now
	}
	// Keep half a second of acknowledged packets, by their arrival time.
	if n := len(e.acked); n > 0 {
		last := e.acked[n-1].at
		i := 0
		for i < n && last.Sub(e.acked[i].at) > 500*time.Millisecond {
			i++
		}
		e.acked = append(e.acked[:0], e.acked[i:]...)
	}
	if now.Sub(e.windowAt) < 100*time.Millisecond {
		return
	}
	delivered := 0.0
	if n := len(e.acked); n > 1 {
		span := e.acked[n-1].at.Sub(e.acked[0].at).Seconds()
		bytes := 0
		for _, a := range e.acked[1:] {
			bytes += a.size
		}
		if span > 0.05 {
			delivered = float64(bytes) * 8 / span
		}
	}
	dt := now.Sub(e.lastUpdate).Seconds()
	// Loss comes from the receiver reports, the one count every browser keeps the same way:
	// Chrome's transport feedback was seen reporting a share of the video packets it did get
	// as lost.
	loss := e.rrLoss
	acked := delivered
	if dt > 0 && acked == 0 {
		// No acknowledged packets in the window (feedback lost or late): what was sent less
		// the reported loss. Not otherwise: retransmissions fill the holes before the receiver
		// reports, so a line dropping half of what it is sent may report little loss, and the
		// estimate would follow the sending rate up without end.
		sentRate := float64(e.sentBytes-e.sentBytesAt) * 8 / dt
		delivered = sentRate * (1 - loss)
	}
	e.sentBytesAt = e.sentBytes
	e.lastUpdate, e.windowAt = now, now
	e.lostN, e.totalN = 0, 0
	old := e.target
	if haveQueue {
		e.queuePeak = max(e.queuePeak, queue)
	}
	// Loss is congestion when packets also queued (the bottleneck's buffer filled before it
	// dropped); loss on a line without a queue is the line's own (radio, a bad modem), which
	// sending less would not cure, so only a great deal of it takes the estimate down.
	queued := e.queuePeak >= 50*time.Millisecond
	lossLimit := 0.25
	if queued {
		lossLimit = 0.10
	}
	fresh := e.rrFresh
	if fresh {
		e.rrFresh, e.queuePeak = false, 0 // the next report is judged on its own queue
	}
	switch {
	case fresh && loss > lossLimit:
		// Down by half the loss once per receiver report, but not far below what still gets
		// through: one short window's delivery can be a burst's tail and would sink the estimate.
		// With a full queue behind the loss, what got through is what the line carries.
		// (The acknowledged rate: what was sent less a loss measured over another second is
		// no measure of a line that drops what exceeds it.)
		down := e.target * (1 - 0.5*loss)
		floor := 0.7 * delivered
		if queued && acked > 0 {
			down, floor = min(down, acked), 0.7*acked
		}
		e.target = max(down, floor)
		e.holdUntil = now.Add(500 * time.Millisecond)
	case loss > lossLimit:
		e.holdUntil = now.Add(500 * time.Millisecond)
	case e.queueHigh >= 3 && (queue > e.lastQueue || queue > 150*time.Millisecond) && delivered > 0:
		// A queue that keeps growing over three reports, or stays near full. Delay alone never
		// takes the estimate below audio and a low main screen: on a busy machine one-way delays
		// jump without any congestion, and a line really that thin soon loses packets, which
		// the case above sees.
		e.target = min(e.target, max(0.85*delivered, delayFloor))
		e.holdUntil = now.Add(500 * time.Millisecond)
	case now.Before(e.holdUntil) || loss > 0.02:
	default:
		rate := 1.08
		if haveQueue && queue < 10*time.Millisecond {
			rate = 1.25
		}
		grown := e.target * (1 + (rate-1)*min(dt, 1))
		if delivered > 0 {
			grown = min(grown, 1.5*delivered+10_000)
		}
		e.target = max(e.target, grown)
	}
	if haveQueue {
		e.lastQueue = queue
		if queue > 80*time.Millisecond {
			e.queueHigh++
		} else {
			e.queueHigh = 0
		}
	}
	e.target = min(max(e.target, e.min), e.max)
	if e.target != old && e.onChange != nil {
		e.onChange(e.target)
	}
}
