package rooms

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// MajorityRule says how many "approve" ballots a vote needs to pass.
type MajorityRule string

const (
	// MoreThanHalfOfMembers: more than half of all members with the right to vote (quá nửa tổng số).
	MoreThanHalfOfMembers MajorityRule = "half_of_members"
	// TwoThirdsOfMembers: at least two thirds of all members (ít nhất hai phần ba tổng số).
	TwoThirdsOfMembers MajorityRule = "two_thirds_of_members"
	// MoreThanHalfOfPresent: more than half of the members present (quá nửa số có mặt).
	MoreThanHalfOfPresent MajorityRule = "half_of_present"
)

// QuorumRule says how many members must be present for a vote to count.
type QuorumRule string

const (
	NoQuorum               QuorumRule = "none"
	QuorumMoreThanHalf     QuorumRule = "more_than_half" // quá nửa tổng số thành viên có mặt
	QuorumAtLeastTwoThirds QuorumRule = "two_thirds"     // ít nhất hai phần ba có mặt
)

// Valid reports whether r is a known majority rule.
func (r MajorityRule) Valid() bool {
	switch r {
	case MoreThanHalfOfMembers, TwoThirdsOfMembers, MoreThanHalfOfPresent:
		return true
	}
	return false
}

// Valid reports whether q is a known quorum rule.
func (q QuorumRule) Valid() bool {
	switch q {
	case NoQuorum, QuorumMoreThanHalf, QuorumAtLeastTwoThirds:
		return true
	}
	return false
}

// Tally is a closed vote's counts: what the server computes at close and freezes.
type Tally struct {
	Members  int          `json:"members"` // members with the right to vote
	Present  int          `json:"present"` // of them, present when the vote closed
	Ballots  int          `json:"ballots"` // ballots cast
	Counts   []int        `json:"counts"`  // per option, in option order
	Approve  int          `json:"approve"` // index of the option that counts towards passing
	Majority MajorityRule `json:"majority"`
	Quorum   QuorumRule   `json:"quorum"`
	// Choice: a choice between options rather than approve/reject; Approve is then unused.
	// Omitted when false, so approval tallies (and their frozen hashes) are as before.
	Choice bool `json:"choice,omitempty"`
}

// Result is what a tally means under its rules.
type Result struct {
	QuorumMet bool `json:"quorum_met"`
	Needed    int  `json:"needed"` // approve ballots (or ballots for one option) needed to pass
	Passed    bool `json:"passed"`
	// Chosen is, in a choice vote, the index of the option that met the rule (none: nil).
	Chosen *int   `json:"chosen,omitempty"`
	Hash   string `json:"hash"` // SHA-256 over the canonical tally, frozen at close
}

// needed returns the smallest count that satisfies "more than half of n".
func moreThanHalf(n int) int { return n/2 + 1 }

// atLeastTwoThirds returns the smallest count c with 3c >= 2n.
func atLeastTwoThirds(n int) int { return (2*n + 2) / 3 }

// Check validates a tally's internal consistency.
func (t Tally) Check() error {
	if t.Members < 0 || t.Present < 0 || t.Present > t.Members {
		return fmt.Errorf("tally: present %d of %d members", t.Present, t.Members)
	}
	sum := 0
	for _, c := range t.Counts {
		if c < 0 {
			return fmt.Errorf("tally: negative count")
		}
		sum += c
	}
	if sum != t.Ballots {
		return fmt.Errorf("tally: counts add up to %d, ballots are %d", sum, t.Ballots)
	}
	if t.Approve < 0 || t.Approve >= len(t.Counts) {
		return fmt.Errorf("tally: approve option %d out of range", t.Approve)
	}
	if !t.Majority.Valid() || !t.Quorum.Valid() {
		return fmt.Errorf("tally: unknown rule %q/%q", t.Majority, t.Quorum)
	}
	return nil
}

// Evaluate computes the result of a consistent tally.
func (t Tally) Evaluate() (Result, error) {
	if err := t.Check(); err != nil {
		return Result{}, err
	}
	var r Result
	switch t.Quorum {
	case NoQuorum:
		r.QuorumMet = true
	case QuorumMoreThanHalf:
		r.QuorumMet = t.Present >= moreThanHalf(t.Members)
	case QuorumAtLeastTwoThirds:
		r.QuorumMet = t.Present >= atLeastTwoThirds(t.Members)
	}
	switch t.Majority {
	case MoreThanHalfOfMembers:
		r.Needed = moreThanHalf(t.Members)
	case TwoThirdsOfMembers:
		r.Needed = atLeastTwoThirds(t.Members)
	case MoreThanHalfOfPresent:
		r.Needed = moreThanHalf(t.Present)
	}
	if t.Choice {
		// Each rule needs more than half (or two thirds) of a total no smaller than the ballots,
		// so at most one option can meet it.
		for i, c := range t.Counts {
			if r.QuorumMet && t.Members > 0 && c >= r.Needed {
				r.Chosen = &i
				r.Passed = true
				break
			}
		}
	} else {
		r.Passed = r.QuorumMet && t.Members > 0 && t.Counts[t.Approve] >= r.Needed
	}
	canonical, err := json.Marshal(t) // struct field order makes this canonical
	if err != nil {
		return Result{}, err
	}
	sum := sha256.Sum256(canonical)
	r.Hash = hex.EncodeToString(sum[:])
	return r, nil
}
