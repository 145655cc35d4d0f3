package opinions

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
	"github.com/phonghop/phonghop/rooms/notice"
)

// Item is the answer to one question.
type Item struct {
	Choice string `json:"choice"` // agree, disagree, other
	Text   string `json:"text"`
}

// Answer is one sent answer of a recipient; a later revision replaces it in the count and both
// stay on record.
type Answer struct {
	ID             int64     `json:"id"`
	FormID         int64     `json:"form_id"`
	RecipientID    int64     `json:"recipient_id"`
	RecipientName  string    `json:"recipient_name"`
	Revision       int       `json:"revision"`
	AnsweredBy     int64     `json:"answered_by"`
	AnsweredByName string    `json:"answered_by_name"`
	AnsweredAt     time.Time `json:"answered_at"`
	Items          []Item    `json:"items"`
	AttachmentName string    `json:"attachment_name,omitempty"`
	HasAttachment  bool      `json:"has_attachment"`
	// Latest: this revision is the one that counts.
	Latest bool `json:"latest"`
	// Signature is the answerer's, when they signed this revision.
	Signature *Signature `json:"signature,omitempty"`

	attachmentSHA string
}

// NewAnswer is what a recipient sends. RecipientID may be 0 when the person answers for one
// recipient only (themself or their unit).
type NewAnswer struct {
	RecipientID int64  `json:"recipient_id"`
	Items       []Item `json:"items"`
	// Sign, when set, signs the answer as stored, in the same transaction.
	Sign SignFunc `json:"-"`
}

var errClosed = errs.E(errs.Conflict, "Phiếu đã hết hạn trả lời hoặc đã đóng; không nhận thêm ý kiến.", "The form is past its deadline or closed; no more answers are taken.")

