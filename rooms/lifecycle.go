package rooms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
)

// Meeting events on the log.
const (
	EventMeetingUpdated = "meeting.updated"
	EventMeetingStatus  = "meeting.status"
)

// Create makes a draft meeting of an organization; p must be its secretary (or an administrator).
// The chair and secretary named on the form are invited with those roles.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in MeetingInput) (Meeting, error) {
	if err := in.Validate(); err != nil {
		return Meeting{}, err
	}
	if in.OrganizationID == 0 {
		return Meeting{}, errs.Fieldf("organization_id", "Hãy chọn cơ quan chủ trì.", "Choose the organizing body.")
	}
	if !p.IsSecretaryOf(in.OrganizationID) {
		return Meeting{}, errs.E(errs.Forbidden, "Chỉ thư ký của cơ quan được tạo cuộc họp của cơ quan đó.", "Only a secretary of the body may create its meetings.")
	}
	var m Meeting
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO meetings (organization_id, title, kind, place, starts_at, ends_at, status, created_by,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) RETURNING id`,
			in.OrganizationID, in.Title, string(in.Kind), in.Place, in.StartsAt, in.EndsAt, p.ID, now, now).Scan(&id)
		if store.IsForeignKeyViolation(err) {
			return errs.Fieldf("organization_id", "Cơ quan không tồn tại.", "No such organization.")
		}
		if err != nil {
			return fmt.Errorf("rooms: create meeting: %w", err)
		}
		for _, inv := range []struct {
			id   *int64
			role string
		}{{in.ChairID, RoleChair}, {in.SecretaryID, RoleSecretary}} {
			if inv.id == nil {
				continue
			}
			if _, err := s.invite(ctx, tx, id, Invitee{UserID: inv.id, Role: inv.role, CanVote: inv.role == RoleChair}, false); err != nil {
				return err
			}
		}
		if m, err = loadMeeting(ctx, tx, id, ""); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, id, EventMeetingUpdated, events.Audience{}, m)
		return err
	})
	return m, err
}

// Update changes a meeting's details. Changing the time or place of a meeting whose invitations
// are out marks every invitation as changed, so invitees see it in "my meetings".
func (s *Service) Update(ctx context.Context, mem Member, in MeetingInput) (Meeting, error) {
	if !mem.CanPrepare() {
		return Meeting{}, errPrepareOnly
	}
	if err := in.Validate(); err != nil {
		return Meeting{}, err
	}
	var m Meeting
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadMeeting(ctx, tx, mem.MeetingID, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		switch cur.Status {
		case Ended, Archived, Cancelled:
			return errs.E(errs.Conflict, "Cuộc họp đã kết thúc; không sửa được thông tin.", "The meeting is over; its details can no longer change.")
		}
		now := tx.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE meetings SET title = ?, kind = ?, place = ?, starts_at = ?, ends_at = ?, updated_at = ?
			WHERE id = ?`, in.Title, string(in.Kind), in.Place, in.StartsAt, in.EndsAt, now, mem.MeetingID); err != nil {
			return err
		}
		rescheduled := !cur.StartsAt.Equal(in.StartsAt) || !cur.EndsAt.Equal(in.EndsAt) || cur.Place != in.Place
		if rescheduled && cur.Status != Draft {
			if _, err := tx.ExecContext(ctx, `UPDATE meeting_participants SET changed_at = ? WHERE meeting_id = ?`, now, mem.MeetingID); err != nil {
				return err
			}
		}
		if m, err = loadMeeting(ctx, tx, mem.MeetingID, ""); err != nil {
			return err
		}
		if rescheduled && cur.Status != Draft {
			if err := s.notifyRescheduled(ctx, tx, m); err != nil {
				return err
			}
		}
		_, err = s.events.Append(ctx, tx, mem.MeetingID, EventMeetingUpdated, events.Audience{},
			map[string]any{"meeting": m, "rescheduled": rescheduled && cur.Status != Draft})
		return err
	})
	return m, err
}

