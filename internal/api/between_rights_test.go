package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms/followup"
	"github.com/phonghop/phonghop/rooms/notice"
)

// saveConclusion writes a conclusion notice with two conclusions.
func (e *opinionEnv) saveConclusion() {
	e.t.Helper()
	if st := e.sec.do("PUT", e.path("/records/conclusion"), map[string]any{"base_version": 0, "content": map[string]any{
		"title": "Thông báo kết luận", "preamble": "Chủ tịch UBND tỉnh kết luận như sau:", "recipients": "- Sở Tài chính",
		"items": []map[string]string{{"title": "Về kinh phí phòng, chống thiên tai", "conclusion": "Giao Sở Tài chính cân đối kinh phí trước ngày 15/12."},
			{"title": "Về báo cáo", "conclusion": "Văn phòng tổng hợp báo cáo."}}}}, nil); st != 200 {
		e.t.Fatalf("save conclusion: %d", st)
	}
}

// Every role against every action between sessions, over HTTP on both databases: who may act,
// and that a refused action answers with a JSON error and changes nothing.
func TestBetweenSessionsRights(t *testing.T) {
	storetest.Each(t, betweenMigrations(), func(t *testing.T, db *store.DB) {
		e := newOpinionEnv(t, db)
		e.saveConclusion()
		var f, task struct{ ID int64 }
		if st := e.sec.do("POST", e.path("/opinions"), e.form(nil), &f); st != 201 {
			t.Fatalf("form: %d", st)
		}
		deadline := e.clock.Add(72 * time.Hour).Format(time.RFC3339)
		if st := e.sec.do("POST", e.path("/tasks"), map[string]any{"conclusion_index": 0, "organization_id": e.unit.ID, "deadline": deadline}, &task); st != 201 {
			t.Fatalf("task: %d", st)
		}
		fp := func(p string) string { return fmt.Sprintf("/api/opinions/%d%s", f.ID, p) }
		tp := func(p string) string { return fmt.Sprintf("/api/tasks/%d%s", task.ID, p) }
		actions := []struct {
			name, method, path string
			body               any
		}{
			{"send a form", "POST", e.path("/opinions"), e.form(nil)},
			{"read a form", "GET", fp(""), nil},
			{"answer", "POST", fp("/answers"), answerBody(0, "agree", "disagree")},
			{"remind", "POST", fp("/remind"), nil},
			{"close", "POST", fp("/close"), nil},
			{"draft the summary", "GET", fp("/summary/draft"), nil},
			{"assign a task", "POST", e.path("/tasks"), map[string]any{"conclusion_index": 1, "organization_id": e.org.ID, "deadline": deadline}},
			{"read a task", "GET", tp(""), nil},
			{"report progress", "POST", tp("/reports"), map[string]string{"status": "in_progress", "text": "Đã dự thảo phương án kinh phí"}},
			{"list the meeting's tasks", "GET", e.path("/tasks"), nil},
		}
		who := map[string]*client{"outsider": e.outsider, "other delegate": e.khac, "unit": e.stc, "recipient": e.delegate, "secretary": e.sec, "chair": e.chair}
		order := []string{"outsider", "other delegate", "unit", "recipient", "secretary", "chair"}
		want := map[string][]int{
			//                      send read answer remind close draft assign task report list
			"outsider":       {404, 404, 404, 404, 404, 404, 404, 404, 404, 404},
			"other delegate": {403, 200, 403, 403, 403, 403, 403, 404, 404, 200},
			"unit":           {404, 200, 201, 403, 403, 403, 404, 200, 201, 404},
			"recipient":      {403, 200, 201, 403, 403, 403, 403, 404, 404, 200},
			"secretary":      {201, 200, 403, 201, 200, 200, 201, 200, 403, 200},
			"chair":          {201, 200, 409, 409, 409, 200, 201, 200, 403, 200},
		}
		tables := []string{"opinion_forms", "opinion_answers", "opinion_reminders", "tasks", "task_reports"}
		for _, role := range order {
			for i, act := range actions {
				before := map[string]int{}
				for _, tb := range tables {
					before[tb] = e.count(tb)
				}
				var out apiError
				st := who[role].do(act.method, act.path, act.body, &out)
				if st != want[role][i] {
					t.Errorf("%s may %s? status %d, want %d (%+v)", role, act.name, st, want[role][i], out.Error)
				}
				if st >= 400 {
					if out.Error.Code == "" || out.Error.Message == "" {
						t.Errorf("%s / %s: refusal without a JSON error", role, act.name)
					}
					for _, tb := range tables {
						if n := e.count(tb); n != before[tb] {
							t.Errorf("%s / %s: refused, yet %s went from %d to %d rows", role, act.name, tb, before[tb], n)
						}
					}
				}
			}
		}
	})
}

