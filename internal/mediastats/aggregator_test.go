package mediastats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/bus/bustest"
	"github.com/phonghop/phonghop/internal/mediastats"
	"github.com/phonghop/phonghop/sfu"
)

// clock is a test's time, moved by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
func (c *clock) tick()          { c.t = c.t.Add(2 * time.Second) }

func newAgg(c *clock, change func(*mediastats.Options)) *mediastats.Aggregator {
	o := mediastats.Options{Now: c.now}
	if change != nil {
		change(&o)
	}
	return mediastats.New(o)
}

func statsMsg(points ...mediastats.PointStats) []byte {
	b, _ := json.Marshal(mediastats.Event{Type: "stats", Points: points})
	return b
}

func pt(id string, f func(*mediastats.PointStats)) mediastats.PointStats {
	p := mediastats.PointStats{Identity: id, Name: "Điểm cầu " + id, State: "connected", InKbps: 900, OutKbps: 1500, RTTms: 40, Layer: "h"}
	if f != nil {
		f(&p)
	}
	return p
}

func mustIngest(t *testing.T, a *mediastats.Aggregator, room string, data []byte) {
	t.Helper()
	if err := a.Ingest(room, data); err != nil {
		t.Fatal(err)
	}
}

func find(v mediastats.RoomView, id string) mediastats.PointView {
	for _, p := range v.Points {
		if p.Identity == id {
			return p
		}
	}
	return mediastats.PointView{}
}

func alertKinds(p mediastats.PointView) string {
	var k []string
	for _, a := range p.Alerts {
		k = append(k, a.Kind.String())
	}
	return strings.Join(k, ",")
}

