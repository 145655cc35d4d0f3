package rooms

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
)

// SetNotifier makes the service tell people of invitations, changes, cancellations, documents,
// approvals and votes through o, inside the transaction of each change. Without it (nil) the
// service notifies nobody, which is what tools and most tests want.
func (s *Service) SetNotifier(o *notify.Outbox) { s.notify = o }

var ict = time.FixedZone("ICT", 7*3600)

var kindNames = map[Kind]string{InPerson: "Trực tiếp", Online: "Trực tuyến", Hybrid: "Trực tiếp kết hợp trực tuyến"}

// when writes a meeting's time the way an invitation does: "08:30 – 10:30 ngày 10/12/2026".
func when(m Meeting) string {
	s, e := m.StartsAt.In(ict), m.EndsAt.In(ict)
	if s.YearDay() == e.YearDay() && s.Year() == e.Year() {
		return s.Format("15:04") + " – " + e.Format("15:04") + " ngày " + s.Format("02/01/2006")
	}
	return s.Format("15:04 ngày 02/01/2006") + " – " + e.Format("15:04 ngày 02/01/2006")
}

func meetingLink(id int64) string { return "/meetings/" + strconv.FormatInt(id, 10) }

func meetingDetails(m Meeting) string {
	lines := []string{"Cuộc họp: " + m.Title, "Thời gian: " + when(m)}
	if m.Place != "" {
		lines = append(lines, "Địa điểm: "+m.Place)
	}
	lines = append(lines, "Hình thức: "+kindNames[m.Kind], "Cơ quan chủ trì: "+m.OrganizationName)
	return strings.Join(lines, "\n")
}

// CalendarEvent is a meeting as calendars see it (mail and the calendar feed share its UID).
func CalendarEvent(m Meeting, cancel bool) *notify.CalendarEvent {
	return &notify.CalendarEvent{UID: "meeting-" + strconv.FormatInt(m.ID, 10), Title: m.Title, Place: m.Place,
		Description: meetingDetails(m), Start: m.StartsAt, End: m.EndsAt, Cancel: cancel, OrganizerName: m.OrganizationName,
		URL: meetingLink(m.ID)}
}

// invitedUsers lists the people (not meeting points) invited to a meeting.
func invitedUsers(ctx context.Context, q store.Querier, meetingID int64, where string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM meeting_participants WHERE meeting_id = ? AND user_id IS NOT NULL`+where+` ORDER BY id`,
		append([]any{meetingID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("rooms: recipients: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// notifyInvited sends the invitation (giấy mời) with its calendar request to the people given,
// or to everyone invited when users is nil. Someone already told of this meeting's invitation is
// not told again (the dedup key names the invitation, not the call).
func (s *Service) notifyInvited(ctx context.Context, tx *store.Tx, m Meeting, users []int64) error {
	if s.notify == nil {
		return nil
	}
	if users == nil {
		var err error
		if users, err = invitedUsers(ctx, tx, m.ID, ""); err != nil {
			return err
		}
	}
	return s.notify.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindInvitation, Recipients: users, MeetingID: m.ID,
		Subject: "Giấy mời họp: " + m.Title,
		Body:    "Kính mời đồng chí dự cuộc họp.\n\n" + meetingDetails(m) + "\n\nĐề nghị đồng chí xác nhận tham dự hoặc báo vắng trên phonghop.",
		Link:    meetingLink(m.ID), DedupKey: "meeting:" + strconv.FormatInt(m.ID, 10) + ":invited", Calendar: CalendarEvent(m, false)})
}

// notifyRescheduled tells every invitee of a new time or place, with an updated calendar request.
func (s *Service) notifyRescheduled(ctx context.Context, tx *store.Tx, m Meeting) error {
	if s.notify == nil {
		return nil
	}
	users, err := invitedUsers(ctx, tx, m.ID, "")
	if err != nil {
		return err
	}
	return s.notify.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindRescheduled, Recipients: users, MeetingID: m.ID,
		Subject: "Thay đổi thời gian, địa điểm họp: " + m.Title,
		Body:    "Cuộc họp đồng chí được mời đã thay đổi thời gian hoặc địa điểm.\n\n" + meetingDetails(m) + "\n\nĐề nghị đồng chí xác nhận lại việc tham dự trên phonghop.",
		Link:    meetingLink(m.ID), DedupKey: fmt.Sprintf("meeting:%d:changed:%d", m.ID, m.UpdatedAt.UnixMicro()), Calendar: CalendarEvent(m, false)})
}

// notifyStatus tells invitees that invitations went out or that the meeting is cancelled.
func (s *Service) notifyStatus(ctx context.Context, tx *store.Tx, m Meeting, from Status) error {
	switch {
	case s.notify == nil:
		return nil
	case m.Status == Scheduled:
		return s.notifyInvited(ctx, tx, m, nil)
	case m.Status == Cancelled && from == Scheduled:
		users, err := invitedUsers(ctx, tx, m.ID, "")
		if err != nil {
			return err
		}
		return s.notify.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindCancelled, Recipients: users, MeetingID: m.ID,
			Subject: "Hủy cuộc họp: " + m.Title,
			Body:    "Cuộc họp sau đây đã bị hủy; đồng chí không phải tham dự.\n\n" + meetingDetails(m),
			Link:    meetingLink(m.ID), DedupKey: "meeting:" + strconv.FormatInt(m.ID, 10) + ":cancelled", Calendar: CalendarEvent(m, true)})
	}
	return nil
}

// NotifyDocumentAdded tells the invitees who may read a new document of a meeting whose
// invitations are out. Package docs calls it (through the wiring) inside the upload's transaction.
func (s *Service) NotifyDocumentAdded(ctx context.Context, tx *store.Tx, meetingID, docID int64, title string, aud events.Audience) error {
	if s.notify == nil {
		return nil
	}
	m, err := loadMeeting(ctx, tx, meetingID, "")
	if err != nil || m.Status == Draft || m.Status == Cancelled || m.Status == Archived {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT user_id, role FROM meeting_participants WHERE meeting_id = ? AND user_id IS NOT NULL ORDER BY id`, meetingID)
	if err != nil {
		return fmt.Errorf("rooms: document recipients: %w", err)
	}
	var users []int64
	for rows.Next() {
		var id int64
		var role string
		if err := rows.Scan(&id, &role); err != nil {
			rows.Close()
			return err
		}
		if aud.Admits(id, role) {
			users = append(users, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return s.notify.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindDocument, Recipients: users, MeetingID: meetingID,
		Subject: "Tài liệu mới: " + title,
		Body:    "Tài liệu \"" + title + "\" đã được bổ sung cho cuộc họp.\n\n" + meetingDetails(m),
		Link:    fmt.Sprintf("/meetings/%d/documents/%d", meetingID, docID), DedupKey: fmt.Sprintf("document:%d:added", docID)})
}

