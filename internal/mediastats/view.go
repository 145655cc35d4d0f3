package mediastats

import (
	"math"
	"slices"
	"strings"
	"time"
)

// AlertChange is an alert raised or cleared, for the control room's list of recent alerts.
type AlertChange struct {
	Identity string    `json:"identity"`
	Name     string    `json:"name"`
	Kind     Kind      `json:"kind"`
	Raised   bool      `json:"raised"`
	Value    float64   `json:"value"`
	At       time.Time `json:"at"`
}

// Alert is an active alert of a point.
type Alert struct {
	Kind  Kind      `json:"kind"`
	Since time.Time `json:"since"`
	Value float64   `json:"value"`
}

// History is a point's recent figures, oldest first, rounded for the wire: the sparklines.
type History struct {
	InKbps []float64 `json:"in_kbps"`
	Loss   []float64 `json:"loss"` // the larger of loss in and out, fraction
	RTTms  []float64 `json:"rtt_ms"`
}

// PointView is a point as the control room shows it.
type PointView struct {
	PointStats
	Present  bool       `json:"present"`
	LeftAt   *time.Time `json:"left_at,omitempty"`
	Speaking bool       `json:"speaking"`
	Alerts   []Alert    `json:"alerts"`
	// Severity is the worst active alert's rank (0: none): sorting by it puts trouble first.
	Severity int     `json:"severity"`
	History  History `json:"history"`
}

// RoomView is a copy of what is known about one room.
type RoomView struct {
	// UpdatedAt is the time of the last stats sample (zero: none yet).
	UpdatedAt time.Time
	Points    []PointView   // by identity
	Changes   []AlertChange // newest first
}

// Room returns a copy of a room's state; false if nothing is known about it (no event yet, or it
// went quiet).
func (a *Aggregator) Room(name string) (RoomView, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweep(a.opt.Now())
	r := a.rooms[name]
	if r == nil {
		return RoomView{}, false
	}
	v := RoomView{UpdatedAt: r.lastStats, Points: make([]PointView, 0, len(r.points)), Changes: make([]AlertChange, len(r.changes))}
	for i, c := range r.changes {
		v.Changes[len(r.changes)-1-i] = c
	}
	for _, p := range r.points {
		pv := PointView{PointStats: p.stats, Present: p.present, Speaking: r.speaking[p.stats.Identity], Alerts: []Alert{},
			History: History{InKbps: rounded(p.inKbps, 0), Loss: rounded(p.loss, 3), RTTms: rounded(p.rtt, 0)}}
		pv.InKbps, pv.OutKbps, pv.EstimateKbps, pv.RTTms = round(pv.InKbps, 0), round(pv.OutKbps, 0), round(pv.EstimateKbps, 0), round(pv.RTTms, 0)
		pv.LossIn, pv.LossOut = round(pv.LossIn, 4), round(pv.LossOut, 4)
		if !p.present {
			at := p.leftAt
			pv.LeftAt = &at
		}
		for _, k := range p.alerts.Active() {
			c := p.alerts[k]
			pv.Alerts = append(pv.Alerts, Alert{Kind: k, Since: c.Since, Value: round(c.Value, 4)})
			pv.Severity = max(pv.Severity, k.Severity())
		}
		v.Points = append(v.Points, pv)
	}
	slices.SortFunc(v.Points, func(x, y PointView) int { return strings.Compare(x.Identity, y.Identity) })
	return v, true
}

func rounded(h []float64, digits int) []float64 {
	out := make([]float64, len(h))
	for i, x := range h {
		out[i] = round(x, digits)
	}
	return out
}

// round keeps the JSON short: 812.4731 kbit/s is 812, a loss of 0.0512345 is 0.0512.
func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}
