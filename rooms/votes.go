package rooms

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// Vote events on the meeting's log. Ballots themselves append no event (a thousand ballots would
// be a thousand events for every page); turnout travels as a coalesced notification instead.
const (
	EventVoteCreated   = "vote.created"
	EventVoteOpened    = "vote.opened"
	EventVoteClosed    = "vote.closed"
	EventVotePublished = "vote.published"
	NoticeVoteTurnout  = "vote.turnout"
)

// CreateVote sets up a vote in m's meeting. The chair or the secretary prepares votes; only the
// chair opens and closes them.
func (s *Service) CreateVote(ctx context.Context, m Member, spec VoteSpec) (Vote, error) {
	if !m.Organizer || (m.Role != RoleChair && m.Role != RoleSecretary) {
		return Vote{}, errs.E(errs.Forbidden, "Chỉ chủ trì hoặc thư ký được chuẩn bị biểu quyết.", "Only the chair or the secretary may prepare a vote.")
	}
	if err := spec.Validate(); err != nil {
		return Vote{}, err
	}
	var v Vote
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.checkVoteTarget(ctx, tx, m.MeetingID, spec); err != nil {
			return err
		}
		opts, _ := json.Marshal(spec.Options)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO votes (meeting_id, agenda_item_id, document_id, question, kind, options, approve_option,
			secret, live_results, electorate, quorum, majority, status, eligible, turnout, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?) RETURNING id`,
			m.MeetingID, spec.AgendaItemID, spec.DocumentID, spec.Question, string(spec.Kind), string(opts), spec.ApproveOption, spec.Secret,
			spec.LiveResults, string(spec.Electorate), string(spec.Quorum), string(spec.Majority), string(VoteCreated), m.UserID, tx.Now()).Scan(&id)
		if err != nil {
			return fmt.Errorf("rooms: create vote: %w", err)
		}
		if spec.Secret {
			for shard := 0; shard < tallyShards; shard++ {
				for i := range spec.Options {
					if _, err := tx.ExecContext(ctx, `INSERT INTO vote_tallies (vote_id, shard, option_index, count) VALUES (?, ?, ?, 0)`, id, shard, i); err != nil {
						return fmt.Errorf("rooms: vote counters: %w", err)
					}
				}
			}
		}
		if v, err = loadVote(ctx, tx, m.MeetingID, id); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, m.MeetingID, EventVoteCreated, voteAudience, voteEvent{VoteID: id, Status: VoteCreated})
		return err
	})
	return v, err
}

// OpenVote opens a created vote. The electorate is fixed now: members with the right to vote,
// and of them only those checked in when the electorate is "present".
func (s *Service) OpenVote(ctx context.Context, m Member, voteID int64) (Vote, error) {
	return s.voteTransition(ctx, m, voteID, "open", func(tx *store.Tx, v *Vote) error {
		if v.Status != VoteCreated {
			return errVoteState(v.Status, "open")
		}
		members, err := votingMembers(ctx, tx, m.MeetingID)
		if err != nil {
			return err
		}
		eligible := 0
		for _, vm := range members {
			if v.Electorate == VotingMembersPresent && !vm.Present {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO vote_electorate (vote_id, user_id) VALUES (?, ?)`, voteID, vm.UserID); err != nil {
				return fmt.Errorf("rooms: electorate: %w", err)
			}
			eligible++
		}
		if eligible == 0 {
			return errs.E(errs.Conflict, "Chưa có đại biểu có quyền biểu quyết nào (có mặt) để mở biểu quyết.", "No member with the right to vote is present to open the vote.")
		}
		_, err = tx.ExecContext(ctx, `UPDATE votes SET status = ?, eligible = ?, members = ?, opened_at = ? WHERE id = ?`,
			string(VoteOpen), eligible, len(members), tx.Now(), voteID)
		return err
	}, EventVoteOpened)
}

