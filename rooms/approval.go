package rooms

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// Approval status.
const (
	ApprovalPending   = "pending"
	ApprovalApproved  = "approved"
	ApprovalReturned  = "returned"
	ApprovalWithdrawn = "withdrawn"
)

// Approval is a draft sent to a named leader. Approving freezes the exact version sent (its
// SHA-256); the register files that version and no other.
type Approval struct {
	ID             int64      `json:"id"`
	MeetingID      int64      `json:"meeting_id"`
	SubjectKind    string     `json:"subject_kind"` // minutes, conclusion, document
	SubjectID      int64      `json:"subject_id"`
	SubjectVersion int        `json:"subject_version"`
	SubjectSHA256  string     `json:"subject_sha256"`
	Title          string     `json:"title"`
	LeaderID       int64      `json:"leader_id"`
	LeaderName     string     `json:"leader_name"`
	Status         string     `json:"status"`
	Note           string     `json:"note"`
	Comment        string     `json:"comment"`
	RequestedBy    int64      `json:"requested_by"`
	RequestedAt    time.Time  `json:"requested_at"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
}

// ApprovalRequest asks a leader to approve the current version of a record or a document version.
type ApprovalRequest struct {
	SubjectKind string `json:"subject_kind"`
	// SubjectID is a document version's ID for documents; records are found by kind.
	SubjectID int64  `json:"subject_id"`
	LeaderID  int64  `json:"leader_id"`
	Note      string `json:"note"`
}

// DocumentVersion is what approvals need to know of a document version: which meeting it belongs
// to, its number, title and hash. The API layer supplies it from package docs.
type DocumentVersion struct {
	ID        int64
	MeetingID int64
	Version   int
	Title     string
	SHA256    string
}

const approvalColumns = `a.id, a.meeting_id, a.subject_kind, a.subject_id, a.subject_version, a.subject_sha256, a.title, a.leader_id,
	u.full_name, a.status, a.note, a.comment, a.requested_by, a.requested_at, a.decided_at`

func scanApproval(row interface{ Scan(...any) error }) (Approval, error) {
	var a Approval
	var req, dec store.Time
	err := row.Scan(&a.ID, &a.MeetingID, &a.SubjectKind, &a.SubjectID, &a.SubjectVersion, &a.SubjectSHA256, &a.Title, &a.LeaderID,
		&a.LeaderName, &a.Status, &a.Note, &a.Comment, &a.RequestedBy, &req, &dec)
	if errors.Is(err, sql.ErrNoRows) {
		return Approval{}, errs.E(errs.NotFound, "Không tìm thấy yêu cầu phê duyệt.", "Approval request not found.")
	}
	if err != nil {
		return Approval{}, fmt.Errorf("rooms: scan approval: %w", err)
	}
	a.RequestedAt, a.DecidedAt = req.Time, timePtr(dec)
	return a, nil
}

// RequestApproval sends the current version of the minutes or conclusion notice, or a document
// version (doc, looked up by the caller), to a leader who is a member of the meeting.
func (s *Service) RequestApproval(ctx context.Context, m Member, req ApprovalRequest, doc *DocumentVersion) (Approval, error) {
	if m.Role != RoleSecretary && m.Role != RoleChair && !m.Organizer {
		return Approval{}, errs.E(errs.Forbidden, "Chỉ thư ký hoặc chủ trì được trình phê duyệt.", "Only the secretary or the chair may send a draft for approval.")
	}
	req.Note = strings.TrimSpace(req.Note)
	if utf8.RuneCountInString(req.Note) > 2000 {
		return Approval{}, errs.Fieldf("note", "Ghi chú tối đa 2000 ký tự.", "The note may have at most 2000 characters.")
	}
	var a Approval
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var subjectID int64
		var version int
		var sum, title string
		switch req.SubjectKind {
		case KindMinutes, KindConclusion:
			r, err := loadRecord(ctx, tx, m.MeetingID, req.SubjectKind, "")
			if err != nil {
				return err
			}
			subjectID, version, sum = r.ID, r.Version, r.SHA256
			title = map[string]string{KindMinutes: "Biên bản cuộc họp", KindConclusion: "Thông báo kết luận"}[req.SubjectKind]
		case "document":
			if doc == nil || doc.MeetingID != m.MeetingID {
				return errs.Fieldf("subject_id", "Không tìm thấy dự thảo trong cuộc họp này.", "No such draft in this meeting.")
			}
			subjectID, version, sum, title = doc.ID, doc.Version, doc.SHA256, doc.Title
		default:
			return errs.Fieldf("subject_kind", "Loại văn bản trình duyệt không hợp lệ.", "Unknown kind of draft %q.", req.SubjectKind)
		}
		leader, err := s.memberRole(ctx, tx, m.MeetingID, req.LeaderID)
		if err != nil {
			return err
		}
		if leader == "" || leader == RoleGuest {
			return errs.Fieldf("leader_id", "Người phê duyệt phải là lãnh đạo tham dự cuộc họp.", "The approver must be a leader taking part in the meeting.")
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO approvals (meeting_id, subject_kind, subject_id, subject_version, subject_sha256, title,
			leader_id, status, note, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id`,
			m.MeetingID, req.SubjectKind, subjectID, version, sum, title, req.LeaderID, req.Note, m.UserID, tx.Now()).Scan(&id); err != nil {
			return fmt.Errorf("rooms: request approval: %w", err)
		}
		if a, err = loadApproval(ctx, tx, m.MeetingID, id, ""); err != nil {
			return err
		}
		if err := s.notifyApproval(ctx, tx, a); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, m.MeetingID, "approval.requested", voteAudience, a)
		return err
	})
	return a, err
}