// Answer records a recipient's answer (a new revision if they answered before), with an
// optional attachment already stored (docs.Service.PutAttachment).
func (s *Service) Answer(ctx context.Context, f Form, v Viewer, in NewAnswer, file *docs.StoredFile, fileName string) (Answer, error) {
	if len(v.Answers) == 0 {
		return Answer{}, errs.E(errs.Forbidden, "Bạn không có tên trong danh sách được lấy ý kiến.", "You are not among the people asked for an opinion.")
	}
	var rec *Recipient
	for i := range v.Answers {
		if v.Answers[i].ID == in.RecipientID || (in.RecipientID == 0 && len(v.Answers) == 1) {
			rec = &v.Answers[i]
		}
	}
	if rec == nil {
		return Answer{}, errs.Fieldf("recipient_id", "Hãy chọn trả lời với tư cách cá nhân hay đơn vị.", "Choose whether you answer for yourself or for your unit.")
	}
	if len(in.Items) != len(f.Questions) {
		return Answer{}, errs.Fieldf("items", "Hãy trả lời đủ %d câu hỏi.", "Answer all %d questions.", len(f.Questions))
	}
	for i := range in.Items {
		it := &in.Items[i]
		it.Text = strings.TrimSpace(it.Text)
		if it.Choice != Agree && it.Choice != Disagree && it.Choice != Other {
			return Answer{}, errs.Fieldf("items", "Câu %d: hãy chọn đồng ý, không đồng ý hoặc ý kiến khác.", "Question %d: choose agree, disagree or other.", i+1)
		}
		if it.Choice == Other && it.Text == "" {
			return Answer{}, errs.Fieldf("items", "Câu %d: hãy ghi rõ ý kiến khác.", "Question %d: write the other opinion.", i+1)
		}
		if utf8.RuneCountInString(it.Text) > 4000 {
			return Answer{}, errs.Fieldf("items", "Câu %d: ý kiến tối đa 4000 ký tự.", "Question %d: at most 4000 characters.", i+1)
		}
	}
	fileName = strings.TrimSpace(fileName)
	if utf8.RuneCountInString(fileName) > 255 {
		fileName = string([]rune(fileName)[:255])
	}
	var a Answer
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadForm(ctx, tx, f.ID, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		if cur.Status != Open || tx.Now().After(cur.Deadline) {
			return errClosed
		}
		var rev int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(revision), 0) + 1 FROM opinion_answers WHERE recipient_id = ?`, rec.ID).Scan(&rev); err != nil {
			return err
		}
		var sum any
		if file != nil {
			if err := docs.KeepStored(ctx, tx, *file); err != nil {
				return err
			}
			sum = file.SHA256
		} else {
			fileName = ""
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO opinion_answers (form_id, recipient_id, revision, answered_by, answered_at, attachment_sha256, attachment_name)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, f.ID, rec.ID, rev, v.UserID, tx.Now(), sum, fileName).Scan(&id); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "Ý kiến vừa được gửi từ nơi khác; hãy tải lại trang.", "An answer was just sent from elsewhere; reload the page.")
			}
			return fmt.Errorf("opinions: answer: %w", err)
		}
		for i, it := range in.Items {
			text := it.Text
			if _, err := tx.ExecContext(ctx, `INSERT INTO opinion_answer_items (answer_id, position, choice, text) VALUES (?, ?, ?, ?)`, id, i, it.Choice, text); err != nil {
				return err
			}
		}
		list, err := answers(ctx, tx, ` AND a.id = ?`, f.ID, id)
		if err != nil {
			return err
		}
		a = list[0]
		if in.Sign != nil {
			if a, err = signAnswer(ctx, tx, a, v.UserID, in.Sign); err != nil {
				return err
			}
		}
		_, err = s.events.Append(ctx, tx, f.MeetingID, "opinion.answered", organizerAudience,
			map[string]any{"form_id": f.ID, "recipient_id": rec.ID, "revision": rev})
		return err
	})
	return a, err
}

// organizerAudience: organizers follow answers live; recipients learn only of their own.
var organizerAudience = events.Audience{Roles: []string{rooms.RoleChair, rooms.RoleSecretary}}

// Answers lists a form's answers, every revision, oldest first: all for organizers, the
// viewer's own recipients' otherwise.
func (s *Service) Answers(ctx context.Context, f Form, v Viewer) ([]Answer, error) {
	if v.Organizer {
		return answers(ctx, s.db.Reader(), "", f.ID)
	}
	if len(v.Answers) == 0 {
		return []Answer{}, nil
	}
	ids := make([]string, len(v.Answers))
	args := []any{f.ID}
	for i, r := range v.Answers {
		ids[i] = "?"
		args = append(args, r.ID)
	}
	return answers(ctx, s.db.Reader(), ` AND a.recipient_id IN (`+strings.Join(ids, ",")+`)`, args...)
}

func answers(ctx context.Context, q store.Querier, cond string, args ...any) ([]Answer, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.form_id, a.recipient_id, COALESCE(ru.full_name, ro.name), a.revision, a.answered_by, u.full_name,
		a.answered_at, COALESCE(a.attachment_sha256, ''), a.attachment_name,
		a.revision = (SELECT MAX(b.revision) FROM opinion_answers b WHERE b.recipient_id = a.recipient_id)
		FROM opinion_answers a JOIN users u ON u.id = a.answered_by JOIN opinion_recipients r ON r.id = a.recipient_id
		LEFT JOIN users ru ON ru.id = r.user_id LEFT JOIN organizations ro ON ro.id = r.organization_id
		WHERE a.form_id = ?`+cond+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("opinions: answers: %w", err)
	}
	out := []Answer{}
	index := map[int64]int{}
	for rows.Next() {
		var a Answer
		var at store.Time
		if err := rows.Scan(&a.ID, &a.FormID, &a.RecipientID, &a.RecipientName, &a.Revision, &a.AnsweredBy, &a.AnsweredByName, &at,
			&a.attachmentSHA, &a.AttachmentName, &a.Latest); err != nil {
			rows.Close()
			return nil, err
		}
		a.AnsweredAt, a.HasAttachment, a.Items = at.Time, a.attachmentSHA != "", []Item{}
		index[a.ID] = len(out)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	irows, err := q.QueryContext(ctx, `SELECT i.answer_id, i.choice, i.text FROM opinion_answer_items i JOIN opinion_answers a ON a.id = i.answer_id
		WHERE a.form_id = ?`+cond+` ORDER BY i.answer_id, i.position`, args...)
	if err != nil {
		return nil, err
	}
	defer irows.Close()
	for irows.Next() {
		var id int64
		var it Item
		if err := irows.Scan(&id, &it.Choice, &it.Text); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].Items = append(out[i].Items, it)
		}
	}
	if err := irows.Err(); err != nil {
		return nil, err
	}
	return out, withSignatures(ctx, q, out)
}

