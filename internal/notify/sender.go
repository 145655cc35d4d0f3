package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/store"
)

// claimBatch bounds how many rows one pass takes, so a node does not hold rows it cannot send
// within its lease.
const claimBatch = 20

// Run sends due notifications until ctx ends: woken after each commit that enqueued some, and
// every Poll for rows enqueued on other nodes or waiting for their next try.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.opt.Poll)
	defer t.Stop()
	for {
		for {
			n, err := o.SendDue(ctx)
			if err != nil && ctx.Err() == nil {
				o.log.Warn("notifications: send pass", "err", err)
			}
			if n < claimBatch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-t.C:
		}
	}
}

// SendDue claims up to one batch of due rows, sends them and records the outcome; it returns how
// many rows it claimed.
func (o *Outbox) SendDue(ctx context.Context) (int, error) {
	msgs, err := o.claim(ctx)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	for _, m := range msgs {
		ch := o.channels[m.channel]
		var sendErr error
		if ch == nil {
			sendErr = fmt.Errorf("channel %q is not configured on this node", m.channel)
		} else {
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			sendErr = ch.Send(sctx, m.Message)
			cancel()
		}
		// Recorded with a context of its own: a message that was accepted must be marked even
		// when the loop is being stopped, or it would be sent again.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err := o.record(rctx, m, sendErr)
		cancel()
		if err != nil {
			return len(msgs), err
		}
	}
	return len(msgs), nil
}

type claimed struct {
	Message
	channel  string
	attempts int
}

// claim marks due rows as being sent by this node for one lease. A row left "sending" by a node
// that died is due again once its lease has run out.
func (o *Outbox) claim(ctx context.Context) ([]claimed, error) {
	var out []claimed
	err := o.db.InTx(ctx, func(tx *store.Tx) error {
		out = out[:0]
		now := tx.Now()
		pick := `SELECT id FROM notifications WHERE (status = 'pending' AND next_at <= ?) OR (status = 'sending' AND claimed_until < ?)
			ORDER BY next_at, id LIMIT ?`
		if tx.Dialect() == store.Postgres {
			pick += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := tx.QueryContext(ctx, `UPDATE notifications SET status = 'sending', attempts = attempts + 1, claimed_until = ?
			WHERE id IN (`+pick+`)
			RETURNING id, message_id, user_id, channel, kind, COALESCE(meeting_id, 0), address, subject, body, link, calendar, attempts, created_at`,
			now.Add(o.opt.Lease), now, now, claimBatch)
		if err != nil {
			return fmt.Errorf("notify: claim: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c claimed
			var created store.Time
			if err := rows.Scan(&c.ID, &c.MessageID, &c.UserID, &c.channel, &c.Kind, &c.MeetingID, &c.Address, &c.Subject, &c.Body,
				&c.Link, &c.Calendar, &c.attempts, &created); err != nil {
				return fmt.Errorf("notify: claim: %w", err)
			}
			c.CreatedAt = created.Time
			if strings.Contains(c.Calendar, "\r\nMETHOD:CANCEL\r\n") {
				c.CalendarMethod = "CANCEL"
			} else if c.Calendar != "" {
				c.CalendarMethod = "REQUEST"
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// record writes the outcome of one send.
func (o *Outbox) record(ctx context.Context, m claimed, sendErr error) error {
	return o.db.InTx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		if sendErr == nil {
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'sent', sent_at = ?, claimed_until = NULL, last_error = ''
				WHERE id = ?`, now, m.ID)
			return err
		}
		msg := errorText(sendErr)
		if m.attempts >= o.opt.MaxAttempts {
			o.log.Warn("notification failed for good", "id", m.ID, "channel", m.channel, "user", m.UserID, "attempts", m.attempts, "err", msg)
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'failed', claimed_until = NULL, last_error = ? WHERE id = ?`, msg, m.ID)
			return err
		}
		next := now.Add(o.backoff(m.attempts))
		o.log.Info("notification will be retried", "id", m.ID, "channel", m.channel, "attempts", m.attempts, "next", next, "err", msg)
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'pending', claimed_until = NULL, next_at = ?, last_error = ? WHERE id = ?`,
			next, msg, m.ID)
		return err
	})
}

// backoff is the wait after the n-th failed attempt: Backoff doubled n-1 times, capped at
// MaxBackoff, then spread over its upper half so rows that failed together do not retry together.
func (o *Outbox) backoff(n int) time.Duration {
	d := o.opt.Backoff
	for i := 1; i < n && d < o.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, o.opt.MaxBackoff)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// errorText keeps an error short enough for the secretary's view and free of invalid UTF-8.
func errorText(err error) string {
	var perm interface{ Permanent() bool }
	s := err.Error()
	if errors.As(err, &perm) && perm.Permanent() {
		s = "permanent: " + s
	}
	s = strings.ToValidUTF8(s, "?")
	if utf8.RuneCountInString(s) > 500 {
		s = string([]rune(s)[:500]) + "…"
	}
	return s
}
