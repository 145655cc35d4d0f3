package rooms

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// How a ballot is kept.
//
// vote_voters records THAT a person voted (one row per voter, primary key (vote, user): the
// database refuses a second ballot). For an open vote (công khai), vote_ballots records who chose
// what, which is public by design. For a secret vote (bỏ phiếu kín) no row names a choice and a
// person together: the choice only increments anonymous counters (vote_tallies). A ballot rewrites
// every option's counter of one randomly chosen shard (adding 0 to the others), so even
// PostgreSQL's row versions (xmin) carry the same transaction on every option and do not reveal
// which counter a voter's transaction changed.
//
// Ballots hold a shared lock on the vote and closing takes it exclusively, so a ballot either
// commits before the close counts it or finds the vote closed: no acknowledged ballot is left
// out of a tally. On PostgreSQL the lock is a transaction-scoped advisory lock (a thousand
// concurrent FOR SHARE row locks would each rewrite a shared-locker list); SQLite transactions
// already hold the database's write lock.

// tallyShards is how many counter sets a secret vote spreads its ballots over.
const tallyShards = 16

// Ballot is the receipt a voter gets once their ballot is committed.
type Ballot struct {
	VoteID  int64 `json:"vote_id"`
	Turnout int   `json:"turnout"`
}

// voteLockClass namespaces the advisory locks of votes.
const voteLockClass = 7001

// lockVote takes the vote's lock, shared for a ballot and exclusive for closing (PostgreSQL).
func lockVote(ctx context.Context, tx *store.Tx, voteID int64, exclusive bool) error {
	if tx.Dialect() != store.Postgres {
		return nil
	}
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	var ignored any
	return tx.QueryRowContext(ctx, `SELECT `+fn+`(?, CAST(? AS INTEGER))`, voteLockClass, voteID).Scan(&ignored)
}

// CastBallot records m's choice (an option index) in an open vote. The ballot is committed before
// this returns. Errors: not_found (no such vote in m's meeting), forbidden (m may not vote in it),
// conflict (not open, or already voted), invalid (no such option).
func (s *Service) CastBallot(ctx context.Context, m Member, voteID int64, option int) (Ballot, error) {
	var b Ballot
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := lockVote(ctx, tx, voteID, false); err != nil {
			return fmt.Errorf("rooms: lock vote %d: %w", voteID, err)
		}
		var status string
		var secret bool
		var options string
		err := tx.QueryRowContext(ctx, `SELECT status, secret, options FROM votes WHERE id = ? AND meeting_id = ?`,
			voteID, m.MeetingID).Scan(&status, &secret, &options)
		if errors.Is(err, sql.ErrNoRows) {
			return errVoteNotFound
		}
		if err != nil {
			return fmt.Errorf("rooms: vote %d: %w", voteID, err)
		}
		if VoteStatus(status) != VoteOpen {
			return errNotOpen
		}
		var opts []string
		if err := json.Unmarshal([]byte(options), &opts); err != nil {
			return fmt.Errorf("rooms: vote %d options: %w", voteID, err)
		}
		if option < 0 || option >= len(opts) {
			return errs.Fieldf("option", "Phương án không hợp lệ.", "No such option.")
		}
		var eligible int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM vote_electorate WHERE vote_id = ? AND user_id = ?`,
			voteID, m.UserID).Scan(&eligible); err != nil {
			return fmt.Errorf("rooms: electorate of vote %d: %w", voteID, err)
		}
		if eligible == 0 {
			return errNotEligible
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO vote_voters (vote_id, user_id, voted_at) VALUES (?, ?, ?)
			ON CONFLICT (vote_id, user_id) DO NOTHING`, voteID, m.UserID, tx.Now())
		if err != nil {
			return fmt.Errorf("rooms: record voter: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errAlreadyVoted
		}
		b.VoteID = voteID
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM vote_voters WHERE vote_id = ?`, voteID).Scan(&b.Turnout); err != nil {
			return err
		}
		// The counters are the one place ballots wait for each other: updated last, held shortest.
		if secret {
			// Lock the counter rows in one order first: an UPDATE visits rows in their physical
			// order, which changes as rows are rewritten, and two ballots visiting them in
			// different orders would deadlock.
			shard := s.pickShard()
			if tx.Dialect() == store.Postgres {
				rows, err := tx.QueryContext(ctx, `SELECT option_index FROM vote_tallies WHERE vote_id = ? AND shard = ?
					ORDER BY option_index FOR UPDATE`, voteID, shard)
				if err != nil {
					return err
				}
				rows.Close()
			}
			_, err = tx.ExecContext(ctx, `UPDATE vote_tallies SET count = count + CASE WHEN option_index = ? THEN 1 ELSE 0 END
				WHERE vote_id = ? AND shard = ?`, option, voteID, shard)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO vote_ballots (vote_id, user_id, option_index, cast_at) VALUES (?, ?, ?, ?)`,
				voteID, m.UserID, option, tx.Now())
		}
		if err != nil {
			return fmt.Errorf("rooms: count ballot: %w", err)
		}
		return nil
	})
	if err != nil {
		return Ballot{}, err
	}
	s.turnout.changed(m.MeetingID, voteID)
	return b, nil
}

// counts reads a vote's counts per option: from the anonymous counters of a secret vote, from
// the named ballots of an open one.
func counts(ctx context.Context, q store.Querier, voteID int64, secret bool, n int) ([]int, error) {
	out := make([]int, n)
	query := `SELECT option_index, COUNT(*) FROM vote_ballots WHERE vote_id = ? GROUP BY option_index`
	if secret {
		query = `SELECT option_index, SUM(count) FROM vote_tallies WHERE vote_id = ? GROUP BY option_index`
	}
	rows, err := q.QueryContext(ctx, query, voteID)
	if err != nil {
		return nil, fmt.Errorf("rooms: counts of vote %d: %w", voteID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var i, c int
		if err := rows.Scan(&i, &c); err != nil {
			return nil, err
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("rooms: vote %d has a count for option %d of %d", voteID, i, n)
		}
		out[i] = c
	}
	return out, rows.Err()
}
