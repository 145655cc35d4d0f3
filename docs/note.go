package docs

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
)

// Note is a private note on a page: only its author ever reads it.
type Note struct {
	Page      int       `json:"page"`
	Text      string    `json:"text"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Notes returns v's own notes on a document.
func (s *Service) Notes(ctx context.Context, v Viewer, meetingID, docID int64) ([]Note, error) {
	if _, err := s.Get(ctx, v, meetingID, docID); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT page, text, updated_at FROM document_notes WHERE document_id = ? AND user_id = ? ORDER BY page`, docID, v.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Note{}
	for rows.Next() {
		var n Note
		var at store.Time
		if err := rows.Scan(&n.Page, &n.Text, &at); err != nil {
			return nil, err
		}
		n.UpdatedAt = at.Time
		out = append(out, n)
	}
	return out, rows.Err()
}

// SetNote writes v's note on a page; empty text deletes it. Notes are private, so no event.
func (s *Service) SetNote(ctx context.Context, v Viewer, meetingID, docID int64, page int, text string) error {
	if _, err := s.Get(ctx, v, meetingID, docID); err != nil {
		return err
	}
	if page < 1 || page > 100000 {
		return errs.Fieldf("page", "Số trang không hợp lệ.", "Invalid page number.")
	}
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) > 10000 {
		return errs.Fieldf("text", "Ghi chú tối đa 10000 ký tự.", "A note may have at most 10000 characters.")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if text == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM document_notes WHERE document_id = ? AND user_id = ? AND page = ?`, docID, v.UserID, page)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO document_notes (document_id, user_id, page, text, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (document_id, user_id, page) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
			docID, v.UserID, page, text, tx.Now())
		return err
	})
}

// Comment is a comment on a draft version (góp ý dự thảo).
type Comment struct {
	ID        int64      `json:"id"`
	VersionID int64      `json:"version_id"`
	Version   int        `json:"version"`
	UserID    int64      `json:"user_id"`
	UserName  string     `json:"user_name"`
	Page      *int       `json:"page"`
	Text      string     `json:"text"`
	Status    string     `json:"status"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// AddComment comments on a version of a draft. Guests and operators do not comment.
func (s *Service) AddComment(ctx context.Context, v Viewer, meetingID, docID int64, version int, page *int, text string) (Comment, error) {
	if v.Role == "guest" || v.Role == "operator" {
		return Comment{}, errs.E(errs.Forbidden, "Khách mời và kỹ thuật viên không góp ý dự thảo.", "Guests and operators do not comment on drafts.")
	}
	d, err := s.Get(ctx, v, meetingID, docID)
	if err != nil {
		return Comment{}, err
	}
	if d.Kind != Draft {
		return Comment{}, errs.E(errs.Conflict, "Chỉ góp ý trên dự thảo.", "Comments are taken on drafts only.")
	}
	if version == 0 {
		version = len(d.Versions)
	}
	if version < 1 || version > len(d.Versions) {
		return Comment{}, errs.Fieldf("version", "Không có phiên bản này.", "No such version.")
	}
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > 10000 {
		return Comment{}, errs.Fieldf("text", "Nội dung góp ý trống hoặc quá 10000 ký tự.", "The comment is empty or longer than 10000 characters.")
	}
	if page != nil && (*page < 1 || *page > 100000) {
		return Comment{}, errs.Fieldf("page", "Số trang không hợp lệ.", "Invalid page number.")
	}
	var c Comment
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO document_comments (version_id, user_id, page, text, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			d.Versions[version-1].ID, v.UserID, page, text, tx.Now()).Scan(&id); err != nil {
			return err
		}
		var err error
		if c, err = loadComment(ctx, tx, id); err != nil {
			return err
		}
		// The drafters (organizers) and the author learn of it; other delegates do not see others' comments.
		_, err = s.events.Append(ctx, tx, meetingID, "comment.added", events.Audience{Users: []int64{v.UserID}, Roles: []string{"chair", "secretary"}},
			map[string]any{"document_id": docID, "comment_id": id})
		return err
	})
	return c, err
}

const commentColumns = `c.id, c.version_id, v.version, c.user_id, u.full_name, c.page, c.text, c.status, c.decided_at, c.created_at`

