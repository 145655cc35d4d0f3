package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// Settings are a person's choices.
type Settings struct {
	Email   string `json:"email"`
	EmailOn bool   `json:"email_on"`
	InAppOn bool   `json:"inapp_on"`
	// FeedActive says whether a calendar feed token exists (the token itself is shown once).
	FeedActive bool `json:"feed_active"`
}

// Validate normalises and checks a person's settings.
func (s *Settings) Validate() error {
	s.Email = strings.TrimSpace(s.Email)
	if s.Email == "" {
		return nil
	}
	a, err := mail.ParseAddress(s.Email)
	if err != nil || a.Address != s.Email || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") || len(s.Email) > 254 {
		return errs.Fieldf("email", "Địa chỉ thư điện tử không hợp lệ.", "The e-mail address is not valid.")
	}
	return nil
}

// GetSettings returns a person's settings (the defaults when they never chose).
func GetSettings(ctx context.Context, q store.Querier, userID int64) (Settings, error) {
	s := Settings{EmailOn: true, InAppOn: true}
	err := q.QueryRowContext(ctx, `SELECT email, email_on, inapp_on FROM notify_settings WHERE user_id = ?`, userID).Scan(&s.Email, &s.EmailOn, &s.InAppOn)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("notify: settings: %w", err)
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_feed_tokens WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return s, fmt.Errorf("notify: settings: %w", err)
	}
	s.FeedActive = n > 0
	return s, nil
}

// SaveSettings stores a person's choices.
func SaveSettings(ctx context.Context, db *store.DB, userID int64, s Settings) (Settings, error) {
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notify_settings (user_id, email, email_on, inapp_on, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, email_on = excluded.email_on, inapp_on = excluded.inapp_on,
			updated_at = excluded.updated_at`, userID, s.Email, s.EmailOn, s.InAppOn, tx.Now())
		return err
	})
	if err != nil {
		return Settings{}, fmt.Errorf("notify: save settings: %w", err)
	}
	return GetSettings(ctx, db.Reader(), userID)
}

// NewFeedToken makes (or replaces) a person's calendar feed secret and returns it; only its hash
// is kept, so it is shown once.
func NewFeedToken(ctx context.Context, db *store.DB, userID int64) (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notify_feed_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
			userID, hashToken(token), tx.Now())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("notify: feed token: %w", err)
	}
	return token, nil
}

// RevokeFeedToken deletes a person's feed secret: the old URL stops working at once.
func RevokeFeedToken(ctx context.Context, db *store.DB, userID int64) error {
	return db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM notify_feed_tokens WHERE user_id = ?`, userID)
		return err
	})
}

var errFeedNotFound = errs.E(errs.NotFound, "Đường dẫn lịch không tồn tại hoặc đã bị thu hồi.", "No such calendar feed (it may have been revoked).")

// FeedOwner returns the person a feed token belongs to.
func FeedOwner(ctx context.Context, q store.Querier, token string) (int64, error) {
	if token == "" || len(token) > 100 {
		return 0, errFeedNotFound
	}
	var id int64
	err := q.QueryRowContext(ctx, `SELECT user_id FROM notify_feed_tokens WHERE token_hash = ?`, hashToken(token)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errFeedNotFound
	}
	return id, err
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// Delivery is one notification row as the meeting's secretary sees it.
type Delivery struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"`
	Kind      string     `json:"kind"`
	Channel   string     `json:"channel"`
	Address   string     `json:"address,omitempty"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	NextAt    *time.Time `json:"next_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// Deliveries lists a meeting's notifications per recipient, newest first (at most 2,000), so
// the secretary sees who was told, reminded, and what failed.
func Deliveries(ctx context.Context, q store.Querier, meetingID int64) ([]Delivery, error) {
	rows, err := q.QueryContext(ctx, `SELECT n.id, n.user_id, COALESCE(u.full_name, ''), n.kind, n.channel, n.address, n.status, n.attempts,
		n.last_error, n.next_at, n.created_at, n.sent_at
		FROM notifications n LEFT JOIN users u ON u.id = n.user_id WHERE n.meeting_id = ? ORDER BY n.id DESC LIMIT 2000`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("notify: deliveries: %w", err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		var next, created, sent store.Time
		if err := rows.Scan(&d.ID, &d.UserID, &d.Name, &d.Kind, &d.Channel, &d.Address, &d.Status, &d.Attempts, &d.LastError,
			&next, &created, &sent); err != nil {
			return nil, fmt.Errorf("notify: deliveries: %w", err)
		}
		d.CreatedAt = created.Time
		if d.Status == "pending" && !next.Time.IsZero() {
			t := next.Time
			d.NextAt = &t
		}
		if !sent.Time.IsZero() {
			t := sent.Time
			d.SentAt = &t
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RecordOpened notes the first time a person opens a document of a meeting. A viewer reads a
// file in many range requests, so it reads first and writes only the first time.
func RecordOpened(ctx context.Context, db *store.DB, meetingID, docID, userID int64) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_document_opens WHERE document_id = ? AND user_id = ?`, docID, userID).Scan(&n); err != nil || n > 0 {
		return err
	}
	return db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notify_document_opens (document_id, user_id, meeting_id, first_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (document_id, user_id) DO NOTHING`, docID, userID, meetingID, tx.Now())
		return err
	})
}
