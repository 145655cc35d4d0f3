// Package opinions owns written opinion forms (phiếu lấy ý kiến): the secretary of a meeting
// sends a draft (one document version, frozen by its hash) with questions to named people and
// units, with a deadline; each recipient answers agree / disagree / other opinion per question,
// may attach a file, and may correct their answer by sending a new one (every answer is kept,
// the latest counts); the secretary reminds those who have not answered and closes the form;
// the summary (tổng hợp ý kiến) is drafted from the answers, rendered to PDF as a draft of the
// meeting, approved like any draft and filed in the register (type BC, báo cáo).
//
// Rules enforced by the server and, where SQL can say them, by the database: only recipients
// answer (a unit's answer comes from its people); nothing is accepted after the deadline or
// after close (a trigger); answers are never changed or deleted (triggers); one answer per
// recipient and revision (unique key).
//
// A member may sign an answer revision with their certificate (signature.go): the signature
// covers the answer's canonical bytes and is stored with it, once.
package opinions

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
	"github.com/phonghop/phonghop/rooms/notice"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the opinion forms' schema (after meetings, documents and the session's tables).
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "opinions", FS: sub}
}

// Form status and answer choices.
const (
	Open   = "open"
	Closed = "closed"

	Agree    = "agree"    // đồng ý
	Disagree = "disagree" // không đồng ý
	Other    = "other"    // ý kiến khác
)