func TestAggregatorFollowsARoom(t *testing.T) {
	c := &clock{time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	a := newAgg(c, nil)
	if _, ok := a.Room("meeting-1"); ok {
		t.Fatal("an unknown room is known")
	}
	mustIngest(t, a, "meeting-1", []byte(`{"type":"joined","identity":"point-1","name":"UBND xã Đông Hòa"}`))
	v, _ := a.Room("meeting-1")
	if p := find(v, "point-1"); !p.Present || p.State != "connected" || p.Name != "UBND xã Đông Hòa" || !v.UpdatedAt.IsZero() {
		t.Fatalf("after joined: %+v, updated %v", p, v.UpdatedAt)
	}
	// 40 samples: the history keeps the last 30; point-2 has 8% loss from sample 35 on.
	for i := range 40 {
		c.tick()
		mustIngest(t, a, "meeting-1", statsMsg(
			pt("point-1", func(p *mediastats.PointStats) { p.InKbps = float64(500 + i) }),
			pt("point-2", func(p *mediastats.PointStats) {
				if i >= 35 {
					p.LossIn = 0.08
				}
			})))
	}
	mustIngest(t, a, "meeting-1", []byte(`{"type":"speaking","identities":["point-2"]}`))
	v, _ = a.Room("meeting-1")
	if !v.UpdatedAt.Equal(c.t) || len(v.Points) != 2 {
		t.Fatalf("room %v with %d points", v.UpdatedAt, len(v.Points))
	}
	p1, p2 := find(v, "point-1"), find(v, "point-2")
	if h := p1.History.InKbps; len(h) != 30 || h[0] != 510 || h[29] != 539 || p1.InKbps != 539 {
		t.Fatalf("history %v", h)
	}
	if alertKinds(p1) != "" || p1.Severity != 0 || p1.Speaking {
		t.Fatalf("point-1: %+v", p1)
	}
	if alertKinds(p2) != "loss" || p2.Severity == 0 || !p2.Speaking || p2.Alerts[0].Value != 0.08 {
		t.Fatalf("point-2 alerts %+v severity %d speaking %v", p2.Alerts, p2.Severity, p2.Speaking)
	}
	if len(v.Changes) != 1 || v.Changes[0].Identity != "point-2" || !v.Changes[0].Raised || v.Changes[0].Name != "Điểm cầu point-2" {
		t.Fatalf("changes %+v", v.Changes)
	}
}

func TestAggregatorDepartures(t *testing.T) {
	c := &clock{time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	a := newAgg(c, nil)
	all := statsMsg(pt("point-1", nil), pt("point-2", nil), pt("user-3", nil))
	mustIngest(t, a, "meeting-1", all)
	// point-1 leaves on purpose, user-3 with no reason; point-2 vanishes from the figures.
	c.tick()
	mustIngest(t, a, "meeting-1", []byte(`{"type":"left","identity":"point-1","reason":"leave"}`))
	mustIngest(t, a, "meeting-1", []byte(`{"type":"left","identity":"user-3"}`))
	mustIngest(t, a, "meeting-1", statsMsg())
	v, _ := a.Room("meeting-1")
	for id, want := range map[string]string{"point-1": "", "point-2": "left", "user-3": "left"} {
		p := find(v, id)
		if p.Present || p.LeftAt == nil || alertKinds(p) != want {
			t.Errorf("%s: present %v left %v alerts %q, want %q", id, p.Present, p.LeftAt, alertKinds(p), want)
		}
	}
	// point-2 comes back: its alert clears, its history starts again.
	c.tick()
	mustIngest(t, a, "meeting-1", statsMsg(pt("point-2", nil)))
	v, _ = a.Room("meeting-1")
	if p := find(v, "point-2"); !p.Present || alertKinds(p) != "" || len(p.History.InKbps) != 1 {
		t.Fatalf("back: %+v", p)
	}
	if n := len(v.Changes); n != 3 || v.Changes[0].Raised || v.Changes[0].Identity != "point-2" {
		t.Fatalf("changes %+v", v.Changes)
	}
	// Ten minutes later the points that left are forgotten; two more, and the quiet room is.
	for range 305 {
		c.tick()
		mustIngest(t, a, "meeting-1", statsMsg(pt("point-2", nil)))
	}
	v, _ = a.Room("meeting-1")
	if len(v.Points) != 1 {
		t.Fatalf("points that left long ago are kept: %d", len(v.Points))
	}
	c.t = c.t.Add(3 * time.Minute)
	if _, ok := a.Room("meeting-1"); ok || a.Rooms() != 0 {
		t.Fatal("a quiet room is kept")
	}
}

func TestAggregatorBounds(t *testing.T) {
	c := &clock{time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	a := newAgg(c, func(o *mediastats.Options) { o.MaxRooms, o.MaxPoints, o.AlertLog = 3, 5, 4 })
	for i := 1; i <= 4; i++ {
		c.tick()
		mustIngest(t, a, fmt.Sprintf("meeting-%d", i), statsMsg(pt("point-1", nil)))
	}
	if _, ok := a.Room("meeting-1"); ok || a.Rooms() != 3 {
		t.Fatalf("rooms: %d, the quietest kept", a.Rooms())
	}
	var many []mediastats.PointStats
	for i := range 8 {
		many = append(many, pt(fmt.Sprintf("point-%d", i), func(p *mediastats.PointStats) { p.State = "failed" }))
	}
	mustIngest(t, a, "meeting-4", statsMsg(many...))
	v, _ := a.Room("meeting-4")
	if len(v.Points) != 5 || len(v.Changes) != 4 {
		t.Fatalf("%d points, %d changes", len(v.Points), len(v.Changes))
	}
}

func TestAggregatorRefusesBadInput(t *testing.T) {
	c := &clock{time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	a := newAgg(c, nil)
	for _, bad := range []string{`{`, `{"type":"quality"}`, `{"type":"joined"}`, `{"type":"left","identity":""}`, `[]`} {
		if err := a.Ingest("meeting-1", []byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if a.Rooms() != 0 {
		t.Fatal("bad input made a room")
	}
	mustIngest(t, a, "meeting-1", []byte(`{"type":"stats","points":[{"identity":""},{"identity":"point-1","state":"weird","loss_in":3,"loss_out":-1,"in_kbps":-5,"name":"`+strings.Repeat("x", 500)+`"}]}`))
	v, _ := a.Room("meeting-1")
	p := find(v, "point-1")
	if len(v.Points) != 1 || p.State != "connected" || p.LossIn != 1 || p.LossOut != 0 || p.InKbps != 0 || len(p.Name) != 200 {
		t.Fatalf("not sanitized: %+v", p)
	}
}

// The aggregator fed from a real bus, embedded and external, as every API node runs it.
func TestAggregatorOnTheBus(t *testing.T) {
	cases := []struct {
		name string
		cfg  func(t *testing.T) bus.Config
	}{
		{"embedded", func(t *testing.T) bus.Config { return bus.Config{DataDir: t.TempDir()} }},
		{"external", func(t *testing.T) bus.Config { return bus.Config{URL: bustest.ExternalURL(t)} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := bus.Open(context.Background(), tc.cfg(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			a := mediastats.New(mediastats.Options{})
			sub, err := a.Subscribe(b)
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Unsubscribe()
			if err := b.Conn().Flush(); err != nil {
				t.Fatal(err)
			}
			// A unique room keeps runs on a shared server apart.
			room := fmt.Sprintf("meeting-%d", time.Now().UnixNano())
			for range 2 {
				if err := b.Publish(bus.MediaEvents(room), mediastats.Event{Type: "stats", Points: []mediastats.PointStats{pt("point-7", func(p *mediastats.PointStats) { p.RTTms = 650 })}}); err != nil {
					t.Fatal(err)
				}
			}
			// Commands on the same room are not events and are ignored.
			if err := b.Publish(bus.MediaCommands(room), map[string]string{"type": "mute", "identity": "point-7"}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				v, ok := a.Room(room)
				if ok && alertKinds(find(v, "point-7")) == "rtt" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("stats did not arrive: %+v", v)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// BenchmarkIngest250 applies one stats message of a 250-point briefing, as every API node does
// every 2 s for every room.
func BenchmarkIngest250(b *testing.B) {
	a := mediastats.New(mediastats.Options{})
	var pts []mediastats.PointStats
	for i := range 250 {
		pts = append(pts, pt(fmt.Sprintf("point-%d", i), func(p *mediastats.PointStats) { p.LossIn = float64(i%10) / 100 }))
	}
	msg := statsMsg(pts...)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := a.Ingest("meeting-1", msg); err != nil {
			b.Fatal(err)
		}
	}
}

// The media server's own stats type, as it publishes it, reads back field for field: the
// contract of sfu/PROTOCOL.md "Media events" between the two sides.
func TestReadsTheMediaServersStats(t *testing.T) {
	since := time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	in := sfu.PointStats{Identity: "user-7", Name: "Trần Quốc Bảo", State: "reconnecting", AudioOnly: true, AudioMuted: true,
		InKbps: 812.5, OutKbps: 1500.25, LossIn: 0.0625, LossOut: 0.03125, RTTMs: 87, Layer: "m", EstimateKbps: 2400, Since: since.Format(time.RFC3339)}
	data, err := json.Marshal(map[string]any{"type": "stats", "points": []sfu.PointStats{in}})
	if err != nil {
		t.Fatal(err)
	}
	a := mediastats.New(mediastats.Options{})
	mustIngest(t, a, "meeting-1", data)
	v, _ := a.Room("meeting-1")
	p := find(v, "user-7")
	want := mediastats.PointStats{Identity: "user-7", Name: "Trần Quốc Bảo", State: "reconnecting", AudioOnly: true, AudioMuted: true,
		InKbps: 813, OutKbps: 1500, LossIn: 0.0625, LossOut: 0.0313, RTTms: 87, Layer: "m", EstimateKbps: 2400, Since: since}
	if p.PointStats != want {
		t.Fatalf("read %+v\nwant %+v", p.PointStats, want)
	}
}
