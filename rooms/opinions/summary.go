package opinions

import (
	"bytes"
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

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
)

// Summary is the content of the summary of written opinions (báo cáo tổng hợp ý kiến).
type Summary struct {
	Title        string            `json:"title"`
	Introduction string            `json:"introduction"`
	Questions    []SummaryQuestion `json:"questions"`
	// NotAnswered names the people and units that sent no answer.
	NotAnswered string `json:"not_answered"`
	// Proposal is the secretary's proposal to the leader (đề xuất, kiến nghị).
	Proposal string `json:"proposal"`
}

// SummaryQuestion is the tally of one question and the other opinions given.
type SummaryQuestion struct {
	Question string `json:"question"`
	Agree    int    `json:"agree"`
	Disagree int    `json:"disagree"`
	Other    int    `json:"other"`
	Opinions string `json:"opinions"`
}

// SummaryRecord is a saved summary and the meeting document version its PDF became.
type SummaryRecord struct {
	FormID            int64           `json:"form_id"`
	Version           int             `json:"version"`
	Content           json.RawMessage `json:"content"`
	SHA256            string          `json:"sha256"`
	DocumentID        int64           `json:"document_id"`
	DocumentVersionID int64           `json:"document_version_id"`
	UpdatedBy         int64           `json:"updated_by"`
	UpdatedAt         time.Time       `json:"updated_at"`
}

var choiceWords = map[string]string{Agree: "đồng ý", Disagree: "không đồng ý", Other: "ý kiến khác"}

// DraftSummary composes the summary from the latest answer of every recipient. Nothing is saved.
func (s *Service) DraftSummary(ctx context.Context, f Form, v Viewer) (Summary, error) {
	if !v.Organizer {
		return Summary{}, errOrganizersOnly
	}
	all, err := answers(ctx, s.db.Reader(), "", f.ID)
	if err != nil {
		return Summary{}, err
	}
	recs, err := s.Recipients(ctx, v, f.ID)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{
		Title: "Tổng hợp ý kiến về " + lowerFirst(f.DraftTitle),
		Introduction: fmt.Sprintf("Thực hiện phiếu lấy ý kiến \"%s\" (hạn trả lời %s), đã gửi xin ý kiến %d người và đơn vị; %d người và đơn vị đã trả lời. Kết quả như sau:",
			f.Title, rooms.VietnameseTime(f.Deadline), f.Recipients, f.Answered),
	}
	for i, q := range f.Questions {
		sq := SummaryQuestion{Question: q}
		var lines []string
		for _, a := range all {
			if !a.Latest || i >= len(a.Items) {
				continue
			}
			it := a.Items[i]
			switch it.Choice {
			case Agree:
				sq.Agree++
			case Disagree:
				sq.Disagree++
			case Other:
				sq.Other++
			}
			if it.Text != "" {
				lines = append(lines, fmt.Sprintf("- %s (%s): %s", a.RecipientName, choiceWords[it.Choice], it.Text))
			}
		}
		sq.Opinions = strings.Join(lines, "\n")
		sum.Questions = append(sum.Questions, sq)
	}
	var missing []string
	for _, r := range recs {
		if r.Revisions == 0 {
			missing = append(missing, "- "+r.Name)
		}
	}
	sum.NotAnswered = strings.Join(missing, "\n")
	return sum, nil
}

func (sm *Summary) validate() error {
	sm.Title = strings.TrimSpace(sm.Title)
	if sm.Title == "" {
		return errs.Fieldf("title", "Báo cáo tổng hợp cần có tiêu đề.", "The summary needs a title.")
	}
	total := utf8.RuneCountInString(sm.Title) + utf8.RuneCountInString(sm.Introduction) + utf8.RuneCountInString(sm.NotAnswered) + utf8.RuneCountInString(sm.Proposal)
	for _, q := range sm.Questions {
		if q.Agree < 0 || q.Disagree < 0 || q.Other < 0 {
			return errs.Fieldf("questions", "Số ý kiến không được âm.", "Counts may not be negative.")
		}
		total += utf8.RuneCountInString(q.Question) + utf8.RuneCountInString(q.Opinions)
	}
	if total > 200_000 {
		return errs.Fieldf("content", "Báo cáo quá dài (tối đa 200000 ký tự).", "The summary is too long (at most 200000 characters).")
	}
	return nil
}

// GetSummary returns the saved summary (not_found before the first save). Every member who may
// see the form reads it: the leader it is sent to reads it here.
func (s *Service) GetSummary(ctx context.Context, formID int64) (SummaryRecord, error) {
	return loadSummary(ctx, s.db.Reader(), formID, "")
}

var errNoSummary = errs.E(errs.NotFound, "Chưa có báo cáo tổng hợp ý kiến.", "No summary has been saved yet.")

func loadSummary(ctx context.Context, q store.Querier, formID int64, lock string) (SummaryRecord, error) {
	var r SummaryRecord
	var content string
	var at store.Time
	err := q.QueryRowContext(ctx, `SELECT form_id, version, content, sha256, document_id, document_version_id, updated_by, updated_at
		FROM opinion_summaries WHERE form_id = ?`+lock, formID).Scan(&r.FormID, &r.Version, &content, &r.SHA256, &r.DocumentID,
		&r.DocumentVersionID, &r.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return SummaryRecord{}, errNoSummary
	}
	if err != nil {
		return SummaryRecord{}, err
	}
	r.Content, r.UpdatedAt = json.RawMessage(content), at.Time
	return r, nil
}