// Form is a written opinion form.
type Form struct {
	ID             int64      `json:"id"`
	MeetingID      int64      `json:"meeting_id"`
	MeetingTitle   string     `json:"meeting_title"`
	Title          string     `json:"title"`
	DraftVersionID int64      `json:"draft_version_id"`
	DraftSHA256    string     `json:"draft_sha256"`
	DraftTitle     string     `json:"draft_title"`
	DraftVersion   int        `json:"draft_version"`
	Deadline       time.Time  `json:"deadline"`
	Status         string     `json:"status"`
	CreatedBy      int64      `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	Questions      []string   `json:"questions"`
	// Answered and Recipients count recipients, not answers.
	Answered   int `json:"answered"`
	Recipients int `json:"recipients"`
}

// Recipient is a person or a unit the form was sent to.
type Recipient struct {
	ID             int64      `json:"id"`
	UserID         *int64     `json:"user_id"`
	OrganizationID *int64     `json:"organization_id"`
	Name           string     `json:"name"`
	Revisions      int        `json:"revisions"`
	LastAnsweredAt *time.Time `json:"last_answered_at,omitempty"`
}

// NewForm is what the secretary sends.
type NewForm struct {
	Title          string    `json:"title"`
	DraftVersionID int64     `json:"draft_version_id"`
	Questions      []string  `json:"questions"`
	Deadline       time.Time `json:"deadline"`
	UserIDs        []int64   `json:"user_ids"`
	// OrganizationIDs are units: any of their people answers for the unit.
	OrganizationIDs []int64 `json:"organization_ids"`
}

func (in *NewForm) validate(now time.Time) error {
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 500 {
		return errs.Fieldf("title", "Hãy nhập tên phiếu lấy ý kiến (tối đa 500 ký tự).", "Enter the form's title (at most 500 characters).")
	}
	if len(in.Questions) == 0 || len(in.Questions) > 50 {
		return errs.Fieldf("questions", "Phiếu cần từ 1 đến 50 câu hỏi.", "A form needs between 1 and 50 questions.")
	}
	for i, q := range in.Questions {
		q = strings.TrimSpace(q)
		if q == "" || utf8.RuneCountInString(q) > 2000 {
			return errs.Fieldf("questions", "Câu hỏi %d trống hoặc quá 2000 ký tự.", "Question %d is empty or longer than 2000 characters.", i+1)
		}
		in.Questions[i] = q
	}
	if in.DraftVersionID <= 0 {
		return errs.Fieldf("draft_version_id", "Hãy chọn dự thảo cần lấy ý kiến.", "Choose the draft to ask about.")
	}
	if in.Deadline.IsZero() || !in.Deadline.After(now) {
		return errs.Fieldf("deadline", "Hạn trả lời phải sau thời điểm hiện tại.", "The deadline must be in the future.")
	}
	if in.Deadline.Sub(now) > 366*24*time.Hour {
		return errs.Fieldf("deadline", "Hạn trả lời không quá một năm.", "The deadline is at most a year away.")
	}
	if n := len(in.UserIDs) + len(in.OrganizationIDs); n == 0 || n > 1000 {
		return errs.Fieldf("user_ids", "Hãy chọn từ 1 đến 1000 người hoặc đơn vị được lấy ý kiến.", "Choose between 1 and 1000 people or units.")
	}
	in.Deadline = in.Deadline.UTC().Truncate(time.Second)
	return nil
}

// Service runs opinion forms.
type Service struct {
	db     *store.DB
	rooms  *rooms.Service
	docs   *docs.Service
	events *events.Log
	notify notice.Notifier
}

// New returns the service. notify is told of forms sent, reminders and closings.
func New(db *store.DB, r *rooms.Service, d *docs.Service, log *events.Log, notify notice.Notifier) *Service {
	return &Service{db: db, rooms: r, docs: d, events: log, notify: notify}
}

// Viewer is what a person may do with one form: organize it (the meeting's organizers), answer
// it for some of its recipients, or only read its header and summary (other members).
type Viewer struct {
	UserID    int64
	Name      string
	Member    *rooms.Member // nil when the person is not in the meeting
	Organizer bool
	// Answers are the recipients the person answers for (themself, their unit).
	Answers []Recipient
}

var errFormNotFound = errs.E(errs.NotFound, "Không tìm thấy phiếu lấy ý kiến.", "Opinion form not found.")

// Access decides what p may do with form id. Someone who is neither in the meeting nor a
// recipient gets not_found: the form's existence does not leak.
func (s *Service) Access(ctx context.Context, formID int64, p *auth.Principal) (Form, Viewer, error) {
	q := s.db.Reader()
	f, err := loadForm(ctx, q, formID, "")
	if err != nil {
		return Form{}, Viewer{}, err
	}
	v := Viewer{UserID: p.ID, Name: p.FullName}
	if m, err := s.rooms.Member(ctx, q, f.MeetingID, p); err == nil {
		v.Member, v.Organizer = &m, m.CanPrepare()
	} else if errs.As(err) == nil || errs.As(err).Code != errs.NotFound {
		return Form{}, Viewer{}, err
	}
	if v.Answers, err = recipientsFor(ctx, q, formID, p.ID, p.OrganizationID); err != nil {
		return Form{}, Viewer{}, err
	}
	if v.Member == nil && len(v.Answers) == 0 {
		return Form{}, Viewer{}, errFormNotFound
	}
	if v.Member != nil && v.Member.Role == rooms.RoleGuest && !v.Organizer && len(v.Answers) == 0 {
		return Form{}, Viewer{}, errFormNotFound
	}
	return f, v, nil
}

const formColumns = `f.id, f.meeting_id, m.title, f.title, f.draft_version_id, f.draft_sha256, d.title, dv.version, f.deadline, f.status,
	f.created_by, f.created_at, f.closed_at,
	(SELECT COUNT(*) FROM opinion_recipients r WHERE r.form_id = f.id),
	(SELECT COUNT(DISTINCT a.recipient_id) FROM opinion_answers a WHERE a.form_id = f.id)`

const formJoins = ` FROM opinion_forms f JOIN meetings m ON m.id = f.meeting_id
	JOIN document_versions dv ON dv.id = f.draft_version_id JOIN documents d ON d.id = dv.document_id`

func scanForm(row interface{ Scan(...any) error }) (Form, error) {
	var f Form
	var deadline, created, closed store.Time
	err := row.Scan(&f.ID, &f.MeetingID, &f.MeetingTitle, &f.Title, &f.DraftVersionID, &f.DraftSHA256, &f.DraftTitle, &f.DraftVersion,
		&deadline, &f.Status, &f.CreatedBy, &created, &closed, &f.Recipients, &f.Answered)
	if errors.Is(err, sql.ErrNoRows) {
		return Form{}, errFormNotFound
	}
	if err != nil {
		return Form{}, fmt.Errorf("opinions: scan form: %w", err)
	}
	f.Deadline, f.CreatedAt = deadline.Time, created.Time
	if !closed.Time.IsZero() {
		c := closed.Time
		f.ClosedAt = &c
	}
	return f, nil
}

func loadForm(ctx context.Context, q store.Querier, id int64, lock string) (Form, error) {
	f, err := scanForm(q.QueryRowContext(ctx, `SELECT `+formColumns+formJoins+` WHERE f.id = ?`+lock, id))
	if err != nil {
		return Form{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT text FROM opinion_questions WHERE form_id = ? ORDER BY position`, id)
	if err != nil {
		return Form{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return Form{}, err
		}
		f.Questions = append(f.Questions, t)
	}
	return f, rows.Err()
}

