package rooms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
)

// Invitation events.
const (
	EventParticipants = "participants.changed"
	EventAttendance   = "attendance.changed"
)

// Invitee is a person or a meeting point to invite, with a meeting role.
type Invitee struct {
	UserID         *int64 `json:"user_id"`
	MeetingPointID *int64 `json:"meeting_point_id"`
	Role           string `json:"role"`
	// CanVote gives a delegate (or the chair) the right to vote.
	CanVote bool `json:"can_vote"`
}

// Participant is an invitation, its answer and its attendance.
type Participant struct {
	ID               int64      `json:"id"`
	MeetingID        int64      `json:"meeting_id"`
	UserID           *int64     `json:"user_id"`
	MeetingPointID   *int64     `json:"meeting_point_id"`
	Name             string     `json:"name"`
	Title            string     `json:"title"`
	Organization     string     `json:"organization"`
	Role             string     `json:"role"`
	CanVote          bool       `json:"can_vote"`
	Response         string     `json:"response"`
	ResponseReason   string     `json:"response_reason"`
	RespondedAt      *time.Time `json:"responded_at,omitempty"`
	Attendance       Attendance `json:"attendance"`
	AttendanceReason string     `json:"attendance_reason"`
	AttendanceAt     *time.Time `json:"attendance_at,omitempty"`
	ChangedAt        *time.Time `json:"changed_at,omitempty"`
}

func (in *Invitee) validate() error {
	if (in.UserID == nil) == (in.MeetingPointID == nil) {
		return errs.Fieldf("user_id", "Hãy chọn một người hoặc một điểm cầu.", "Choose either a person or a meeting point.")
	}
	if in.Role == "" {
		in.Role = RoleDelegate
	}
	if !validRole(in.Role) {
		return errs.Fieldf("role", "Vai trò không hợp lệ: %q.", "Unknown role %q.", in.Role)
	}
	if in.MeetingPointID != nil && in.Role != RoleDelegate && in.Role != RoleGuest {
		return errs.Fieldf("role", "Điểm cầu chỉ tham dự với vai trò đại biểu hoặc khách mời.", "A meeting point takes part as a delegate or a guest.")
	}
	if in.CanVote && (in.MeetingPointID != nil || (in.Role != RoleDelegate && in.Role != RoleChair)) {
		return errs.Fieldf("can_vote", "Chỉ chủ trì và đại biểu (cá nhân) có quyền biểu quyết.", "Only the chair and delegates (people) may have the right to vote.")
	}
	return nil
}

// Invite adds invitees to a meeting (organizers only). Someone already invited is refused with a
// conflict naming the field, and nothing of the batch is kept.
func (s *Service) Invite(ctx context.Context, mem Member, list []Invitee) ([]Participant, error) {
	if !mem.CanPrepare() {
		return nil, errPrepareOnly
	}
	if len(list) == 0 || len(list) > 1000 {
		return nil, errs.Fieldf("invitees", "Mỗi lần mời từ 1 đến 1000 đại biểu.", "Invite between 1 and 1000 at a time.")
	}
	var out []Participant
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		m, err := loadMeeting(ctx, tx, mem.MeetingID, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		if m.Status == Ended || m.Status == Archived || m.Status == Cancelled {
			return errs.E(errs.Conflict, "Cuộc họp đã kết thúc; không mời thêm được.", "The meeting is over; no one can be invited now.")
		}
		for i := range list {
			id, err := s.invite(ctx, tx, mem.MeetingID, list[i], m.Status != Draft)
			if err != nil {
				return err
			}
			p, err := loadParticipant(ctx, tx, mem.MeetingID, id)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		if err := s.notifyNewInvitees(ctx, tx, m, out); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, mem.MeetingID, EventParticipants, events.Audience{}, map[string]any{"added": out})
		return err
	})
	return out, err
}

