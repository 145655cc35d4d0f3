// Package reports owns the statistics leaders ask of the office for a period: meetings held,
// attendance by unit and by person (present in person, online, absent with or without a
// reason), documents distributed, and tasks from conclusions done on time or overdue. It only
// reads; each figure is computed from the records other packages keep.
package reports

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// Query is the organization and the period (dates in Vietnam, both included).
type Query struct {
	OrganizationID int64  `json:"organization_id"`
	From           string `json:"from"` // YYYY-MM-DD
	To             string `json:"to"`
}

// Attendance counts a person's or a unit's places in the meetings of the period.
type Attendance struct {
	Name      string `json:"name"`
	Unit      string `json:"unit"`
	Invited   int    `json:"invited"`
	InPerson  int    `json:"in_person"`
	Online    int    `json:"online"`
	Excused   int    `json:"excused"`   // vắng có lý do
	Unexcused int    `json:"unexcused"` // vắng không lý do
	key       string
}

// MeetingLine is one meeting of the period.
type MeetingLine struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Kind      string    `json:"kind"`
	StartsAt  time.Time `json:"starts_at"`
	Status    string    `json:"status"`
	Held      bool      `json:"held"`
	Members   int       `json:"members"`
	Present   int       `json:"present"`
	Documents int       `json:"documents"`
}

// Tasks counts the tasks of the period's meetings.
type Tasks struct {
	Total      int `json:"total"`
	OnTime     int `json:"done_on_time"`
	Late       int `json:"done_late"`
	Overdue    int `json:"overdue"`
	InProgress int `json:"open_in_time"`
}

// Report is the whole report.
type Report struct {
	OrganizationName string         `json:"organization_name"`
	ParentName       string         `json:"parent_name"`
	From             string         `json:"from"`
	To               string         `json:"to"`
	Scope            string         `json:"scope"` // "organization", or "chaired" for a leader's own meetings
	Meetings         []MeetingLine  `json:"meetings"`
	Held             int            `json:"held"`
	ByKind           map[string]int `json:"by_kind"`
	ByUnit           []Attendance   `json:"by_unit"`
	ByPerson         []Attendance   `json:"by_person"`
	Documents        map[string]int `json:"documents"` // by kind, and "versions"
	Tasks            Tasks          `json:"tasks"`
	GeneratedAt      time.Time      `json:"generated_at"`
	meetingIDs       map[int64]bool
}

var vietnam = time.FixedZone("ICT", 7*3600)

// Service computes reports.
type Service struct{ db *store.DB }

// New returns the service.
func New(db *store.DB) *Service { return &Service{db: db} }

var errForbidden = errs.E(errs.Forbidden, "Chỉ thư ký, văn thư của cơ quan hoặc lãnh đạo chủ trì cuộc họp được xem báo cáo.", "Only the body's secretary or clerk, or a leader who chaired its meetings, may read its reports.")

