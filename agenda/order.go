package agenda

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

var errStaleOrder = errs.E(errs.Conflict, "Chương trình vừa được người khác thay đổi; hãy tải lại rồi sắp xếp lại.",
	"The agenda was just changed by someone else; reload and reorder again.")

// Reorder sets the order of the items at one level (top level when parent is nil). ids must be
// exactly the items at that level now: if someone added or removed one in between, the reorder is
// refused as stale instead of silently dropping or misplacing their change.
func (a *Agenda) Reorder(ctx context.Context, who Actor, meetingID int64, parent *int64, ids []int64) ([]Item, error) {
	if err := who.mayEdit(); err != nil {
		return nil, err
	}
	var items []Item
	err := a.db.InTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM agenda_items WHERE meeting_id = ? AND `+parentIs(parent), parentArgs(meetingID, parent)...)
		if err != nil {
			return err
		}
		var have []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			have = append(have, id)
		}
		rows.Close()
		want := slices.Clone(ids)
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			return errStaleOrder
		}
		for i, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE agenda_items SET position = ?, updated_at = ? WHERE id = ?`, i+1, tx.Now(), id); err != nil {
				return err
			}
		}
		items, err = a.changed(ctx, tx, meetingID)
		return err
	})
	return items, err
}

// Delete removes an item and its sub-items. An item that votes, speeches or documents refer to
// is kept, with a conflict that says so.
func (a *Agenda) Delete(ctx context.Context, who Actor, meetingID, id int64) ([]Item, error) {
	if err := who.mayEdit(); err != nil {
		return nil, err
	}
	var items []Item
	err := a.db.InTx(ctx, func(tx *store.Tx) error {
		var parent sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT parent_id FROM agenda_items WHERE id = ? AND meeting_id = ?`, id, meetingID).Scan(&parent)
		if errors.Is(err, sql.ErrNoRows) {
			return errItemNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agenda_current SET item_id = NULL, since = NULL WHERE meeting_id = ? AND (item_id = ?
			OR item_id IN (SELECT id FROM agenda_items WHERE parent_id = ?))`, meetingID, id, id); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM agenda_items WHERE parent_id = ?`, `DELETE FROM agenda_items WHERE id = ?`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				if store.IsForeignKeyViolation(err) {
					return errs.E(errs.Conflict, "Mục này đã có tài liệu, biểu quyết hoặc phát biểu gắn kèm; không xóa được.",
						"Documents, votes or speeches refer to this item; it cannot be deleted.")
				}
				return err
			}
		}
		var p *int64
		if parent.Valid {
			p = &parent.Int64
		}
		// Close the gap so positions stay 1..n.
		rows, err := tx.QueryContext(ctx, `SELECT id FROM agenda_items WHERE meeting_id = ? AND `+parentIs(p)+` ORDER BY position, id`, parentArgs(meetingID, p)...)
		if err != nil {
			return err
		}
		var rest []int64
		for rows.Next() {
			var x int64
			if err := rows.Scan(&x); err != nil {
				rows.Close()
				return err
			}
			rest = append(rest, x)
		}
		rows.Close()
		for i, x := range rest {
			if _, err := tx.ExecContext(ctx, `UPDATE agenda_items SET position = ? WHERE id = ?`, i+1, x); err != nil {
				return err
			}
		}
		items, err = a.changed(ctx, tx, meetingID)
		return err
	})
	return items, err
}

// SetCurrent makes an item the one under discussion (nil: none). The time since the previous
// item became current is added to its time spent, and an item left while "discussing" is marked
// done; the new one becomes "discussing". Only the chair sets the current item.
func (a *Agenda) SetCurrent(ctx context.Context, who Actor, meetingID int64, id *int64) ([]Item, error) {
	if !who.Chair {
		return nil, errs.E(errs.Forbidden, "Chỉ chủ trì chuyển mục chương trình.", "Only the chair moves the agenda on.")
	}
	if who.Over {
		return nil, errOver
	}
	var items []Item
	err := a.db.InTx(ctx, func(tx *store.Tx) error {
		if id != nil {
			if err := CheckItem(ctx, tx, meetingID, *id); err != nil {
				return err
			}
		}
		now := tx.Now()
		var prev sql.NullInt64
		var since store.Time
		err := tx.QueryRowContext(ctx, `SELECT item_id, since FROM agenda_current WHERE meeting_id = ?`+store.ForUpdate(tx), meetingID).Scan(&prev, &since)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if prev.Valid && (id == nil || *id != prev.Int64) {
			spent := int(now.Sub(since.Time).Seconds())
			if spent < 0 || since.Time.IsZero() {
				spent = 0
			}
			if _, err := tx.ExecContext(ctx, `UPDATE agenda_items SET spent_seconds = spent_seconds + ?,
				status = CASE WHEN status = 'discussing' THEN 'done' ELSE status END WHERE id = ?`, spent, prev.Int64); err != nil {
				return err
			}
		}
		if prev.Valid && id != nil && *id == prev.Int64 {
			items, err = list(ctx, tx, meetingID)
			return err
		}
		var sinceArg any
		if id != nil {
			sinceArg = now
			if _, err := tx.ExecContext(ctx, `UPDATE agenda_items SET status = 'discussing' WHERE id = ?`, *id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO agenda_current (meeting_id, item_id, since) VALUES (?, ?, ?)
			ON CONFLICT (meeting_id) DO UPDATE SET item_id = excluded.item_id, since = excluded.since`, meetingID, id, sinceArg); err != nil {
			return err
		}
		items, err = a.changed(ctx, tx, meetingID)
		return err
	})
	return items, err
}
