package rooms

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// Record kinds kept by the session.
const (
	KindMinutes    = "minutes"    // biên bản (Decree 30/2020/NĐ-CP, Appendix III, Mẫu 1.9)
	KindConclusion = "conclusion" // thông báo kết luận
)

// Minutes is the content of a meeting's minutes, in the sections of Mẫu 1.9.
type Minutes struct {
	Title        string        `json:"title"`
	StartedAt    string        `json:"started_at"` // "Thời gian bắt đầu", as written
	Place        string        `json:"place"`
	Chair        string        `json:"chair"`
	Secretary    string        `json:"secretary"`
	Participants string        `json:"participants"` // "Thành phần tham dự"
	Absent       string        `json:"absent"`
	Items        []MinutesItem `json:"items"`
	// Closing is "Cuộc họp kết thúc vào ... giờ ..., ngày ..."
	EndedAt string `json:"ended_at"`
	Closing string `json:"closing"`
}

// MinutesItem is the proceedings of one agenda item: what was presented, who spoke, votes, and
// the conclusion that goes into the conclusion notice.
type MinutesItem struct {
	AgendaItemID *int64 `json:"agenda_item_id"`
	Title        string `json:"title"`
	Proceedings  string `json:"proceedings"`
	Speeches     string `json:"speeches"`
	Votes        string `json:"votes"`
	Conclusion   string `json:"conclusion"`
}

// Conclusion is the content of a conclusion notice: per item, what the chair concluded.
type Conclusion struct {
	Title      string           `json:"title"`
	Preamble   string           `json:"preamble"`
	Items      []ConclusionItem `json:"items"`
	Recipients string           `json:"recipients"` // "Nơi nhận"
}

// ConclusionItem is one conclusion.
type ConclusionItem struct {
	Title      string `json:"title"`
	Conclusion string `json:"conclusion"`
}

// Record is a saved minutes or conclusion notice.
type Record struct {
	ID        int64           `json:"id"`
	MeetingID int64           `json:"meeting_id"`
	Kind      string          `json:"kind"`
	Version   int             `json:"version"`
	Content   json.RawMessage `json:"content"`
	SHA256    string          `json:"sha256"`
	UpdatedBy int64           `json:"updated_by"`
	UpdatedAt time.Time       `json:"updated_at"`
}

const maxRecordText = 200_000

func (m *Minutes) validate() error {
	total := 0
	fields := []*string{&m.Title, &m.StartedAt, &m.Place, &m.Chair, &m.Secretary, &m.Participants, &m.Absent, &m.EndedAt, &m.Closing}
	for i := range m.Items {
		it := &m.Items[i]
		fields = append(fields, &it.Title, &it.Proceedings, &it.Speeches, &it.Votes, &it.Conclusion)
	}
	for _, f := range fields {
		*f = strings.TrimRight(*f, " \t")
		total += utf8.RuneCountInString(*f)
	}
	if total > maxRecordText {
		return errs.Fieldf("content", "Biên bản quá dài (tối đa %d ký tự).", "The minutes are too long (at most %d characters).", maxRecordText)
	}
	if strings.TrimSpace(m.Title) == "" {
		return errs.Fieldf("title", "Biên bản cần có tiêu đề.", "The minutes need a title.")
	}
	return nil
}

func (c *Conclusion) validate() error {
	total := utf8.RuneCountInString(c.Title) + utf8.RuneCountInString(c.Preamble) + utf8.RuneCountInString(c.Recipients)
	for _, it := range c.Items {
		total += utf8.RuneCountInString(it.Title) + utf8.RuneCountInString(it.Conclusion)
	}
	if total > maxRecordText {
		return errs.Fieldf("content", "Thông báo quá dài (tối đa %d ký tự).", "The notice is too long (at most %d characters).", maxRecordText)
	}
	if strings.TrimSpace(c.Title) == "" {
		return errs.Fieldf("title", "Thông báo cần có tiêu đề.", "The notice needs a title.")
	}
	return nil
}

// canonical encodes content the same way every time, so its hash names exactly this text.
func canonical(v any) ([]byte, string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}

var errRecordNotFound = errs.E(errs.NotFound, "Chưa có văn bản này cho cuộc họp.", "This record does not exist for the meeting yet.")

// GetRecord returns the meeting's minutes or conclusion notice. Every member may read them.
func (s *Service) GetRecord(ctx context.Context, m Member, kind string) (Record, error) {
	if kind != KindMinutes && kind != KindConclusion {
		return Record{}, errRecordNotFound
	}
	return loadRecord(ctx, s.db.Reader(), m.MeetingID, kind, "")
}

