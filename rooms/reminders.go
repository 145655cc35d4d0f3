package rooms

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
)

// SendReminders reminds, for each offset before a scheduled meeting's start (a day, an hour),
// the invitees who have not answered yet, and those who accepted but have not opened every
// document meant for all invitees. It returns how many people it considered (a reminder already
// sent for that offset is not sent again, but still counted). A reminder is due once its moment has passed and the
// meeting has not started; it is not sent to someone invited after that moment (the invitation
// itself just told them). Each person gets at most one reminder per meeting and offset, even
// when several nodes run this at once: the outbox's key is the meeting and the offset.
func (s *Service) SendReminders(ctx context.Context, offsets []time.Duration) (int, error) {
	if s.notify == nil || len(offsets) == 0 {
		return 0, nil
	}
	now := s.db.Now()
	sent := 0
	for _, off := range offsets {
		if off <= 0 {
			continue
		}
		var ids []int64
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM meetings WHERE status = 'scheduled' AND starts_at > ? AND starts_at <= ?
			ORDER BY starts_at LIMIT 500`, now, now.Add(off))
		if err != nil {
			return sent, fmt.Errorf("rooms: meetings to remind: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return sent, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			err := s.db.InTx(ctx, func(tx *store.Tx) error {
				m, err := loadMeeting(ctx, tx, id, "")
				if err != nil || m.Status != Scheduled {
					return err
				}
				before := m.StartsAt.Add(-off)
				unanswered, err := invitedUsers(ctx, tx, id, ` AND response = 'pending' AND role <> 'secretary' AND invited_at < ?`, before)
				if err != nil {
					return err
				}
				// Those who accepted but have not opened every document all invitees may read.
				unread, err := invitedUsers(ctx, tx, id, ` AND response = 'accepted' AND role <> 'secretary' AND invited_at < ?
					AND EXISTS (SELECT 1 FROM documents d WHERE d.meeting_id = meeting_participants.meeting_id AND d.access = 'all'
						AND NOT EXISTS (SELECT 1 FROM notify_document_opens o WHERE o.document_id = d.id AND o.user_id = meeting_participants.user_id))`, before)
				if err != nil {
					return err
				}
				key := fmt.Sprintf("meeting:%d:remind:%s", id, off)
				subject := "Nhắc lịch họp (" + offsetText(off) + " nữa): " + m.Title
				for _, g := range []struct {
					users []int64
					why   string
				}{{unanswered, "Đồng chí chưa xác nhận tham dự cuộc họp sau.\n\n" + meetingDetails(m) + "\n\nĐề nghị đồng chí xác nhận tham dự hoặc báo vắng trên phonghop."},
					{unread, "Cuộc họp sau có tài liệu đồng chí chưa mở.\n\n" + meetingDetails(m) + "\n\nĐề nghị đồng chí nghiên cứu tài liệu trước cuộc họp trên phonghop."}} {
					if len(g.users) == 0 {
						continue
					}
					sent += len(g.users)
					if err := s.notify.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindReminder, Recipients: g.users, MeetingID: id,
						Subject: subject, Body: g.why, Link: meetingLink(id), DedupKey: key}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}

// offsetText says an offset in Vietnamese: "1 ngày", "2 giờ", "30 phút", "1 giờ 30 phút".
func offsetText(d time.Duration) string {
	var parts []string
	if days := int(d / (24 * time.Hour)); days > 0 {
		parts, d = append(parts, fmt.Sprintf("%d ngày", days)), d%(24*time.Hour)
	}
	if h := int(d / time.Hour); h > 0 {
		parts, d = append(parts, fmt.Sprintf("%d giờ", h)), d%time.Hour
	}
	if m := int(d / time.Minute); m > 0 {
		parts = append(parts, fmt.Sprintf("%d phút", m))
	}
	if len(parts) == 0 {
		return "ít phút"
	}
	return strings.Join(parts, " ")
}

// RunReminders calls SendReminders every interval until ctx ends.
func (s *Service) RunReminders(ctx context.Context, offsets []time.Duration, every time.Duration, log *slog.Logger) {
	if s.notify == nil || len(offsets) == 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.SendReminders(ctx, offsets); err != nil && ctx.Err() == nil {
			log.Warn("meeting reminders", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
