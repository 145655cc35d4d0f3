// Package loadtest runs simulated meeting points (sfu/sfuclient) against the media server and
// reports what they received — join time, bitrate, loss, continuity across the server's slot
// switches, forwarding delay — and what the server spent on it: CPU time per forwarded packet
// and memory per point. The server runs in a process of its own (`phonghop loadtest-server`) so
// its figures are not mixed with the simulated points'. Every run is bounded in points and in
// time and stops by itself; media stays on loopback.
package loadtest

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Main runs `phonghop loadtest`.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("phonghop loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "briefing-250", "briefing-250: one chair on the main screen, every point watching it, 8 thumbnails and 3 voices; "+
		"meetings-20x8: rooms where everyone watches everyone's camera; weak-links: a few points on bad lines watching a speaking chair")
	points := fs.Int("points", 0, "simulated points, at most 500 (default: 250 for briefing-250, 160 for meetings-20x8, 6 for weak-links)")
	rooms := fs.Int("rooms", 20, "meetings-20x8: number of rooms (points are shared out evenly)")
	duration := fs.Duration("duration", 30*time.Second, "measured window, at most 10m")
	warmup := fs.Duration("warmup", 8*time.Second, "media flows this long after the last join before measuring")
	joinRate := fs.Float64("join-rate", 20, "points joining per second")
	speakers := fs.Int("speakers", 4, "briefing-250: points that speak now and then besides the chair")
	paged := fs.Bool("paged", false, "briefing-250: each point's thumbnails are its page of eight instead of the first eight")
	constrained := fs.String("constrained", "", "briefing-250: share of points held to a slow line from the window's start, e.g. 30% or 30%@150 (kbit/s towards the point; default 300)")
	lossy := fs.String("lossy", "", "briefing-250: points with random loss both ways, e.g. 10@10%")
	outage := fs.String("outage", "", "briefing-250: points whose line drops 3 s into the window, e.g. 5@5s")
	seed := fs.Uint64("seed", 1, "seed for speech schedules, weak-link choices and losses")
	out := fs.String("out", "loadtest-out", "directory for <scenario>.json, <scenario>.md, the server's log and profile")
	cpuprofile := fs.Bool("cpuprofile", false, "profile the server during the window and list its top 15 (needs the go command)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	serverLog := fs.String("server-log", "warn", "the server's log level (debug, info, warn, error), logged to <out>/<scenario>.server.log")
	legacy := fs.Bool("legacy-forwarding", false, "run the server on its previous forwarding path (a NACK history per subscriber track, Pion's batching connection)")
	noGSO := fs.Bool("no-gso", false, "batched writes without UDP GSO")
	judge := fs.String("judge", "100%", "share of points that judge everything (delay, continuity, layers); the others only count what they receive, e.g. 10%")
	compare := fs.Bool("compare", false, "run the scenario four times, new and legacy forwarding path in turn (A B A B), and print them side by side")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := Config{Scenario: *scenario, Points: *points, Rooms: *rooms, Duration: *duration, Warmup: *warmup, JoinRate: *joinRate,
		Speakers: *speakers, Paged: *paged, Seed: *seed, Out: *out, CPUProfile: *cpuprofile, ConstrainedKbps: 300, ServerLog: *serverLog,
		Legacy: *legacy, NoGSO: *noGSO}
	if !*quiet {
		c.Progress = stderr
	}
	if c.Points == 0 {
		c.Points = map[string]int{"briefing-250": 250, "meetings-20x8": 160, "weak-links": 6}[c.Scenario]
	}
	if c.Scenario == "weak-links" {
		c.Points = 6
	}
	var err error
	if *constrained != "" {
		share, kbps, _ := strings.Cut(*constrained, "@")
		if c.Constrained, err = percent(share); err != nil {
			return fmt.Errorf("loadtest: -constrained: %w", err)
		}
		if kbps != "" {
			if c.ConstrainedKbps, err = strconv.Atoi(kbps); err != nil || c.ConstrainedKbps < 8 {
				return fmt.Errorf("loadtest: -constrained: rate %q in kbit/s", kbps)
			}
		}
	}
	if *lossy != "" {
		n, rate, ok := strings.Cut(*lossy, "@")
		if c.Lossy, err = strconv.Atoi(n); err != nil || !ok {
			return fmt.Errorf("loadtest: -lossy wants N@P%%, e.g. 10@10%%")
		}
		if c.LossyRate, err = percent(rate); err != nil {
			return fmt.Errorf("loadtest: -lossy: %w", err)
		}
	}
	if *outage != "" {
		n, d, ok := strings.Cut(*outage, "@")
		if c.Outages, err = strconv.Atoi(n); err != nil || !ok {
			return fmt.Errorf("loadtest: -outage wants N@duration, e.g. 5@5s")
		}
		if c.OutageFor, err = time.ParseDuration(d); err != nil {
			return fmt.Errorf("loadtest: -outage: %w", err)
		}
	}
	if c.Judge, err = percent(*judge); err != nil {
		return fmt.Errorf("loadtest: -judge: %w", err)
	}
	if *compare {
		return Compare(ctx, c, stdout)
	}
	rep, err := Run(ctx, c)
	if err != nil {
		return err
	}
	rep.Markdown(stdout)
	return nil
}

// percent reads "30%" (or "0.3") as a fraction.
func percent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	if strings.HasSuffix(s, "%") {
		v /= 100
	}
	if v < 0 || v > 1 {
		return 0, fmt.Errorf("%q is out of 0–100%%", s)
	}
	return v, nil
}
