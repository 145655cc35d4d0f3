package loadtest_test

import (
	"testing"
	"time"

	"github.com/phonghop/phonghop/loadtest"
)

// A briefing where one point in four judges everything and the others only count: every point
// still receives (its loss is counted by sequence number), the judges give the delay and
// continuity, the report says how many judged, and the server ran the shared-history path
// with batched writes.
func TestBriefingWithCountingPoints(t *testing.T) {
	rep := run(t, loadtest.Config{Scenario: "briefing-250", Points: 12, Duration: 3 * time.Second, Warmup: 3 * time.Second, Speakers: 2, Judge: 0.25})
	if rep.Judges != 3 {
		t.Fatalf("%d points judged, want 3 of 12", rep.Judges)
	}
	if rep.LossPercent > maxLoss || rep.Continuity.Discontinuities != 0 || rep.RecvKbpsP5 <= 0 {
		t.Fatalf("loss %.2f%%, continuity %+v, p5 %.0f kbit/s", rep.LossPercent, rep.Continuity, rep.RecvKbpsP5)
	}
	if rep.Path != "shared" || rep.DatagramsPerSendCall <= 1 {
		t.Fatalf("path %q, %.1f datagrams per sendmmsg", rep.Path, rep.DatagramsPerSendCall)
	}
}