// notifyApproval tells a leader that a draft waits for their approval.
func (s *Service) notifyApproval(ctx context.Context, tx *store.Tx, a Approval) error {
	if s.notify == nil {
		return nil
	}
	m, err := loadMeeting(ctx, tx, a.MeetingID, "")
	if err != nil {
		return err
	}
	return s.notify.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindApproval, Recipients: []int64{a.LeaderID}, MeetingID: a.MeetingID,
		Subject: "Chờ phê duyệt: " + a.Title + " – " + m.Title,
		Body:    "Văn bản \"" + a.Title + "\" (phiên bản " + strconv.Itoa(a.SubjectVersion) + ") đang chờ đồng chí phê duyệt.\n\n" + meetingDetails(m),
		Link:    meetingLink(a.MeetingID), DedupKey: fmt.Sprintf("approval:%d:requested", a.ID)})
}

// notifyVoteOpened tells the electorate of a vote that it is open. Only the in-app bell: a vote
// lasts minutes, and those in the meeting see it on the page already.
func (s *Service) notifyVoteOpened(ctx context.Context, tx *store.Tx, v Vote) error {
	if s.notify == nil || v.Status != VoteOpen {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM vote_electorate WHERE vote_id = ?`, v.ID)
	if err != nil {
		return fmt.Errorf("rooms: electorate: %w", err)
	}
	var users []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		users = append(users, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return s.notify.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindVote, Recipients: users, MeetingID: v.MeetingID,
		Subject: "Biểu quyết đang mở: " + v.Question, Body: "Mời đồng chí biểu quyết: " + v.Question,
		Link: meetingLink(v.MeetingID), DedupKey: fmt.Sprintf("vote:%d:opened", v.ID), Channels: []string{notify.InApp}})
}

// notifyNewInvitees sends the invitation to people added to a meeting whose invitations are out.
func (s *Service) notifyNewInvitees(ctx context.Context, tx *store.Tx, m Meeting, added []Participant) error {
	if s.notify == nil || m.Status == Draft {
		return nil
	}
	var users []int64
	for _, p := range added {
		if p.UserID != nil {
			users = append(users, *p.UserID)
		}
	}
	if len(users) == 0 {
		return nil
	}
	return s.notifyInvited(ctx, tx, m, users)
}
