package sfuclient

import (
	"sync/atomic"
	"time"
)

// Histogram is a bounded record of durations (forwarding delays): fixed buckets, 20 µs wide up
// to 10 ms, 2 ms wide up to 1 s, 100 ms wide up to 10 s. It is safe for concurrent use without
// locks, and histograms of many points merge into one for percentiles.
type Histogram struct {
	buckets [histBuckets]atomic.Int64
	n       atomic.Int64
	sum     atomic.Int64 // nanoseconds
	max     atomic.Int64
}

const (
	histFine    = 500 // 0–10 ms by 20 µs
	histMid     = 495 // 10 ms–1 s by 2 ms
	histCoarse  = 91  // 1–10 s by 100 ms, the last one open
	histBuckets = histFine + histMid + histCoarse
)

func histIndex(d time.Duration) int {
	switch {
	case d < 0:
		return 0
	case d < 10*time.Millisecond:
		return int(d / (20 * time.Microsecond))
	case d < time.Second:
		return histFine + int((d-10*time.Millisecond)/(2*time.Millisecond))
	default:
		return min(histFine+histMid+int((d-time.Second)/(100*time.Millisecond)), histBuckets-1)
	}
}

// histUpper is the upper edge of bucket i (what a percentile falling in it reports).
func histUpper(i int) time.Duration {
	switch {
	case i < histFine:
		return time.Duration(i+1) * 20 * time.Microsecond
	case i < histFine+histMid:
		return 10*time.Millisecond + time.Duration(i-histFine+1)*2*time.Millisecond
	default:
		return time.Second + time.Duration(i-histFine-histMid+1)*100*time.Millisecond
	}
}

// Add records one duration.
func (h *Histogram) Add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.buckets[histIndex(d)].Add(1)
	h.n.Add(1)
	h.sum.Add(int64(d))
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i := range o.buckets {
		if v := o.buckets[i].Load(); v != 0 {
			h.buckets[i].Add(v)
		}
	}
	h.n.Add(o.n.Load())
	h.sum.Add(o.sum.Load())
	if m := o.max.Load(); m > h.max.Load() {
		h.max.Store(m)
	}
}

// Sub returns the counts added since an earlier copy (for a measured window).
func (h *Histogram) Sub(before *Histogram) *Histogram {
	d := &Histogram{}
	for i := range h.buckets {
		d.buckets[i].Store(h.buckets[i].Load() - before.buckets[i].Load())
	}
	d.n.Store(h.n.Load() - before.n.Load())
	d.sum.Store(h.sum.Load() - before.sum.Load())
	d.max.Store(h.max.Load())
	return d
}

// Clone copies the histogram as it is now.
func (h *Histogram) Clone() *Histogram {
	c := &Histogram{}
	c.Merge(h)
	return c
}

// Count is the number of durations recorded.
func (h *Histogram) Count() int64 { return h.n.Load() }

// Mean is the average duration.
func (h *Histogram) Mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// Max is the longest duration recorded.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Percentile returns the duration below which p percent of the records fall (the bucket's upper
// edge, so at most one bucket width high).
func (h *Histogram) Percentile(p float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := int64(float64(n)*p/100 + 0.5)
	rank = max(1, min(rank, n))
	var seen int64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= rank {
			return histUpper(i)
		}
	}
	return histUpper(histBuckets - 1)
}