func scanComment(row interface{ Scan(...any) error }) (Comment, error) {
	var c Comment
	var page sql.NullInt64
	var decided, created store.Time
	if err := row.Scan(&c.ID, &c.VersionID, &c.Version, &c.UserID, &c.UserName, &page, &c.Text, &c.Status, &decided, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Comment{}, errs.E(errs.NotFound, "Không tìm thấy góp ý.", "Comment not found.")
		}
		return Comment{}, err
	}
	if page.Valid {
		p := int(page.Int64)
		c.Page = &p
	}
	if !decided.Time.IsZero() {
		t := decided.Time
		c.DecidedAt = &t
	}
	c.CreatedAt = created.Time
	return c, nil
}

func loadComment(ctx context.Context, q store.Querier, id int64) (Comment, error) {
	return scanComment(q.QueryRowContext(ctx, `SELECT `+commentColumns+` FROM document_comments c
		JOIN document_versions v ON v.id = c.version_id JOIN users u ON u.id = c.user_id WHERE c.id = ?`, id))
}

// Comments lists a draft's comments: all of them for organizers, one's own for everyone else.
func (s *Service) Comments(ctx context.Context, v Viewer, meetingID, docID int64) ([]Comment, error) {
	if _, err := s.Get(ctx, v, meetingID, docID); err != nil {
		return nil, err
	}
	q := `SELECT ` + commentColumns + ` FROM document_comments c JOIN document_versions v ON v.id = c.version_id
		JOIN users u ON u.id = c.user_id WHERE v.document_id = ?`
	args := []any{docID}
	if !v.Organizer {
		q += ` AND c.user_id = ?`
		args = append(args, v.UserID)
	}
	rows, err := s.db.Reader().QueryContext(ctx, q+` ORDER BY v.version, COALESCE(c.page, 0), c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Comment{}
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DecideComment marks a comment accepted or declined (the drafting organizers).
func (s *Service) DecideComment(ctx context.Context, v Viewer, meetingID, docID, commentID int64, status string) (Comment, error) {
	if !canPrepare(v) {
		return Comment{}, errs.E(errs.Forbidden, "Chỉ người soạn dự thảo (chủ trì, thư ký) tiếp thu góp ý.", "Only the drafters (chair, secretary) decide on comments.")
	}
	if status != "accepted" && status != "declined" && status != "open" {
		return Comment{}, errs.Fieldf("status", "Trạng thái không hợp lệ.", "Unknown status %q.", status)
	}
	var c Comment
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE document_comments SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?
			AND version_id IN (SELECT v.id FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE d.id = ? AND d.meeting_id = ?)`,
			status, v.UserID, tx.Now(), commentID, docID, meetingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "Không tìm thấy góp ý.", "Comment not found.")
		}
		if c, err = loadComment(ctx, tx, commentID); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, meetingID, "comment.decided", events.Audience{Users: []int64{c.UserID}, Roles: []string{"chair", "secretary"}},
			map[string]any{"document_id": docID, "comment_id": commentID, "status": status})
		return err
	})
	return c, err
}

// cell keeps a spreadsheet from reading text as a formula: a comment that starts with "=", "+",
// "-", "@" or a control character is prefixed with an apostrophe, which Excel shows as text.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

var statusVi = map[string]string{"open": "Chưa xử lý", "accepted": "Tiếp thu", "declined": "Không tiếp thu"}

// WriteCommentsCSV writes a draft's comments for the secretary as CSV, UTF-8 with a byte order
// mark so spreadsheet programs show Vietnamese correctly.
func WriteCommentsCSV(w io.Writer, d Document, comments []Comment) error {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"STT", "Dự thảo", "Phiên bản", "Trang", "Người góp ý", "Nội dung góp ý", "Thời gian", "Xử lý"})
	for i, c := range comments {
		page := ""
		if c.Page != nil {
			page = strconv.Itoa(*c.Page)
		}
		_ = cw.Write([]string{strconv.Itoa(i + 1), cell(d.Title), strconv.Itoa(c.Version), page, cell(c.UserName), cell(c.Text),
			c.CreatedAt.In(time.FixedZone("ICT", 7*3600)).Format("02/01/2006 15:04"), statusVi[c.Status]})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("docs: comments csv: %w", err)
	}
	return nil
}
