package mediastats

import (
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/phonghop/phonghop/internal/bus"
)

// Options bound what an Aggregator keeps. Zero values take the defaults.
type Options struct {
	History  int // samples kept per point for sparklines (default 30: one minute)
	AlertLog int // recent alert changes kept per room (default 100)
	// MaxRooms and MaxPoints bound memory: the quietest room gives way to a new one, and a room's
	// points beyond MaxPoints are not followed (defaults 200 and 1000).
	MaxRooms, MaxPoints int
	// QuietAfter: a room with no event for this long is forgotten (default 2 min).
	QuietAfter time.Duration
	// ForgetLeftAfter: a point that left is forgotten after this long (default 10 min).
	ForgetLeftAfter time.Duration
	Thresholds      Thresholds // default DefaultThresholds()
	Now             func() time.Time
	Log             *slog.Logger
}

func (o *Options) defaults() {
	if o.History <= 0 {
		o.History = 30
	}
	if o.AlertLog <= 0 {
		o.AlertLog = 100
	}
	if o.MaxRooms <= 0 {
		o.MaxRooms = 200
	}
	if o.MaxPoints <= 0 {
		o.MaxPoints = 1000
	}
	if o.QuietAfter <= 0 {
		o.QuietAfter = 2 * time.Minute
	}
	if o.ForgetLeftAfter <= 0 {
		o.ForgetLeftAfter = 10 * time.Minute
	}
	if o.Thresholds == (Thresholds{}) {
		o.Thresholds = DefaultThresholds()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// Aggregator follows media rooms from their events. It is safe for concurrent use: the bus
// delivers events on one goroutine while requests read.
type Aggregator struct {
	opt       Options
	mu        sync.Mutex
	rooms     map[string]*room
	lastSweep time.Time
}

type room struct {
	lastEvent time.Time
	lastStats time.Time
	points    map[string]*point
	speaking  map[string]bool
	changes   []AlertChange // oldest first, at most Options.AlertLog
}

type point struct {
	stats   PointStats
	present bool
	lost    bool
	leftAt  time.Time
	inKbps  []float64 // history, oldest first
	loss    []float64
	rtt     []float64
	est     []float64 // the bandwidth estimate's history (judged, not shown)
	alerts  AlertState
}

// New makes an Aggregator; Subscribe feeds it from the bus.
func New(opt Options) *Aggregator {
	opt.defaults()
	return &Aggregator{opt: opt, rooms: map[string]*room{}}
}

// Subscribe feeds the aggregator with the media events of every room.
func (a *Aggregator) Subscribe(b *bus.Bus) (*nats.Subscription, error) {
	return b.Subscribe(bus.AllMediaEvents, func(subject string, data []byte) {
		r := bus.MediaRoomOf(subject)
		if r == "" {
			return
		}
		if err := a.Ingest(r, data); err != nil {
			a.opt.Log.Debug("media event ignored", "room", r, "err", err)
		}
	})
}

// Ingest applies one media event of a room.
func (a *Aggregator) Ingest(roomName string, data []byte) error {
	ev, err := decode(data, a.opt.MaxPoints)
	if err != nil {
		return err
	}
	now := a.opt.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweep(now)
	r := a.room(roomName, now)
	r.lastEvent = now
	switch ev.Type {
	case TypeStats:
		a.stats(r, ev.Points, now)
	case TypeJoined:
		if p := a.point(r, ev.Identity); p != nil {
			if ev.Name != "" {
				p.stats.Name = ev.Name
			}
			if !p.present {
				p.stats = PointStats{Identity: ev.Identity, Name: p.stats.Name, State: StateConnected, Since: now}
				p.inKbps, p.loss, p.rtt, p.est = p.inKbps[:0], p.loss[:0], p.rtt[:0], p.est[:0]
			}
			p.present, p.lost, p.leftAt = true, false, time.Time{}
			a.evaluate(r, p, Sample{At: now, Stats: p.stats, Present: true, Joined: true})
		}
	case TypeLeft:
		if p := r.points[ev.Identity]; p != nil && p.present {
			p.present, p.leftAt = false, now
			p.lost = ev.Reason != "leave" && ev.Reason != "removed" && ev.Reason != "ended"
			delete(r.speaking, ev.Identity)
			a.evaluate(r, p, Sample{At: now, Stats: p.stats, Lost: p.lost})
		}
	case TypeSpeaking:
		clear(r.speaking)
		for _, id := range ev.Identities {
			r.speaking[id] = true
		}
	}
	return nil
}

// stats applies one stats sample. A point missing from it that was present has gone without a
// "left" event: the operator must see it as lost.
func (a *Aggregator) stats(r *room, points []PointStats, now time.Time) {
	r.lastStats = now
	seen := make(map[string]bool, len(points))
	for _, ps := range points {
		p := a.point(r, ps.Identity)
		if p == nil {
			continue
		}
		seen[ps.Identity] = true
		joined := !p.present
		if joined {
			p.inKbps, p.loss, p.rtt, p.est = p.inKbps[:0], p.loss[:0], p.rtt[:0], p.est[:0]
		}
		prev := p.est
		p.stats, p.present, p.lost, p.leftAt = ps, true, false, time.Time{}
		a.evaluate(r, p, Sample{At: now, Stats: ps, Present: true, Joined: joined, PrevEstimateKbps: prev})
		h := a.opt.History
		p.inKbps = push(p.inKbps, ps.InKbps, h)
		p.loss = push(p.loss, max(ps.LossIn, ps.LossOut), h)
		p.rtt = push(p.rtt, ps.RTTms, h)
		p.est = push(p.est, ps.EstimateKbps, h)
	}
	for id, p := range r.points {
		if p.present && !seen[id] {
			p.present, p.lost, p.leftAt = false, true, now
			delete(r.speaking, id)
			a.evaluate(r, p, Sample{At: now, Stats: p.stats, Lost: true})
		}
	}
}

func (a *Aggregator) evaluate(r *room, p *point, s Sample) {
	var changes []Change
	p.alerts, changes = Evaluate(a.opt.Thresholds, p.alerts, s)
	for _, c := range changes {
		r.changes = append(r.changes, AlertChange{Identity: p.stats.Identity, Name: p.stats.Name, Kind: c.Kind, Raised: c.Raised, Value: c.Value, At: s.At})
	}
	if over := len(r.changes) - a.opt.AlertLog; over > 0 {
		r.changes = slices.Delete(r.changes, 0, over)
	}
}

// push appends v to a history of at most n figures, dropping the oldest.
func push(h []float64, v float64, n int) []float64 {
	if len(h) < n {
		return append(h, v)
	}
	copy(h, h[1:])
	h[len(h)-1] = v
	return h
}

// room returns the named room, making it; when MaxRooms are followed, the quietest gives way.
func (a *Aggregator) room(name string, now time.Time) *room {
	if r := a.rooms[name]; r != nil {
		return r
	}
	if len(a.rooms) >= a.opt.MaxRooms {
		var quietest string
		var at time.Time
		for n, r := range a.rooms {
			if quietest == "" || r.lastEvent.Before(at) {
				quietest, at = n, r.lastEvent
			}
		}
		delete(a.rooms, quietest)
		a.opt.Log.Warn("media rooms: following too many rooms; forgot the quietest", "room", quietest, "max", a.opt.MaxRooms)
	}
	r := &room{lastEvent: now, points: map[string]*point{}, speaking: map[string]bool{}}
	a.rooms[name] = r
	return r
}

// point returns a room's point, making it unless the room already has MaxPoints.
func (a *Aggregator) point(r *room, id string) *point {
	if p := r.points[id]; p != nil {
		return p
	}
	if len(r.points) >= a.opt.MaxPoints {
		// Forget one that left before refusing a point that is here.
		for pid, p := range r.points {
			if !p.present {
				delete(r.points, pid)
				break
			}
		}
		if len(r.points) >= a.opt.MaxPoints {
			return nil
		}
	}
	p := &point{stats: PointStats{Identity: id}}
	r.points[id] = p
	return p
}

// sweep forgets quiet rooms and points that left long ago, at most every few seconds.
func (a *Aggregator) sweep(now time.Time) {
	if now.Sub(a.lastSweep) < 5*time.Second {
		return
	}
	a.lastSweep = now
	for name, r := range a.rooms {
		if now.Sub(r.lastEvent) > a.opt.QuietAfter {
			delete(a.rooms, name)
			continue
		}
		for id, p := range r.points {
			if !p.present && now.Sub(p.leftAt) > a.opt.ForgetLeftAfter {
				delete(r.points, id)
			}
		}
	}
}

// Rooms is how many rooms are followed (for metrics and tests).
func (a *Aggregator) Rooms() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweep(a.opt.Now())
	return len(a.rooms)
}
