package rooms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// Floor status of a request to speak.
const (
	FloorWaiting   = "waiting"
	FloorSpeaking  = "speaking"
	FloorDone      = "done"
	FloorSkipped   = "skipped"
	FloorWithdrawn = "withdrawn"
)

// DefaultSpeakingSeconds is the speaking time a meeting gives unless its chair sets another.
const DefaultSpeakingSeconds = 5 * 60

// Floor events on the meeting's log.
const (
	EventFloorRequested = "floor.requested"
	EventFloorChanged   = "floor.changed"
)

// FloorRequest is a request to speak and, once granted, the speech it became.
type FloorRequest struct {
	ID             int64      `json:"id"`
	MeetingID      int64      `json:"meeting_id"`
	AgendaItemID   *int64     `json:"agenda_item_id"`
	UserID         int64      `json:"user_id"`
	UserName       string     `json:"user_name"`
	MeetingPointID *int64     `json:"meeting_point_id"`
	Topic          string     `json:"topic"`
	Status         string     `json:"status"`
	Position       int        `json:"position"`
	LimitSeconds   int        `json:"limit_seconds"`
	RequestedAt    time.Time  `json:"requested_at"`
	StartedAt      *time.Time `json:"started_at,omitempty"`
	EndedAt        *time.Time `json:"ended_at,omitempty"`
}

// NewFloorRequest is what a delegate (or a meeting point's operator) sends to ask for the floor.
type NewFloorRequest struct {
	AgendaItemID   *int64 `json:"agenda_item_id"`
	MeetingPointID *int64 `json:"meeting_point_id"`
	Topic          string `json:"topic"`
}

// MediaIdentity is who the SFU spotlights and unmutes for this speech: the meeting point when the
// request came from one, the person otherwise (the same identities the join tokens carry).
func (f FloorRequest) MediaIdentity() string {
	if f.MeetingPointID != nil {
		return "point-" + strconv.FormatInt(*f.MeetingPointID, 10)
	}
	return "user-" + strconv.FormatInt(f.UserID, 10)
}

var (
	errFloorNotFound = errs.E(errs.NotFound, "Không tìm thấy lượt đăng ký phát biểu.", "Request to speak not found.")
	errGuestFloor    = errs.E(errs.Forbidden, "Khách mời không đăng ký phát biểu qua hệ thống; hãy liên hệ thư ký.", "Guests cannot ask for the floor here; ask the secretary.")
)

const floorColumns = `f.id, f.meeting_id, f.agenda_item_id, f.user_id, u.full_name, f.meeting_point_id, f.topic, f.status,
	f.position, f.limit_seconds, f.requested_at, f.started_at, f.ended_at`

func scanFloor(row interface{ Scan(...any) error }) (FloorRequest, error) {
	var f FloorRequest
	var req, started, ended store.Time
	err := row.Scan(&f.ID, &f.MeetingID, &f.AgendaItemID, &f.UserID, &f.UserName, &f.MeetingPointID, &f.Topic, &f.Status,
		&f.Position, &f.LimitSeconds, &req, &started, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return FloorRequest{}, errFloorNotFound
	}
	if err != nil {
		return FloorRequest{}, fmt.Errorf("rooms: scan floor request: %w", err)
	}
	f.RequestedAt, f.StartedAt, f.EndedAt = req.Time, timePtr(started), timePtr(ended)
	return f, nil
}

func loadFloor(ctx context.Context, q store.Querier, meetingID, id int64) (FloorRequest, error) {
	return scanFloor(q.QueryRowContext(ctx, `SELECT `+floorColumns+` FROM floor_requests f JOIN users u ON u.id = f.user_id
		WHERE f.id = ? AND f.meeting_id = ?`, id, meetingID))
}