// A task's overdue state follows the clock and its status; the overdue notice goes out once.
func TestTasksOverdue(t *testing.T) {
	storetest.Each(t, betweenMigrations(), func(t *testing.T, db *store.DB) {
		e := newOpinionEnv(t, db)
		e.saveConclusion()
		for _, c := range []struct {
			name, field string
			body        map[string]any
		}{
			{"no such conclusion", "conclusion_index", map[string]any{"conclusion_index": 5, "organization_id": e.unit.ID, "deadline": e.clock.Add(time.Hour).Format(time.RFC3339)}},
			{"deadline passed", "deadline", map[string]any{"conclusion_index": 0, "organization_id": e.unit.ID, "deadline": e.clock.Add(-time.Hour).Format(time.RFC3339)}},
			{"no unit", "organization_id", map[string]any{"conclusion_index": 0, "organization_id": 99999, "deadline": e.clock.Add(time.Hour).Format(time.RFC3339)}},
			{"owner of another unit", "owner_id", map[string]any{"conclusion_index": 0, "organization_id": e.unit.ID, "owner_id": e.ids["daibieu"], "deadline": e.clock.Add(time.Hour).Format(time.RFC3339)}},
		} {
			var out apiError
			if st := e.sec.do("POST", e.path("/tasks"), c.body, &out); st != 400 || out.Error.Field != c.field {
				t.Errorf("%s: %d %+v", c.name, st, out.Error)
			}
		}
		var a, b followup.Task
		e.sec.do("POST", e.path("/tasks"), map[string]any{"conclusion_index": 0, "organization_id": e.unit.ID, "owner_id": e.ids["stc"], "deadline": e.clock.Add(2 * time.Hour).Format(time.RFC3339)}, &a)
		e.sec.do("POST", e.path("/tasks"), map[string]any{"conclusion_index": 1, "organization_id": e.unit.ID, "deadline": e.clock.Add(2 * time.Hour).Format(time.RFC3339)}, &b)
		if a.State != followup.Todo || a.Overdue || a.Content != "Giao Sở Tài chính cân đối kinh phí trước ngày 15/12." || a.OwnerName != "Người stc" {
			t.Fatalf("new task: %+v", a)
		}
		var out apiError
		if st := e.stc.do("POST", fmt.Sprintf("/api/tasks/%d/reports", a.ID), map[string]string{"status": "finished", "text": "x"}, &out); st != 400 || out.Error.Field != "status" {
			t.Errorf("bad status: %d %+v", st, out.Error)
		}
		*e.clock = e.clock.Add(3 * time.Hour)
		var view struct{ Task followup.Task }
		e.stc.do("GET", fmt.Sprintf("/api/tasks/%d", a.ID), nil, &view)
		if view.Task.State != followup.Overdue || !view.Task.Overdue {
			t.Fatalf("past its deadline: %+v", view.Task)
		}
		svc := followup.New(db, e.rooms, notice.EventLog{Log: events.NewLog(nil, nil)})
		if n, err := svc.NotifyOverdue(context.Background()); err != nil || n != 2 {
			t.Fatalf("overdue sweep: %d %v", n, err)
		}
		if n, err := svc.NotifyOverdue(context.Background()); err != nil || n != 0 {
			t.Fatalf("second sweep: %d %v", n, err)
		}
		var aud string
		db.QueryRowContext(context.Background(), `SELECT audience FROM meeting_events WHERE type = 'notice.task.overdue' ORDER BY seq LIMIT 1`).Scan(&aud)
		if want := fmt.Sprintf(`{"users":[%d,%d,%d]}`, e.ids["thuky"], e.ids["chutich"], e.ids["stc"]); aud != want {
			// sorted IDs: the secretary and chair were created before the unit's person
			t.Errorf("overdue notice went to %s, want %s", aud, want)
		}
		var done struct{ Task followup.Task }
		if st := e.stc.do("POST", fmt.Sprintf("/api/tasks/%d/reports", a.ID), map[string]string{"status": "done", "text": "Đã hoàn thành, gửi kèm báo cáo"}, &done); st != 201 ||
			done.Task.State != followup.Done || done.Task.Overdue || !done.Task.Late {
			t.Fatalf("done late: %d %+v", st, done.Task)
		}
		if st := e.stc.do("POST", fmt.Sprintf("/api/tasks/%d/reports", a.ID), map[string]string{"status": "in_progress", "text": "x"}, nil); st != 409 {
			t.Errorf("report after done: %d", st)
		}
		var mine struct{ Items []followup.Task }
		e.chair.do("GET", "/api/tasks", nil, &mine)
		if len(mine.Items) != 2 {
			t.Errorf("the chair sees %d tasks of their meeting, want 2", len(mine.Items))
		}
	})
}
