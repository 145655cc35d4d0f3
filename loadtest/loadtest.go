// Package loadtest runs simulated meeting points against the media server and reports what they
// received: join time, packets, loss, forwarding delay, CPU and memory. Every run is bounded in
// points and in time and stops by itself; media stays on loopback.
package loadtest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/sfu"
	"github.com/phonghop/phonghop/sfu/sfuclient"
)

// Report is one run's figures.
type Report struct {
	Scenario     string  `json:"scenario"`
	Points       int     `json:"points"`
	Publishers   int     `json:"publishers"`
	Seconds      float64 `json:"seconds"`
	Joined       int     `json:"joined"`
	JoinP50Ms    float64 `json:"join_p50_ms"`
	JoinP95Ms    float64 `json:"join_p95_ms"`
	LossPercent  float64 `json:"loss_percent"`
	DelayP50Ms   float64 `json:"delay_p50_ms"`
	DelayP99Ms   float64 `json:"delay_p99_ms"`
	ForwardedPPS float64 `json:"forwarded_packets_per_s"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
}

// Main runs `phonghop loadtest`.
func Main(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("phonghop loadtest", flag.ContinueOnError)
	scenario := fs.String("scenario", "briefing", "briefing: one hall publishes, every point receives; roundtable: every point publishes and receives")
	points := fs.Int("points", 20, "simulated meeting points (at most 500)")
	duration := fs.Duration("duration", 20*time.Second, "how long media flows after everyone joined (at most 10m)")
	videoPPS := fs.Int("video-pps", 100, "video packets per second per publisher (100 × 1,000 bytes ≈ 800 kbit/s)")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of Markdown")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *points < 1 || *points > 500 || *duration <= 0 || *duration > 10*time.Minute {
		return fmt.Errorf("loadtest: points must be 1..500 and duration up to 10m")
	}
	if *scenario != "briefing" && *scenario != "roundtable" {
		return fmt.Errorf("loadtest: unknown scenario %q", *scenario)
	}
	rep, err := Run(ctx, *scenario, *points, *duration, *videoPPS)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "| scenario | points | publishers | join p50 / p95 | loss | delay p50 / p99 | forwarded | CPU | peak RSS |\n|---|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(stdout, "| %s | %d | %d | %.0f / %.0f ms | %.2f %% | %.1f / %.1f ms | %.0f pkt/s | %.1f s in %.0f s | %.0f MiB |\n",
		rep.Scenario, rep.Points, rep.Publishers, rep.JoinP50Ms, rep.JoinP95Ms, rep.LossPercent, rep.DelayP50Ms, rep.DelayP99Ms,
		rep.ForwardedPPS, rep.CPUSeconds, rep.Seconds, rep.PeakRSSMiB)
	return nil
}

// Run starts an SFU in this process on loopback, joins the points, lets media flow for duration
// and measures. CPU and memory are this whole process's (server and simulated points together).
func Run(ctx context.Context, scenario string, points int, duration time.Duration, videoPPS int) (Report, error) {
	rep := Report{Scenario: scenario, Points: points}
	signer, err := auth.NewTokenSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		return rep, err
	}
	srv := sfu.New(sfu.Options{LoopbackOnly: true}, signer, nil)
	if err := srv.Start(); err != nil {
		return rep, err
	}
	defer srv.Shutdown(ctx)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	cpu0 := cpuSeconds()

	type joined struct {
		c    *sfuclient.Client
		took time.Duration
		pub  bool
	}
	all := make([]joined, points)
	var wg sync.WaitGroup
	var failures sync.Map
	for i := 0; i < points; i++ {
		pub := scenario == "roundtable" || i == 0
		id := "point-" + strconv.Itoa(i)
		tok, _ := signer.Sign(auth.MediaGrant{Room: "loadtest", Identity: id, Name: id, Publish: map[bool][]string{true: {"audio", "video"}}[pub], Subscribe: true}, time.Hour)
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 20 * time.Millisecond) // points arrive over time, as in a real briefing
			t0 := time.Now()
			o := sfuclient.Options{LoopbackOnly: true, Layout: &sfuclient.Layout{Video: []sfu.Want{{Follow: "speaker", Quality: sfu.QualityHigh}}, Audio: 3}}
			if pub {
				o.Publish, o.Talk = []string{sfu.SourceMic, sfu.SourceCamera}, sfuclient.Speaking(30)
			}
			c, err := sfuclient.Join(url, tok, o)
			if err != nil {
				failures.Store(i, err)
				return
			}
			all[i] = joined{c, time.Since(t0), pub}
		}()
	}
	wg.Wait()
	defer func() {
		for _, j := range all {
			if j.c != nil {
				j.c.Close()
			}
		}
	}()
	var joins []time.Duration
	for _, j := range all {
		if j.c != nil {
			rep.Joined++
			joins = append(joins, j.took)
			if j.pub {
				rep.Publishers++
			}
		}
	}
	if rep.Joined == 0 {
		return rep, fmt.Errorf("loadtest: nobody joined")
	}
	// Warm up until media flows, then measure a window of the given duration.
	time.Sleep(3 * time.Second)
	snap := func() (sent, recv int64) {
		for _, j := range all {
			if j.c == nil {
				continue
			}
			for l := range j.c.Stats.SentPackets {
				sent += j.c.Stats.SentPackets[l].Load()
			}
			recv += j.c.Stats.Packets.Load()
		}
		return
	}
	s0, r0 := snap()
	t0 := time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(duration):
	}
	s1, r1 := snap()
	rep.Seconds = time.Since(t0).Seconds()
	// Loss is judged per slot by sequence number: with simulcast a publisher sends more than
	// any one subscriber receives.
	var lost, expected int64
	for _, j := range all {
		if j.c != nil {
			for _, sl := range j.c.Stats.Slots() {
				lost += sl.Lost()
				expected += sl.Expected
			}
		}
	}
	if expected > 0 {
		rep.LossPercent = 100 * float64(lost) / float64(expected)
	}
	_ = s1 - s0
	rep.ForwardedPPS = float64(r1-r0) / rep.Seconds
	var delays sfuclient.Histogram
	for _, j := range all {
		if j.c != nil {
			delays.Merge(&j.c.Stats.Delay)
		}
	}
	rep.JoinP50Ms, rep.JoinP95Ms = pct(joins, 50), pct(joins, 95)
	rep.DelayP50Ms, rep.DelayP99Ms = ms(delays.Percentile(50)), ms(delays.Percentile(99))
	rep.CPUSeconds = cpuSeconds() - cpu0
	rep.PeakRSSMiB = peakRSS()
	return rep, nil
}

func pct(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[min(len(s)-1, len(s)*p/100)].Microseconds()) / 1000
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// peakRSS reads the process's high-water resident memory from /proc.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
