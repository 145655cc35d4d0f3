package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/store"
)

// Query selects rows of the log, newest first.
type Query struct {
	Actor    string // the username, exactly, or part of it
	Action   string // an action, or a prefix ending in "." ("vote." for every vote action)
	Object   string
	From, To time.Time // zero: unbounded
	BeforeID int64     // paging: rows older than this one
	Limit    int       // default 200, at most 100000 (exports)
}

// Search returns the rows q selects.
func Search(ctx context.Context, db store.Querier, q Query) ([]Row, error) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if a := strings.TrimSpace(q.Actor); a != "" {
		add("LOWER(actor_name) LIKE ?", "%"+strings.ToLower(a)+"%")
	}
	if a := strings.TrimSpace(q.Action); strings.HasSuffix(a, ".") {
		add("action LIKE ?", a+"%")
	} else if a != "" {
		add("action = ?", a)
	}
	if o := strings.TrimSpace(q.Object); o != "" {
		add("object = ?", o)
	}
	if !q.From.IsZero() {
		add("at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		add("at < ?", q.To.UTC())
	}
	if q.BeforeID > 0 {
		add("id < ?", q.BeforeID)
	}
	if q.Limit <= 0 {
		q.Limit = 200
	}
	q.Limit = min(q.Limit, 100000)
	rows, err := db.QueryContext(ctx, `SELECT `+rowColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, q.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("audit: search: %w", err)
	}
	defer rows.Close()
	out := []Row{}
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Prune deletes the rows written before cutoff, after writing a checkpoint with the hash of the
// last one deleted, and records that it did, in one transaction. It returns how many it deleted.
func Prune(ctx context.Context, db *store.DB, cutoff time.Time) (int64, error) {
	var deleted int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		deleted = 0
		// Take the head first, as appenders do, so no row is added under the job's feet.
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET last_id = last_id WHERE id = 1`); err != nil {
			return err
		}
		var through int64
		var hash string
		err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log WHERE at < ?)`, cutoff.UTC()).Scan(&through, &hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit: prune: %w", err)
		}
		var from int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(id), 0) FROM audit_log`).Scan(&from); err != nil {
			return err
		}
		deleted = through - from + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (through_id, through_hash, deleted, at) VALUES (?, ?, ?, ?)`,
			through, hash, deleted, tx.Now()); err != nil {
			return fmt.Errorf("audit: checkpoint: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE id <= ?`, through); err != nil {
			return fmt.Errorf("audit: prune: %w", err)
		}
		return Record(ctx, tx, Entry{Action: Pruned, Object: "audit_log", Detail: map[string]any{
			"through_id": through, "through_hash": hash, "deleted": deleted, "before": cutoff.UTC()}})
	})
	return deleted, err
}
