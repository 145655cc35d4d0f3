package rooms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/store"
)

// RecordingFinished is what the SFU publishes on bus.MediaEvents(room) when it has closed a
// recording's file (package sfu/record makes it): type "recording", the recording's ID, the file,
// its size and length, when its first frame arrived, and an error when there is no usable file.
type RecordingFinished struct {
	Type        string    `json:"type"`
	RecordingID int64     `json:"recording_id"`
	Path        string    `json:"path"`
	Bytes       int64     `json:"bytes"`
	DurationMS  int64     `json:"duration_ms"`
	Started     time.Time `json:"started"`
	Error       string    `json:"error"`
}

// RecordingImporter turns the SFU's finished recording files into meeting documents. Every node
// runs one: a node that does not have the file leaves it to the node that does, and importing is
// idempotent (the recording's row decides), so the event may arrive twice or at several nodes.
type RecordingImporter struct {
	rooms *Service
	docs  *docs.Service
	bus   *bus.Bus
	log   *slog.Logger
	// pathFor is where the media server writes recording id of a room. Only a file at exactly
	// that path is imported and then removed: a path on the bus never names another file.
	pathFor func(room string, id int64) string

	jobs chan importJob
	sub  *nats.Subscription
	wg   sync.WaitGroup
	stop context.CancelFunc
}

type importJob struct {
	room string
	ev   RecordingFinished
}

// NewRecordingImporter prepares an importer; Start subscribes it.
func NewRecordingImporter(s *Service, d *docs.Service, b *bus.Bus, pathFor func(room string, id int64) string, log *slog.Logger) *RecordingImporter {
	if log == nil {
		log = slog.Default()
	}
	return &RecordingImporter{rooms: s, docs: d, bus: b, log: log, pathFor: pathFor, jobs: make(chan importJob, 64)}
}

// Start subscribes to every room's media events and imports finished recordings one at a time,
// off the subscription's goroutine (a file may take a while to copy).
func (imp *RecordingImporter) Start() error {
	ctx, cancel := context.WithCancel(context.Background())
	imp.stop = cancel
	sub, err := imp.bus.Subscribe(bus.AllMediaEvents, func(subject string, data []byte) {
		// Most media events are speaking and stats figures; only recordings are read further.
		if !bytes.Contains(data, []byte(`"recording"`)) {
			return
		}
		var ev RecordingFinished
		if err := json.Unmarshal(data, &ev); err != nil || ev.Type != "recording" {
			return
		}
		room := strings.TrimSuffix(strings.TrimPrefix(subject, "phonghop.media."), ".events")
		select {
		case imp.jobs <- importJob{room, ev}:
		default:
			imp.log.Error("recording import queue full; the recording stays until its event comes again", "room", room, "recording", ev.RecordingID)
		}
	})
	if err != nil {
		cancel()
		return fmt.Errorf("rooms: recordings: subscribe: %w", err)
	}
	imp.sub = sub
	imp.wg.Add(1)
	go func() {
		defer imp.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case j := <-imp.jobs:
				if err := imp.Import(ctx, j.room, j.ev); err != nil && ctx.Err() == nil {
					imp.log.Error("recording not imported", "room", j.room, "recording", j.ev.RecordingID, "err", err)
				}
			}
		}
	}()
	return nil
}

// Stop unsubscribes and waits for an import in progress to end.
func (imp *RecordingImporter) Stop() {
	if imp.sub != nil {
		_ = imp.sub.Unsubscribe()
	}
	if imp.stop != nil {
		imp.stop()
	}
	imp.wg.Wait()
}

// meetingOfRoom reads the meeting ID out of a media room's name (MediaRoom's inverse).
func meetingOfRoom(room string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(room, "meeting-"), 10, 64)
	return id, err == nil && strings.HasPrefix(room, "meeting-") && id > 0
}

