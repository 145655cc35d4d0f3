package rooms

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
)

// Attendance is a participant's roll-call state (điểm danh).
type Attendance string

const (
	NotYet          Attendance = "unknown"   // chưa điểm danh
	InPersonPresent Attendance = "in_person" // có mặt trực tiếp
	OnlinePresent   Attendance = "online"    // có mặt trực tuyến
	Absent          Attendance = "absent"    // vắng mặt (có lý do)
)

// AttendanceCount is the live count the chair sees: members are the chair, the secretary and
// the delegates (people and meeting points); guests and operators are not counted.
type AttendanceCount struct {
	Members  int `json:"members"`
	Present  int `json:"present"`
	InPerson int `json:"in_person"`
	Online   int `json:"online"`
	Absent   int `json:"absent"`
	NotYet   int `json:"not_yet"`
	// Voters are the members with the right to vote, VotersPresent those of them present: what
	// a vote opened now would count, which Members (chair, secretary, points too) is not.
	Voters        int `json:"voters"`
	VotersPresent int `json:"voters_present"`
}

// AttendanceChange is a roll-call entry: for oneself (ParticipantID 0) or, by the secretary,
// for anyone.
type AttendanceChange struct {
	ParticipantID int64      `json:"participant_id"`
	Status        Attendance `json:"status"`
	Reason        string     `json:"reason"`
}

// SetAttendance records attendance. People check themselves in while the meeting is scheduled or
// in session; the meeting's organizers record anyone's until it ends. Absence needs a reason.
func (s *Service) SetAttendance(ctx context.Context, mem Member, ch AttendanceChange) (Participant, AttendanceCount, error) {
	ch.Reason = strings.TrimSpace(ch.Reason)
	switch ch.Status {
	case InPersonPresent, OnlinePresent, NotYet:
	case Absent:
		if ch.Reason == "" {
			return Participant{}, AttendanceCount{}, errs.Fieldf("reason", "Vắng mặt cần ghi rõ lý do.", "An absence needs a reason.")
		}
	default:
		return Participant{}, AttendanceCount{}, errs.Fieldf("status", "Trạng thái điểm danh không hợp lệ: %q.", "Unknown attendance %q.", ch.Status)
	}
	if utf8.RuneCountInString(ch.Reason) > 1000 {
		return Participant{}, AttendanceCount{}, errs.Fieldf("reason", "Lý do tối đa 1000 ký tự.", "The reason may have at most 1000 characters.")
	}
	self := ch.ParticipantID == 0 || ch.ParticipantID == mem.ParticipantID
	if self {
		ch.ParticipantID = mem.ParticipantID
		if ch.ParticipantID == 0 {
			return Participant{}, AttendanceCount{}, errs.E(errs.Forbidden, "Bạn không có giấy mời dự cuộc họp này.", "You are not invited to this meeting.")
		}
	} else if !mem.CanPrepare() {
		return Participant{}, AttendanceCount{}, errs.E(errs.Forbidden, "Chỉ thư ký điểm danh cho người khác.", "Only the secretary records others' attendance.")
	}
	var p Participant
	var c AttendanceCount
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		m, err := loadMeeting(ctx, tx, mem.MeetingID, "")
		if err != nil {
			return err
		}
		open := m.Status == Scheduled || m.Status == InSession || m.Status == Paused
		if !open && !(mem.CanPrepare() && m.Status == Ended) {
			return errs.E(errs.Conflict, "Chưa đến lúc điểm danh hoặc cuộc họp đã kết thúc.", "Attendance is not open for this meeting now.")
		}
		reason := ch.Reason
		if ch.Status != Absent {
			reason = ""
		}
		res, err := tx.ExecContext(ctx, `UPDATE meeting_participants SET attendance = ?, attendance_reason = ?, attendance_by = ?, attendance_at = ?
			WHERE id = ? AND meeting_id = ?`, string(ch.Status), reason, mem.UserID, tx.Now(), ch.ParticipantID, mem.MeetingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "Không tìm thấy đại biểu trong cuộc họp.", "Participant not found in this meeting.")
		}
		if p, err = loadParticipant(ctx, tx, mem.MeetingID, ch.ParticipantID); err != nil {
			return err
		}
		if c, err = countAttendance(ctx, tx, mem.MeetingID); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, mem.MeetingID, EventAttendance, events.Audience{}, map[string]any{"participant": p, "count": c})
		return err
	})
	return p, c, err
}

// Attendance returns the live count.
func (s *Service) Attendance(ctx context.Context, mem Member) (AttendanceCount, error) {
	return countAttendance(ctx, s.db.Reader(), mem.MeetingID)
}

func countAttendance(ctx context.Context, q store.Querier, meetingID int64) (AttendanceCount, error) {
	rows, err := q.QueryContext(ctx, `SELECT attendance, CASE WHEN can_vote AND user_id IS NOT NULL THEN 1 ELSE 0 END, COUNT(*)
		FROM meeting_participants WHERE meeting_id = ? AND role IN ('chair', 'secretary', 'delegate')
		GROUP BY attendance, CASE WHEN can_vote AND user_id IS NOT NULL THEN 1 ELSE 0 END`, meetingID)
	if err != nil {
		return AttendanceCount{}, fmt.Errorf("rooms: count attendance: %w", err)
	}
	defer rows.Close()
	var c AttendanceCount
	for rows.Next() {
		var a string
		var voter bool
		var n int
		if err := rows.Scan(&a, &voter, &n); err != nil {
			return AttendanceCount{}, err
		}
		c.Members += n
		if voter {
			c.Voters += n
			if Attendance(a) == InPersonPresent || Attendance(a) == OnlinePresent {
				c.VotersPresent += n
			}
		}
		switch Attendance(a) {
		case InPersonPresent:
			c.InPerson += n
		case OnlinePresent:
			c.Online += n
		case Absent:
			c.Absent += n
		default:
			c.NotYet += n
		}
	}
	c.Present = c.InPerson + c.Online
	return c, rows.Err()
}
