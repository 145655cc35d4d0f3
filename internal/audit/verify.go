package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/phonghop/phonghop/internal/store"
)

// Report is the result of Verify.
type Report struct {
	Rows int `json:"rows"`
	// FromCheckpoint is the last row the retention job deleted (0: none); the chain is checked
	// from the row after it.
	FromCheckpoint int64 `json:"from_checkpoint"`
	// Break is the first place the chain does not hold; nil when it does.
	Break *Break `json:"break,omitempty"`
}

// Break names a row and what is wrong with it.
type Break struct {
	ID      int64  `json:"id"`
	Problem string `json:"problem"`
}

const rowColumns = `id, at, actor_id, actor_name, action, object, meeting_id, detail, address, request_id, prev_hash, hash`

func scanRow(s interface{ Scan(...any) error }) (Row, error) {
	var r Row
	var at store.Time
	err := s.Scan(&r.ID, &at, &r.ActorID, &r.ActorName, &r.Action, &r.Object, &r.MeetingID, &r.Detail, &r.Address, &r.RequestID, &r.PrevHash, &r.Hash)
	r.At = at.Time
	return r, err
}

// Verify walks the log from the latest checkpoint: ids without gaps, each row's link to the one
// before, each row's own hash, and the head's agreement with the last row (so a removed tail is
// found too).
func Verify(ctx context.Context, q store.Querier) (Report, error) {
	var rep Report
	prev := ""
	err := q.QueryRowContext(ctx, `SELECT through_id, through_hash FROM audit_checkpoints ORDER BY through_id DESC LIMIT 1`).Scan(&rep.FromCheckpoint, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return rep, fmt.Errorf("audit: checkpoint: %w", err)
	}
	var headID int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT last_id, last_hash FROM audit_head WHERE id = 1`).Scan(&headID, &headHash); err != nil {
		return rep, fmt.Errorf("audit: head: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+rowColumns+` FROM audit_log WHERE id > ? ORDER BY id`, rep.FromCheckpoint)
	if err != nil {
		return rep, fmt.Errorf("audit: read: %w", err)
	}
	defer rows.Close()
	want := rep.FromCheckpoint + 1
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return rep, err
		}
		rep.Rows++
		switch {
		case r.ID != want:
			rep.Break = &Break{r.ID, fmt.Sprintf("row %d where %d was expected (rows were removed)", r.ID, want)}
		case r.PrevHash != prev:
			rep.Break = &Break{r.ID, "its link to the previous row does not match (a row before it was changed or removed)"}
		case rowHash(r) != r.Hash:
			rep.Break = &Break{r.ID, "its columns were changed after it was written"}
		}
		if rep.Break != nil {
			return rep, nil
		}
		prev, want = r.Hash, r.ID+1
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	if headID != want-1 || headHash != prev {
		rep.Break = &Break{want, fmt.Sprintf("the log ends at row %d but %d rows were written (rows at the end were removed)", want-1, headID)}
	}
	return rep, nil
}
