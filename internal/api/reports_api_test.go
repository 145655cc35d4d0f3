package api_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms/reports"
)

func TestMeetingReports(t *testing.T) {
	storetest.Each(t, betweenMigrations(), func(t *testing.T, db *store.DB) {
		e := newOpinionEnv(t, db)
		if st := e.chair.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil); st != 200 {
			t.Fatalf("start: %d", st)
		}
		e.delegate.do("POST", e.path("/attendance"), map[string]string{"status": "in_person"}, nil)
		e.chair.do("POST", e.path("/attendance"), map[string]string{"status": "online"}, nil)
		e.khac.do("POST", e.path("/attendance"), map[string]string{"status": "absent", "reason": "Đi công tác"}, nil)
		if st := e.chair.do("POST", e.path("/transition"), map[string]string{"action": "end"}, nil); st != 200 {
			t.Fatalf("end: %d", st)
		}
		e.saveConclusion()
		var a, b struct{ ID int64 }
		e.sec.do("POST", e.path("/tasks"), map[string]any{"conclusion_index": 0, "organization_id": e.unit.ID, "deadline": e.clock.Add(2 * time.Hour).Format(time.RFC3339)}, &a)
		e.sec.do("POST", e.path("/tasks"), map[string]any{"conclusion_index": 1, "organization_id": e.unit.ID, "deadline": e.clock.Add(2 * time.Hour).Format(time.RFC3339)}, &b)
		e.stc.do("POST", fmt.Sprintf("/api/tasks/%d/reports", a.ID), map[string]string{"status": "done", "text": "Đã xong"}, nil)
		*e.clock = e.clock.Add(3 * time.Hour)

		q := fmt.Sprintf("?organization_id=%d&from=2026-11-01&to=2026-11-30", e.org.ID)
		var rep reports.Report
		if st := e.sec.do("GET", "/api/reports/meetings"+q, nil, &rep); st != 200 {
			t.Fatalf("report: %d", st)
		}
		if rep.Scope != "organization" || rep.Held != 1 || rep.ByKind["hybrid"] != 1 || len(rep.Meetings) != 1 || rep.Meetings[0].Present != 2 ||
			rep.Documents["draft"] != 1 || rep.Tasks.Total != 2 || rep.Tasks.OnTime != 1 || rep.Tasks.Overdue != 1 {
			t.Fatalf("report: %+v", rep)
		}
		person := map[string]reports.Attendance{}
		for _, p := range rep.ByPerson {
			person[p.Name] = p
		}
		// The secretary never checked in and gave no reason: unexcused.
		if person["Đại biểu"].InPerson != 1 || person["Người chutich"].Online != 1 || person["Người khac"].Excused != 1 || person["Thư ký"].Unexcused != 1 {
			t.Errorf("by person: %+v", rep.ByPerson)
		}
		if len(rep.ByUnit) != 1 || rep.ByUnit[0].Invited != 4 || rep.ByUnit[0].Excused != 1 || rep.ByUnit[0].Unexcused != 1 {
			t.Errorf("by unit: %+v", rep.ByUnit)
		}
		// Another period has nothing.
		var empty reports.Report
		e.sec.do("GET", fmt.Sprintf("/api/reports/meetings?organization_id=%d&from=2026-12-01&to=2026-12-31", e.org.ID), nil, &empty)
		if empty.Held != 0 || len(empty.Meetings) != 0 || empty.Tasks.Total != 0 {
			t.Errorf("empty period: %+v", empty)
		}
		// The chair sees the meetings they chaired; a delegate sees none.
		var chaired reports.Report
		if st := e.chair.do("GET", "/api/reports/meetings"+q, nil, &chaired); st != 200 || chaired.Scope != "chaired" || chaired.Held != 1 {
			t.Errorf("chair's report: %d %+v", st, chaired)
		}
		for _, c := range []struct {
			name   string
			as     *client
			query  string
			status int
			field  string
		}{
			{"a delegate", e.delegate, q, 403, ""},
			{"no organization", e.sec, "?from=2026-11-01&to=2026-11-30", 400, "organization_id"},
			{"bad date", e.sec, fmt.Sprintf("?organization_id=%d&from=01/11/2026&to=2026-11-30", e.org.ID), 400, "from"},
			{"end before start", e.sec, fmt.Sprintf("?organization_id=%d&from=2026-11-30&to=2026-11-01", e.org.ID), 400, "to"},
		} {
			var out apiError
			if st := c.as.do("GET", "/api/reports/meetings"+c.query, nil, &out); st != c.status || out.Error.Field != c.field || out.Error.Message == "" {
				t.Errorf("%s: %d %+v", c.name, st, out.Error)
			}
		}
		st, csvBody := e.sec.raw("GET", "/api/reports/meetings.csv"+q, "", nil, nil)
		if st != 200 || !bytes.HasPrefix(csvBody, []byte("\ufeff")) || !strings.Contains(string(csvBody), "Vắng không lý do") || !strings.Contains(string(csvBody), "Người khac,UBND tỉnh,1,0,0,1,0") {
			t.Errorf("csv: %d %s", st, csvBody)
		}
		st, pdf := e.sec.raw("GET", "/api/reports/meetings.pdf"+q, "", nil, nil)
		if st != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("pdf: %d", st)
		}
		text := pdfText(t, pdf)
		for _, want := range []string{"BÁO CÁO", "Tình hình tổ chức cuộc họp từ ngày 01/11/2026", "Người khac (UBND tỉnh): vắng có lý do 1", "quá hạn chưa hoàn thành 1"} {
			if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
				t.Errorf("pdf text lacks %q:\n%s", want, text)
			}
		}
	})
}
