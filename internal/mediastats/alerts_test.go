package mediastats

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// step is one sample and the alerts expected active after it ("" for none).
type step struct {
	s    Sample
	want string
}

func up(f func(*PointStats)) Sample {
	st := PointStats{Identity: "point-1", State: StateConnected, InKbps: 800, EstimateKbps: 2000}
	if f != nil {
		f(&st)
	}
	return Sample{Stats: st, Present: true}
}

func loss(v float64) Sample    { return up(func(s *PointStats) { s.LossIn = v }) }
func lossOut(v float64) Sample { return up(func(s *PointStats) { s.LossOut = v }) }
func rtt(v float64) Sample     { return up(func(s *PointStats) { s.RTTms = v }) }
func state(v string) Sample    { return up(func(s *PointStats) { s.State = v }) }
func est(v float64) Sample     { return up(func(s *PointStats) { s.EstimateKbps = v }) }

func rejoin(s Sample) Sample { s.Joined = true; return s }

func active(s AlertState) string {
	var names []string
	for _, k := range s.Active() {
		names = append(names, k.String())
	}
	return strings.Join(names, ",")
}

// TestEvaluate runs sequences of samples through Evaluate with the default thresholds: raise
// after 2 samples beyond the raise level, clear after 2 within the lower clear level.
func TestEvaluate(t *testing.T) {
	lost := Sample{Lost: true}
	leftOnPurpose := Sample{}
	rejoined := Sample{Stats: PointStats{State: StateConnected}, Present: true, Joined: true}
	audioOnly := func(v float64) Sample { return up(func(s *PointStats) { s.EstimateKbps, s.AudioOnly = v, true }) }
	cases := []struct {
		name  string
		steps []step
	}{
		{"one bad loss sample is not an alert", []step{{loss(0.08), ""}, {loss(0), ""}, {loss(0), ""}}},
		{"loss above 5% twice raises", []step{{loss(0.06), ""}, {loss(0.06), "loss"}}},
		{"outbound loss counts too", []step{{lossOut(0.2), ""}, {lossOut(0.2), "loss"}}},
		{"exactly 5% is not above", []step{{loss(0.05), ""}, {loss(0.05), ""}}},
		{"flapping around the threshold never raises", []step{{loss(0.06), ""}, {loss(0.01), ""}, {loss(0.06), ""}, {loss(0.01), ""}, {loss(0.07), ""}}},
		{"between the clear and raise levels it stays raised", []step{
			{loss(0.1), ""}, {loss(0.1), "loss"}, {loss(0.04), "loss"}, {loss(0.03), "loss"}, {loss(0.04), "loss"}}},
		{"one good sample does not clear", []step{{loss(0.1), ""}, {loss(0.1), "loss"}, {loss(0.01), "loss"}, {loss(0.06), "loss"}, {loss(0.01), "loss"}}},
		{"two good samples in a row clear", []step{{loss(0.1), ""}, {loss(0.1), "loss"}, {loss(0.02), "loss"}, {loss(0.0), ""}}},
		{"a middle sample restarts the clearing", []step{{loss(0.1), ""}, {loss(0.1), "loss"}, {loss(0.01), "loss"}, {loss(0.03), "loss"}, {loss(0.01), "loss"}, {loss(0.01), ""}}},
		{"RTT above 400 ms twice raises, below 300 twice clears", []step{
			{rtt(450), ""}, {rtt(500), "rtt"}, {rtt(350), "rtt"}, {rtt(290), "rtt"}, {rtt(120), ""}}},
		{"RTT of 400 exactly is fine", []step{{rtt(400), ""}, {rtt(400), ""}}},
		{"connecting for one sample is not an alert", []step{{state(StateReconnecting), ""}, {state(StateConnected), ""}}},
		{"reconnecting twice raises, two connected samples clear", []step{
			{state(StateReconnecting), ""}, {state(StateReconnecting), "reconnecting"}, {state(StateConnected), "reconnecting"}, {state(StateConnected), ""}}},
		{"failed raises at once and takes over from reconnecting", []step{
			{state(StateFailed), "failed"}, {state(StateConnected), "failed"}, {state(StateConnected), ""},
			{state(StateReconnecting), ""}, {state(StateReconnecting), "reconnecting"}, {state(StateFailed), "failed"},
			{state(StateReconnecting), "failed"}, {state(StateReconnecting), "reconnecting"}, {state(StateConnected), "reconnecting"}, {state(StateConnected), ""}}},
		{"a lost point raises left, its figures' alerts go", []step{{loss(0.2), ""}, {loss(0.2), "loss"}, {lost, "left"}}},
		{"a point that left on purpose raises nothing", []step{{loss(0.2), ""}, {loss(0.2), "loss"}, {leftOnPurpose, ""}}},
		{"rejoining clears left and starts clean", []step{{state(StateReconnecting), ""}, {state(StateReconnecting), "reconnecting"}, {lost, "left"}, {rejoined, ""}, {loss(0.3), ""}, {loss(0.3), "loss"}}},
		{"a rejoin clears the old connection's alerts; its first sample counts", []step{
			{loss(0.3), ""}, {loss(0.3), "loss"}, {rejoin(loss(0.3)), ""}, {loss(0.3), "loss"}}},
		{"a bandwidth fall below half raises after two samples", []step{
			{est(1000), ""}, {est(1000), ""}, {est(1000), ""}, {est(400), ""}, {est(400), "bandwidth"}}},
		{"recovery is judged against the level before the fall", []step{
			{est(1000), ""}, {est(1000), ""}, {est(1000), ""}, {est(300), ""}, {est(300), "bandwidth"},
			{est(300), "bandwidth"}, {est(300), "bandwidth"}, {est(300), "bandwidth"}, {est(300), "bandwidth"}, {est(300), "bandwidth"},
			{est(700), "bandwidth"}, {est(850), "bandwidth"}, {est(900), ""}}},
		{"a short dip is not a fall", []step{{est(1000), ""}, {est(1000), ""}, {est(1000), ""}, {est(200), ""}, {est(1000), ""}, {est(200), ""}}},
		{"no fall is judged before three samples", []step{{est(1000), ""}, {est(100), ""}, {est(100), ""}}},
		{"a low level (audio only links) is not judged", []step{{est(60), ""}, {est(60), ""}, {est(60), ""}, {est(10), ""}, {est(10), ""}}},
		{"switching to audio only clears a bandwidth alert", []step{
			{est(1000), ""}, {est(1000), ""}, {est(1000), ""}, {est(300), ""}, {est(300), "bandwidth"}, {audioOnly(40), ""}, {audioOnly(40), ""}}},
		{"several at once, worst first", []step{
			{up(func(s *PointStats) { s.LossIn, s.RTTms, s.State = 0.3, 900, StateReconnecting }), ""},
			{up(func(s *PointStats) { s.LossIn, s.RTTms, s.State = 0.3, 900, StateReconnecting }), "reconnecting,loss,rtt"}}},
	}
	th := DefaultThresholds()
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st AlertState
			var prev []float64
			for i, s := range c.steps {
				s.s.At = t0.Add(time.Duration(i) * 2 * time.Second)
				if s.s.Present && !s.s.Joined {
					s.s.PrevEstimateKbps = prev
					prev = append(prev, s.s.Stats.EstimateKbps)
				} else {
					prev = nil
				}
				st, _ = Evaluate(th, st, s.s)
				if got := active(st); got != s.want {
					t.Fatalf("after sample %d: active %q, want %q", i+1, got, s.want)
				}
			}
		})
	}
}

