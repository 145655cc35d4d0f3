package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Compare runs the scenario four times in a row, each against a server process of its own:
// the shared-history path, the legacy path, then both again (A B A B), so that the machine's
// changing load falls on both alike. It writes each run's reports under Out/<scenario>-<n>-<path>
// and a side-by-side table to Out/<scenario>.compare.md and w.
func Compare(ctx context.Context, c Config, w io.Writer) error {
	var reps []*Report
	for i := range 4 {
		ci := c
		ci.Legacy = i%2 == 1
		path := "shared"
		if ci.Legacy {
			path = "legacy"
		}
		ci.Out = filepath.Join(c.Out, fmt.Sprintf("%s-%d-%s", c.Scenario, i+1, path))
		if c.Progress != nil {
			fmt.Fprintf(c.Progress, "loadtest: compare run %d of 4: %s path\n", i+1, path)
		}
		rep, err := Run(ctx, ci)
		if err != nil {
			return fmt.Errorf("loadtest: compare run %d (%s): %w", i+1, path, err)
		}
		reps = append(reps, rep)
	}
	var md bytes.Buffer
	compareMarkdown(&md, reps)
	if err := os.WriteFile(filepath.Join(c.Out, c.Scenario+".compare.md"), md.Bytes(), 0o644); err != nil {
		return err
	}
	_, err := w.Write(md.Bytes())
	return err
}

func compareMarkdown(w io.Writer, reps []*Report) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	if len(reps) == 0 {
		return
	}
	r0 := reps[0]
	p("# Forwarding paths compared: %s, %d points, %.0f s windows, A B A B\n\n", r0.Scenario, r0.Points, r0.WindowSeconds)
	p("| run | path | server CPU µs per forwarded packet | server CPU | forwarded /s | server RSS per point | loss | delay p50 / p99 | heap allocs per packet | datagrams per sendmmsg, GSO share | load avg start → end |\n")
	p("|---|---|---|---|---|---|---|---|---|---|---|\n")
	sum := map[string][3]float64{}
	for i, r := range reps {
		f := r.Forwarding
		wr := "—"
		if f.DatagramsPerSendCall > 0 {
			wr = fmt.Sprintf("%.1f, %.0f %%", f.DatagramsPerSendCall, f.GSOPercent)
		}
		p("| %d | %s | %.2f | %.0f %% | %.0f | %.0f KiB | %.3f %% | %.1f / %.1f ms | %.2f | %s | %.1f → %.1f |\n", i+1, f.Path, r.CPUMicrosPerForwarded,
			r.ServerCPUPercent, r.ForwardedPPS, r.RSSPerPointKiB, r.LossPercent, r.DelayMs.P50, r.DelayMs.P99, f.HeapAllocsPerForwarded, wr,
			f.LoadAvgStart, f.LoadAvgEnd)
		s := sum[f.Path]
		s[0] += r.CPUMicrosPerForwarded
		s[1] += r.RSSPerPointKiB
		s[2]++
		sum[f.Path] = s
	}
	sh, lg := sum["shared"], sum["legacy"]
	if sh[2] > 0 && lg[2] > 0 {
		a, b := sh[0]/sh[2], lg[0]/lg[2]
		p("\nMean server CPU per forwarded packet: shared %.2f µs, legacy %.2f µs (shared is %.0f %% of legacy); RSS per point: shared %.0f KiB, legacy %.0f KiB.\n",
			a, b, 100*a/b, sh[1]/sh[2], lg[1]/lg[2])
	}
}