// Import brings one finished recording into the meeting's documents: the file goes into the blob
// store, then one transaction attaches it as a document, marks the recording done and logs it;
// only after that commits is the SFU's file removed. A recording already done is left as it is
// (its file is removed if still there); a report of failure marks it failed.
func (imp *RecordingImporter) Import(ctx context.Context, room string, ev RecordingFinished) error {
	meetingID, ok := meetingOfRoom(room)
	if !ok {
		return fmt.Errorf("rooms: recording %d of room %q: not a meeting's room", ev.RecordingID, room)
	}
	cur, err := loadRecording(ctx, imp.rooms.db.Reader(), meetingID, ev.RecordingID, "")
	if err != nil {
		return fmt.Errorf("rooms: recording %d of meeting %d: %w", ev.RecordingID, meetingID, err)
	}
	path := imp.pathFor(room, ev.RecordingID)
	if ev.Error == "" && filepath.Clean(ev.Path) != path {
		return fmt.Errorf("rooms: recording %d reported at %q, expected at %q: the media server and this node disagree on the recordings directory", ev.RecordingID, ev.Path, path)
	}
	if cur.Status == RecordingDone {
		imp.remove(path) // a repeated event: done already; a leftover file goes
		return nil
	}
	if ev.Error != "" {
		imp.log.Warn("recording failed on the media server", "meeting", meetingID, "recording", ev.RecordingID, "err", ev.Error)
		return imp.fail(ctx, meetingID, ev.RecordingID, ev.Error)
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		// Written on another node (several nodes, each with its own disk): that node imports it.
		imp.log.Info("recording file not on this node", "meeting", meetingID, "recording", ev.RecordingID, "path", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("rooms: open recording: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("rooms: open recording: %w", err)
	}
	stored, err := imp.docs.PutRecording(f, fi.Size())
	if err != nil {
		imp.log.Error("recording file refused; it is kept for inspection", "meeting", meetingID, "recording", ev.RecordingID, "path", path, "err", err)
		return imp.fail(ctx, meetingID, ev.RecordingID, err.Error())
	}
	started := ev.Started
	if started.IsZero() {
		started = cur.StartedAt
	}
	done := false
	err = imp.rooms.db.InTx(ctx, func(tx *store.Tx) error {
		r, err := loadRecording(ctx, tx, meetingID, ev.RecordingID, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		if r.Status == RecordingDone {
			return nil // another node imported it meanwhile
		}
		title, filename := recordingNames(started, ev.DurationMS)
		doc, err := imp.docs.AttachRecording(ctx, tx, meetingID, r.StartedBy, title, filename, stored)
		if err != nil {
			return err
		}
		now := tx.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE meeting_recordings SET status = 'done', document_id = ?, duration_ms = ?, bytes = ?,
			error = '', finished_at = ?, stopped_at = COALESCE(stopped_at, ?) WHERE id = ?`,
			doc.ID, ev.DurationMS, stored.Size, now, now, r.ID); err != nil {
			return fmt.Errorf("rooms: recording done: %w", err)
		}
		done = true
		_, err = imp.rooms.recordingChanged(ctx, tx, meetingID, r.ID, "done")
		return err
	})
	if err != nil {
		return fmt.Errorf("rooms: import recording %d: %w", ev.RecordingID, err)
	}
	if done {
		imp.log.Info("recording imported", "meeting", meetingID, "recording", ev.RecordingID, "bytes", stored.Size, "duration_ms", ev.DurationMS)
	}
	imp.remove(path)
	return nil
}

func (imp *RecordingImporter) remove(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		imp.log.Warn("recording file not removed", "path", path, "err", err)
	}
}

// fail marks a recording that has no usable file, unless it was imported already.
func (imp *RecordingImporter) fail(ctx context.Context, meetingID, id int64, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	return imp.rooms.db.InTx(ctx, func(tx *store.Tx) error {
		r, err := loadRecording(ctx, tx, meetingID, id, store.ForUpdate(tx))
		if err != nil || r.Status == RecordingDone || r.Status == RecordingFailed && r.Error == reason {
			return err
		}
		now := tx.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE meeting_recordings SET status = 'failed', error = ?, finished_at = ?,
			stopped_at = COALESCE(stopped_at, ?) WHERE id = ?`, reason, now, now, id); err != nil {
			return fmt.Errorf("rooms: recording failed: %w", err)
		}
		_, err = imp.rooms.recordingChanged(ctx, tx, meetingID, id, "failed")
		return err
	})
}

// recordingNames are the document's title and file name: "Ghi hình 08:00–09:30, 23/11/2026" and
// "ghi-hinh-2026-11-23-0800.webm", in Vietnam's time.
func recordingNames(started time.Time, durationMS int64) (title, filename string) {
	s := started.In(vietnam)
	e := s.Add(time.Duration(durationMS) * time.Millisecond)
	return fmt.Sprintf("Ghi hình %s–%s, %s", s.Format("15:04"), e.Format("15:04"), s.Format("02/01/2006")),
		"ghi-hinh-" + s.Format("2006-01-02-1504") + ".webm"
}