// Create sends a form: the draft (a version of one of the meeting's documents, looked up by
// the caller) with its questions, to the named people and units. Organizers only.
func (s *Service) Create(ctx context.Context, m rooms.Member, in NewForm, draft *rooms.DocumentVersion) (Form, error) {
	if !m.CanPrepare() {
		return Form{}, errs.E(errs.Forbidden, "Chỉ thư ký, người tổ chức cuộc họp được gửi phiếu lấy ý kiến.", "Only the meeting's secretary or organizers send opinion forms.")
	}
	if err := in.validate(s.db.Now()); err != nil {
		return Form{}, err
	}
	if draft == nil || draft.MeetingID != m.MeetingID || draft.ID != in.DraftVersionID {
		return Form{}, errs.Fieldf("draft_version_id", "Không tìm thấy dự thảo trong cuộc họp này.", "No such draft in this meeting.")
	}
	var f Form
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		mt, err := s.rooms.Get(ctx, m.MeetingID)
		if err != nil {
			return err
		}
		if mt.Status == rooms.Draft || mt.Status == rooms.Cancelled {
			return errs.E(errs.Conflict, "Cuộc họp chưa gửi giấy mời hoặc đã hủy; chưa gửi được phiếu.", "The meeting is not scheduled (or is cancelled); no form can be sent.")
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO opinion_forms (meeting_id, title, draft_version_id, draft_sha256, deadline, status, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id`, m.MeetingID, in.Title, draft.ID, draft.SHA256, in.Deadline, m.UserID, tx.Now()).Scan(&id); err != nil {
			return fmt.Errorf("opinions: create: %w", err)
		}
		for i, q := range in.Questions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO opinion_questions (form_id, position, text) VALUES (?, ?, ?)`, id, i, q); err != nil {
				return err
			}
		}
		for _, u := range in.UserIDs {
			if err := addRecipient(ctx, tx, id, &u, nil); err != nil {
				return err
			}
		}
		for _, o := range in.OrganizationIDs {
			if err := addRecipient(ctx, tx, id, nil, &o); err != nil {
				return err
			}
		}
		if f, err = loadForm(ctx, tx, id, ""); err != nil {
			return err
		}
		people, err := peopleOf(ctx, tx, id, false)
		if err != nil {
			return err
		}
		return s.notify.Notify(ctx, tx, notice.Notice{MeetingID: m.MeetingID, Kind: notice.FormSent, Users: people,
			Subject: "Phiếu lấy ý kiến: " + f.Title,
			Body:    fmt.Sprintf("Xin ý kiến về dự thảo \"%s\"; hạn trả lời %s.", f.DraftTitle, rooms.VietnameseTime(f.Deadline)),
			Link:    fmt.Sprintf("/opinions/%d", id)})
	})
	return f, err
}

