package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/mediastats"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// BenchmarkControlRoom250 reads the control room of a 250-point briefing as the operator polls
// it: 250 meeting points invited, 240 of them in the room with a minute of figures (30 stats
// messages published on the bus), a few with trouble. It reports the answer's size, gzipped as
// browsers receive it and as plain JSON.
//
//	go test ./internal/api -run '^$' -bench ControlRoom250 -benchtime 200x
func BenchmarkControlRoom250(b *testing.B) {
	for _, backend := range []struct {
		name string
		open func(testing.TB, ...store.Migrations) *store.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(backend.name, func(b *testing.B) {
			e := newControlEnv(b, newEnvOn(b, backend.open(b, migrations()...), bus.Config{DataDir: b.TempDir()}))
			ctx := context.Background()
			dir := directory.New(e.db)
			var invitees []map[string]any
			var ids []string
			for i := range 250 {
				p, err := dir.CreateMeetingPoint(ctx, directory.MeetingPoint{OrganizationID: e.org.ID, Code: fmt.Sprintf("DC-%03d", i), Name: fmt.Sprintf("Điểm cầu UBND xã số %d", i+1)})
				if err != nil {
					b.Fatal(err)
				}
				invitees = append(invitees, map[string]any{"meeting_point_id": p.ID, "role": "delegate"})
				ids = append(ids, fmt.Sprintf("point-%d", p.ID))
			}
			if st := e.sec.do("POST", e.path("/participants"), map[string]any{"invitees": invitees}, nil); st != 201 {
				b.Fatalf("invite: %d", st)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			since := time.Now()
			for range 30 {
				ev := mediastats.Event{Type: "stats"}
				for i, id := range ids[:240] {
					ps := mediastats.PointStats{Identity: id, Name: id, State: "connected", InKbps: 600 + rng.Float64()*600, OutKbps: 1200 + rng.Float64()*900,
						LossIn: rng.Float64() * 0.02, LossOut: rng.Float64() * 0.01, RTTms: 20 + rng.Float64()*120, Layer: "m", EstimateKbps: 2500, Since: since}
					if i%40 == 0 {
						ps.LossIn, ps.RTTms = 0.09, 520
					}
					ev.Points = append(ev.Points, ps)
				}
				e.publish(ev)
			}
			v := e.waitControlRoom(e.operator, func(v controlRoomView) bool {
				return v.Counts["present"] == 240 && len(v.Points[0].History.InKbps) == 30
			})
			if v.Counts["with_alerts"] != 6 || v.Counts["absent"] != 10+6 {
				b.Fatalf("counts %+v", v.Counts)
			}
			_, plain := e.operator.raw("GET", e.path("/control-room"), "", nil, map[string]string{"Accept-Encoding": "identity"})
			b.ResetTimer()
			var size int
			for b.Loop() {
				// As a browser asks: gzip accepted, the answer read as it travels.
				st, body := e.operator.raw("GET", e.path("/control-room"), "", nil, map[string]string{"Accept-Encoding": "gzip, deflate"})
				if st != 200 {
					b.Fatalf("status %d", st)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size), "gzip-bytes/answer")
			b.ReportMetric(float64(len(plain)), "json-bytes/answer")
		})
	}
}
