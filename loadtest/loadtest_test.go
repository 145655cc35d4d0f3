package loadtest_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/phonghop/phonghop/loadtest"
)

// serveEnv makes this test binary act as `phonghop loadtest-server` when the load tester starts
// it, so the server runs in its own process here as it does in a real run.
const serveEnv = "PHONGHOP_LOADTEST_TEST_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		err := loadtest.Serve(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// maxLoss is the loss a short run on loopback may show: on a busy machine some packets miss
// their socket buffers; under the race detector, which slows both processes many times, more.
var maxLoss = map[bool]float64{false: 2, true: 30}[raceEnabled]

func testServer(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	return cmd
}

func run(t *testing.T, c loadtest.Config) *loadtest.Report {
	t.Helper()
	c.Out, c.Server, c.JoinRate = t.TempDir(), testServer, 40
	if testing.Verbose() {
		c.Progress = os.Stderr
	}
	rep, err := loadtest.Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".json", ".md", ".server.log"} {
		if _, err := os.Stat(filepath.Join(c.Out, c.Scenario+ext)); err != nil {
			t.Errorf("report file: %v", err)
		}
	}
	if rep.Joined != c.Points || rep.NoMedia != 0 || rep.ForwardedPackets == 0 || rep.ServerPacketsOut == 0 || rep.ServerCPUSeconds <= 0 ||
		rep.ServerPeakRSSMiB <= 0 || rep.DelayMs.P50 <= 0 || rep.JoinToMediaMs.P50 <= 0 || rep.RecvKbpsP50 <= 0 {
		t.Fatalf("figures missing: %+v", rep)
	}
	return rep
}

// A small briefing: everyone joins, media reaches everyone through the server in its own
// process, loss stays low and the streams stay continuous.
func TestBriefingShort(t *testing.T) {
	rep := run(t, loadtest.Config{Scenario: "briefing-250", Points: 12, Duration: 3 * time.Second, Warmup: 3 * time.Second, Speakers: 2})
	if rep.LossPercent > maxLoss || rep.Continuity.Discontinuities != 0 {
		t.Fatalf("loss %.2f%%, continuity %+v", rep.LossPercent, rep.Continuity)
	}
	// The chair's high layer is on every main screen, the thumbnails are low.
	if rep.VideoLayers["l"] == 0 || rep.VideoLayers["l"]+rep.VideoLayers["m"]+rep.VideoLayers["h"] < 0.99 {
		t.Fatalf("layers %v", rep.VideoLayers)
	}
}

func TestMeetingsShort(t *testing.T) {
	rep := run(t, loadtest.Config{Scenario: "meetings-20x8", Points: 8, Rooms: 2, Duration: 3 * time.Second, Warmup: 3 * time.Second})
	if rep.LossPercent > maxLoss || rep.Continuity.Discontinuities != 0 {
		t.Fatalf("loss %.2f%%, continuity %+v", rep.LossPercent, rep.Continuity)
	}
	if rep.Rooms != 2 || rep.VideoLayers["h"] > 0.01 {
		t.Fatalf("rooms %d, layers %v (everyone asked for mid)", rep.Rooms, rep.VideoLayers)
	}
}

// Weak links are measured from when the link goes bad: points on 300 and 150 kbit/s lines are
// switched down (a lower layer or no video) within a few seconds, the point losing 10% of its
// packets hears its audio repaired to under 1% loss, the point cut off for 5 s gets media
// again, and the clean point keeps its main screen.
func TestWeakLinksShort(t *testing.T) {
	if testing.Short() {
		t.Skip("a 20-second scenario")
	}
	rep := run(t, loadtest.Config{Scenario: "weak-links", Points: 6, Duration: 12 * time.Second, Warmup: 3 * time.Second})
	if len(rep.Weak) != 5 || rep.Weak[0].Group != "clean" {
		t.Fatalf("weak points: %+v", rep.Weak)
	}
	const switchWithin = 5000 // ms
	for _, w := range rep.Weak {
		switch w.Group {
		case "clean":
			if w.VideoStoppedMs >= 0 || w.KbpsLate < 500 {
				t.Errorf("the clean point lost its main screen: %+v", w)
			}
		case "300 kbit/s", "150 kbit/s":
			down := w.SwitchDownMs
			if down < 0 || (w.VideoStoppedMs >= 0 && w.VideoStoppedMs < down) {
				down = w.VideoStoppedMs
			}
			if down < 0 || down > switchWithin {
				t.Errorf("%s: switched down after %.0f ms, stopped video after %.0f ms; want within %d ms", w.Group, w.SwitchDownMs, w.VideoStoppedMs, switchWithin)
			}
		case "10% loss":
			if !raceEnabled && w.AudioUnrepairedLate >= 1 {
				t.Errorf("10%% loss: audio %.2f%% lost after RED (%.2f%% before), want under 1%%", w.AudioUnrepairedLate, w.AudioLossLate)
			}
		case "5 s outage":
			if w.MediaAgainMs < 0 || w.MediaAgainMs > 3000 {
				t.Errorf("after the outage: %+v", w)
			}
		}
	}
}

// Runs are bounded: out-of-range flags are refused before anything starts, naming the flag.
func TestMainRefusesUnboundedRuns(t *testing.T) {
	for _, args := range [][]string{
		{"-scenario", "everyone"},
		{"-points", "5000"},
		{"-duration", "1h"},
		{"-join-rate", "0"},
		{"-scenario", "meetings-20x8", "-points", "10", "-rooms", "20"},
		{"-constrained", "130%"},
		{"-lossy", "5"},
		{"-outage", "2@forever"},
	} {
		err := loadtest.Main(context.Background(), append(args, "-out", t.TempDir()), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}