// Attachment returns the stored file of an answer the viewer may read, and its name.
func (s *Service) Attachment(ctx context.Context, f Form, v Viewer, answerID int64) (string, string, error) {
	list, err := s.Answers(ctx, f, v)
	if err != nil {
		return "", "", err
	}
	for _, a := range list {
		if a.ID == answerID && a.HasAttachment {
			name := a.AttachmentName
			if name == "" {
				name = fmt.Sprintf("y-kien-%d", a.ID)
			}
			return a.attachmentSHA, name, nil
		}
	}
	return "", "", errs.E(errs.NotFound, "Không có tệp đính kèm này.", "No such attachment.")
}

// Reminder is a reminder the secretary sent.
type Reminder struct {
	SentBy     int64     `json:"sent_by"`
	SentAt     time.Time `json:"sent_at"`
	Recipients int       `json:"recipients"`
}

// Remind tells the people of every recipient who has not answered, and records the reminder.
func (s *Service) Remind(ctx context.Context, f Form, v Viewer) (Reminder, error) {
	if !v.Organizer {
		return Reminder{}, errOrganizersOnly
	}
	var r Reminder
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadForm(ctx, tx, f.ID, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		if cur.Status != Open || tx.Now().After(cur.Deadline) {
			return errClosed
		}
		people, err := peopleOf(ctx, tx, f.ID, true)
		if err != nil {
			return err
		}
		if len(people) == 0 {
			return errs.E(errs.Conflict, "Mọi người và đơn vị đã trả lời; không cần nhắc.", "Everyone has answered; there is no one to remind.")
		}
		r = Reminder{SentBy: v.UserID, SentAt: tx.Now(), Recipients: cur.Recipients - cur.Answered}
		if _, err := tx.ExecContext(ctx, `INSERT INTO opinion_reminders (form_id, sent_by, sent_at, recipients) VALUES (?, ?, ?, ?)`,
			f.ID, v.UserID, r.SentAt, r.Recipients); err != nil {
			return err
		}
		return s.notify.Notify(ctx, tx, notice.Notice{MeetingID: f.MeetingID, Kind: notice.FormReminder, Users: people,
			Subject: "Nhắc trả lời phiếu lấy ý kiến: " + cur.Title,
			Body:    "Đề nghị gửi ý kiến trước " + rooms.VietnameseTime(cur.Deadline) + ".",
			Link:    fmt.Sprintf("/opinions/%d", f.ID)})
	})
	return r, err
}

// Reminders lists the reminders sent for a form.
func (s *Service) Reminders(ctx context.Context, formID int64) ([]Reminder, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT sent_by, sent_at, recipients FROM opinion_reminders WHERE form_id = ? ORDER BY id`, formID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Reminder{}
	for rows.Next() {
		var r Reminder
		var at store.Time
		if err := rows.Scan(&r.SentBy, &at, &r.Recipients); err != nil {
			return nil, err
		}
		r.SentAt = at.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// Close stops the form taking answers and tells its recipients.
func (s *Service) Close(ctx context.Context, f Form, v Viewer) (Form, error) {
	if !v.Organizer {
		return Form{}, errOrganizersOnly
	}
	var out Form
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadForm(ctx, tx, f.ID, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		if cur.Status == Closed {
			return errs.E(errs.Conflict, "Phiếu đã đóng.", "The form is already closed.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opinion_forms SET status = 'closed', closed_by = ?, closed_at = ? WHERE id = ?`, v.UserID, tx.Now(), f.ID); err != nil {
			return err
		}
		if out, err = loadForm(ctx, tx, f.ID, ""); err != nil {
			return err
		}
		people, err := peopleOf(ctx, tx, f.ID, false)
		if err != nil {
			return err
		}
		if _, err := s.events.Append(ctx, tx, f.MeetingID, "opinion.closed", organizerAudience, map[string]any{"form_id": f.ID}); err != nil {
			return err
		}
		return s.notify.Notify(ctx, tx, notice.Notice{MeetingID: f.MeetingID, Kind: notice.FormClosed, Users: people,
			Subject: "Đã kết thúc lấy ý kiến: " + cur.Title,
			Body:    fmt.Sprintf("Phiếu đã đóng; %d/%d người và đơn vị đã trả lời.", cur.Answered, cur.Recipients),
			Link:    fmt.Sprintf("/opinions/%d", f.ID)})
	})
	return out, err
}
