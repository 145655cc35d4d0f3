package rooms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
)

// Recording statuses. A recording runs until the chair or the secretary stops it (or the meeting
// ends); it is then "stopping" until the media server reports its file, which becomes a document
// of the meeting ("done"), or reports that it failed ("failed").
const (
	RecordingRunning  = "recording"
	RecordingStopping = "stopping"
	RecordingDone     = "done"
	RecordingFailed   = "failed"
)

// EventRecordingChanged is logged whenever a recording starts, stops, is imported or fails:
// every open page shows "Đang ghi hình" from it and refreshes its list of recordings.
const EventRecordingChanged = "recording.changed"

// Recording is a recording of the meeting's video conference.
type Recording struct {
	ID            int64      `json:"id"`
	MeetingID     int64      `json:"meeting_id"`
	Status        string     `json:"status"`
	StartedAt     time.Time  `json:"started_at"`
	StartedBy     int64      `json:"started_by"`
	StartedByName string     `json:"started_by_name"`
	StoppedAt     *time.Time `json:"stopped_at,omitempty"`
	// DocumentID is the meeting document holding the file, once imported.
	DocumentID *int64 `json:"document_id,omitempty"`
	DurationMS int64  `json:"duration_ms"`
	Bytes      int64  `json:"bytes"`
	// Error says why a failed recording has no file.
	Error      string     `json:"error,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

var (
	errRecordRights = errs.E(errs.Forbidden, "Chỉ chủ trì hoặc thư ký được bắt đầu và dừng ghi hình.", "Only the chair or the secretary starts and stops recording.")
	errRecording    = errs.E(errs.NotFound, "Không tìm thấy bản ghi hình.", "Recording not found.")
)

func canRecord(m Member) bool { return m.Role == RoleChair || m.Role == RoleSecretary }

const recordingColumns = `r.id, r.meeting_id, r.status, r.started_at, r.started_by, u.full_name, r.stopped_at, r.document_id,
	r.duration_ms, r.bytes, r.error, r.finished_at`

func scanRecording(row interface{ Scan(...any) error }) (Recording, error) {
	var r Recording
	var started, stopped, finished store.Time
	err := row.Scan(&r.ID, &r.MeetingID, &r.Status, &started, &r.StartedBy, &r.StartedByName, &stopped, &r.DocumentID,
		&r.DurationMS, &r.Bytes, &r.Error, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return Recording{}, errRecording
	}
	if err != nil {
		return Recording{}, fmt.Errorf("rooms: scan recording: %w", err)
	}
	r.StartedAt, r.StoppedAt, r.FinishedAt = started.Time, timePtr(stopped), timePtr(finished)
	return r, nil
}

func loadRecording(ctx context.Context, q store.Querier, meetingID, id int64, lock string) (Recording, error) {
	return scanRecording(q.QueryRowContext(ctx, `SELECT `+recordingColumns+` FROM meeting_recordings r JOIN users u ON u.id = r.started_by
		WHERE r.id = ? AND r.meeting_id = ?`+lock, id, meetingID))
}

// Recordings lists a meeting's recordings, the latest first. Every member sees the list (the
// badge and the running state are for everyone); who may watch a finished one is the business
// of its document.
func (s *Service) Recordings(ctx context.Context, m Member) ([]Recording, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+recordingColumns+` FROM meeting_recordings r JOIN users u ON u.id = r.started_by
		WHERE r.meeting_id = ? ORDER BY r.id DESC`, m.MeetingID)
	if err != nil {
		return nil, fmt.Errorf("rooms: recordings: %w", err)
	}
	defer rows.Close()
	out := []Recording{}
	for rows.Next() {
		r, err := scanRecording(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// StartRecording starts recording the meeting's video conference (chair or secretary, during the
// session). The decision is recorded and logged first; the media server is told after commit.
// A second start while one runs is a conflict.
func (s *Service) StartRecording(ctx context.Context, m Member) (Recording, error) {
	if !canRecord(m) {
		return Recording{}, errRecordRights
	}
	var r Recording
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.checkMeetingLive(ctx, tx, m.MeetingID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO meeting_recordings (meeting_id, status, started_at, started_by)
			VALUES (?, 'recording', ?, ?) RETURNING id`, m.MeetingID, tx.Now(), m.UserID).Scan(&id)
		if store.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "Cuộc họp đang được ghi hình.", "The meeting is already being recorded.")
		}
		if err != nil {
			return fmt.Errorf("rooms: start recording: %w", err)
		}
		if r, err = s.recordingChanged(ctx, tx, m.MeetingID, id, "start"); err != nil {
			return err
		}
		s.sendMedia(tx, m.MeetingID, MediaCommand{Type: "record_start", RecordingID: id})
		return nil
	})
	return r, err
}

// StopRecording stops the running recording (chair or secretary). The recording waits for its
// file as "stopping"; stopping when nothing runs is a conflict.
func (s *Service) StopRecording(ctx context.Context, m Member) (Recording, error) {
	if !canRecord(m) {
		return Recording{}, errRecordRights
	}
	var r Recording
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		r, err = s.stopRunning(ctx, tx, m.MeetingID, m.UserID)
		if errors.Is(err, errRecording) {
			return errs.E(errs.Conflict, "Cuộc họp không đang được ghi hình.", "The meeting is not being recorded.")
		}
		return err
	})
	return r, err
}

// stopRunning stops a meeting's running recording inside tx (errRecording when none runs).
// Ending the meeting calls it too: a recording never outlives its session.
func (s *Service) stopRunning(ctx context.Context, tx *store.Tx, meetingID, userID int64) (Recording, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM meeting_recordings WHERE meeting_id = ? AND status = 'recording'`+store.ForUpdate(tx),
		meetingID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Recording{}, errRecording
	}
	if err != nil {
		return Recording{}, fmt.Errorf("rooms: running recording: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE meeting_recordings SET status = 'stopping', stopped_at = ?, stopped_by = ? WHERE id = ?`,
		tx.Now(), userID, id); err != nil {
		return Recording{}, fmt.Errorf("rooms: stop recording: %w", err)
	}
	r, err := s.recordingChanged(ctx, tx, meetingID, id, "stop")
	if err != nil {
		return Recording{}, err
	}
	s.sendMedia(tx, meetingID, MediaCommand{Type: "record_stop", RecordingID: id})
	return r, nil
}

// recordingChanged reads a recording back and logs the change for every open page.
func (s *Service) recordingChanged(ctx context.Context, tx *store.Tx, meetingID, id int64, action string) (Recording, error) {
	r, err := loadRecording(ctx, tx, meetingID, id, "")
	if err != nil {
		return Recording{}, err
	}
	_, err = s.events.Append(ctx, tx, meetingID, EventRecordingChanged, events.Audience{}, map[string]any{"recording": r, "action": action})
	return r, err
}
