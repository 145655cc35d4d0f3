package loadtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/phonghop/phonghop/loadtest"
)

// A small briefing: every point joins, media reaches them, and the figures are filled in.
func TestSmallBriefing(t *testing.T) {
	rep, err := loadtest.Run(context.Background(), "briefing", 4, 2*time.Second, 50)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Joined != 4 || rep.Publishers != 1 || rep.ForwardedPPS < 100 || rep.LossPercent > 20 || rep.DelayP50Ms <= 0 || rep.CPUSeconds <= 0 {
		t.Fatalf("report: %+v", rep)
	}
}
