package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/store"
)

// UserSubject is the NATS subject a person's in-app notifications are pushed on; every API node
// subscribes to AllUserSubjects and forwards to that person's open pages.
func UserSubject(userID int64) string {
	return "phonghop.user." + strconv.FormatInt(userID, 10) + ".notifications"
}

// AllUserSubjects matches every person's subject.
const AllUserSubjects = "phonghop.user.*.notifications"

// Item is a notification in a person's bell.
type Item struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"-"`
	Kind      string     `json:"kind"`
	MeetingID int64      `json:"meeting_id,omitempty"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Link      string     `json:"link"`
	At        time.Time  `json:"at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// inAppChannel "sends" by pushing the committed row to the person's open pages; the row itself
// is the bell's list, so a page that was closed sees it on its next load.
type inAppChannel struct{ bus *bus.Bus }

func (c *inAppChannel) Name() string { return InApp }

func (c *inAppChannel) Send(_ context.Context, m Message) error {
	if c.bus == nil {
		return nil
	}
	return c.bus.Publish(UserSubject(m.UserID), Item{ID: m.ID, Kind: m.Kind, MeetingID: m.MeetingID, Subject: m.Subject,
		Body: m.Body, Link: m.Link, At: m.CreatedAt})
}

// SubscribeUsers calls fn with every in-app notification pushed on b for anyone, from any node.
func SubscribeUsers(b *bus.Bus, fn func(Item)) (*nats.Subscription, error) {
	return b.Subscribe(AllUserSubjects, func(subject string, data []byte) {
		var it Item
		if json.Unmarshal(data, &it) != nil {
			return
		}
		id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(subject, "phonghop.user."), ".notifications"), 10, 64)
		if err != nil {
			return
		}
		it.UserID = id
		fn(it)
	})
}

// Inbox lists a person's latest in-app notifications (at most limit, newest first) and how many
// of all of them are unread.
func Inbox(ctx context.Context, q store.Querier, userID int64, limit int) ([]Item, int, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := q.QueryContext(ctx, `SELECT id, kind, COALESCE(meeting_id, 0), subject, body, link, created_at, read_at FROM notifications
		WHERE user_id = ? AND channel = 'inapp' ORDER BY id DESC LIMIT `+strconv.Itoa(limit), userID)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: inbox: %w", err)
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		it := Item{UserID: userID}
		var at, read store.Time
		if err := rows.Scan(&it.ID, &it.Kind, &it.MeetingID, &it.Subject, &it.Body, &it.Link, &at, &read); err != nil {
			return nil, 0, fmt.Errorf("notify: inbox: %w", err)
		}
		it.At = at.Time
		if !read.Time.IsZero() {
			t := read.Time
			it.ReadAt = &t
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var unread int
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND channel = 'inapp' AND read_at IS NULL`, userID).Scan(&unread)
	return out, unread, err
}

// MarkRead marks a person's in-app notifications read: the given IDs, or all when ids is empty.
// Another person's IDs are ignored.
func MarkRead(ctx context.Context, db *store.DB, userID int64, ids []int64) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		q, args := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND channel = 'inapp' AND read_at IS NULL`, []any{tx.Now(), userID}
		if len(ids) > 0 {
			if len(ids) > 500 {
				ids = ids[:500]
			}
			q += ` AND id IN (` + placeholders(len(ids)) + `)`
			for _, id := range ids {
				args = append(args, id)
			}
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}