var errPrepareOnly = errs.E(errs.Forbidden, "Chỉ người tổ chức cuộc họp (chủ trì, thư ký) được thực hiện thao tác này.", "Only the meeting's organizers (chair, secretary) may do this.")

// transitions lists, for each action, the statuses it leaves from and the status it reaches.
var transitions = map[string]struct {
	from []Status
	to   Status
	// chairOrSecretary: run by the chair or the meeting's secretary; otherwise any organizer.
	session bool
}{
	"schedule": {[]Status{Draft}, Scheduled, false},
	"start":    {[]Status{Scheduled}, InSession, true},
	"pause":    {[]Status{InSession}, Paused, true},
	"resume":   {[]Status{Paused}, InSession, true},
	"end":      {[]Status{InSession, Paused}, Ended, true},
	"archive":  {[]Status{Ended}, Archived, false},
	"cancel":   {[]Status{Draft, Scheduled}, Cancelled, false},
}

var statusNames = map[Status][2]string{
	Draft: {"dự thảo", "draft"}, Scheduled: {"đã gửi giấy mời", "scheduled"}, InSession: {"đang họp", "in session"},
	Paused: {"tạm dừng", "paused"}, Ended: {"đã kết thúc", "ended"}, Archived: {"đã lưu trữ", "archived"}, Cancelled: {"đã hủy", "cancelled"},
}

