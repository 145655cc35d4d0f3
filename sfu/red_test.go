package sfu

import (
	"bytes"
	"testing"
)

// decodeRED splits a RED payload into its blocks (timestamp offset, data), oldest first.
func decodeRED(t *testing.T, b []byte) (offsets []uint32, blocks [][]byte) {
	t.Helper()
	var lens []int
	i := 0
	for {
		if i >= len(b) {
			t.Fatalf("RED header runs past the payload")
		}
		if b[i]&0x80 == 0 {
			offsets = append(offsets, 0)
			i++
			break
		}
		off := uint32(b[i+1])<<6 | uint32(b[i+2])>>2
		l := int(b[i+2]&0x03)<<8 | int(b[i+3])
		offsets, lens = append(offsets, off), append(lens, l)
		i += 4
	}
	for _, l := range lens {
		blocks = append(blocks, b[i:i+l])
		i += l
	}
	return offsets, append(blocks, b[i:])
}

func TestREDCarriesTheEarlierPackets(t *testing.T) {
	var h redHistory
	buf := make([]byte, 1600)
	frames := [][]byte{bytes.Repeat([]byte{1}, 80), bytes.Repeat([]byte{2}, 90), bytes.Repeat([]byte{3}, 100)}
	// The first packet has nothing before it: RED with the primary only.
	out := h.encode(buf, 2, 111, 10, 960, frames[0])
	offs, blocks := decodeRED(t, out)
	if len(blocks) != 1 || !bytes.Equal(blocks[0], frames[0]) || offs[0] != 0 {
		t.Fatalf("first packet: %v blocks", len(blocks))
	}
	h.push(10, 960, frames[0])
	h.push(11, 1920, frames[1])
	out = h.encode(buf, 2, 111, 12, 2880, frames[2])
	offs, blocks = decodeRED(t, out)
	if len(blocks) != 3 {
		t.Fatalf("blocks = %d, want 2 redundant and the primary", len(blocks))
	}
	for i, want := range frames {
		if !bytes.Equal(blocks[i], want) {
			t.Fatalf("block %d = %x…, want frame %d", i, blocks[i][:1], i)
		}
	}
	if offs[0] != 1920 || offs[1] != 960 {
		t.Fatalf("timestamp offsets = %v, want 1920 and 960", offs)
	}
	// Distance 1 carries only the previous packet; a gap in the numbering carries nothing old.
	if _, blocks = decodeRED(t, h.encode(buf, 1, 111, 12, 2880, frames[2])); len(blocks) != 2 {
		t.Fatalf("distance 1: %d blocks", len(blocks))
	}
	if _, blocks = decodeRED(t, h.encode(buf, 2, 111, 15, 5760, frames[2])); len(blocks) != 1 {
		t.Fatalf("after a gap: %d blocks", len(blocks))
	}
}

func TestREDLevelFollowsLossWithoutFlapping(t *testing.T) {
	var r redLevel
	r.update(0)
	if r.distance.Load() != 0 {
		t.Fatal("RED on a clean link")
	}
	r.update(30) // 12%
	if r.distance.Load() != 2 {
		t.Fatalf("distance at 12%% loss = %d", r.distance.Load())
	}
	for i := 0; i < 19; i++ {
		r.update(0)
	}
	if r.distance.Load() != 2 {
		t.Fatal("RED went down before the link stayed clean")
	}
	r.update(0)
	if r.distance.Load() != 0 {
		t.Fatalf("distance after a clean while = %d", r.distance.Load())
	}
}