func loadRecord(ctx context.Context, q store.Querier, meetingID int64, kind, lock string) (Record, error) {
	var r Record
	var content string
	var at store.Time
	err := q.QueryRowContext(ctx, `SELECT id, meeting_id, kind, version, content, sha256, updated_by, updated_at FROM session_records
		WHERE meeting_id = ? AND kind = ?`+lock, meetingID, kind).Scan(&r.ID, &r.MeetingID, &r.Kind, &r.Version, &content, &r.SHA256, &r.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, errRecordNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("rooms: record %s of meeting %d: %w", kind, meetingID, err)
	}
	r.Content, r.UpdatedAt = json.RawMessage(content), at.Time
	return r, nil
}

// RecordVersion returns one saved version of a record (approvals freeze a version by its hash).
func (s *Service) RecordVersion(ctx context.Context, m Member, kind string, version int) (Record, error) {
	r, err := s.GetRecord(ctx, m, kind)
	if err != nil {
		return Record{}, err
	}
	var content string
	var at store.Time
	err = s.db.Reader().QueryRowContext(ctx, `SELECT content, sha256, saved_by, saved_at FROM session_record_versions
		WHERE record_id = ? AND version = ?`, r.ID, version).Scan(&content, &r.SHA256, &r.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, errs.E(errs.NotFound, "Không có phiên bản này.", "No such version.")
	}
	if err != nil {
		return Record{}, err
	}
	r.Version, r.Content, r.UpdatedAt = version, json.RawMessage(content), at.Time
	return r, nil
}

// SaveRecord stores a new version of the minutes or the conclusion notice. baseVersion is the
// version the editor started from (0 to create): if someone saved in between, the save is refused
// with a conflict and nothing is overwritten. Only the meeting's secretary (or organizer) edits.
func (s *Service) SaveRecord(ctx context.Context, m Member, kind string, baseVersion int, content json.RawMessage) (Record, error) {
	if m.Role != RoleSecretary && !(m.Organizer && m.Role != RoleChair) {
		return Record{}, errs.E(errs.Forbidden, "Chỉ thư ký cuộc họp được soạn biên bản và thông báo kết luận.", "Only the meeting's secretary writes the minutes and the conclusion notice.")
	}
	var value any
	switch kind {
	case KindMinutes:
		var mm Minutes
		if err := strictJSON(content, &mm); err != nil {
			return Record{}, err
		}
		if err := mm.validate(); err != nil {
			return Record{}, err
		}
		value = mm
	case KindConclusion:
		var c Conclusion
		if err := strictJSON(content, &c); err != nil {
			return Record{}, err
		}
		if err := c.validate(); err != nil {
			return Record{}, err
		}
		value = c
	default:
		return Record{}, errRecordNotFound
	}
	body, sum, err := canonical(value)
	if err != nil {
		return Record{}, err
	}
	var r Record
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadRecord(ctx, tx, m.MeetingID, kind, store.ForUpdate(tx))
		switch {
		case errors.Is(err, errRecordNotFound):
			if baseVersion != 0 {
				return errRecordNotFound
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO session_records (meeting_id, kind, version, content, sha256, updated_by, updated_at)
				VALUES (?, ?, 1, ?, ?, ?, ?) RETURNING id`, m.MeetingID, kind, string(body), sum, m.UserID, tx.Now()).Scan(&cur.ID); err != nil {
				if store.IsUniqueViolation(err) {
					return errEditConflict(1)
				}
				return err
			}
			cur.Version = 1
		case err != nil:
			return err
		default:
			if cur.Version != baseVersion {
				return errEditConflict(cur.Version)
			}
			cur.Version++
			if _, err := tx.ExecContext(ctx, `UPDATE session_records SET version = ?, content = ?, sha256 = ?, updated_by = ?, updated_at = ?
				WHERE id = ?`, cur.Version, string(body), sum, m.UserID, tx.Now(), cur.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO session_record_versions (record_id, version, content, sha256, saved_by, saved_at)
			VALUES (?, ?, ?, ?, ?, ?)`, cur.ID, cur.Version, string(body), sum, m.UserID, tx.Now()); err != nil {
			return err
		}
		if r, err = loadRecord(ctx, tx, m.MeetingID, kind, ""); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, m.MeetingID, "record.saved", voteAudience,
			map[string]any{"kind": kind, "version": r.Version, "sha256": r.SHA256, "by": m.UserID})
		return err
	})
	return r, err
}

func errEditConflict(current int) error {
	return errs.E(errs.Conflict,
		fmt.Sprintf("Văn bản đã được người khác lưu (phiên bản %d). Hãy tải lại để xem thay đổi trước khi lưu.", current),
		fmt.Sprintf("Someone else saved this text (version %d). Reload to see their changes before saving.", current))
}

func strictJSON(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Fieldf("content", "Nội dung không hợp lệ: %v", "Invalid content: %v", err)
	}
	return nil
}
