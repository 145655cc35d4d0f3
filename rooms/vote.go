package rooms

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
)

// VoteStatus is where a vote is in its life: created → open → closed → published.
type VoteStatus string

const (
	VoteCreated   VoteStatus = "created"
	VoteOpen      VoteStatus = "open"
	VoteClosed    VoteStatus = "closed"
	VotePublished VoteStatus = "published"
)

// Electorate says who may vote.
type Electorate string

const (
	// VotingMembersPresent: members with the right to vote who are checked in when the vote opens.
	VotingMembersPresent Electorate = "present"
	// AllVotingMembers: every member with the right to vote, present or not.
	AllVotingMembers Electorate = "all"
)

// DefaultOptions are the usual choices of a vote (biểu quyết).
var DefaultOptions = []string{"Tán thành", "Không tán thành", "Không biểu quyết"}

// VoteKind says what a vote decides.
type VoteKind string

const (
	// ApprovalVote decides a proposal: it passes when the approving option meets the rule.
	ApprovalVote VoteKind = "approval"
	// ChoiceVote chooses one of several options (Phương án 1, 2, …): the option that meets the
	// rule is chosen, or none is. No option approves or rejects.
	ChoiceVote VoteKind = "choice"
)

// VoteSpec is what the chair or secretary sets up before a vote opens.
type VoteSpec struct {
	AgendaItemID *int64   `json:"agenda_item_id"`
	DocumentID   *int64   `json:"document_id"`
	Question     string   `json:"question"`
	Kind         VoteKind `json:"kind"`
	Options      []string `json:"options"`
	// ApproveOption is the option whose count decides whether the vote passes (0 = Tán thành).
	ApproveOption int `json:"approve_option"`
	// Secret (bỏ phiếu kín) votes keep no link between a voter and a choice.
	Secret bool `json:"secret"`
	// LiveResults shows counts while an open (not secret) vote is running.
	LiveResults bool         `json:"live_results"`
	Electorate  Electorate   `json:"electorate"`
	Quorum      QuorumRule   `json:"quorum"`
	Majority    MajorityRule `json:"majority"`
}

