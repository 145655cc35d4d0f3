package rooms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/store"
)

// Meeting roles.
const (
	RoleChair     = "chair"     // chủ trì
	RoleSecretary = "secretary" // thư ký
	RoleDelegate  = "delegate"  // đại biểu
	RoleGuest     = "guest"     // khách mời
	RoleOperator  = "operator"  // kỹ thuật viên
)

func validRole(r string) bool {
	switch r {
	case RoleChair, RoleSecretary, RoleDelegate, RoleGuest, RoleOperator:
		return true
	}
	return false
}

// Member is what a person may do in one meeting. Every meeting action starts from it.
type Member struct {
	MeetingID int64 `json:"meeting_id"`
	UserID    int64 `json:"user_id"`
	// Role is the person's meeting role, or "" for an organizer who is not invited
	// (an administrator or a secretary of the organizing body).
	Role    string `json:"role"`
	CanVote bool   `json:"can_vote"`
	// Organizer: the meeting's chair or secretary, an administrator, or a secretary of the
	// organizing body. Organizers prepare the meeting and see everything in it.
	Organizer bool `json:"organizer"`
	// ParticipantID is the person's invitation (0 for an organizer who is not invited).
	ParticipantID int64  `json:"participant_id"`
	Status        Status `json:"-"`
}

// CanPrepare reports whether m may change the meeting's details, invitations and agenda.
func (m Member) CanPrepare() bool { return m.Organizer && m.Role != RoleGuest }

// Member returns what p may do in a meeting. A person who may not open the meeting gets not_found,
// the same answer as for a meeting that does not exist: the existence of meetings does not leak.
// Invitees see a meeting once invitations are sent; drafts are for organizers only.
func (s *Service) Member(ctx context.Context, q store.Querier, meetingID int64, p *auth.Principal) (Member, error) {
	var orgID int64
	var status string
	err := q.QueryRowContext(ctx, `SELECT organization_id, status FROM meetings WHERE id = ?`, meetingID).Scan(&orgID, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return Member{}, errMeetingNotFound
	}
	if err != nil {
		return Member{}, fmt.Errorf("rooms: meeting %d: %w", meetingID, err)
	}
	m := Member{MeetingID: meetingID, UserID: p.ID, Status: Status(status)}
	err = q.QueryRowContext(ctx, `SELECT id, role, can_vote FROM meeting_participants WHERE meeting_id = ? AND user_id = ?`,
		meetingID, p.ID).Scan(&m.ParticipantID, &m.Role, &m.CanVote)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Member{}, fmt.Errorf("rooms: participant: %w", err)
	}
	m.Organizer = m.Role == RoleChair || m.Role == RoleSecretary || p.IsSecretaryOf(orgID)
	if !m.Organizer && (m.Role == "" || m.Status == Draft) {
		return Member{}, errMeetingNotFound
	}
	return m, nil
}

// memberRole returns a user's role in a meeting, or "" if they are not invited.
func (s *Service) memberRole(ctx context.Context, q store.Querier, meetingID, userID int64) (string, error) {
	var role string
	err := q.QueryRowContext(ctx, `SELECT role FROM meeting_participants WHERE meeting_id = ? AND user_id = ?`, meetingID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return role, err
}

// votingMembers lists the people with the right to vote and whether each is checked in.
func votingMembers(ctx context.Context, q store.Querier, meetingID int64) ([]votingMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id, attendance FROM meeting_participants
		WHERE meeting_id = ? AND user_id IS NOT NULL AND can_vote ORDER BY user_id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("rooms: voting members: %w", err)
	}
	defer rows.Close()
	var out []votingMember
	for rows.Next() {
		var vm votingMember
		var att string
		if err := rows.Scan(&vm.UserID, &att); err != nil {
			return nil, err
		}
		vm.Present = att == string(InPersonPresent) || att == string(OnlinePresent)
		out = append(out, vm)
	}
	return out, rows.Err()
}
