package register

import (
	"context"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// Delivery is one hand-over of a filed document: the register's "ngày chuyển" and "ký nhận"
// columns, written after filing without touching the (immutable, chained) entry.
type Delivery struct {
	ID         int64     `json:"id"`
	EntryID    int64     `json:"entry_id"`
	SentOn     string    `json:"sent_on"`     // ngày chuyển, YYYY-MM-DD
	ReceivedBy string    `json:"received_by"` // ký nhận: who received it
	RecordedBy int64     `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// RecordDelivery records that a filed entry was handed over. Errors: invalid, not_found.
func (r *Register) RecordDelivery(ctx context.Context, userID int64, d Delivery) (Delivery, error) {
	d.ReceivedBy = strings.TrimSpace(d.ReceivedBy)
	if _, err := time.Parse("2006-01-02", d.SentOn); err != nil {
		return Delivery{}, errs.Fieldf("sent_on", "Ngày chuyển phải có dạng YYYY-MM-DD.", "The hand-over date must be YYYY-MM-DD.")
	}
	if d.ReceivedBy == "" || len(d.ReceivedBy) > 200 {
		return Delivery{}, errs.Fieldf("received_by", "Cần ghi người ký nhận (tối đa 200 ký tự).", "The receiver is required (at most 200 characters).")
	}
	err := r.db.InTx(ctx, func(tx *store.Tx) error {
		e, err := get(ctx, tx, d.EntryID)
		if err != nil {
			return err
		}
		if d.SentOn < e.DocDate {
			return errs.Fieldf("sent_on", "Ngày chuyển không thể trước ngày văn bản.", "The hand-over date cannot precede the document date.")
		}
		d.RecordedBy, d.RecordedAt = userID, tx.Now()
		return tx.QueryRowContext(ctx, `INSERT INTO register_deliveries (entry_id, sent_on, received_by, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, d.EntryID, d.SentOn, d.ReceivedBy, userID, d.RecordedAt).Scan(&d.ID)
	})
	return d, err
}

// Deliveries lists an entry's hand-overs in the order they were recorded.
func (r *Register) Deliveries(ctx context.Context, entryID int64) ([]Delivery, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT id, entry_id, sent_on, received_by, recorded_by, recorded_at
		FROM register_deliveries WHERE entry_id = ? ORDER BY id`, entryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var at store.Time
		if err := rows.Scan(&d.ID, &d.EntryID, &d.SentOn, &d.ReceivedBy, &d.RecordedBy, &at); err != nil {
			return nil, err
		}
		d.RecordedAt = at.Time
		out = append(out, d)
	}
	return out, rows.Err()
}
