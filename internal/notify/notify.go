// Package notify owns notifications: the outbox a change writes in its own transaction, the
// sender loop that delivers it after commit through channels (e-mail with an iCalendar
// invitation, the in-app bell; SMS or chat gateways can be added behind the same Channel
// interface), each person's choice of channels, and the calendar feed.
//
// A domain service calls Enqueue inside the transaction that makes the change. One row is
// written per (DedupKey, recipient, channel) and the unique key on those three means that one
// change never yields two notifications, even when the caller enqueues it twice. After commit
// the sender is woken; it claims due rows (PostgreSQL: FOR UPDATE SKIP LOCKED, so several nodes
// never send the same row; SQLite: one node), sends them and records sent, or failed with the
// attempt count, the next try (exponential back-off with jitter) and the last error. After the
// last try the row stays "failed" and is visible to the meeting's secretary.
//
// The one window that cannot be closed: a mail server accepts a message and the node dies
// before the row is marked sent. The claim's lease then runs out and another pass sends the row
// again. It is kept small by marking the row right after each message is accepted (one message
// per SMTP transaction) and harmless by a Message-ID fixed per row at enqueue, by which mail
// servers and clients recognise the second copy.
package notify

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the outbox's schema.
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "notify", FS: sub}
}

// Channel names.
const (
	Email = "email"
	InApp = "inapp"
)

// Kinds of notification sent by the meeting service; other packages may use their own.
const (
	KindInvitation  = "invitation"
	KindRescheduled = "rescheduled"
	KindCancelled   = "cancelled"
	KindDocument    = "document"
	KindApproval    = "approval"
	KindVote        = "vote"
	KindReminder    = "reminder"
)

// Notification is one change to tell some people about.
type Notification struct {
	// Kind says what happened (KindInvitation, ...); the bell and the secretary's view group by it.
	Kind string
	// Recipients are user IDs; duplicates and zeros are ignored.
	Recipients []int64
	// MeetingID ties the notification to a meeting (0 for none), for the secretary's view.
	MeetingID int64
	// Subject and Body are the Vietnamese text: a one-line subject and a plain-text body whose
	// paragraphs are separated by blank lines (the e-mail's HTML part is made from it).
	Subject string
	Body    string
	// Link is a path inside phonghop ("/meetings/12"); e-mail makes it absolute with the public URL.
	Link string
	// DedupKey names the change, e.g. "meeting:12:rescheduled:2026-12-02T08:00:00Z". Enqueueing
	// the same key again for the same recipient and channel does nothing.
	DedupKey string
	// Calendar, when set, sends an iCalendar request (or cancel) with the e-mail.
	Calendar *CalendarEvent
	// Channels restricts delivery to these channels; empty means every channel the person wants.
	Channels []string
}

// Validate checks what Enqueue needs.
func (n *Notification) Validate() error {
	switch {
	case n.Kind == "":
		return errors.New("notify: a notification needs a kind")
	case n.DedupKey == "":
		return errors.New("notify: a notification needs a dedup key")
	case strings.TrimSpace(n.Subject) == "":
		return errors.New("notify: a notification needs a subject")
	}
	return nil
}

// Message is one row handed to a channel.
type Message struct {
	ID        int64
	MessageID string
	UserID    int64
	Kind      string
	MeetingID int64
	Address   string
	Subject   string
	Body      string
	Link      string
	// Calendar is an iCalendar object or empty; CalendarMethod is REQUEST or CANCEL.
	Calendar       string
	CalendarMethod string
	CreatedAt      time.Time
}

// Channel delivers messages. Send returns nil only once the message is handed over for good (an
// SMTP server accepted it, the bus took it); any error is retried with back-off.
type Channel interface {
	Name() string
	Send(ctx context.Context, m Message) error
}

// Options configure an Outbox. Zero values take the defaults in brackets.
type Options struct {
	DB  *store.DB
	Bus *bus.Bus // nil: the in-app channel records rows but pushes nothing live
	Log *slog.Logger
	// Email sends e-mail; nil leaves the e-mail channel out (no rows are written for it).
	Email Channel
	// Extra channels (SMS, chat gateways) beside e-mail and in-app.
	Extra []Channel
	// MaxAttempts before a row is left failed [8].
	MaxAttempts int
	// Backoff is the wait after the first failure, doubled after each next one [30s], up to MaxBackoff [1h].
	Backoff, MaxBackoff time.Duration
	// Poll is how often the sender looks for due rows when nobody wakes it [5s].
	Poll time.Duration
	// Lease is how long a claimed row is left to its node before another may take it [2m].
	Lease time.Duration
	// Domain names this installation in Message-IDs and calendar UIDs [phonghop.local].
	Domain string
	// Organizer is the address calendars show as the organizer (the mail sender).
	Organizer string
	// BaseURL is phonghop's public address (https://hop.example.gov.vn); links in mail and
	// calendars are made absolute with it. Empty leaves them out of mail.
	BaseURL string
}

// Outbox writes notifications and sends them. A nil *Outbox accepts Enqueue and does nothing,
// so services work unchanged where notifications are not wired (tools, some tests).
type Outbox struct {
	opt      Options
	db       *store.DB
	log      *slog.Logger
	channels map[string]Channel
	order    []string
	wake     chan struct{}
}

// New returns an outbox; call Run to send.
func New(opt Options) *Outbox {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 8
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 30 * time.Second
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = time.Hour
	}
	if opt.Poll <= 0 {
		opt.Poll = 5 * time.Second
	}
	if opt.Lease <= 0 {
		opt.Lease = 2 * time.Minute
	}
	if opt.Domain == "" {
		opt.Domain = "phonghop.local"
	}
	o := &Outbox{opt: opt, db: opt.DB, log: opt.Log, channels: map[string]Channel{}, wake: make(chan struct{}, 1)}
	o.add(&inAppChannel{bus: opt.Bus})
	if opt.Email != nil {
		o.add(opt.Email)
	}
	for _, c := range opt.Extra {
		o.add(c)
	}
	return o
}

