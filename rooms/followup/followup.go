// Package followup owns the tasks that come from a meeting's conclusions: each conclusion of the
// conclusion notice can become a task for a unit (a department, a district) with an owner and a
// deadline; the unit's people report progress with files; a task past its deadline and not done
// is overdue (quá hạn), computed when read, and its people and the meeting's organizers are
// told once. The meeting's organizers (its chair among them) see every task of the meeting.
package followup

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
	"github.com/phonghop/phonghop/rooms/notice"
)

// Task status as stored, and the overdue state that is computed.
const (
	Todo       = "todo"        // chưa thực hiện
	InProgress = "in_progress" // đang thực hiện
	Done       = "done"        // hoàn thành
	Overdue    = "overdue"     // quá hạn (never stored)
)

// Task is a task from a conclusion.
type Task struct {
	ID                int64      `json:"id"`
	MeetingID         int64      `json:"meeting_id"`
	MeetingTitle      string     `json:"meeting_title"`
	ConclusionIndex   int        `json:"conclusion_index"`
	ConclusionVersion int        `json:"conclusion_version"`
	Title             string     `json:"title"`
	Content           string     `json:"content"`
	OrganizationID    int64      `json:"organization_id"`
	OrganizationName  string     `json:"organization_name"`
	OwnerID           *int64     `json:"owner_id"`
	OwnerName         string     `json:"owner_name"`
	Deadline          time.Time  `json:"deadline"`
	Status            string     `json:"status"`
	DoneAt            *time.Time `json:"done_at,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	// State is the status to show: overdue for a task not done by its deadline.
	State string `json:"state"`
	// Overdue: not done and past its deadline. Late: done, but after its deadline.
	Overdue bool `json:"overdue"`
	Late    bool `json:"late"`
}

func (t *Task) compute(now time.Time) {
	t.State = t.Status
	t.Overdue = t.Status != Done && now.After(t.Deadline)
	t.Late = t.DoneAt != nil && t.DoneAt.After(t.Deadline)
	if t.Overdue {
		t.State = Overdue
	}
}

// NewTask turns one conclusion into a task.
type NewTask struct {
	ConclusionIndex int       `json:"conclusion_index"`
	Title           string    `json:"title"`
	OrganizationID  int64     `json:"organization_id"`
	OwnerID         *int64    `json:"owner_id"`
	Deadline        time.Time `json:"deadline"`
}

// Service runs tasks.
type Service struct {
	db     *store.DB
	rooms  *rooms.Service
	notify notice.Notifier
}

// New returns the service; notify is told of tasks assigned and overdue.
func New(db *store.DB, r *rooms.Service, notify notice.Notifier) *Service {
	return &Service{db: db, rooms: r, notify: notify}
}

var (
	// ErrUnitOnly refuses a progress report from someone outside the task's unit.
	ErrUnitOnly       = errs.E(errs.Forbidden, "Chỉ cán bộ của đơn vị được giao mới báo cáo tiến độ nhiệm vụ.", "Only the unit's people report on its tasks.")
	errTaskNotFound   = errs.E(errs.NotFound, "Không tìm thấy nhiệm vụ.", "Task not found.")
	errOrganizersOnly = errs.E(errs.Forbidden, "Chỉ thư ký, người tổ chức cuộc họp được giao nhiệm vụ.", "Only the meeting's secretary or organizers assign tasks.")
)

const taskColumns = `t.id, t.meeting_id, m.title, t.conclusion_index, t.conclusion_version, t.title, t.content, t.organization_id, o.name,
	t.owner_id, COALESCE(u.full_name, ''), t.deadline, t.status, t.done_at, t.created_at`

const taskJoins = ` FROM tasks t JOIN meetings m ON m.id = t.meeting_id JOIN organizations o ON o.id = t.organization_id
	LEFT JOIN users u ON u.id = t.owner_id`

func scanTask(row interface{ Scan(...any) error }, now time.Time) (Task, error) {
	var t Task
	var deadline, done, created store.Time
	err := row.Scan(&t.ID, &t.MeetingID, &t.MeetingTitle, &t.ConclusionIndex, &t.ConclusionVersion, &t.Title, &t.Content, &t.OrganizationID,
		&t.OrganizationName, &t.OwnerID, &t.OwnerName, &deadline, &t.Status, &done, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Task{}, errTaskNotFound
	}
	if err != nil {
		return Task{}, fmt.Errorf("followup: scan task: %w", err)
	}
	t.Deadline, t.CreatedAt = deadline.Time, created.Time
	if !done.Time.IsZero() {
		d := done.Time
		t.DoneAt = &d
	}
	t.compute(now)
	return t, nil
}

func (s *Service) query(ctx context.Context, q store.Querier, cond string, args ...any) ([]Task, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+taskColumns+taskJoins+cond+` ORDER BY t.deadline, t.id LIMIT 2000`, args...)
	if err != nil {
		return nil, fmt.Errorf("followup: tasks: %w", err)
	}
	defer rows.Close()
	now := s.db.Now()
	out := []Task{}
	for rows.Next() {
		t, err := scanTask(rows, now)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *Service) load(ctx context.Context, q store.Querier, id int64, lock string) (Task, error) {
	return scanTask(q.QueryRowContext(ctx, `SELECT `+taskColumns+taskJoins+` WHERE t.id = ?`+lock, id), s.db.Now())
}

// Create makes a task of conclusion in.ConclusionIndex of the meeting's saved conclusion notice.
func (s *Service) Create(ctx context.Context, m rooms.Member, in NewTask) (Task, error) {
	if !m.CanPrepare() {
		return Task{}, errOrganizersOnly
	}
	rec, err := s.rooms.GetRecord(ctx, m, rooms.KindConclusion)
	if err != nil {
		return Task{}, errs.E(errs.Conflict, "Cuộc họp chưa có thông báo kết luận.", "The meeting has no conclusion notice yet.")
	}
	var c rooms.Conclusion
	if err := json.Unmarshal(rec.Content, &c); err != nil {
		return Task{}, err
	}
	if in.ConclusionIndex < 0 || in.ConclusionIndex >= len(c.Items) {
		return Task{}, errs.Fieldf("conclusion_index", "Không có kết luận số %d trong thông báo.", "The notice has no conclusion number %d.", in.ConclusionIndex+1)
	}
	item := c.Items[in.ConclusionIndex]
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		in.Title = item.Title
	}
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 500 {
		return Task{}, errs.Fieldf("title", "Tên nhiệm vụ trống hoặc quá 500 ký tự.", "The task's title is empty or longer than 500 characters.")
	}
	now := s.db.Now()
	if in.Deadline.IsZero() || !in.Deadline.After(now) {
		return Task{}, errs.Fieldf("deadline", "Thời hạn hoàn thành phải sau thời điểm hiện tại.", "The deadline must be in the future.")
	}
	var t Task
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var orgName string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organizations WHERE id = ?`, in.OrganizationID).Scan(&orgName); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errs.Fieldf("organization_id", "Hãy chọn đơn vị thực hiện.", "Choose the unit that carries the task out.")
			}
			return err
		}
		if in.OwnerID != nil {
			var org int64
			var active bool
			err := tx.QueryRowContext(ctx, `SELECT organization_id, active FROM users WHERE id = ?`, *in.OwnerID).Scan(&org, &active)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && (org != in.OrganizationID || !active)) {
				return errs.Fieldf("owner_id", "Người chủ trì thực hiện phải là cán bộ của đơn vị được giao.", "The owner must be one of the unit's people.")
			}
			if err != nil {
				return err
			}
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO tasks (meeting_id, conclusion_index, conclusion_version, title, content, organization_id, owner_id,
			deadline, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'todo', ?, ?) RETURNING id`, m.MeetingID, in.ConclusionIndex, rec.Version,
			in.Title, item.Conclusion, in.OrganizationID, in.OwnerID, in.Deadline.UTC().Truncate(time.Second), m.UserID, tx.Now()).Scan(&id); err != nil {
			return fmt.Errorf("followup: create: %w", err)
		}
		var err error
		if t, err = s.load(ctx, tx, id, ""); err != nil {
			return err
		}
		people, err := unitPeople(ctx, tx, t)
		if err != nil {
			return err
		}
		return s.notify.Notify(ctx, tx, notice.Notice{MeetingID: m.MeetingID, Kind: notice.TaskAssigned, Users: people,
			Subject: "Nhiệm vụ được giao: " + t.Title,
			Body:    fmt.Sprintf("%s được giao thực hiện; thời hạn %s.", orgName, rooms.VietnameseTime(t.Deadline)),
			Link:    fmt.Sprintf("/tasks/%d", id)})
	})
	return t, err
}

// unitPeople is who hears of a task: its owner, or every active person of its unit.
func unitPeople(ctx context.Context, q store.Querier, t Task) ([]int64, error) {
	if t.OwnerID != nil {
		return []int64{*t.OwnerID}, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT id FROM users WHERE organization_id = ? AND active`, t.OrganizationID)
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

