// Package notice is the seam through which the work between sessions (opinion forms, tasks from
// conclusions) tells people that something needs them: a form was sent to them, a reminder, a
// form closed, a task assigned, a task overdue.
//
// Callers call Notifier.Notify inside the transaction that makes the change, so a notice exists
// exactly when the change committed. Today the implementation is EventLog, which appends the
// notice to the meeting's event log addressed to the named people (their open meeting pages see
// it live, and it stays in the log). A delivery service (e-mail, in-app inbox) plugs in by
// implementing Notifier and being passed where EventLog is passed today (cmd/phonghop wiring);
// nothing else changes.
package notice

import (
	"context"
	"slices"

	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
)

// Kinds of notices.
const (
	FormSent     = "opinion.sent"     // a written opinion form awaits the recipient's answer
	FormReminder = "opinion.reminder" // the secretary reminds those who have not answered
	FormClosed   = "opinion.closed"   // the form no longer takes answers
	TaskAssigned = "task.assigned"    // a task from a conclusion was given to the recipient's unit
	TaskOverdue  = "task.overdue"     // a task passed its deadline without being done
)

// Notice is "tell these people this".
type Notice struct {
	MeetingID int64   `json:"meeting_id"`
	Kind      string  `json:"kind"`
	Users     []int64 `json:"users"`
	// Subject and Body are Vietnamese, ready to show or to put in an e-mail.
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// Link is the web app's path to act on it (e.g. /opinions/12).
	Link string `json:"link"`
}

// Notifier delivers notices. Notify runs inside tx: an error fails the change it belongs to, so an
// implementation that cannot deliver at once should queue (an outbox row) rather than fail.
type Notifier interface {
	Notify(ctx context.Context, tx *store.Tx, n Notice) error
}

// EventLog writes notices to the meeting's event log, seen only by the named people.
type EventLog struct{ Log *events.Log }

// Notify implements Notifier. A notice for nobody is dropped.
func (e EventLog) Notify(ctx context.Context, tx *store.Tx, n Notice) error {
	users := slices.Clone(n.Users)
	slices.Sort(users)
	users = slices.Compact(users)
	if len(users) == 0 {
		return nil
	}
	n.Users = users
	_, err := e.Log.Append(ctx, tx, n.MeetingID, "notice."+n.Kind, events.Audience{Users: users}, n)
	return err
}