// Changes report each raise and clear once, with the figure and the time of raising.
func TestEvaluateChanges(t *testing.T) {
	th := DefaultThresholds()
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	var st AlertState
	var log []string
	for i, v := range []float64{0.06, 0.12, 0.09, 0.01, 0.0, 0.0} {
		s := loss(v)
		s.At = t0.Add(time.Duration(i) * 2 * time.Second)
		var ch []Change
		st, ch = Evaluate(th, st, s)
		for _, c := range ch {
			log = append(log, fmt.Sprintf("%d %s raised=%v %.2f", i, c.Kind, c.Raised, c.Value))
		}
		if i == 2 && (st[KindLoss].Value != 0.09 || !st[KindLoss].Since.Equal(t0.Add(2*time.Second))) {
			t.Fatalf("while active: %+v", st[KindLoss])
		}
	}
	want := []string{"1 loss raised=true 0.12", "4 loss raised=false 0.00"}
	if fmt.Sprint(log) != fmt.Sprint(want) {
		t.Fatalf("changes %q, want %q", log, want)
	}
}

func TestKindOrder(t *testing.T) {
	if KindFailed.Severity() <= KindLeft.Severity() || KindLoss.Severity() <= KindRTT.Severity() || KindRTT.Severity() < 1 {
		t.Fatal("severities out of order")
	}
	if b, _ := KindBandwidth.MarshalText(); string(b) != "bandwidth" {
		t.Fatalf("kind text %q", b)
	}
}
