// Package events owns the per-meeting event log: the outbox that makes every meeting state change
// reach every open page in order. A domain service appends an event inside the transaction that
// makes the change; after commit the event is published on NATS (bus.MeetingEvents); API nodes fan
// it out to WebSockets; a page that reconnects asks for the events after the last sequence number
// it saw and reads them from the database, so nothing is missed even if a publish was lost.
package events

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/phonghop/phonghop/internal/audit"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the event log's schema.
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "events", FS: sub}
}

// Audience says who may see an event. The zero value means everyone who may open the meeting.
// Otherwise a viewer sees the event if their user ID is listed or they hold one of the roles
// (role names are the meeting roles of package rooms, e.g. "chair", "secretary").
type Audience struct {
	Users []int64  `json:"users,omitempty"`
	Roles []string `json:"roles,omitempty"`
}

// Everyone reports whether the audience is unrestricted.
func (a Audience) Everyone() bool { return len(a.Users) == 0 && len(a.Roles) == 0 }

// Admits reports whether a viewer with the given user ID and meeting role may see the event.
func (a Audience) Admits(userID int64, role string) bool {
	return a.Everyone() || slices.Contains(a.Users, userID) || (role != "" && slices.Contains(a.Roles, role))
}

// Event is one committed change of a meeting.
type Event struct {
	MeetingID int64 `json:"meeting_id"`
	// Seq numbers a meeting's events 1, 2, 3, ... without gaps, in commit order.
	Seq  int64  `json:"seq"`
	Type string `json:"type"`
	// Audience is kept on the server; clients receive only events they are admitted to.
	Audience Audience        `json:"-"`
	Data     json.RawMessage `json:"data"`
	At       time.Time       `json:"at"`
}

// wire is an Event as published on the bus: unlike the JSON sent to pages it keeps the audience,
// because every API node filters for its own connections.
type wire struct {
	Event
	Audience Audience `json:"audience"`
}

// Log appends events and publishes them after commit.
type Log struct {
	bus *bus.Bus
	log *slog.Logger
}

// NewLog returns a Log that publishes on b. A nil b keeps events in the database only (pages then
// learn of them when they next catch up), which is what tools like the demo seeder want.
func NewLog(b *bus.Bus, log *slog.Logger) *Log {
	if log == nil {
		log = slog.Default()
	}
	return &Log{bus: b, log: log}
}

// Append records an event of the given type for a meeting inside tx, with data marshalled as JSON.
// The event takes the meeting's next sequence number; if tx rolls back, the number is not used.
// After tx commits, the event is published on the bus.
func (l *Log) Append(ctx context.Context, tx *store.Tx, meetingID int64, typ string, aud Audience, data any) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("events: encode %s: %w", typ, err)
	}
	// The counter row is the meeting's lock: concurrent appends to one meeting take turns here,
	// so sequence numbers are gapless and follow commit order on both SQLite and PostgreSQL.
	var seq int64
	err = tx.QueryRowContext(ctx, `INSERT INTO meeting_event_counters (meeting_id, last_seq) VALUES (?, 1)
		ON CONFLICT (meeting_id) DO UPDATE SET last_seq = meeting_event_counters.last_seq + 1
		RETURNING last_seq`, meetingID).Scan(&seq)
	if err != nil {
		return Event{}, fmt.Errorf("events: next sequence for meeting %d: %w", meetingID, err)
	}
	audJSON := ""
	if !aud.Everyone() {
		b, _ := json.Marshal(aud)
		audJSON = string(b)
	}
	ev := Event{MeetingID: meetingID, Seq: seq, Type: typ, Audience: aud, Data: raw, At: tx.Now()}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meeting_events (meeting_id, seq, type, audience, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, meetingID, seq, typ, audJSON, string(raw), ev.At); err != nil {
		return Event{}, fmt.Errorf("events: append %s: %w", typ, err)
	}
	if l.bus != nil {
		tx.AfterCommit(func() {
			if err := l.bus.Publish(bus.MeetingEvents(meetingID), wire{Event: ev, Audience: aud}); err != nil {
				// Not fatal: the event is committed, and subscribers that notice the gap read it back.
				l.log.Warn("publish meeting event", "meeting", meetingID, "seq", seq, "type", typ, "err", err)
			}
		})
	}
	return ev, audit.MeetingEvent(ctx, tx, meetingID, typ, raw) // the audited ones, in the same transaction
}

// Notify publishes a transient notice for a meeting's open pages: Seq 0, not kept in the log, so
// pages that are away miss it and read the current state on reconnect instead. It is for figures
// that change many times a second and whose latest value is all that matters (a vote's turnout,
// a speaking timer), where a logged event per change would flood every page.
func (l *Log) Notify(meetingID int64, typ string, aud Audience, data any) error {
	if l.bus == nil {
		return nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("events: encode %s: %w", typ, err)
	}
	return l.bus.Publish(bus.MeetingEvents(meetingID), wire{Event: Event{MeetingID: meetingID, Type: typ, Data: raw, At: time.Now().UTC()}, Audience: aud})
}

// Transient reports whether an event is a notice from Notify rather than a logged change.
func (e Event) Transient() bool { return e.Seq == 0 }

// MaxBatch bounds how many events one Since call returns.
const MaxBatch = 1000

// Since returns up to limit events of a meeting with sequence numbers above after, in order.
// A limit ≤ 0 or above MaxBatch means MaxBatch.
func Since(ctx context.Context, q store.Querier, meetingID, after int64, limit int) ([]Event, error) {
	if limit <= 0 || limit > MaxBatch {
		limit = MaxBatch
	}
	rows, err := q.QueryContext(ctx, `SELECT seq, type, audience, data, created_at FROM meeting_events
		WHERE meeting_id = ? AND seq > ? ORDER BY seq LIMIT `+strconv.Itoa(limit), meetingID, after)
	if err != nil {
		return nil, fmt.Errorf("events: read meeting %d after %d: %w", meetingID, after, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		ev := Event{MeetingID: meetingID}
		var aud, data string
		var at store.Time
		if err := rows.Scan(&ev.Seq, &ev.Type, &aud, &data, &at); err != nil {
			return nil, fmt.Errorf("events: scan: %w", err)
		}
		if aud != "" {
			if err := json.Unmarshal([]byte(aud), &ev.Audience); err != nil {
				return nil, fmt.Errorf("events: audience of %d/%d: %w", meetingID, ev.Seq, err)
			}
		}
		ev.Data, ev.At = json.RawMessage(data), at.Time
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Last returns a meeting's latest sequence number (0 before its first event). A page takes it with
// its snapshot, in the same read transaction, and then follows events after it.
func Last(ctx context.Context, q store.Querier, meetingID int64) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(last_seq), 0) FROM meeting_event_counters WHERE meeting_id = ?`, meetingID).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("events: last of meeting %d: %w", meetingID, err)
	}
	return seq, nil
}

// Subscribe calls fn with every meeting event published on b, from any node, in the order this
// node receives them (which can differ from sequence order across nodes: callers that need order
// compare Seq with what they delivered and fill gaps with Since). Close the subscription to stop.
func Subscribe(b *bus.Bus, log *slog.Logger, fn func(Event)) (*nats.Subscription, error) {
	if log == nil {
		log = slog.Default()
	}
	return b.Subscribe(bus.AllMeetingEvents, func(subject string, data []byte) {
		var w wire
		if err := json.Unmarshal(data, &w); err != nil || !strings.HasSuffix(subject, ".events") {
			log.Warn("undecodable meeting event", "subject", subject, "err", err)
			return
		}
		w.Event.Audience = w.Audience
		fn(w.Event)
	})
}
