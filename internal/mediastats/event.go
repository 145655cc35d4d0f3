// Package mediastats keeps what the media server reports about each media room — every point's
// latest figures, a short history for sparklines, and the alerts derived from them — for the
// operator's control room (phòng điều khiển). Every API node subscribes to the media events of
// all rooms and builds the same picture from the bus, so any node can answer the control room;
// nothing is stored, and memory is bounded in rooms, points, history and alerts.
package mediastats

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// Event is one message of the media server on phonghop.media.<room>.events
// (sfu/PROTOCOL.md "Media events").
type Event struct {
	Type       string       `json:"type"` // stats, joined, left, speaking
	Points     []PointStats `json:"points,omitempty"`
	Identity   string       `json:"identity,omitempty"`
	Name       string       `json:"name,omitempty"`
	Identities []string     `json:"identities,omitempty"`
	// Reason says why a point left: "leave" (it said so), "removed", "ended", or "lost" (its
	// connection timed out). Without a reason a departure counts as unexpected: the operator
	// would rather look at a point that left on purpose than miss one that dropped.
	Reason string `json:"reason,omitempty"`
}

// Event types.
const (
	TypeStats    = "stats"
	TypeJoined   = "joined"
	TypeLeft     = "left"
	TypeSpeaking = "speaking"
)

// Connection states of a point.
const (
	StateConnected    = "connected"
	StateReconnecting = "reconnecting"
	StateFailed       = "failed"
)

// PointStats are one point's figures in one stats sample, every 2 s.
type PointStats struct {
	Identity     string    `json:"identity"`
	Name         string    `json:"name"`
	State        string    `json:"state"`
	AudioOnly    bool      `json:"audio_only"`
	AudioMuted   bool      `json:"audio_muted"`
	InKbps       float64   `json:"in_kbps"`  // what the server receives from the point
	OutKbps      float64   `json:"out_kbps"` // what the server sends to it
	LossIn       float64   `json:"loss_in"`  // fraction 0–1
	LossOut      float64   `json:"loss_out"` // fraction 0–1
	RTTms        float64   `json:"rtt_ms"`
	Layer        string    `json:"layer"`
	EstimateKbps float64   `json:"estimate_kbps"`
	Since        time.Time `json:"since,omitzero"` // when it joined
}

// Limits on what one message may carry; anything beyond is cut, not trusted.
const (
	maxIdentity = 64
	maxName     = 200
	maxLayer    = 16
	maxSpeaking = 64
)

// decode reads and checks one event. Figures are clamped to sane ranges: a bug in the media
// server must not make the control room show negative bitrates or a loss of 300 %.
func decode(data []byte, maxPoints int) (Event, error) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return Event{}, fmt.Errorf("mediastats: decode: %w", err)
	}
	switch ev.Type {
	case TypeStats:
		if len(ev.Points) > maxPoints {
			ev.Points = ev.Points[:maxPoints]
		}
		out := ev.Points[:0]
		for _, p := range ev.Points {
			if !validIdentity(p.Identity) {
				continue
			}
			out = append(out, sanitize(p))
		}
		ev.Points = out
	case TypeJoined, TypeLeft:
		if !validIdentity(ev.Identity) {
			return Event{}, errors.New("mediastats: event without a valid identity")
		}
		ev.Name = clip(ev.Name, maxName)
	case TypeSpeaking:
		if len(ev.Identities) > maxSpeaking {
			ev.Identities = ev.Identities[:maxSpeaking]
		}
	default:
		return Event{}, fmt.Errorf("mediastats: unknown event type %q", ev.Type)
	}
	return ev, nil
}

func validIdentity(id string) bool { return id != "" && len(id) <= maxIdentity && utf8.ValidString(id) }

func sanitize(p PointStats) PointStats {
	p.Name = clip(p.Name, maxName)
	p.Layer = clip(p.Layer, maxLayer)
	switch p.State {
	case StateConnected, StateReconnecting, StateFailed:
	default:
		p.State = StateConnected
	}
	p.InKbps, p.OutKbps, p.EstimateKbps, p.RTTms = nonNegative(p.InKbps), nonNegative(p.OutKbps), nonNegative(p.EstimateKbps), nonNegative(p.RTTms)
	p.LossIn, p.LossOut = fraction(p.LossIn), fraction(p.LossOut)
	return p
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func nonNegative(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return math.Min(v, 1e7)
}

func fraction(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return math.Min(v, 1)
}