func loadApproval(ctx context.Context, q store.Querier, meetingID, id int64, lock string) (Approval, error) {
	return scanApproval(q.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM approvals a JOIN users u ON u.id = a.leader_id
		WHERE a.id = ? AND a.meeting_id = ?`+lock, id, meetingID))
}

// Approvals lists the meeting's approval requests.
func (s *Service) Approvals(ctx context.Context, m Member) ([]Approval, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+approvalColumns+` FROM approvals a JOIN users u ON u.id = a.leader_id
		WHERE a.meeting_id = ? ORDER BY a.id`, m.MeetingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Decide approves or returns a pending request. Only the named leader decides; returning needs a
// comment. An approval of a record is refused if the record changed since it was sent: the
// leader approves what they read, and the secretary sends the new version again.
func (s *Service) Decide(ctx context.Context, m Member, id int64, approve bool, comment string) (Approval, error) {
	comment = strings.TrimSpace(comment)
	if !approve && comment == "" {
		return Approval{}, errs.Fieldf("comment", "Hãy ghi ý kiến khi trả lại dự thảo.", "Say why when returning a draft.")
	}
	if utf8.RuneCountInString(comment) > 4000 {
		return Approval{}, errs.Fieldf("comment", "Ý kiến tối đa 4000 ký tự.", "The comment may have at most 4000 characters.")
	}
	var a Approval
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadApproval(ctx, tx, m.MeetingID, id, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		if cur.LeaderID != m.UserID {
			return errs.E(errs.Forbidden, "Chỉ lãnh đạo được trình mới phê duyệt được dự thảo này.", "Only the leader it was sent to may decide on this draft.")
		}
		if cur.Status != ApprovalPending {
			return errs.E(errs.Conflict, "Dự thảo này đã được xử lý.", "This draft has already been decided.")
		}
		if approve && (cur.SubjectKind == KindMinutes || cur.SubjectKind == KindConclusion) {
			r, err := loadRecord(ctx, tx, m.MeetingID, cur.SubjectKind, "")
			if err != nil {
				return err
			}
			if r.SHA256 != cur.SubjectSHA256 {
				return errs.E(errs.Conflict, "Văn bản đã được sửa sau khi trình; thư ký cần trình lại phiên bản mới.", "The text changed after it was sent; the secretary must send the new version.")
			}
		}
		status := ApprovalReturned
		if approve {
			status = ApprovalApproved
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approvals SET status = ?, comment = ?, decided_at = ? WHERE id = ?`, status, comment, tx.Now(), id); err != nil {
			return err
		}
		if a, err = loadApproval(ctx, tx, m.MeetingID, id, ""); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, m.MeetingID, "approval.decided", voteAudience, a)
		return err
	})
	return a, err
}

// Approval returns one approval request of m's meeting.
func (s *Service) Approval(ctx context.Context, m Member, id int64) (Approval, error) {
	return loadApproval(ctx, s.db.Reader(), m.MeetingID, id, "")
}
