package loadtest

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Forwarding is how the server forwarded during the window: which path, what it allocated and
// how its writes went out, and how busy the machine was (the load average says how much the
// CPU figures are worth on a shared machine).
type Forwarding struct {
	Path                   string  `json:"path"`   // shared or legacy
	Judges                 int     `json:"judges"` // points that judged everything; the others only counted
	HeapAllocsPerForwarded float64 `json:"heap_allocs_per_forwarded"`
	DatagramsPerSendCall   float64 `json:"datagrams_per_send_call"` // round writer only
	GSOPercent             float64 `json:"gso_percent"`             // datagrams sent inside GSO messages
	GSOOn                  bool    `json:"gso_on"`
	LoadAvgStart           float64 `json:"load_avg_start"`
	LoadAvgEnd             float64 `json:"load_avg_end"`
}

func forwarding(w window, forwarded int64) Forwarding {
	a, b := w.c0.WriteCounters, w.c1.WriteCounters
	f := Forwarding{Path: b.Path, GSOOn: b.GSO, LoadAvgStart: w.load0, LoadAvgEnd: w.load1}
	if forwarded > 0 {
		f.HeapAllocsPerForwarded = float64(b.HeapAllocs-a.HeapAllocs) / float64(forwarded)
	}
	if calls := b.SendCalls - a.SendCalls; calls > 0 {
		f.DatagramsPerSendCall = float64(b.Datagrams-a.Datagrams) / float64(calls)
	}
	if d := b.Datagrams - a.Datagrams; d > 0 {
		f.GSOPercent = 100 * float64(b.GSODgrams-a.GSODgrams) / float64(d)
	}
	return f
}

// markdown adds the forwarding lines to a report's table.
func (f Forwarding) markdown(w io.Writer, points int) {
	fmt.Fprintf(w, "| forwarding path / points judging everything | %s / %d of %d |\n", f.Path, f.Judges, points)
	fmt.Fprintf(w, "| server heap allocations per forwarded packet | %.2f |\n", f.HeapAllocsPerForwarded)
	if f.DatagramsPerSendCall > 0 {
		fmt.Fprintf(w, "| datagrams per sendmmsg / in GSO messages (GSO on at end) | %.1f / %.0f %% (%v) |\n", f.DatagramsPerSendCall, f.GSOPercent, f.GSOOn)
	}
	fmt.Fprintf(w, "| machine load average (1 min) at window start / end | %.2f / %.2f |\n", f.LoadAvgStart, f.LoadAvgEnd)
}

// loadAverage is the machine's 1-minute load average (0 if unknown).
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}