// absolute makes a path inside phonghop a full URL, or "" without a public base URL.
func (o *Outbox) absolute(path string) string {
	if path == "" || o.opt.BaseURL == "" {
		return ""
	}
	return strings.TrimSuffix(o.opt.BaseURL, "/") + "/" + strings.TrimPrefix(path, "/")
}

func (o *Outbox) add(c Channel) {
	if _, dup := o.channels[c.Name()]; !dup {
		o.order = append(o.order, c.Name())
	}
	o.channels[c.Name()] = c
}

// HasChannel reports whether a channel is configured.
func (o *Outbox) HasChannel(name string) bool {
	if o == nil {
		return false
	}
	_, ok := o.channels[name]
	return ok
}

// Kick wakes the sender (Enqueue does it after commit).
func (o *Outbox) Kick() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Enqueue records a notification for every recipient on every channel they want, inside tx.
// Nothing is sent before tx commits, and nothing at all if it rolls back. E-mail goes only to
// people with an address in their settings. It returns an error only for a bad notification or
// a database failure, which should fail the change (the outbox is part of it).
func (o *Outbox) Enqueue(ctx context.Context, tx *store.Tx, n Notification) error {
	if o == nil {
		return nil
	}
	if err := n.Validate(); err != nil {
		return err
	}
	ids := recipients(n.Recipients)
	if len(ids) == 0 {
		return nil
	}
	people, err := loadPeople(ctx, tx, ids)
	if err != nil {
		return err
	}
	type row struct {
		user          int64
		channel, addr string
	}
	var rows []row
	for _, id := range ids {
		p := people[id]
		for _, ch := range o.order {
			if len(n.Channels) > 0 && !slices.Contains(n.Channels, ch) {
				continue
			}
			switch ch {
			case Email:
				if p.EmailOn && p.Email != "" {
					rows = append(rows, row{id, ch, p.Email})
				}
			case InApp:
				if p.InAppOn {
					rows = append(rows, row{id, ch, ""})
				}
			default:
				rows = append(rows, row{id, ch, ""})
			}
		}
	}
	now := tx.Now()
	var mailed []int64 // e-mail rows this call added (not those of an earlier enqueue of the change)
	// Many rows per statement: a change that notifies a whole briefing pays a few round trips
	// inside its transaction, not two per person.
	const perInsert = 100
	for start := 0; start < len(rows); start += perInsert {
		part := rows[start:min(start+perInsert, len(rows))]
		var q strings.Builder
		q.WriteString(`INSERT INTO notifications (dedup_key, user_id, channel, kind, meeting_id, subject, body, link,
			address, message_id, status, attempts, next_at, created_at) VALUES `)
		args := make([]any, 0, len(part)*12)
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`)
			args = append(args, n.DedupKey, r.user, r.channel, n.Kind, nullID(n.MeetingID), n.Subject, n.Body, n.Link, r.addr, o.messageID(), now, now)
		}
		q.WriteString(` ON CONFLICT (dedup_key, user_id, channel) DO NOTHING RETURNING id, channel`)
		res, err := tx.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("notify: enqueue %s: %w", n.Kind, err)
		}
		for res.Next() {
			var id int64
			var ch string
			if err := res.Scan(&id, &ch); err != nil {
				res.Close()
				return fmt.Errorf("notify: enqueue %s: %w", n.Kind, err)
			}
			if ch == Email {
				mailed = append(mailed, id)
			}
		}
		res.Close()
		if err := res.Err(); err != nil {
			return fmt.Errorf("notify: enqueue %s: %w", n.Kind, err)
		}
	}
	// The calendar object takes the event's next SEQUENCE only when mail for this change is
	// really added, so enqueueing a change twice does not skip a number.
	if n.Calendar != nil && len(mailed) > 0 {
		cal, err := o.calendarFor(ctx, tx, n.Calendar, ids, people)
		if err != nil {
			return err
		}
		for start := 0; start < len(mailed); start += 500 {
			part := mailed[start:min(start+500, len(mailed))]
			args := []any{cal}
			for _, id := range part {
				args = append(args, id)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE notifications SET calendar = ? WHERE id IN (`+placeholders(len(part))+`)`, args...); err != nil {
				return fmt.Errorf("notify: calendar: %w", err)
			}
		}
	}
	tx.AfterCommit(o.Kick)
	return nil
}

func recipients(in []int64) []int64 {
	out := make([]int64, 0, len(in))
	for _, id := range in {
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (o *Outbox) messageID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "notify." + hex.EncodeToString(b[:]) + "@" + o.opt.Domain
}

// person is what Enqueue needs of a recipient.
type person struct {
	ID      int64
	Name    string
	Email   string
	EmailOn bool
	InAppOn bool
}

func loadPeople(ctx context.Context, q store.Querier, ids []int64) (map[int64]person, error) {
	out := make(map[int64]person, len(ids))
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, `SELECT u.id, u.full_name, COALESCE(s.email, ''), COALESCE(s.email_on, TRUE), COALESCE(s.inapp_on, TRUE)
			FROM users u LEFT JOIN notify_settings s ON s.user_id = u.id WHERE u.id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("notify: recipients: %w", err)
		}
		for rows.Next() {
			var p person
			if err := rows.Scan(&p.ID, &p.Name, &p.Email, &p.EmailOn, &p.InAppOn); err != nil {
				rows.Close()
				return nil, fmt.Errorf("notify: recipients: %w", err)
			}
			out[p.ID] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