func (s *Service) invite(ctx context.Context, tx *store.Tx, meetingID int64, in Invitee, _ bool) (int64, error) {
	if err := in.validate(); err != nil {
		return 0, err
	}
	if in.Role == RoleChair || in.Role == RoleSecretary {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM meeting_participants WHERE meeting_id = ? AND role = ?`, meetingID, in.Role).Scan(&n); err != nil {
			return 0, err
		}
		if n > 0 {
			e := errs.E(errs.Invalid, "Cuộc họp đã có "+map[string]string{RoleChair: "chủ trì", RoleSecretary: "thư ký"}[in.Role]+".", "The meeting already has a "+in.Role+".")
			e.Field = "role"
			return 0, e
		}
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO meeting_participants (meeting_id, user_id, meeting_point_id, role, can_vote, invited_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, meetingID, in.UserID, in.MeetingPointID, in.Role, in.CanVote, tx.Now()).Scan(&id)
	switch {
	case store.IsUniqueViolation(err):
		return 0, errs.Fieldf("user_id", "Người hoặc điểm cầu này đã được mời.", "This person or meeting point is already invited.")
	case store.IsForeignKeyViolation(err):
		return 0, errs.Fieldf("user_id", "Không tìm thấy người hoặc điểm cầu được mời.", "No such person or meeting point.")
	case err != nil:
		return 0, fmt.Errorf("rooms: invite: %w", err)
	}
	return id, nil
}

const participantColumns = `p.id, p.meeting_id, p.user_id, p.meeting_point_id,
	COALESCE(u.full_name, pt.name), COALESCE(u.title, ''), COALESCE(uo.name, po.name),
	p.role, p.can_vote, p.response, p.response_reason, p.responded_at, p.attendance, p.attendance_reason, p.attendance_at, p.changed_at`

const participantJoins = ` FROM meeting_participants p
	LEFT JOIN users u ON u.id = p.user_id LEFT JOIN organizations uo ON uo.id = u.organization_id
	LEFT JOIN meeting_points pt ON pt.id = p.meeting_point_id LEFT JOIN organizations po ON po.id = pt.organization_id`

func scanParticipant(row interface{ Scan(...any) error }) (Participant, error) {
	var p Participant
	var att string
	var responded, attAt, changed store.Time
	err := row.Scan(&p.ID, &p.MeetingID, &p.UserID, &p.MeetingPointID, &p.Name, &p.Title, &p.Organization, &p.Role, &p.CanVote,
		&p.Response, &p.ResponseReason, &responded, &att, &p.AttendanceReason, &attAt, &changed)
	if errors.Is(err, sql.ErrNoRows) {
		return Participant{}, errs.E(errs.NotFound, "Không tìm thấy đại biểu trong cuộc họp.", "Participant not found in this meeting.")
	}
	if err != nil {
		return Participant{}, fmt.Errorf("rooms: scan participant: %w", err)
	}
	p.Attendance = Attendance(att)
	p.RespondedAt, p.AttendanceAt, p.ChangedAt = timePtr(responded), timePtr(attAt), timePtr(changed)
	return p, nil
}

func loadParticipant(ctx context.Context, q store.Querier, meetingID, id int64) (Participant, error) {
	return scanParticipant(q.QueryRowContext(ctx, `SELECT `+participantColumns+participantJoins+` WHERE p.meeting_id = ? AND p.id = ?`, meetingID, id))
}

// Participants lists a meeting's invitees: chair, secretary, delegates, guests, operators, then by name.
func (s *Service) Participants(ctx context.Context, mem Member) ([]Participant, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+participantColumns+participantJoins+` WHERE p.meeting_id = ?
		ORDER BY CASE p.role WHEN 'chair' THEN 0 WHEN 'secretary' THEN 1 WHEN 'delegate' THEN 2 WHEN 'guest' THEN 3 ELSE 4 END, p.id`, mem.MeetingID)
	if err != nil {
		return nil, fmt.Errorf("rooms: participants: %w", err)
	}
	defer rows.Close()
	var out []Participant
	for rows.Next() {
		p, err := scanParticipant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ParticipantChange edits an invitation's role or right to vote.
type ParticipantChange struct {
	Role    string `json:"role"`
	CanVote bool   `json:"can_vote"`
}

// UpdateParticipant changes an invitee's role or right to vote (organizers only).
func (s *Service) UpdateParticipant(ctx context.Context, mem Member, id int64, ch ParticipantChange) (Participant, error) {
	if !mem.CanPrepare() {
		return Participant{}, errPrepareOnly
	}
	var p Participant
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadParticipant(ctx, tx, mem.MeetingID, id)
		if err != nil {
			return err
		}
		in := Invitee{UserID: cur.UserID, MeetingPointID: cur.MeetingPointID, Role: ch.Role, CanVote: ch.CanVote}
		if err := in.validate(); err != nil {
			return err
		}
		if in.Role != cur.Role && (in.Role == RoleChair || in.Role == RoleSecretary) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM meeting_participants WHERE meeting_id = ? AND role = ?`, mem.MeetingID, in.Role).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errs.Fieldf("role", "Cuộc họp đã có người giữ vai trò này.", "Someone already holds this role in the meeting.")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE meeting_participants SET role = ?, can_vote = ? WHERE id = ?`, in.Role, in.CanVote, id); err != nil {
			return err
		}
		if p, err = loadParticipant(ctx, tx, mem.MeetingID, id); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, mem.MeetingID, EventParticipants, events.Audience{}, map[string]any{"changed": p})
		return err
	})
	return p, err
}

// RemoveParticipant withdraws an invitation that has no attendance or votes behind it.
func (s *Service) RemoveParticipant(ctx context.Context, mem Member, id int64) error {
	if !mem.CanPrepare() {
		return errPrepareOnly
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadParticipant(ctx, tx, mem.MeetingID, id)
		if err != nil {
			return err
		}
		if cur.Attendance != NotYet {
			return errs.E(errs.Conflict, "Đại biểu đã được điểm danh; không thể rút giấy mời.", "This participant's attendance is recorded; the invitation cannot be withdrawn.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM meeting_participants WHERE id = ?`, id); err != nil {
			if store.IsForeignKeyViolation(err) {
				return errs.E(errs.Conflict, "Đại biểu đã có hoạt động trong cuộc họp; không thể rút giấy mời.", "This participant has records in the meeting; the invitation cannot be withdrawn.")
			}
			return err
		}
		_, err = s.events.Append(ctx, tx, mem.MeetingID, EventParticipants, events.Audience{}, map[string]any{"removed": id})
		return err
	})
}