// Build computes the report. The body's secretaries, clerks and administrators see all its
// meetings; anyone else sees only the meetings they chaired (a leader's own), or is refused.
func (s *Service) Build(ctx context.Context, p *auth.Principal, q Query) (Report, error) {
	if q.OrganizationID <= 0 {
		return Report{}, errs.Fieldf("organization_id", "Hãy chọn cơ quan.", "Choose the organization.")
	}
	from, err := time.ParseInLocation("2006-01-02", q.From, vietnam)
	if err != nil {
		return Report{}, errs.Fieldf("from", "Ngày bắt đầu phải có dạng YYYY-MM-DD.", "The start date must be YYYY-MM-DD.")
	}
	to, err := time.ParseInLocation("2006-01-02", q.To, vietnam)
	if err != nil {
		return Report{}, errs.Fieldf("to", "Ngày kết thúc phải có dạng YYYY-MM-DD.", "The end date must be YYYY-MM-DD.")
	}
	if to.Before(from) || to.Sub(from) > 3*366*24*time.Hour {
		return Report{}, errs.Fieldf("to", "Khoảng thời gian không hợp lệ (tối đa 3 năm).", "Invalid period (at most 3 years).")
	}
	rd := s.db.Reader()
	r := Report{From: q.From, To: q.To, Scope: "organization", ByKind: map[string]int{}, Documents: map[string]int{}, GeneratedAt: s.db.Now()}
	if err := rd.QueryRowContext(ctx, `SELECT o.name, COALESCE(p.name, '') FROM organizations o LEFT JOIN organizations p ON p.id = o.parent_id WHERE o.id = ?`,
		q.OrganizationID).Scan(&r.OrganizationName, &r.ParentName); err != nil {
		return Report{}, errs.Fieldf("organization_id", "Không tìm thấy cơ quan.", "No such organization.")
	}
	cond, args := ``, []any{q.OrganizationID, from.UTC(), to.AddDate(0, 0, 1).UTC()}
	if !p.IsSecretaryOf(q.OrganizationID) && !p.IsClerkOf(q.OrganizationID) {
		r.Scope = "chaired"
		cond = ` AND EXISTS (SELECT 1 FROM meeting_participants c WHERE c.meeting_id = m.id AND c.user_id = ? AND c.role = 'chair')`
		args = append(args, p.ID)
		var n int
		if err := rd.QueryRowContext(ctx, `SELECT COUNT(*) FROM meeting_participants c JOIN meetings m ON m.id = c.meeting_id
			WHERE m.organization_id = ? AND c.user_id = ? AND c.role = 'chair'`, q.OrganizationID, p.ID).Scan(&n); err != nil {
			return Report{}, err
		}
		if n == 0 {
			return Report{}, errForbidden
		}
	}
	if err := s.meetings(ctx, rd, &r, cond, args); err != nil {
		return Report{}, err
	}
	if err := s.attendance(ctx, rd, &r, cond, args); err != nil {
		return Report{}, err
	}
	if err := s.documentsAndTasks(ctx, rd, &r, cond, args); err != nil {
		return Report{}, err
	}
	return r, nil
}

const periodMeetings = ` FROM meetings m WHERE m.organization_id = ? AND m.starts_at >= ? AND m.starts_at < ? AND m.status NOT IN ('draft', 'cancelled')`