// Vote is a vote as a viewer may see it: counts are present only once they may be shown.
type Vote struct {
	ID        int64      `json:"id"`
	MeetingID int64      `json:"meeting_id"`
	VoteSpec             // the set-up
	Status    VoteStatus `json:"status"`
	// Eligible is how many may vote (fixed when the vote opens); Turnout how many have voted.
	Eligible    int        `json:"eligible"`
	Turnout     int        `json:"turnout"`
	Counts      []int      `json:"counts,omitempty"`
	Tally       *Tally     `json:"tally,omitempty"`
	Result      *Result    `json:"result,omitempty"`
	OpenedAt    *time.Time `json:"opened_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	// MyBallot says whether the viewer has voted, and (open votes only) their choice.
	Voted    bool `json:"voted"`
	MyChoice *int `json:"my_choice,omitempty"`
}

// Validate normalises and checks a vote's set-up.
func (v *VoteSpec) Validate() error {
	v.Question = strings.TrimSpace(v.Question)
	if v.Question == "" {
		return errs.Fieldf("question", "Hãy nhập nội dung biểu quyết.", "Enter the question to vote on.")
	}
	if utf8.RuneCountInString(v.Question) > 2000 {
		return errs.Fieldf("question", "Nội dung biểu quyết tối đa 2000 ký tự.", "The question may have at most 2000 characters.")
	}
	if v.Kind == "" {
		v.Kind = ApprovalVote
	}
	if v.Kind != ApprovalVote && v.Kind != ChoiceVote {
		return errs.Fieldf("kind", "Loại biểu quyết không hợp lệ.", "Unknown vote kind %q.", v.Kind)
	}
	if len(v.Options) == 0 && v.Kind == ChoiceVote {
		return errs.Fieldf("options", "Biểu quyết lựa chọn cần ít nhất 2 phương án, mỗi phương án một dòng.", "A choice vote needs at least 2 options, one a line.")
	}
	if len(v.Options) == 0 {
		v.Options = append([]string(nil), DefaultOptions...)
	}
	if len(v.Options) < 2 || len(v.Options) > 50 {
		return errs.Fieldf("options", "Cần từ 2 đến 50 phương án.", "A vote needs between 2 and 50 options.")
	}
	seen := map[string]bool{}
	for i, o := range v.Options {
		o = strings.TrimSpace(o)
		if o == "" || utf8.RuneCountInString(o) > 300 {
			return errs.Fieldf("options", "Phương án %d trống hoặc quá dài.", "Option %d is empty or too long.", i+1)
		}
		if seen[o] {
			return errs.Fieldf("options", "Phương án %q bị trùng.", "Option %q appears twice.", o)
		}
		seen[o], v.Options[i] = true, o
	}
	if v.Kind == ChoiceVote {
		v.ApproveOption = 0 // no option approves in a choice vote
	}
	if v.ApproveOption < 0 || v.ApproveOption >= len(v.Options) {
		return errs.Fieldf("approve_option", "Phương án tán thành không hợp lệ.", "The approving option is out of range.")
	}
	if v.Electorate == "" {
		v.Electorate = VotingMembersPresent
	}
	if v.Electorate != VotingMembersPresent && v.Electorate != AllVotingMembers {
		return errs.Fieldf("electorate", "Phạm vi người biểu quyết không hợp lệ.", "Unknown electorate %q.", v.Electorate)
	}
	if v.Quorum == "" {
		v.Quorum = QuorumMoreThanHalf
	}
	if v.Majority == "" {
		v.Majority = MoreThanHalfOfMembers
	}
	if !v.Quorum.Valid() {
		return errs.Fieldf("quorum", "Quy tắc túc số không hợp lệ.", "Unknown quorum rule %q.", v.Quorum)
	}
	if !v.Majority.Valid() {
		return errs.Fieldf("majority", "Quy tắc thông qua không hợp lệ.", "Unknown majority rule %q.", v.Majority)
	}
	if v.Secret && v.LiveResults {
		return errs.Fieldf("live_results", "Bỏ phiếu kín không hiển thị kết quả trong khi đang biểu quyết.", "A secret vote cannot show live results.")
	}
	return nil
}

var (
	errVoteNotFound = errs.E(errs.NotFound, "Không tìm thấy cuộc biểu quyết.", "Vote not found.")
	errChairOnly    = errs.E(errs.Forbidden, "Chỉ chủ trì được thực hiện thao tác này.", "Only the chair may do this.")
	errNotEligible  = errs.E(errs.Forbidden, "Bạn không có quyền biểu quyết trong cuộc biểu quyết này.", "You may not vote in this vote.")
	errAlreadyVoted = errs.E(errs.Conflict, "Bạn đã biểu quyết; mỗi người chỉ được biểu quyết một lần.", "You have already voted; each person votes once.")
	errNotOpen      = errs.E(errs.Conflict, "Cuộc biểu quyết không mở; không nhận phiếu.", "The vote is not open; no ballots are taken.")
)

func errVoteState(from VoteStatus, action string) error {
	return errs.E(errs.Conflict,
		fmt.Sprintf("Không thể %s cuộc biểu quyết đang ở trạng thái %q.", map[string]string{"open": "mở", "close": "kết thúc", "publish": "công bố"}[action], from),
		fmt.Sprintf("Cannot %s a vote that is %s.", action, from))
}

// VoteAudience: votes concern everyone in the meeting.
var voteAudience = events.Audience{}

// voteEvent is what pages receive about a vote: never a choice, and counts only when they may be shown.
type voteEvent struct {
	VoteID  int64      `json:"vote_id"`
	Status  VoteStatus `json:"status"`
	Turnout int        `json:"turnout"`
	Counts  []int      `json:"counts,omitempty"`
}

const voteColumns = `id, meeting_id, agenda_item_id, document_id, question, kind, options, approve_option, secret, live_results,
	electorate, quorum, majority, status, eligible, turnout, counts, tally, result, opened_at, closed_at, published_at, created_at`

func scanVote(row interface{ Scan(...any) error }) (Vote, error) {
	var v Vote
	var kind, options, electorate, quorum, majority, status string
	var counts, tally, result sql.NullString
	var opened, closed, published, created store.Time
	err := row.Scan(&v.ID, &v.MeetingID, &v.AgendaItemID, &v.DocumentID, &v.Question, &kind, &options, &v.ApproveOption, &v.Secret,
		&v.LiveResults, &electorate, &quorum, &majority, &status, &v.Eligible, &v.Turnout, &counts, &tally, &result,
		&opened, &closed, &published, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Vote{}, errVoteNotFound
	}
	if err != nil {
		return Vote{}, fmt.Errorf("rooms: scan vote: %w", err)
	}
	v.Kind = VoteKind(kind)
	v.Electorate, v.Quorum, v.Majority, v.Status = Electorate(electorate), QuorumRule(quorum), MajorityRule(majority), VoteStatus(status)
	v.CreatedAt = created.Time
	v.OpenedAt, v.ClosedAt, v.PublishedAt = timePtr(opened), timePtr(closed), timePtr(published)
	if err := json.Unmarshal([]byte(options), &v.Options); err != nil {
		return Vote{}, fmt.Errorf("rooms: vote %d options: %w", v.ID, err)
	}
	for _, f := range []struct {
		s   sql.NullString
		dst any
	}{{counts, &v.Counts}, {tally, &v.Tally}, {result, &v.Result}} {
		if f.s.Valid && f.s.String != "" {
			if err := json.Unmarshal([]byte(f.s.String), f.dst); err != nil {
				return Vote{}, fmt.Errorf("rooms: vote %d: %w", v.ID, err)
			}
		}
	}
	return v, nil
}

func timePtr(t store.Time) *time.Time {
	if t.Time.IsZero() {
		return nil
	}
	tt := t.Time
	return &tt
}
