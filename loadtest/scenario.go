package loadtest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/phonghop/phonghop/sfu"
	"github.com/phonghop/phonghop/sfu/sfuclient"
)

// point is one simulated meeting point as a scenario plans it.
type point struct {
	room, identity string
	publish        bool
	talk           sfuclient.Talk
	layout         *sfuclient.Layout
	// group names shaped points ("" for the unshaped majority, whose figures are the run's).
	group string
	shape *shaping
}

// shaping is what happens to a point's link once the measured window starts: a rate limit and
// random loss from then on, and an outage some seconds in.
type shaping struct {
	cfg         sfuclient.LinkConfig
	outageAfter time.Duration
	outageFor   time.Duration
}

// chairOf is the point the chair of a room puts on the main screen.
func chairOf(p []point, room string) string {
	for _, q := range p {
		if q.room == room {
			return q.identity
		}
	}
	return ""
}

// speechSpans makes a seeded schedule of n stretches of speech of the given length within
// total, as a handful of points in a briefing speak up now and then.
func speechSpans(rng *rand.Rand, n int, length, total time.Duration) []sfuclient.Span {
	var s []sfuclient.Span
	for i := 0; i < n && total > length; i++ {
		from := time.Duration(rng.Int64N(int64(total - length)))
		s = append(s, sfuclient.Span{From: from, To: from + length})
	}
	return s
}

// briefing plans one room: the chair publishes and speaks and is on the main screen; every
// other point publishes too (silent, or speaking briefly on a seeded schedule) and watches the
// main screen in high quality, eight thumbnails in low quality and the three loudest voices.
func briefing(c *Config, total time.Duration) []point {
	rng := rand.New(rand.NewPCG(c.Seed, 1))
	ps := make([]point, c.Points)
	speakers := map[int]bool{}
	for len(speakers) < min(c.Speakers, c.Points-1) {
		speakers[1+rng.IntN(c.Points-1)] = true
	}
	for i := range ps {
		id := fmt.Sprintf("point-%d", i)
		talk := sfuclient.Silent()
		if i == 0 {
			talk = sfuclient.Speaking(20)
		} else if speakers[i] {
			talk = sfuclient.Talk{Level: 30 + rng.IntN(10), Spans: speechSpans(rng, 3, 3*time.Second, total), Epoch: c.epoch}
		}
		video := []sfu.Want{{Follow: "spotlight", Quality: sfu.QualityHigh}}
		first := 0
		if c.Paged {
			first = (i / 8) * 8 // the page of thumbnails this point looks at
		}
		for k := first; len(video) < 9 && k < c.Points; k++ {
			if k != i {
				video = append(video, sfu.Want{Identity: fmt.Sprintf("point-%d", k), Quality: sfu.QualityLow})
			}
		}
		ps[i] = point{room: "meeting-1", identity: id, publish: true, talk: talk, layout: &sfuclient.Layout{Video: video, Audio: 3}}
	}
	assignShaping(c, ps[1:], rng)
	return ps
}

// assignShaping puts the briefing's weak links on randomly chosen points (never the chair).
func assignShaping(c *Config, ps []point, rng *rand.Rand) {
	order := rng.Perm(len(ps))
	next := 0
	take := func(n int, group string, s shaping) {
		for ; n > 0 && next < len(order); n-- {
			p := &ps[order[next]]
			p.group, p.shape = group, &s
			next++
		}
	}
	take(int(c.Constrained*float64(len(ps))+0.5), fmt.Sprintf("constrained %d kbit/s", c.ConstrainedKbps),
		shaping{cfg: sfuclient.LinkConfig{DownKbps: c.ConstrainedKbps}})
	take(c.Lossy, fmt.Sprintf("lossy %.0f%%", c.LossyRate*100), shaping{cfg: sfuclient.LinkConfig{DownLoss: c.LossyRate, UpLoss: c.LossyRate}})
	take(c.Outages, fmt.Sprintf("outage %v", c.OutageFor), shaping{outageAfter: 3 * time.Second, outageFor: c.OutageFor})
}

// meetings plans rooms of equal size where everyone publishes and watches every other
// participant's camera in mid quality, with one speaker at a time taking turns.
func meetings(c *Config, total time.Duration) []point {
	per := c.Points / c.Rooms
	var ps []point
	for r := 0; r < c.Rooms; r++ {
		room := fmt.Sprintf("meeting-%d", r+1)
		turn := 8 * time.Second
		for k := 0; k < per; k++ {
			var video []sfu.Want
			for j := 0; j < per; j++ {
				if j != k {
					video = append(video, sfu.Want{Identity: fmt.Sprintf("point-%d-%d", r+1, j), Quality: sfu.QualityMid})
				}
			}
			// Participant k speaks for 6 s of every round of turns, rooms staggered by a second.
			var spans []sfuclient.Span
			for at := time.Duration(k)*turn + time.Duration(r)*time.Second; at < total; at += time.Duration(per) * turn {
				spans = append(spans, sfuclient.Span{From: at, To: at + 6*time.Second})
			}
			ps = append(ps, point{room: room, identity: fmt.Sprintf("point-%d-%d", r+1, k), publish: true,
				talk:   sfuclient.Talk{Level: 28, Spans: spans, Epoch: c.epoch},
				layout: &sfuclient.Layout{Video: video, Audio: 3}})
		}
	}
	return ps
}

// weakLinks plans a small room where a few points on bad lines watch the speaking chair: the
// server must switch them down, repair their audio and bring them back after an outage.
func weakLinks(c *Config) []point {
	layout := &sfuclient.Layout{Video: []sfu.Want{{Follow: "spotlight", Quality: sfu.QualityHigh}}, Audio: 3}
	ps := []point{
		{identity: "point-chair", talk: sfuclient.Speaking(20)},
		{identity: "point-clean"},
		{identity: "point-300k", group: "300 kbit/s", shape: &shaping{cfg: sfuclient.LinkConfig{DownKbps: 300}}},
		{identity: "point-150k", group: "150 kbit/s", shape: &shaping{cfg: sfuclient.LinkConfig{DownKbps: 150}}},
		{identity: "point-loss10", group: "10% loss", shape: &shaping{cfg: sfuclient.LinkConfig{DownLoss: 0.1, UpLoss: 0.1}}},
		{identity: "point-outage", group: "5 s outage", shape: &shaping{outageAfter: 3 * time.Second, outageFor: 5 * time.Second}},
	}
	for i := range ps {
		ps[i].room, ps[i].publish, ps[i].layout = "meeting-1", true, layout
	}
	return ps
}