// ForMeeting lists a meeting's tasks: all of them for its organizers (the chair, the secretary),
// those of the member's own unit otherwise.
func (s *Service) ForMeeting(ctx context.Context, m rooms.Member, orgID int64) ([]Task, error) {
	if m.Organizer {
		return s.query(ctx, s.db.Reader(), ` WHERE t.meeting_id = ?`, m.MeetingID)
	}
	return s.query(ctx, s.db.Reader(), ` WHERE t.meeting_id = ? AND (t.organization_id = ? OR t.owner_id = ?)`, m.MeetingID, orgID, m.UserID)
}

// Mine lists the tasks p follows: their unit's and their own, and every task of the meetings
// they chair or keep the minutes of (a leader sees all tasks of their meetings).
func (s *Service) Mine(ctx context.Context, p *auth.Principal) ([]Task, error) {
	return s.query(ctx, s.db.Reader(), ` WHERE t.organization_id = ? OR t.owner_id = ? OR t.meeting_id IN
		(SELECT meeting_id FROM meeting_participants WHERE user_id = ? AND role IN ('chair', 'secretary'))`, p.OrganizationID, p.ID, p.ID)
}

// Access returns a task and whether p reports on it (its unit's people and owner) or only
// follows it (the meeting's organizers). Anyone else gets not_found.
func (s *Service) Access(ctx context.Context, id int64, p *auth.Principal) (Task, bool, error) {
	t, err := s.load(ctx, s.db.Reader(), id, "")
	if err != nil {
		return Task{}, false, err
	}
	reports := t.OrganizationID == p.OrganizationID || (t.OwnerID != nil && *t.OwnerID == p.ID)
	if reports {
		return t, true, nil
	}
	if m, err := s.rooms.Member(ctx, s.db.Reader(), t.MeetingID, p); err == nil && m.Organizer {
		return t, false, nil
	}
	return Task{}, false, errTaskNotFound
}