// Floor lists a meeting's requests to speak: the queue in order, then the speeches held.
func (s *Service) Floor(ctx context.Context, m Member) ([]FloorRequest, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+floorColumns+` FROM floor_requests f JOIN users u ON u.id = f.user_id
		WHERE f.meeting_id = ? ORDER BY CASE f.status WHEN 'speaking' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, f.position, f.id`, m.MeetingID)
	if err != nil {
		return nil, fmt.Errorf("rooms: floor: %w", err)
	}
	defer rows.Close()
	var out []FloorRequest
	for rows.Next() {
		f, err := scanFloor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RequestFloor puts m in the queue for the floor. A person has at most one waiting request per
// meeting; asking again returns the request already waiting. Without m's organization only the
// operator may ask on a meeting point's behalf: callers that know it use RequestFloorAs.
func (s *Service) RequestFloor(ctx context.Context, m Member, req NewFloorRequest) (FloorRequest, error) {
	return s.RequestFloorAs(ctx, m, 0, req)
}

// RequestFloorAs is RequestFloor for a person of organization orgID. A request on a meeting
// point's behalf is granted, when its turn comes, to the point's connection ("point-12"), so
// only someone who may take part as that point (PointSeat: of the point's organization, or the
// meeting's operator) may ask for it; anyone else could otherwise unmute another body's hall.
func (s *Service) RequestFloorAs(ctx context.Context, m Member, orgID int64, req NewFloorRequest) (FloorRequest, error) {
	if m.Role == RoleGuest {
		return FloorRequest{}, errGuestFloor
	}
	if req.MeetingPointID != nil {
		if err := s.checkPointInvited(ctx, s.db.Reader(), m.MeetingID, *req.MeetingPointID); err != nil {
			return FloorRequest{}, err
		}
		if _, err := s.PointSeat(ctx, m, orgID, *req.MeetingPointID); errs.CodeOf(err) == errs.Forbidden {
			return FloorRequest{}, errs.E(errs.Forbidden, "Bạn không được đăng ký phát biểu thay điểm cầu này (điểm cầu không thuộc đơn vị của bạn).",
				"You may not ask for the floor on behalf of this meeting point (it is not of your organization).")
		} else if err != nil {
			return FloorRequest{}, err
		}
	}
	req.Topic = strings.TrimSpace(req.Topic)
	if utf8.RuneCountInString(req.Topic) > 500 {
		return FloorRequest{}, errs.Fieldf("topic", "Nội dung đăng ký tối đa 500 ký tự.", "The topic may have at most 500 characters.")
	}
	var f FloorRequest
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.checkMeetingLive(ctx, tx, m.MeetingID); err != nil {
			return err
		}
		if req.AgendaItemID != nil {
			if err := s.checkAgendaItem(ctx, tx, m.MeetingID, *req.AgendaItemID); err != nil {
				return err
			}
		}
		if req.MeetingPointID != nil {
			if err := s.checkPointInvited(ctx, tx, m.MeetingID, *req.MeetingPointID); err != nil {
				return err
			}
		}
		var existing int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM floor_requests WHERE meeting_id = ? AND user_id = ? AND status = 'waiting'`,
			m.MeetingID, m.UserID).Scan(&existing)
		if err == nil {
			f, err = loadFloor(ctx, tx, m.MeetingID, existing)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var pos int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM floor_requests WHERE meeting_id = ?`, m.MeetingID).Scan(&pos); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO floor_requests (meeting_id, agenda_item_id, user_id, meeting_point_id, topic, status,
			position, requested_at) VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?) RETURNING id`,
			m.MeetingID, req.AgendaItemID, m.UserID, req.MeetingPointID, req.Topic, pos, tx.Now()).Scan(&id); err != nil {
			return fmt.Errorf("rooms: request floor: %w", err)
		}
		if f, err = loadFloor(ctx, tx, m.MeetingID, id); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, m.MeetingID, EventFloorRequested, voteAudience, f)
		return err
	})
	return f, err
}

// FloorAction is what the chair (or, to withdraw, the requester) does with a request.
type FloorAction struct {
	// Action is "grant", "end", "skip", "withdraw" or "move".
	Action string `json:"action"`
	// Position, for "move": the new place in the queue (1 = next).
	Position int `json:"position"`
	// LimitSeconds, for "grant": speaking time; 0 uses the meeting's default.
	LimitSeconds int `json:"limit_seconds"`
}

// ActOnFloor applies a floor action. Granting ends whoever is speaking, then spotlights and
// unmutes the new speaker on the media side; ending mutes them again. Only the chair grants,
// ends, skips and reorders; a requester may withdraw their own waiting request.
func (s *Service) ActOnFloor(ctx context.Context, m Member, id int64, a FloorAction) (FloorRequest, error) {
	chair := m.Role == RoleChair
	if a.Action != "withdraw" && !chair {
		return FloorRequest{}, errs.E(errs.Forbidden, "Chỉ chủ trì điều hành phát biểu.", "Only the chair gives and ends the floor.")
	}
	var f FloorRequest
	var commands []MediaCommand
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := scanFloor(tx.QueryRowContext(ctx, `SELECT `+floorColumns+` FROM floor_requests f JOIN users u ON u.id = f.user_id
			WHERE f.id = ? AND f.meeting_id = ?`+store.ForUpdate(tx), id, m.MeetingID))
		if err != nil {
			return err
		}
		now := tx.Now()
		wrongState := func() error {
			return errs.E(errs.Conflict, fmt.Sprintf("Lượt phát biểu đang ở trạng thái %q, không thể thực hiện.", cur.Status),
				fmt.Sprintf("The request is %s; %s is not possible.", cur.Status, a.Action))
		}
		switch a.Action {
		case "grant":
			if cur.Status != FloorWaiting {
				return wrongState()
			}
			if err := s.checkMeetingLive(ctx, tx, m.MeetingID); err != nil {
				return err
			}
			limit := a.LimitSeconds
			if limit < 0 || limit > 4*3600 {
				return errs.Fieldf("limit_seconds", "Thời gian phát biểu không hợp lệ.", "The speaking time is out of range.")
			}
			if limit == 0 {
				if limit, err = speakingSeconds(ctx, tx, m.MeetingID); err != nil {
					return err
				}
			}
			// One speaker at a time: whoever holds the floor now yields it.
			var prev []FloorRequest
			rows, err := tx.QueryContext(ctx, `SELECT `+floorColumns+` FROM floor_requests f JOIN users u ON u.id = f.user_id
				WHERE f.meeting_id = ? AND f.status = 'speaking'`, m.MeetingID)
			if err != nil {
				return err
			}
			for rows.Next() {
				p, err := scanFloor(rows)
				if err != nil {
					rows.Close()
					return err
				}
				prev = append(prev, p)
			}
			rows.Close()
			for _, p := range prev {
				if _, err := tx.ExecContext(ctx, `UPDATE floor_requests SET status = 'done', ended_at = ? WHERE id = ?`, now, p.ID); err != nil {
					return err
				}
				if p.MediaIdentity() != cur.MediaIdentity() {
					commands = append(commands, MediaCommand{Type: "mute", Identity: p.MediaIdentity()})
				}
			}
			// The speech belongs to the item under discussion when it is given, not when it was asked for.
			if _, err := tx.ExecContext(ctx, `UPDATE floor_requests SET status = 'speaking', started_at = ?, limit_seconds = ?, decided_by = ?,
				agenda_item_id = COALESCE((SELECT item_id FROM agenda_current WHERE meeting_id = ?), agenda_item_id)
				WHERE id = ?`, now, limit, m.UserID, m.MeetingID, id); err != nil {
				return err
			}
			commands = append(commands, MediaCommand{Type: "spotlight", Identity: cur.MediaIdentity()},
				MediaCommand{Type: "unmute", Identity: cur.MediaIdentity()})
		case "end":
			if cur.Status != FloorSpeaking {
				return wrongState()
			}
			if _, err := tx.ExecContext(ctx, `UPDATE floor_requests SET status = 'done', ended_at = ? WHERE id = ?`, now, id); err != nil {
				return err
			}
			commands = append(commands, MediaCommand{Type: "mute", Identity: cur.MediaIdentity()})
		case "skip", "withdraw":
			if cur.Status != FloorWaiting {
				return wrongState()
			}
			if a.Action == "withdraw" && cur.UserID != m.UserID && !chair {
				return errs.E(errs.Forbidden, "Chỉ người đăng ký được rút lượt phát biểu của mình.", "Only the person who asked may withdraw the request.")
			}
			status := FloorSkipped
			if a.Action == "withdraw" {
				status = FloorWithdrawn
			}
			if _, err := tx.ExecContext(ctx, `UPDATE floor_requests SET status = ?, ended_at = ?, decided_by = ? WHERE id = ?`, status, now, m.UserID, id); err != nil {
				return err
			}
		case "move":
			if cur.Status != FloorWaiting {
				return wrongState()
			}
			if err := moveInQueue(ctx, tx, m.MeetingID, id, a.Position); err != nil {
				return err
			}
		default:
			return errs.Fieldf("action", "Thao tác không hợp lệ: %q.", "Unknown action %q.", a.Action)
		}
		if f, err = loadFloor(ctx, tx, m.MeetingID, id); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, m.MeetingID, EventFloorChanged, voteAudience, map[string]any{"request": f, "action": a.Action})
		if err != nil {
			return err
		}
		for _, c := range commands {
			s.sendMedia(tx, m.MeetingID, c)
		}
		return nil
	})
	return f, err
}

// moveInQueue puts a waiting request at position (1-based) among the waiting ones and renumbers
// the queue, so positions stay a plain 1..n whatever the order of concurrent moves.
func moveInQueue(ctx context.Context, tx *store.Tx, meetingID, id int64, position int) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM floor_requests WHERE meeting_id = ? AND status = 'waiting' ORDER BY position, id`, meetingID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			rows.Close()
			return err
		}
		if x != id {
			ids = append(ids, x)
		}
	}
	rows.Close()
	if position < 1 || position > len(ids)+1 {
		return errs.Fieldf("position", "Vị trí phải từ 1 đến %d.", "The position must be between 1 and %d.", len(ids)+1)
	}
	ids = append(ids[:position-1], append([]int64{id}, ids[position-1:]...)...)
	for i, x := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE floor_requests SET position = ? WHERE id = ?`, i+1, x); err != nil {
			return err
		}
	}
	return nil
}

func speakingSeconds(ctx context.Context, q store.Querier, meetingID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT speaking_seconds FROM session_settings WHERE meeting_id = ?`, meetingID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSpeakingSeconds, nil
	}
	return n, err
}

// SetSpeakingTime sets the meeting's default speaking time (chair or secretary).
func (s *Service) SetSpeakingTime(ctx context.Context, m Member, seconds int) error {
	if m.Role != RoleChair && m.Role != RoleSecretary {
		return errs.E(errs.Forbidden, "Chỉ chủ trì hoặc thư ký được đặt thời gian phát biểu.", "Only the chair or the secretary may set the speaking time.")
	}
	if seconds < 30 || seconds > 3600 {
		return errs.Fieldf("speaking_seconds", "Thời gian phát biểu từ 30 giây đến 60 phút.", "Speaking time must be between 30 seconds and 60 minutes.")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO session_settings (meeting_id, speaking_seconds) VALUES (?, ?)
			ON CONFLICT (meeting_id) DO UPDATE SET speaking_seconds = excluded.speaking_seconds`, m.MeetingID, seconds); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, tx, m.MeetingID, "session.settings", voteAudience, map[string]int{"speaking_seconds": seconds})
		return err
	})
}

func (s *Service) checkAgendaItem(ctx context.Context, q store.Querier, meetingID, id int64) error {
	return agenda.CheckItem(ctx, q, meetingID, id)
}
