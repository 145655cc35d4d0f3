package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// A packet is resent at most nackMaxResends times and not twice within nackMinGap; other RTCP
// in the same compound packet passes untouched, and a NACK left empty is dropped.
func TestNackGuard(t *testing.T) {
	g := &nackGuard{seen: map[uint32]*nackRing{}}
	ask := func(at time.Duration, seqs ...uint16) []uint16 {
		pkts := []rtcp.Packet{
			&rtcp.ReceiverReport{SSRC: 1},
			&rtcp.TransportLayerNack{MediaSSRC: 7, Nacks: rtcp.NackPairsFromSequenceNumbers(seqs)},
		}
		raw, err := rtcp.Marshal(pkts)
		if err != nil || !hasNACK(raw) {
			t.Fatalf("marshal %v, has NACK %v", err, hasNACK(raw))
		}
		out, _ := g.filter(pkts, int64(at))
		if len(out) == 0 {
			t.Fatal("the receiver report was dropped")
		}
		if _, ok := out[0].(*rtcp.ReceiverReport); !ok {
			t.Fatalf("first packet %T", out[0])
		}
		var got []uint16
		for _, p := range out[1:] {
			for _, pair := range p.(*rtcp.TransportLayerNack).Nacks {
				got = append(got, pair.PacketList()...)
			}
		}
		return got
	}
	ms := time.Millisecond
	if got := ask(1000*ms, 10, 11, 12); len(got) != 3 {
		t.Fatalf("first ask: %v", got)
	}
	if got := ask(1010*ms, 10, 11, 13); len(got) != 1 || got[0] != 13 {
		t.Fatalf("asked again within %v: %v, want only the new 13", nackMinGap, got)
	}
	for i := 2; i <= nackMaxResends; i++ {
		if got := ask(time.Duration(1000+100*i)*ms, 10); len(got) != 1 {
			t.Fatalf("resend %d of 10: %v", i, got)
		}
	}
	if got := ask(2000*ms, 10); len(got) != 0 {
		t.Fatalf("resend %d of 10 allowed: %v", nackMaxResends+1, got)
	}
	if hasNACK([]byte{0x80, 201, 0, 1, 0, 0, 0, 1}) {
		t.Fatal("a receiver report read as a NACK")
	}
}