// Transition moves a meeting along its life: schedule (sends the invitations), start, pause,
// resume, end, archive, cancel. A move that its current status does not allow is refused with a
// conflict that names both.
func (s *Service) Transition(ctx context.Context, mem Member, action string) (Meeting, error) {
	tr, ok := transitions[action]
	if !ok {
		return Meeting{}, errs.Fieldf("action", "Thao tác không hợp lệ: %q.", "Unknown action %q.", action)
	}
	if !mem.CanPrepare() || (tr.session && mem.Role != RoleChair && mem.Role != RoleSecretary && mem.Role != "") {
		return Meeting{}, errPrepareOnly
	}
	var m Meeting
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadMeeting(ctx, tx, mem.MeetingID, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		allowed := false
		for _, f := range tr.from {
			allowed = allowed || cur.Status == f
		}
		if !allowed {
			n := statusNames[cur.Status]
			return errs.E(errs.Conflict, fmt.Sprintf("Không thể %s cuộc họp đang ở trạng thái %q.", actionNames[action], n[0]),
				fmt.Sprintf("Cannot %s a meeting that is %s.", action, n[1]))
		}
		if action == "schedule" {
			var chairs int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM meeting_participants WHERE meeting_id = ? AND role = 'chair'`,
				mem.MeetingID).Scan(&chairs); err != nil {
				return err
			}
			if chairs == 0 {
				return errs.E(errs.Conflict, "Cuộc họp cần có người chủ trì trước khi gửi giấy mời.", "The meeting needs a chair before invitations go out.")
			}
		}
		now := tx.Now()
		q, args := `UPDATE meetings SET status = ?, updated_at = ?`, []any{string(tr.to), now}
		switch tr.to {
		case InSession:
			q, args = q+`, started_at = COALESCE(started_at, ?)`, append(args, now)
		case Ended:
			q, args = q+`, ended_at = ?`, append(args, now)
		}
		if _, err := tx.ExecContext(ctx, q+` WHERE id = ?`, append(args, mem.MeetingID)...); err != nil {
			return err
		}
		if tr.to == Ended {
			// The recording stops with the session (its record_stop goes out before "end").
			if _, err := s.stopRunning(ctx, tx, mem.MeetingID, mem.UserID); err != nil && !errors.Is(err, errRecording) {
				return err
			}
		}
		if m, err = loadMeeting(ctx, tx, mem.MeetingID, ""); err != nil {
			return err
		}
		if err := s.notifyStatus(ctx, tx, m, cur.Status); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, mem.MeetingID, EventMeetingStatus, events.Audience{}, map[string]any{"status": m.Status, "action": action})
		return err
	})
	if err == nil && tr.to == Ended {
		s.endMedia(mem.MeetingID)
	}
	return m, err
}

var actionNames = map[string]string{"schedule": "gửi giấy mời cho", "start": "bắt đầu", "pause": "tạm dừng", "resume": "tiếp tục",
	"end": "kết thúc", "archive": "lưu trữ", "cancel": "hủy"}

func (s *Service) endMedia(meetingID int64) {
	if s.bus == nil {
		return
	}
	if err := s.bus.Publish(bus.MediaCommands(MediaRoom(meetingID)), MediaCommand{Type: "end"}); err != nil {
		s.log.Warn("end media room", "meeting", meetingID, "err", err)
	}
}

// checkMeetingLive refuses session actions outside the session.
func (s *Service) checkMeetingLive(ctx context.Context, q store.Querier, meetingID int64) error {
	var status string
	if err := q.QueryRowContext(ctx, `SELECT status FROM meetings WHERE id = ?`, meetingID).Scan(&status); err != nil {
		return err
	}
	if Status(status) != InSession && Status(status) != Paused {
		return errs.E(errs.Conflict, "Cuộc họp chưa bắt đầu hoặc đã kết thúc.", "The meeting is not in session.")
	}
	return nil
}

// MeetingSummary is a line of "my meetings".
type MeetingSummary struct {
	Meeting
	MyRole     string     `json:"my_role"`
	Response   string     `json:"response"`
	ChangedAt  *time.Time `json:"changed_at,omitempty"`
	Organizing bool       `json:"organizing"`
}

// Mine lists the meetings p is invited to (once invitations are out) or organizes, soonest first
// among those not over, then the rest.
func (s *Service) Mine(ctx context.Context, p *auth.Principal) ([]MeetingSummary, error) {
	orgs := p.SecretaryOrganizations()
	args := []any{p.ID}
	cond := `mp.user_id IS NOT NULL AND (m.status <> 'draft' OR mp.role IN ('chair', 'secretary'))`
	if p.IsAdmin {
		cond += ` OR 1 = 1`
	} else if len(orgs) > 0 {
		cond += ` OR m.organization_id IN (` + placeholders(len(orgs)) + `)`
		for _, o := range orgs {
			args = append(args, o)
		}
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+meetingColumns+`, COALESCE(mp.role, ''), COALESCE(mp.response, ''), mp.changed_at
		FROM meetings m JOIN organizations o ON o.id = m.organization_id
		LEFT JOIN meeting_participants mp ON mp.meeting_id = m.id AND mp.user_id = ?
		WHERE `+cond+`
		ORDER BY CASE WHEN m.status IN ('ended', 'archived', 'cancelled') THEN 1 ELSE 0 END, m.starts_at, m.id LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("rooms: my meetings: %w", err)
	}
	defer rows.Close()
	var out []MeetingSummary
	for rows.Next() {
		var ms MeetingSummary
		var changed store.Time
		var starts, ends, created, updated, started, ended store.Time
		var kind, status string
		m := &ms.Meeting
		if err := rows.Scan(&m.ID, &m.OrganizationID, &m.OrganizationName, &m.Title, &kind, &m.Place, &starts, &ends, &status, &m.CreatedBy,
			&created, &updated, &started, &ended, &ms.MyRole, &ms.Response, &changed); err != nil {
			return nil, err
		}
		m.Kind, m.Status = Kind(kind), Status(status)
		m.StartsAt, m.EndsAt, m.CreatedAt, m.UpdatedAt = starts.Time, ends.Time, created.Time, updated.Time
		m.StartedAt, m.EndedAt = timePtr(started), timePtr(ended)
		ms.ChangedAt = timePtr(changed)
		ms.Organizing = ms.MyRole == RoleChair || ms.MyRole == RoleSecretary || p.IsSecretaryOf(m.OrganizationID)
		out = append(out, ms)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}