// SaveSummary stores a new version of the summary once the form is closed (the answers can no
// longer change under it), renders it to PDF in the administrative layout and keeps the PDF as
// a new version of the summary's draft document in the meeting, all in one transaction.
// baseVersion is the version the editor started from (0 for the first): a save over someone
// else's is refused.
func (s *Service) SaveSummary(ctx context.Context, f Form, v Viewer, baseVersion int, raw json.RawMessage) (SummaryRecord, error) {
	if !v.Organizer {
		return SummaryRecord{}, errOrganizersOnly
	}
	var sm Summary
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sm); err != nil {
		return SummaryRecord{}, errs.Fieldf("content", "Nội dung báo cáo không hợp lệ: %v", "Invalid summary: %v", err)
	}
	if err := sm.validate(); err != nil {
		return SummaryRecord{}, err
	}
	body, err := json.Marshal(sm)
	if err != nil {
		return SummaryRecord{}, err
	}
	h := sha256.Sum256(body)
	hash := hex.EncodeToString(h[:])
	var out SummaryRecord
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadForm(ctx, tx, f.ID, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		if cur.Status != Closed {
			return errs.E(errs.Conflict, "Hãy đóng phiếu trước khi lập báo cáo tổng hợp.", "Close the form before saving its summary.")
		}
		prev, err := loadSummary(ctx, tx, f.ID, store.ForUpdate(tx))
		switch {
		case errors.Is(err, errNoSummary):
		case err != nil:
			return err
		}
		if prev.Version != baseVersion {
			return errs.E(errs.Conflict,
				fmt.Sprintf("Báo cáo đã được người khác lưu (phiên bản %d). Hãy tải lại trước khi lưu.", prev.Version),
				fmt.Sprintf("Someone else saved the summary (version %d). Reload before saving.", prev.Version))
		}
		pdf, err := s.renderSummary(ctx, tx, cur, sm, v.Name)
		if err != nil {
			return err
		}
		_, ver, err := s.docs.AttachGenerated(ctx, tx, f.MeetingID, prev.DocumentID, v.UserID, sm.Title,
			fmt.Sprintf("tong-hop-y-kien-%d.pdf", f.ID), pdf)
		if err != nil {
			return err
		}
		if prev.Version == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO opinion_summaries (form_id, version, content, sha256, document_id, document_version_id, updated_by, updated_at)
				VALUES (?, 1, ?, ?, ?, ?, ?, ?)`, f.ID, string(body), hash, ver.DocumentID, ver.ID, v.UserID, tx.Now())
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE opinion_summaries SET version = version + 1, content = ?, sha256 = ?, document_version_id = ?,
				updated_by = ?, updated_at = ? WHERE form_id = ?`, string(body), hash, ver.ID, v.UserID, tx.Now(), f.ID)
		}
		if err != nil {
			return err
		}
		if out, err = loadSummary(ctx, tx, f.ID, ""); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, f.MeetingID, "opinion.summary", organizerAudience, map[string]any{"form_id": f.ID, "version": out.Version})
		return err
	})
	return out, err
}

// renderSummary lays the summary out as a report (báo cáo) of the meeting's organization; its
// number is given when it is filed.
func (s *Service) renderSummary(ctx context.Context, q store.Querier, f Form, sm Summary, author string) ([]byte, error) {
	var agency, parent, abbr string
	if err := q.QueryRowContext(ctx, `SELECT o.name, COALESCE(p.name, ''), o.abbreviation FROM meetings m JOIN organizations o ON o.id = m.organization_id
		LEFT JOIN organizations p ON p.id = o.parent_id WHERE m.id = ?`, f.MeetingID).Scan(&agency, &parent, &abbr); err != nil {
		return nil, fmt.Errorf("opinions: agency: %w", err)
	}
	d := docs.AdminDocument{ParentAgency: parent, Agency: agency, Symbol: "      /BC-" + abbr, Place: docs.PlaceOf(agency),
		Date: s.db.Now(), Kind: "Báo cáo", Summary: upperFirst(sm.Title)}
	d.Sections = append(d.Sections, docs.AdminSection{Text: sm.Introduction})
	for i, q := range sm.Questions {
		text := fmt.Sprintf("Đồng ý: %d; không đồng ý: %d; ý kiến khác: %d.", q.Agree, q.Disagree, q.Other)
		if strings.TrimSpace(q.Opinions) != "" {
			text += "\nCác ý kiến cụ thể:\n" + q.Opinions
		}
		d.Sections = append(d.Sections, docs.AdminSection{Heading: fmt.Sprintf("%d. %s", i+1, q.Question), Text: text})
	}
	if strings.TrimSpace(sm.NotAnswered) != "" {
		d.Sections = append(d.Sections, docs.AdminSection{Heading: "Chưa có ý kiến", Text: sm.NotAnswered})
	}
	if strings.TrimSpace(sm.Proposal) != "" {
		d.Sections = append(d.Sections, docs.AdminSection{Heading: "Đề xuất, kiến nghị", Text: sm.Proposal})
	}
	d.Signers = []docs.AdminSigner{{Title: "Người tổng hợp", Name: author}}
	var buf bytes.Buffer
	if err := docs.WriteAdminPDF(&buf, d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = []rune(strings.ToLower(string(r[0])))[0]
	}
	return string(r)
}

func upperFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	}
	return string(r)
}

// SummaryVersionIDs lists the versions of the summary's document, whose approvals the form's
// page shows.
func (s *Service) SummaryVersionIDs(ctx context.Context, documentID int64) ([]int64, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM document_versions WHERE document_id = ? ORDER BY version`, documentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
