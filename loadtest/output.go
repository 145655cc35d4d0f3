package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// writeReports writes <scenario>.json and <scenario>.md into the output directory.
func writeReports(c *Config, r *Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.Out, c.Scenario+".json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	var md bytes.Buffer
	r.Markdown(&md)
	return os.WriteFile(filepath.Join(c.Out, c.Scenario+".md"), md.Bytes(), 0o644)
}

// Markdown writes the report for people.
func (r *Report) Markdown(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("# Load test: %s\n\n", r.Scenario)
	p("%s — %d points in %d room(s), %d joined in %.1f s; measured over %.0f s. The server ran in its own process; CPU and memory below are its own.\n\n",
		r.Started.UTC().Format(time.RFC3339), r.Points, r.Rooms, r.Joined, r.JoinSeconds, r.WindowSeconds)
	p("| figure | value |\n|---|---|\n")
	p("| join: dial → `joined` p50 / p95 / p99 | %.0f / %.0f / %.0f ms |\n", r.JoinToJoinedMs.P50, r.JoinToJoinedMs.P95, r.JoinToJoinedMs.P99)
	p("| join: dial → first media p50 / p95 / p99 | %.0f / %.0f / %.0f ms |\n", r.JoinToMediaMs.P50, r.JoinToMediaMs.P95, r.JoinToMediaMs.P99)
	p("| points the server put on audio only | %d |\n", r.AudioOnly)
	p("| received per point p5 / p50 | %.0f / %.0f kbit/s |\n", r.RecvKbpsP5, r.RecvKbpsP50)
	p("| loss (sequence numbers) all / video / audio | %.3f / %.3f / %.3f %% |\n", r.LossPercent, r.VideoLossPercent, r.AudioLossPercent)
	p("| audio loss after RED | %.3f %% |\n", r.AudioUnrepairedPercent)
	p("| publishers' packets missing within a run (counter) | %.3f %% |\n", r.CounterLossPercent)
	p("| forwarding delay p50 / p95 / p99 | %.1f / %.1f / %.1f ms |\n", r.DelayMs.P50, r.DelayMs.P95, r.DelayMs.P99)
	p("| audio delay p50 / p95 / p99 | %.1f / %.1f / %.1f ms |\n", r.AudioDelayMs.P50, r.AudioDelayMs.P95, r.AudioDelayMs.P99)
	p("| packets sent by points / received by points | %d / %d (%.0f /s; %d probes) |\n", r.SentPackets, r.ForwardedPackets, r.ForwardedPPS, r.PaddingPackets)
	p("| sent per second by layer l / m / h / audio | %.0f / %.0f / %.0f / %.0f |\n", r.SentPPSByLayer["l"], r.SentPPSByLayer["m"], r.SentPPSByLayer["h"], r.SentPPSByLayer["audio"])
	p("| server's own count in / out | %d / %d |\n", r.ServerPacketsIn, r.ServerPacketsOut)
	p("| server CPU | %.1f s (%.0f %% of a core) |\n", r.ServerCPUSeconds, r.ServerCPUPercent)
	p("| server CPU per packet received by points / per packet it sent | %.1f / %.1f µs |\n", r.CPUMicrosPerForwarded, r.CPUMicrosPerServerPacket)
	p("| server RSS at end / peak / per point | %.0f / %.0f MiB / %.0f KiB |\n", r.ServerRSSMiB, r.ServerPeakRSSMiB, r.RSSPerPointKiB)
	p("| video received by layer l / m / h | %.2f / %.2f / %.2f |\n", r.VideoLayers["l"], r.VideoLayers["m"], r.VideoLayers["h"])
	c := r.Continuity
	p("| slot switches (not on a key frame; largest gap) / pauses resumed | %d (%d; %d) / %d |\n", c.Switches, c.SwitchNotKey, c.SwitchMaxGap, c.Resumes)
	p("| sequence jumps back / timestamps back / picture ID skips / back | %d / %d / %d / %d |\n", c.Discontinuities, c.TSBackwards, c.PicIDJumps, c.PicIDBackwards)
	p("| freezes (waiting for a key frame) | %d, %.1f s in all |\n", c.Freezes, c.FrozenSeconds)
	p("| load tester CPU in the window / its send lag p50 / p99 | %.1f s / %.1f / %.1f ms |\n", r.TesterCPUSeconds, r.TesterSendLagMs.P50, r.TesterSendLagMs.P99)
	r.Forwarding.markdown(w, r.Joined)
	p("\n")
	if len(r.Groups) > 0 {
		p("## Weak links\n\n| group | points | kbit/s p50 | video loss | audio loss | after RED | freezes (slot-seconds) | main screen layer at end |\n|---|---|---|---|---|---|---|---|\n")
		for _, g := range r.Groups {
			p("| %s | %d | %.0f | %.2f %% | %.2f %% | %.2f %% | %d (%.1f s) | %v |\n", g.Name, g.Points, g.RecvKbpsP50, g.VideoLossPercent,
				g.AudioLossPercent, g.AudioUnrepairedPercent, g.Freezes, g.FrozenSeconds, g.MainLayerAtEnd)
		}
		p("\n")
	}
	if len(r.Weak) > 0 {
		p("## Points on weak links (from the moment the link went bad)\n\n")
		p("\"Late\" is the second part of the window, after outages ended, when the server has had time to adapt and repair.\n\n")
		p("| point | link | switched down after | video stopped after | layer at end | kbit/s late | video loss late | audio loss late | after RED | freezes (slot-seconds) | media again | key frame again | server: estimate, layer, loss out, audio only |\n")
		p("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, wp := range r.Weak {
			p("| %s | %s | %s | %s | %s | %.0f | %.2f %% | %.2f %% | %.2f %% | %d (%.1f s) | %s | %s | %.0f kbit/s, %s, %.2f, %v |\n", wp.Identity, wp.Group,
				msOrDash(wp.SwitchDownMs), msOrDash(wp.VideoStoppedMs), wp.MainLayer, wp.KbpsLate, wp.VideoLossLate, wp.AudioLossLate, wp.AudioUnrepairedLate,
				wp.Freezes, wp.FrozenSeconds, msOrDash(wp.MediaAgainMs), msOrDash(wp.KeyFrameAgainMs),
				wp.ServerEstimateKbps, orDash(wp.ServerLayer), wp.ServerLossOut, wp.ServerAudioOnly)
		}
		p("\n")
	}
	if len(r.ProfileTop) > 0 {
		p("## Server CPU profile, top %d (%s)\n\n```\n%s\n```\n\n", len(r.ProfileTop)-1, r.ProfilePath, strings.Join(r.ProfileTop, "\n"))
	}
	if len(r.Failures) > 0 {
		p("## Failed joins\n\n")
		for _, f := range r.Failures {
			p("- %s\n", f)
		}
		p("\n")
	}
	for _, n := range r.Notes {
		p("Note: %s\n\n", n)
	}
}

func msOrDash(v float64) string {
	if v < 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f ms", v)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// pprofTop runs `go tool pprof -top` on the server's profile and keeps the header line and the
// first n entries. It needs the go command on PATH.
func pprofTop(ctx context.Context, binary, profile string, n int) ([]string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("no go command to read the profile with: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goCmd, "tool", "pprof", "-top", fmt.Sprintf("-nodecount=%d", n), binary, profile).Output()
	if err != nil {
		return nil, err
	}
	var lines []string
	header := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, "flat%") {
			header = true
		}
		if header && len(lines) <= n {
			lines = append(lines, l)
		}
	}
	return lines, nil
}
