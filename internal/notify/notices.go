package notify

import (
	"context"
	"time"

	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms/notice"
)

// Notices delivers the notices of the work between sessions (opinion forms, tasks from
// conclusions) through the outbox, in-app and by e-mail, in the transaction of the change; Log
// (the meeting event log, notice.EventLog) still gets them first, so open pages see them live.
type Notices struct {
	Outbox *Outbox
	Log    notice.Notifier
}

// Notify implements notice.Notifier.
func (n Notices) Notify(ctx context.Context, tx *store.Tx, x notice.Notice) error {
	if n.Log != nil {
		if err := n.Log.Notify(ctx, tx, x); err != nil {
			return err
		}
	}
	return n.Outbox.Enqueue(ctx, tx, Notification{Kind: x.Kind, Recipients: x.Users, MeetingID: x.MeetingID,
		Subject: x.Subject, Body: x.Body, Link: x.Link, DedupKey: noticeKey(tx, x), Channels: []string{InApp, Email}})
}

// noticeKey names the change (the outbox adds the recipient and channel): a form is sent and
// closed once, so its link is enough; reminders, assignments and overdue flags can come again,
// each a change of its own, so the time of the change is part of their key.
func noticeKey(tx *store.Tx, x notice.Notice) string {
	key := "notice:" + x.Kind + ":" + x.Link
	if x.Kind != notice.FormSent && x.Kind != notice.FormClosed {
		key += ":" + tx.Now().UTC().Format(time.RFC3339Nano)
	}
	return key
}