func (s *Service) meetings(ctx context.Context, q store.Querier, r *Report, cond string, args []any) error {
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.title, m.kind, m.starts_at, m.status,
		(SELECT COUNT(*) FROM meeting_participants p WHERE p.meeting_id = m.id AND p.role IN ('chair', 'secretary', 'delegate')),
		(SELECT COUNT(*) FROM meeting_participants p WHERE p.meeting_id = m.id AND p.role IN ('chair', 'secretary', 'delegate') AND p.attendance IN ('in_person', 'online')),
		(SELECT COUNT(*) FROM documents d WHERE d.meeting_id = m.id)`+periodMeetings+cond+` ORDER BY m.starts_at`, args...)
	if err != nil {
		return fmt.Errorf("reports: meetings: %w", err)
	}
	defer rows.Close()
	r.Meetings = []MeetingLine{}
	for rows.Next() {
		var l MeetingLine
		var at store.Time
		if err := rows.Scan(&l.ID, &l.Title, &l.Kind, &at, &l.Status, &l.Members, &l.Present, &l.Documents); err != nil {
			return err
		}
		l.StartsAt = at.Time
		l.Held = l.Status == "in_session" || l.Status == "paused" || l.Status == "ended" || l.Status == "archived"
		if l.Held {
			r.Held++
			r.ByKind[l.Kind]++
		}
		r.Meetings = append(r.Meetings, l)
	}
	return rows.Err()
}

// attendance counts the members (chair, secretary, delegates; people and meeting points) of the
// meetings held. An absence recorded at the roll call always has its reason; an invitation
// declined with a reason and no roll call counts as excused; no roll call and no reason, as
// unexcused.
func (s *Service) attendance(ctx context.Context, q store.Querier, r *Report, cond string, args []any) error {
	rows, err := q.QueryContext(ctx, `SELECT COALESCE('u' || CAST(p.user_id AS TEXT), 'p' || CAST(p.meeting_point_id AS TEXT)),
		COALESCE(u.full_name, pt.name), COALESCE(uo.name, po.name), p.attendance, p.response, p.response_reason
		FROM meeting_participants p
		LEFT JOIN users u ON u.id = p.user_id LEFT JOIN organizations uo ON uo.id = u.organization_id
		LEFT JOIN meeting_points pt ON pt.id = p.meeting_point_id LEFT JOIN organizations po ON po.id = pt.organization_id
		WHERE p.role IN ('chair', 'secretary', 'delegate') AND p.meeting_id IN (SELECT m.id`+periodMeetings+cond+`
		AND m.status IN ('in_session', 'paused', 'ended', 'archived'))`, args...)
	if err != nil {
		return fmt.Errorf("reports: attendance: %w", err)
	}
	defer rows.Close()
	people, units := map[string]*Attendance{}, map[string]*Attendance{}
	for rows.Next() {
		var key, name, unit, att, resp, reason string
		if err := rows.Scan(&key, &name, &unit, &att, &resp, &reason); err != nil {
			return err
		}
		for _, a := range []*Attendance{get(people, key, name, unit), get(units, unit, unit, unit)} {
			a.Invited++
			switch {
			case att == "in_person":
				a.InPerson++
			case att == "online":
				a.Online++
			case att == "absent", resp == "declined" && reason != "":
				a.Excused++
			default:
				a.Unexcused++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.ByPerson, r.ByUnit = sorted(people), sorted(units)
	return nil
}

func get(m map[string]*Attendance, key, name, unit string) *Attendance {
	a, ok := m[key]
	if !ok {
		a = &Attendance{Name: name, Unit: unit, key: key}
		m[key] = a
	}
	return a
}

func sorted(m map[string]*Attendance) []Attendance {
	out := make([]Attendance, 0, len(m))
	for _, a := range m {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Unit != out[j].Unit {
			return out[i].Unit < out[j].Unit
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (s *Service) documentsAndTasks(ctx context.Context, q store.Querier, r *Report, cond string, args []any) error {
	rows, err := q.QueryContext(ctx, `SELECT d.kind, COUNT(DISTINCT d.id), COUNT(v.id) FROM documents d JOIN document_versions v ON v.document_id = d.id
		WHERE d.meeting_id IN (SELECT m.id`+periodMeetings+cond+`) GROUP BY d.kind`, args...)
	if err != nil {
		return fmt.Errorf("reports: documents: %w", err)
	}
	for rows.Next() {
		var kind string
		var docs, versions int
		if err := rows.Scan(&kind, &docs, &versions); err != nil {
			rows.Close()
			return err
		}
		r.Documents[kind] += docs
		r.Documents["versions"] += versions
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	trows, err := q.QueryContext(ctx, `SELECT t.status, t.deadline, t.done_at FROM tasks t WHERE t.meeting_id IN (SELECT m.id`+periodMeetings+cond+`)`, args...)
	if err != nil {
		return fmt.Errorf("reports: tasks: %w", err)
	}
	defer trows.Close()
	now := s.db.Now()
	for trows.Next() {
		var status string
		var deadline, done store.Time
		if err := trows.Scan(&status, &deadline, &done); err != nil {
			return err
		}
		r.Tasks.Total++
		switch {
		case status == "done" && !done.Time.After(deadline.Time):
			r.Tasks.OnTime++
		case status == "done":
			r.Tasks.Late++
		case now.After(deadline.Time):
			r.Tasks.Overdue++
		default:
			r.Tasks.InProgress++
		}
	}
	return trows.Err()
}