// CloseVote closes an open vote: the server counts, evaluates the rules and freezes the tally with
// its SHA-256. Ballots that were committed before the close are all counted.
func (s *Service) CloseVote(ctx context.Context, m Member, voteID int64) (Vote, error) {
	return s.voteTransition(ctx, m, voteID, "close", func(tx *store.Tx, v *Vote) error {
		if v.Status != VoteOpen {
			return errVoteState(v.Status, "close")
		}
		// Waits for ballots in flight, which hold the vote's lock in shared mode.
		if err := lockVote(ctx, tx, voteID, true); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE votes SET status = ? WHERE id = ?`, string(VoteClosed), voteID); err != nil {
			return err
		}
		c, err := counts(ctx, tx, voteID, v.Secret, len(v.Options))
		if err != nil {
			return err
		}
		var turnout, members int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM vote_voters WHERE vote_id = ?`, voteID).Scan(&turnout); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT members FROM votes WHERE id = ?`, voteID).Scan(&members); err != nil {
			return err
		}
		vms, err := votingMembers(ctx, tx, m.MeetingID)
		if err != nil {
			return err
		}
		present := 0
		for _, vm := range vms {
			if vm.Present {
				present++
			}
		}
		// Members are fixed at opening; presence is read at closing and cannot exceed them.
		present = min(present, members)
		t := Tally{Members: members, Present: present, Ballots: turnout, Counts: c, Approve: v.ApproveOption, Majority: v.Majority, Quorum: v.Quorum,
			Choice: v.Kind == ChoiceVote}
		r, err := t.Evaluate()
		if err != nil {
			return fmt.Errorf("rooms: tally of vote %d: %w", voteID, err)
		}
		tj, _ := json.Marshal(t)
		rj, _ := json.Marshal(r)
		cj, _ := json.Marshal(c)
		_, err = tx.ExecContext(ctx, `UPDATE votes SET turnout = ?, counts = ?, tally = ?, result = ?, closed_at = ? WHERE id = ?`,
			turnout, string(cj), string(tj), string(rj), tx.Now(), voteID)
		return err
	}, EventVoteClosed)
}

// PublishVote makes a closed vote's result visible to everyone (and to the projector view).
func (s *Service) PublishVote(ctx context.Context, m Member, voteID int64) (Vote, error) {
	return s.voteTransition(ctx, m, voteID, "publish", func(tx *store.Tx, v *Vote) error {
		if v.Status != VoteClosed {
			return errVoteState(v.Status, "publish")
		}
		_, err := tx.ExecContext(ctx, `UPDATE votes SET status = ?, published_at = ? WHERE id = ?`, string(VotePublished), tx.Now(), voteID)
		return err
	}, EventVotePublished)
}

func (s *Service) voteTransition(ctx context.Context, m Member, voteID int64, action string, change func(*store.Tx, *Vote) error, event string) (Vote, error) {
	if m.Role != RoleChair {
		return Vote{}, errChairOnly
	}
	var v Vote
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := scanVote(tx.QueryRowContext(ctx, `SELECT `+voteColumns+` FROM votes WHERE id = ? AND meeting_id = ?`+store.ForUpdate(tx), voteID, m.MeetingID))
		if err != nil {
			return err
		}
		if err := change(tx, &cur); err != nil {
			return err
		}
		if v, err = loadVote(ctx, tx, m.MeetingID, voteID); err != nil {
			return err
		}
		if err := s.notifyVoteOpened(ctx, tx, v); err != nil {
			return err
		}
		ev := voteEvent{VoteID: voteID, Status: v.Status, Turnout: v.Turnout}
		if v.Status == VotePublished {
			ev.Counts = v.Counts
		}
		_, err = s.events.Append(ctx, tx, m.MeetingID, event, voteAudience, ev)
		return err
	})
	return v, err
}

func loadVote(ctx context.Context, q store.Querier, meetingID, voteID int64) (Vote, error) {
	return scanVote(q.QueryRowContext(ctx, `SELECT `+voteColumns+` FROM votes WHERE id = ? AND meeting_id = ?`, voteID, meetingID))
}

// GetVote returns a vote as m may see it: while open, turnout only (and live counts of an open
// vote that shows them); after close, counts for the chair and secretary; after publication, for all.
func (s *Service) GetVote(ctx context.Context, m Member, voteID int64) (Vote, error) {
	q := s.db.Reader()
	v, err := loadVote(ctx, q, m.MeetingID, voteID)
	if err != nil {
		return Vote{}, err
	}
	return s.viewVote(ctx, q, m, v)
}

// ListVotes returns the meeting's votes, newest last, as m may see them.
func (s *Service) ListVotes(ctx context.Context, m Member) ([]Vote, error) {
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, `SELECT `+voteColumns+` FROM votes WHERE meeting_id = ? ORDER BY id`, m.MeetingID)
	if err != nil {
		return nil, fmt.Errorf("rooms: list votes: %w", err)
	}
	var vs []Vote
	for rows.Next() {
		v, err := scanVote(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		vs = append(vs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Vote, 0, len(vs))
	for _, v := range vs {
		v, err := s.viewVote(ctx, q, m, v)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) viewVote(ctx context.Context, q store.Querier, m Member, v Vote) (Vote, error) {
	if v.Status == VoteOpen {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vote_voters WHERE vote_id = ?`, v.ID).Scan(&v.Turnout); err != nil {
			return Vote{}, err
		}
		if v.LiveResults && !v.Secret {
			c, err := counts(ctx, q, v.ID, false, len(v.Options))
			if err != nil {
				return Vote{}, err
			}
			v.Counts = c
		}
	}
	if v.Status == VoteClosed && !(m.Role == RoleChair || m.Role == RoleSecretary) {
		v.Counts, v.Tally, v.Result = nil, nil, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vote_voters WHERE vote_id = ? AND user_id = ?`, v.ID, m.UserID).Scan(&n); err != nil {
		return Vote{}, err
	}
	v.Voted = n > 0
	if v.Voted && !v.Secret {
		var c int
		if err := q.QueryRowContext(ctx, `SELECT option_index FROM vote_ballots WHERE vote_id = ? AND user_id = ?`, v.ID, m.UserID).Scan(&c); err == nil {
			v.MyChoice = &c
		}
	}
	return v, nil
}

// turnoutNotifier coalesces turnout notifications: at most one per vote per interval, carrying
// the turnout read when it is sent, so a burst of ballots costs a handful of messages.
type turnoutNotifier struct {
	mu       sync.Mutex
	pending  map[int64]bool
	interval time.Duration
	send     func(meetingID, voteID int64)
}

func (n *turnoutNotifier) changed(meetingID, voteID int64) {
	if n == nil || n.send == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.pending[voteID] {
		return
	}
	if n.pending == nil {
		n.pending = map[int64]bool{}
	}
	n.pending[voteID] = true
	time.AfterFunc(n.interval, func() {
		n.mu.Lock()
		delete(n.pending, voteID)
		n.mu.Unlock()
		n.send(meetingID, voteID)
	})
}

// votingMember is a member with the right to vote and whether they are checked in.
type votingMember struct {
	UserID  int64
	Present bool
}

// checkVoteTarget refuses an agenda item of another meeting. A document named by the vote is
// checked by the caller, which reads documents.
func (s *Service) checkVoteTarget(ctx context.Context, q store.Querier, meetingID int64, spec VoteSpec) error {
	if spec.AgendaItemID != nil {
		return agenda.CheckItem(ctx, q, meetingID, *spec.AgendaItemID)
	}
	return nil
}