// Report is a progress report on a task.
type Report struct {
	ID             int64     `json:"id"`
	TaskID         int64     `json:"task_id"`
	UserID         int64     `json:"user_id"`
	UserName       string    `json:"user_name"`
	Status         string    `json:"status"`
	Text           string    `json:"text"`
	AttachmentName string    `json:"attachment_name,omitempty"`
	HasAttachment  bool      `json:"has_attachment"`
	CreatedAt      time.Time `json:"created_at"`
	attachmentSHA  string
}

// NewReport is what the unit reports.
type NewReport struct {
	Status string `json:"status"`
	Text   string `json:"text"`
}

// AddReport records a progress report and moves the task to its status. Only the unit's people
// (and the owner) report; a task reported done is closed to further reports.
func (s *Service) AddReport(ctx context.Context, id int64, p *auth.Principal, in NewReport, file *docs.StoredFile, fileName string) (Report, Task, error) {
	t, reports, err := s.Access(ctx, id, p)
	if err != nil {
		return Report{}, Task{}, err
	}
	if !reports {
		return Report{}, Task{}, ErrUnitOnly
	}
	in.Text = strings.TrimSpace(in.Text)
	if in.Status != Todo && in.Status != InProgress && in.Status != Done {
		return Report{}, Task{}, errs.Fieldf("status", "Trạng thái không hợp lệ: hãy chọn chưa thực hiện, đang thực hiện hoặc hoàn thành.", "Unknown status %q.", in.Status)
	}
	if in.Text == "" || utf8.RuneCountInString(in.Text) > 4000 {
		return Report{}, Task{}, errs.Fieldf("text", "Hãy ghi nội dung báo cáo (tối đa 4000 ký tự).", "Write the report (at most 4000 characters).")
	}
	if utf8.RuneCountInString(fileName) > 255 {
		fileName = string([]rune(fileName)[:255])
	}
	var r Report
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		// The task's own row is the lock (the outer join to its owner cannot be locked).
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM tasks WHERE id = ?`+store.ForUpdate(tx), id).Scan(&status); err != nil {
			return err
		}
		if status == Done {
			return errs.E(errs.Conflict, "Nhiệm vụ đã hoàn thành; không nhận thêm báo cáo.", "The task is done; no more reports are taken.")
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
		if err := tx.QueryRowContext(ctx, `INSERT INTO task_reports (task_id, user_id, status, text, attachment_sha256, attachment_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, id, p.ID, in.Status, in.Text, sum, fileName, tx.Now()).Scan(&r.ID); err != nil {
			return err
		}
		var done any
		if in.Status == Done {
			done = tx.Now()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET status = ?, done_at = ? WHERE id = ?`, in.Status, done, id); err != nil {
			return err
		}
		r = Report{ID: r.ID, TaskID: id, UserID: p.ID, UserName: p.FullName, Status: in.Status, Text: in.Text, AttachmentName: fileName, HasAttachment: file != nil, CreatedAt: tx.Now()}
		t, err = s.load(ctx, tx, id, "")
		return err
	})
	return r, t, err
}

// Reports lists a task's progress reports, oldest first.
func (s *Service) Reports(ctx context.Context, id int64) ([]Report, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT r.id, r.task_id, r.user_id, u.full_name, r.status, r.text, COALESCE(r.attachment_sha256, ''),
		r.attachment_name, r.created_at FROM task_reports r JOIN users u ON u.id = r.user_id WHERE r.task_id = ? ORDER BY r.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Report{}
	for rows.Next() {
		var r Report
		var at store.Time
		if err := rows.Scan(&r.ID, &r.TaskID, &r.UserID, &r.UserName, &r.Status, &r.Text, &r.attachmentSHA, &r.AttachmentName, &at); err != nil {
			return nil, err
		}
		r.CreatedAt, r.HasAttachment = at.Time, r.attachmentSHA != ""
		out = append(out, r)
	}
	return out, rows.Err()
}

// Attachment returns the stored file of one of the task's reports and its name.
func (s *Service) Attachment(ctx context.Context, taskID, reportID int64) (string, string, error) {
	list, err := s.Reports(ctx, taskID)
	if err != nil {
		return "", "", err
	}
	for _, r := range list {
		if r.ID == reportID && r.HasAttachment {
			name := r.AttachmentName
			if name == "" {
				name = fmt.Sprintf("bao-cao-%d", r.ID)
			}
			return r.attachmentSHA, name, nil
		}
	}
	return "", "", errs.E(errs.NotFound, "Không có tệp đính kèm này.", "No such attachment.")
}

// NotifyOverdue tells, once per task, the unit and the meeting's chair and secretary of every
// task that passed its deadline without being done. Housekeeping calls it now and then; it
// returns how many tasks it flagged.
func (s *Service) NotifyOverdue(ctx context.Context) (int, error) {
	due, err := s.query(ctx, s.db.Reader(), ` WHERE t.status <> 'done' AND t.deadline < ? AND t.overdue_notified_at IS NULL`, s.db.Now())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range due {
		flagged := false
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			flagged = false
			res, err := tx.ExecContext(ctx, `UPDATE tasks SET overdue_notified_at = ? WHERE id = ? AND overdue_notified_at IS NULL AND status <> 'done'`, tx.Now(), t.ID)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // another node flagged it, or it was just done
			}
			people, err := unitPeople(ctx, tx, t)
			if err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT user_id FROM meeting_participants WHERE meeting_id = ? AND role IN ('chair', 'secretary') AND user_id IS NOT NULL`, t.MeetingID)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				people = append(people, id)
			}
			rows.Close()
			flagged = true
			return s.notify.Notify(ctx, tx, notice.Notice{MeetingID: t.MeetingID, Kind: notice.TaskOverdue, Users: people,
				Subject: "Nhiệm vụ quá hạn: " + t.Title,
				Body:    fmt.Sprintf("%s chưa hoàn thành nhiệm vụ; thời hạn %s đã qua.", t.OrganizationName, rooms.VietnameseTime(t.Deadline)),
				Link:    fmt.Sprintf("/tasks/%d", t.ID)})
		})
		if err != nil {
			return n, err
		}
		if flagged {
			n++
		}
	}
	return n, nil
}