// Respond records an invitee's answer: accept, or decline with a reason.
func (s *Service) Respond(ctx context.Context, mem Member, accept bool, reason string) (Participant, error) {
	if mem.ParticipantID == 0 {
		return Participant{}, errs.E(errs.Forbidden, "Bạn không có giấy mời dự cuộc họp này.", "You are not invited to this meeting.")
	}
	reason = strings.TrimSpace(reason)
	if !accept && reason == "" {
		return Participant{}, errs.Fieldf("reason", "Hãy nêu lý do không tham dự.", "Give the reason for declining.")
	}
	if utf8.RuneCountInString(reason) > 1000 {
		return Participant{}, errs.Fieldf("reason", "Lý do tối đa 1000 ký tự.", "The reason may have at most 1000 characters.")
	}
	response := "accepted"
	if !accept {
		response = "declined"
	}
	var p Participant
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE meeting_participants SET response = ?, response_reason = ?, responded_at = ?, changed_at = NULL
			WHERE id = ?`, response, reason, tx.Now(), mem.ParticipantID); err != nil {
			return err
		}
		var err error
		if p, err = loadParticipant(ctx, tx, mem.MeetingID, mem.ParticipantID); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, mem.MeetingID, EventParticipants, events.Audience{}, map[string]any{"changed": p})
		return err
	})
	return p, err
}

// checkPointInvited refuses a meeting point that is not invited to the meeting.
func (s *Service) checkPointInvited(ctx context.Context, q store.Querier, meetingID, pointID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM meeting_participants WHERE meeting_id = ? AND meeting_point_id = ?`,
		meetingID, pointID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.Fieldf("meeting_point_id", "Điểm cầu này không tham dự cuộc họp.", "This meeting point is not part of the meeting.")
	}
	return nil
}
