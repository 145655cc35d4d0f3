package mediastats

import (
	"fmt"
	"slices"
	"time"
)

// Kind is what an alert is about. Kinds are listed worst first: a point that failed matters more
// than one with a slow link.
type Kind uint8

const (
	KindFailed       Kind = iota // the media server gave up on the point's connection
	KindLeft                     // the point left without saying so (or vanished from the figures)
	KindReconnecting             // the point's connection is being restored (or still being made)
	KindLoss                     // packet loss in or out above the threshold
	KindBandwidth                // the link's estimated bandwidth fell by more than half
	KindRTT                      // round trip above the threshold
	numKinds
)

var kindNames = [numKinds]string{"failed", "left", "reconnecting", "loss", "bandwidth", "rtt"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText writes the kind's name in JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Severity orders points worst first: the worst active alert's rank (failed 6 … rtt 1), 0 for none.
func (k Kind) Severity() int { return int(numKinds - k) }

// Thresholds decide when an alert is raised and when it is cleared. Each figure has a raise and a
// lower clear level, and a condition must hold for RaiseAfter (ClearAfter) samples in a row: a
// point hovering around a threshold neither flaps on the operator's screen nor hides a real fault.
type Thresholds struct {
	LossRaise, LossClear   float64 // loss fraction, in or out
	RTTRaiseMs, RTTClearMs float64
	// BandwidthDrop raises when the media server's bandwidth estimate for the point's link falls
	// below this share of its recent level; BandwidthRecover clears when it is back to this share
	// of the level before the fall. The estimate, not what the point sends, is judged: the
	// server pauses the simulcast layers nobody watches, so a point's sending rate falls by
	// design whenever it leaves the screens.
	BandwidthDrop, BandwidthRecover float64
	// BandwidthMinKbps: a recent level below it (a point that only carries audio) is not judged.
	BandwidthMinKbps float64
	RaiseAfter       int // samples in a row beyond the raise level (loss, RTT, bandwidth, reconnecting)
	ClearAfter       int // samples in a row within the clear level (all but "left")
}

// DefaultThresholds: loss above 5 % for 2 samples (4 s), cleared below 2 % for 2 samples; RTT
// above 400 ms, cleared below 300 ms; a fall of the bandwidth estimate below half, cleared at 80 %;
// reconnecting for 2 samples; failed at once.
func DefaultThresholds() Thresholds {
	return Thresholds{LossRaise: 0.05, LossClear: 0.02, RTTRaiseMs: 400, RTTClearMs: 300,
		BandwidthDrop: 0.5, BandwidthRecover: 0.8, BandwidthMinKbps: 200, RaiseAfter: 2, ClearAfter: 2}
}

// Condition is the state of one kind of alert for one point.
type Condition struct {
	Active bool
	Since  time.Time // when it was raised
	Value  float64   // the latest figure while active (loss fraction, ms, kbit/s)
	// Baseline is the bandwidth before a fall, kept while the alert is active so that recovery is
	// judged against it rather than against a history that has sunk with the fall.
	Baseline  float64
	bad, good int // samples in a row beyond the raise / within the clear level
}

// AlertState is every condition of one point. The zero value is a point without alerts.
type AlertState [numKinds]Condition

// Active lists the active kinds, worst first.
func (s AlertState) Active() []Kind {
	var out []Kind
	for k := range numKinds {
		if s[k].Active {
			out = append(out, k)
		}
	}
	return out
}

// Sample is what is known about a point at one moment.
type Sample struct {
	At    time.Time
	Stats PointStats
	// Present: the point is in the room. When it is not, Lost says it left unexpectedly.
	Present, Lost bool
	// Joined: the point has just (re)joined; its old connection's alerts no longer apply, and
	// this sample is the first of the new one.
	Joined bool
	// PrevEstimateKbps are the point's earlier estimate_kbps figures, oldest first (the recent
	// level).
	PrevEstimateKbps []float64
}

// Change is an alert raised or cleared.
type Change struct {
	Kind   Kind
	Raised bool
	Value  float64
}

// verdict is how one sample looks for one kind of alert.
type verdict uint8

const (
	neutral verdict = iota // between the clear and raise levels: streaks restart
	bad                    // beyond the raise level
	good                   // within the clear level
	reset                  // the condition no longer applies: cleared at once
)

// Evaluate is the one place alerts are decided: the point's alert state after one more sample,
// and what changed. It is pure, so the rules are tested as tables of samples.
func Evaluate(th Thresholds, prev AlertState, s Sample) (AlertState, []Change) {
	next := prev
	var changes []Change
	if s.Joined {
		// A fresh connection: what was wrong with the old one no longer applies; its figures
		// are judged from this sample on.
		for k := range numKinds {
			if k != KindLeft {
				if next[k].Active {
					changes = append(changes, Change{Kind: k, Raised: false})
				}
				next[k] = Condition{}
			}
		}
		prev = next
	}
	for k := range numKinds {
		v, value, raiseAfter, clearAfter := judge(th, k, &prev[k], s)
		c := &next[k]
		switch v {
		case bad:
			c.bad, c.good = c.bad+1, 0
		case good:
			c.bad, c.good = 0, c.good+1
		case neutral:
			c.bad, c.good = 0, 0
		case reset:
			c.bad, c.good = 0, 0
			if c.Active {
				*c = Condition{}
				changes = append(changes, Change{Kind: k, Raised: false, Value: value})
			}
			continue
		}
		switch {
		case !c.Active && c.bad >= raiseAfter:
			c.Active, c.Since, c.Value = true, s.At, value
			if k == KindBandwidth {
				c.Baseline = baseline(s.PrevEstimateKbps)
			}
			changes = append(changes, Change{Kind: k, Raised: true, Value: value})
		case c.Active && c.good >= clearAfter:
			*c = Condition{}
			changes = append(changes, Change{Kind: k, Raised: false, Value: value})
		case c.Active:
			c.Value = value
		}
	}
	return next, changes
}

// judge looks at one sample for one kind: the verdict, the figure, and how many samples in a
// row raise and clear it.
func judge(th Thresholds, k Kind, c *Condition, s Sample) (verdict, float64, int, int) {
	st := s.Stats
	if k == KindLeft {
		switch {
		case s.Present:
			return good, 0, 1, 1
		case s.Lost:
			return bad, 0, 1, 1
		}
		return reset, 0, 1, 1
	}
	// An absent point has no figures.
	if !s.Present {
		return reset, 0, 1, 1
	}
	switch k {
	case KindFailed:
		if st.State == StateFailed {
			return bad, 0, 1, th.ClearAfter
		}
		return good, 0, 1, th.ClearAfter
	case KindReconnecting:
		switch st.State {
		case StateReconnecting:
			// Like a figure, it must last: the media server also says "reconnecting" while a
			// point that just joined is still connecting, which takes a second or two.
			return bad, 0, th.RaiseAfter, th.ClearAfter
		case StateFailed:
			return reset, 0, 1, th.ClearAfter // "failed" takes over
		}
		return good, 0, 1, th.ClearAfter
	case KindLoss:
		loss := max(st.LossIn, st.LossOut)
		return levels(loss, th.LossRaise, th.LossClear), loss, th.RaiseAfter, th.ClearAfter
	case KindRTT:
		return levels(st.RTTms, th.RTTRaiseMs, th.RTTClearMs), st.RTTms, th.RaiseAfter, th.ClearAfter
	case KindBandwidth:
		est := st.EstimateKbps
		if st.AudioOnly {
			return reset, est, th.RaiseAfter, th.ClearAfter // little is sent, so little is probed
		}
		base := c.Baseline
		if !c.Active {
			base = baseline(s.PrevEstimateKbps)
		}
		switch {
		case base < th.BandwidthMinKbps:
			return neutral, est, th.RaiseAfter, th.ClearAfter
		case est < base*th.BandwidthDrop:
			return bad, est, th.RaiseAfter, th.ClearAfter
		case est >= base*th.BandwidthRecover:
			return good, est, th.RaiseAfter, th.ClearAfter
		}
		return neutral, est, th.RaiseAfter, th.ClearAfter
	}
	return neutral, 0, 1, 1
}

func levels(v, raise, clear float64) verdict {
	switch {
	case v > raise:
		return bad
	case v <= clear:
		return good
	}
	return neutral
}

// baselineWindow is how many earlier samples make a point's recent level, and baselineMin how
// many are needed before a fall is judged at all (a point that just joined is still ramping up).
const (
	baselineWindow = 5
	baselineMin    = 3
)

// baseline is the median of the last few figures: one odd sample moves it little, and
// the first samples of a fall do not drag it down before the alert is raised.
func baseline(prev []float64) float64 {
	if len(prev) < baselineMin {
		return 0
	}
	w := slices.Clone(prev[max(0, len(prev)-baselineWindow):])
	slices.Sort(w)
	return w[len(w)/2]
}
