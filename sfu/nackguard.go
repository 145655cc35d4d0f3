package sfu

import (
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// nackGuard sits in front of the subscribe side's NACK responder and lets each lost packet be
// retransmitted a few times, not more often than every nackMinGap. Without it a receiver that
// keeps asking for the same packets (Pion's generator asks every 100 ms until they leave its
// window, and a paused stream never pushes them out) has the server resend them forever: on a
// 300 kbit/s line that was seen as 1,100 retransmissions a second, which filled the line and
// left its audio 13–18% lost.
type nackGuard struct {
	interceptor.NoOp
	mu   sync.Mutex
	seen map[uint32]*nackRing
}

const (
	nackRingSize   = nackHistory // older packets have left the responder's history anyway
	nackMaxResends = 4
	nackMinGap     = 40 * time.Millisecond
)

type nackRing [nackRingSize]struct {
	seq uint16
	n   uint8
	at  int64
}

type nackGuardFactory struct{}

func (nackGuardFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &nackGuard{seen: map[uint32]*nackRing{}}, nil
}

// BindRTCPReader filters the NACKs in what the subscriber sends. A compound packet left with
// nothing is skipped and the next one read.
func (g *nackGuard) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		for {
			n, attr, err := reader.Read(b, a)
			if err != nil || !hasNACK(b[:n]) {
				return n, attr, err
			}
			pkts, perr := rtcp.Unmarshal(b[:n])
			if perr != nil {
				return n, attr, err
			}
			if out, changed := g.filter(pkts, time.Now().UnixNano()); !changed {
				return n, attr, err
			} else if len(out) > 0 {
				raw, merr := rtcp.Marshal(out)
				if merr != nil || len(raw) > len(b) {
					return n, attr, err
				}
				return copy(b, raw), attr, err
			}
		}
	})
}

// filter drops the sequence numbers asked for too often or too soon again, and NACKs left empty.
func (g *nackGuard) filter(pkts []rtcp.Packet, now int64) ([]rtcp.Packet, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	changed := false
	out := pkts[:0]
	for _, p := range pkts {
		nk, ok := p.(*rtcp.TransportLayerNack)
		if !ok {
			out = append(out, p)
			continue
		}
		ring := g.seen[nk.MediaSSRC]
		if ring == nil {
			ring = &nackRing{}
			g.seen[nk.MediaSSRC] = ring
		}
		var keep []uint16
		asked := 0
		for _, pair := range nk.Nacks {
			for _, seq := range pair.PacketList() {
				asked++
				e := &ring[int(seq)%nackRingSize]
				switch {
				case e.at == 0 || e.seq != seq:
					e.seq, e.n, e.at = seq, 1, now
				case e.n >= nackMaxResends || now-e.at < int64(nackMinGap):
					continue
				default:
					e.n++
					e.at = now
				}
				keep = append(keep, seq)
			}
		}
		if len(keep) == asked {
			out = append(out, p)
			continue
		}
		changed = true
		if len(keep) > 0 {
			nk.Nacks = rtcp.NackPairsFromSequenceNumbers(keep)
			out = append(out, nk)
		}
	}
	return out, changed
}

// hasNACK tells whether a compound RTCP packet holds a generic NACK, without parsing it.
func hasNACK(b []byte) bool {
	for len(b) >= 4 {
		if rtcp.PacketType(b[1]) == rtcp.TypeTransportSpecificFeedback && b[0]&0x1f == 1 { // FMT 1: generic NACK
			return true
		}
		l := (int(b[2])<<8 | int(b[3]) + 1) * 4
		if l > len(b) {
			return false
		}
		b = b[l:]
	}
	return false
}

// UnbindLocalStream forgets a stream's history.
func (g *nackGuard) UnbindLocalStream(info *interceptor.StreamInfo) {
	g.mu.Lock()
	delete(g.seen, info.SSRC)
	g.mu.Unlock()
}