func addRecipient(ctx context.Context, tx *store.Tx, formID int64, user, org *int64) error {
	if user != nil {
		var active bool
		err := tx.QueryRowContext(ctx, `SELECT active FROM users WHERE id = ?`, *user).Scan(&active)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
			return errs.Fieldf("user_ids", "Không tìm thấy người được lấy ý kiến (mã %d).", "No such person (id %d).", *user)
		}
		if err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO opinion_recipients (form_id, user_id, organization_id) VALUES (?, ?, ?)`, formID, user, org)
	switch {
	case store.IsUniqueViolation(err):
		return errs.Fieldf("user_ids", "Một người hoặc đơn vị được chọn hai lần.", "A person or unit is named twice.")
	case store.IsForeignKeyViolation(err):
		return errs.Fieldf("organization_ids", "Không tìm thấy đơn vị được lấy ý kiến.", "No such unit.")
	}
	return err
}

// peopleOf lists who answers for the form's recipients (all, or only those not yet answered).
func peopleOf(ctx context.Context, q store.Querier, formID int64, onlyUnanswered bool) ([]int64, error) {
	cond := ""
	if onlyUnanswered {
		cond = ` AND NOT EXISTS (SELECT 1 FROM opinion_answers a WHERE a.recipient_id = r.id)`
	}
	rows, err := q.QueryContext(ctx, `SELECT r.user_id FROM opinion_recipients r WHERE r.form_id = ? AND r.user_id IS NOT NULL`+cond+`
		UNION SELECT u.id FROM opinion_recipients r JOIN users u ON u.organization_id = r.organization_id
		WHERE r.form_id = ? AND u.active`+cond, formID, formID)
	if err != nil {
		return nil, fmt.Errorf("opinions: people: %w", err)
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

const recipientSelect = `SELECT r.id, r.user_id, r.organization_id, COALESCE(u.full_name, o.name),
	(SELECT COUNT(*) FROM opinion_answers a WHERE a.recipient_id = r.id),
	(SELECT MAX(a.answered_at) FROM opinion_answers a WHERE a.recipient_id = r.id)
	FROM opinion_recipients r LEFT JOIN users u ON u.id = r.user_id LEFT JOIN organizations o ON o.id = r.organization_id`

func scanRecipients(rows *sql.Rows) ([]Recipient, error) {
	defer rows.Close()
	out := []Recipient{}
	for rows.Next() {
		var r Recipient
		var last store.Time
		if err := rows.Scan(&r.ID, &r.UserID, &r.OrganizationID, &r.Name, &r.Revisions, &last); err != nil {
			return nil, err
		}
		if !last.Time.IsZero() {
			t := last.Time
			r.LastAnsweredAt = &t
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func recipientsFor(ctx context.Context, q store.Querier, formID, userID, orgID int64) ([]Recipient, error) {
	rows, err := q.QueryContext(ctx, recipientSelect+` WHERE r.form_id = ? AND (r.user_id = ? OR r.organization_id = ?) ORDER BY r.id`, formID, userID, orgID)
	if err != nil {
		return nil, err
	}
	return scanRecipients(rows)
}

// Recipients lists the form's recipients with how often each answered (organizers only).
func (s *Service) Recipients(ctx context.Context, v Viewer, formID int64) ([]Recipient, error) {
	if !v.Organizer {
		return nil, errOrganizersOnly
	}
	rows, err := s.db.Reader().QueryContext(ctx, recipientSelect+` WHERE r.form_id = ? ORDER BY r.id`, formID)
	if err != nil {
		return nil, err
	}
	return scanRecipients(rows)
}

var errOrganizersOnly = errs.E(errs.Forbidden, "Chỉ thư ký, người tổ chức cuộc họp được làm việc này.", "Only the meeting's secretary or organizers may do this.")

// List returns the meeting's forms: all of them for organizers, the ones m answers for otherwise.
func (s *Service) List(ctx context.Context, m rooms.Member, orgID int64) ([]Form, error) {
	cond := ` WHERE f.meeting_id = ?`
	args := []any{m.MeetingID}
	if !m.CanPrepare() {
		cond += ` AND EXISTS (SELECT 1 FROM opinion_recipients r WHERE r.form_id = f.id AND (r.user_id = ? OR r.organization_id = ?))`
		args = append(args, m.UserID, orgID)
	}
	return s.listWhere(ctx, cond, args...)
}

// Mine returns the open forms p answers for, across meetings (the "to answer" list).
func (s *Service) Mine(ctx context.Context, p *auth.Principal) ([]Form, error) {
	return s.listWhere(ctx, ` WHERE f.status = 'open' AND EXISTS (SELECT 1 FROM opinion_recipients r WHERE r.form_id = f.id AND (r.user_id = ? OR r.organization_id = ?))`,
		p.ID, p.OrganizationID)
}

func (s *Service) listWhere(ctx context.Context, cond string, args ...any) ([]Form, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+formColumns+formJoins+cond+` ORDER BY f.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("opinions: list: %w", err)
	}
	defer rows.Close()
	out := []Form{}
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
