package loadtest

import (
	"slices"
	"time"

	"github.com/phonghop/phonghop/sfu"
	"github.com/phonghop/phonghop/sfu/sfuclient"
)

// clientSnap is what one point had received and sent at one moment.
type clientSnap struct {
	at                    time.Time
	packets, bytes, audio int64
	sent                  int64
	sentBy                [5]int64
	slots                 map[string]sfuclient.SlotSnapshot
	delay, audioDelay     *sfuclient.Histogram
	sendLag               *sfuclient.Histogram
}

func snap(c *sfuclient.Client) clientSnap {
	s := clientSnap{at: time.Now(), packets: c.Stats.Packets.Load(), bytes: c.Stats.Bytes.Load(), audio: c.Stats.AudioPackets.Load(),
		slots: map[string]sfuclient.SlotSnapshot{}, delay: c.Stats.Delay.Clone(), audioDelay: c.Stats.AudioDelay.Clone(), sendLag: c.Stats.SendLag.Clone()}
	for l := range c.Stats.SentPackets {
		s.sentBy[l] = c.Stats.SentPackets[l].Load()
		s.sent += s.sentBy[l]
	}
	for _, sl := range c.Stats.Slots() {
		s.slots[sl.Mid] = sl
	}
	return s
}

func snapAll(members []*member, i int) {
	for _, m := range members {
		if m.c != nil {
			m.snap[i] = snap(m.c)
		}
	}
}

// slotDelta is what one slot received between two snapshots.
type slotDelta struct {
	kind                                    string
	media, padding, bytes                   int64
	expected, lost, unrepaired, recovered   int64
	counterLost, resumes                    int64
	switches, switchNotKey, discontinuities int64
	tsBackwards, picIDJumps, picIDBackwards int64
	freezes                                 int64
	frozen                                  time.Duration
	maxGap, switchMaxGap                    int
	layers                                  [5]int64
	end                                     sfuclient.SlotSnapshot
}

func diffSlot(a, b sfuclient.SlotSnapshot) slotDelta {
	d := slotDelta{kind: b.Kind, end: b,
		padding: b.Padding - a.Padding, bytes: b.Bytes - a.Bytes,
		expected: b.Expected - a.Expected, lost: b.Lost() - a.Lost(), unrepaired: b.Unrepaired() - a.Unrepaired(),
		recovered: b.Recovered - a.Recovered, counterLost: b.CounterLost - a.CounterLost, resumes: b.Resumes - a.Resumes,
		switches: b.Switches - a.Switches, switchNotKey: b.SwitchNotKey - a.SwitchNotKey,
		discontinuities: b.Discontinuities - a.Discontinuities, tsBackwards: b.TSBackwards - a.TSBackwards,
		picIDJumps: b.PicIDJumps - a.PicIDJumps, picIDBackwards: b.PicIDBackwards - a.PicIDBackwards,
		freezes: b.Freezes - a.Freezes, frozen: b.FrozenFor - a.FrozenFor, maxGap: b.MaxGap, switchMaxGap: b.SwitchMaxGap}
	for l := range d.layers {
		d.layers[l] = b.LayerPackets[l] - a.LayerPackets[l]
		d.media += d.layers[l]
	}
	d.lost, d.unrepaired = max(0, d.lost), max(0, d.unrepaired)
	return d
}

// diff is what a point received between snapshots i and j, slot by slot.
func (m *member) diff(i, j int) []slotDelta {
	var out []slotDelta
	for mid, b := range m.snap[j].slots {
		a := m.snap[i].slots[mid] // zero if the slot opened within the window
		out = append(out, diffSlot(a, b))
	}
	return out
}

// mainVideo is the video slot that carried the most bytes between snapshots i and j (the main
// screen, for a point watching the spotlight).
func (m *member) mainVideo(i, j int) (slotDelta, bool) {
	var best slotDelta
	found := false
	for _, d := range m.diff(i, j) {
		if d.kind == "video" && (!found || d.bytes > best.bytes) {
			best, found = d, true
		}
	}
	return best, found
}

// window is the measured stretch and the server's figures at its ends.
type window struct {
	t0, t1           time.Time
	c0, c1           sfu.Counters
	base, p0, p1     procSample
	views            map[string]sfu.PointStats
	tester0, tester1 float64 // the load tester's own CPU seconds
	load0, load1     float64 // the machine's 1-minute load average at the window's start and end
}

// percentiles of a sample (nearest rank).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Pct is a distribution's percentiles.
type Pct struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

func pcts(xs []float64) Pct {
	return Pct{percentile(xs, 50), percentile(xs, 95), percentile(xs, 99)}
}

func histPcts(h *sfuclient.Histogram) Pct {
	return Pct{ms(h.Percentile(50)), ms(h.Percentile(95)), ms(h.Percentile(99))}
}
