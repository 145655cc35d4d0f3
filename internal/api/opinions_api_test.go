package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs/docstest"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms/followup"
	"github.com/phonghop/phonghop/rooms/opinions"
)

func betweenMigrations() []store.Migrations {
	return append(migrations(), opinions.Migrations(), followup.Migrations())
}

// opinionEnv is a scheduled meeting with a draft, a second unit (Sở Tài chính) with one person,
// and a delegate who is not asked ("khac").
type opinionEnv struct {
	*meetingEnv
	unit          directory.Organization
	stc, khac     *client
	draftVersion  int64
	recipientUser []int64
}

func newOpinionEnv(t *testing.T, db *store.DB) *opinionEnv {
	return newOpinionEnvOn(t, db, newMeetingEnv(t, db))
}

func newOpinionEnvOn(t *testing.T, db *store.DB, me *meetingEnv) *opinionEnv {
	e := &opinionEnv{meetingEnv: me}
	ctx := context.Background()
	d, a := directory.New(db), auth.NewService(db)
	var err error
	if e.unit, err = d.CreateOrganization(ctx, directory.Organization{ParentID: &e.org.ID, Code: "STC", Name: "Sở Tài chính", Abbreviation: "STC", Level: directory.Department}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		name string
		org  int64
	}{{"stc", e.unit.ID}, {"khac", e.org.ID}} {
		acc, err := a.CreateAccount(ctx, auth.NewAccount{User: directory.User{Username: u.name, FullName: "Người " + u.name, OrganizationID: u.org}, Password: "mat-khau-" + u.name})
		if err != nil {
			t.Fatal(err)
		}
		e.ids[u.name] = acc.ID
	}
	e.sec.do("POST", e.path("/participants"), map[string]any{"invitees": []map[string]any{{"user_id": e.ids["khac"], "role": "delegate"}}}, nil)
	if st := e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil); st != 200 {
		t.Fatalf("schedule: %d", st)
	}
	e.stc, e.khac = e.login("stc", "mat-khau-stc"), e.login("khac", "mat-khau-khac")
	ct, body := uploadBody(map[string]string{"title": "Dự thảo Kế hoạch phát triển 2027", "kind": "draft"}, "ke-hoach.pdf", docstest.PDF("Du thao ke hoach"))
	st, b := e.sec.raw("POST", e.path("/documents"), ct, body, nil)
	var doc struct {
		Versions []struct{ ID int64 }
	}
	if st != 201 || json.Unmarshal(b, &doc) != nil || len(doc.Versions) != 1 {
		t.Fatalf("upload draft: %d %s", st, b)
	}
	e.draftVersion = doc.Versions[0].ID
	return e
}

func (e *opinionEnv) form(change func(map[string]any)) map[string]any {
	f := map[string]any{"title": "Lấy ý kiến về dự thảo Kế hoạch 2027", "draft_version_id": e.draftVersion,
		"questions": []string{"Về mục tiêu tổng quát", "Về kinh phí thực hiện"},
		"deadline":  e.clock.Add(4 * time.Hour).Format(time.RFC3339), "user_ids": []int64{e.ids["daibieu"], e.ids["chutich"]},
		"organization_ids": []int64{e.unit.ID}}
	if change != nil {
		change(f)
	}
	return f
}

func answerBody(recipient int64, choices ...string) map[string]any {
	var items []map[string]string
	for _, c := range choices {
		text := ""
		if c == "other" {
			text = "Đề nghị bổ sung chỉ tiêu về chuyển đổi số"
		}
		items = append(items, map[string]string{"choice": c, "text": text})
	}
	return map[string]any{"recipient_id": recipient, "items": items}
}

type formOut struct {
	Form struct {
		ID         int64
		Status     string
		Answered   int
		Recipients int
	}
	Organizer  bool
	Mine       []opinions.Recipient
	Answers    []opinions.Answer
	Recipients []opinions.Recipient
	Reminders  []opinions.Reminder
	Summary    *opinions.SummaryRecord
	Approvals  []struct {
		ID     int64
		Status string
	}
}

func TestOpinionForm(t *testing.T) {
	storetest.Each(t, betweenMigrations(), func(t *testing.T, db *store.DB) {
		e := newOpinionEnv(t, db)
		// Bad forms are refused with the field at fault and leave nothing.
		for _, c := range []struct {
			name, field string
			change      func(map[string]any)
		}{
			{"no questions", "questions", func(f map[string]any) { f["questions"] = []string{} }},
			{"empty question", "questions", func(f map[string]any) { f["questions"] = []string{"  "} }},
			{"deadline passed", "deadline", func(f map[string]any) { f["deadline"] = e.clock.Add(-time.Hour).Format(time.RFC3339) }},
			{"nobody", "user_ids", func(f map[string]any) { f["user_ids"], f["organization_ids"] = []int64{}, []int64{} }},
			{"unknown person", "user_ids", func(f map[string]any) { f["user_ids"] = []int64{99999} }},
			{"person twice", "user_ids", func(f map[string]any) { f["user_ids"] = []int64{e.ids["daibieu"], e.ids["daibieu"]} }},
			{"unknown unit", "organization_ids", func(f map[string]any) { f["organization_ids"] = []int64{99999} }},
			{"no draft", "draft_version_id", func(f map[string]any) { f["draft_version_id"] = 99999 }},
		} {
			var out apiError
			if st := e.sec.do("POST", e.path("/opinions"), e.form(c.change), &out); st != 400 || out.Error.Field != c.field || out.Error.Message == "" {
				t.Errorf("%s: %d %+v", c.name, st, out.Error)
			}
		}
		if n := e.count("opinion_forms"); n != 0 {
			t.Fatalf("refused forms left %d rows", n)
		}
		var f struct{ ID int64 }
		if st := e.sec.do("POST", e.path("/opinions"), e.form(nil), &f); st != 201 {
			t.Fatalf("create: %d", st)
		}
		fp := func(p string) string { return fmt.Sprintf("/api/opinions/%d%s", f.ID, p) }
		// Sending told every person of the recipients: the two people and the unit's one person.
		var notices int
		db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM meeting_events WHERE type = 'notice.opinion.sent' AND audience LIKE ?`,
			fmt.Sprintf("%%%d%%", e.ids["stc"])).Scan(&notices)
		if notices != 1 {
			t.Errorf("form sent: %d notices reach the unit's person", notices)
		}

		var mine formOut
		if st := e.delegate.do("GET", fp(""), nil, &mine); st != 200 || len(mine.Mine) != 1 || mine.Organizer || mine.Recipients != nil {
			t.Fatalf("recipient view: %d %+v", st, mine)
		}
		// The draft is readable by a recipient who is not in the meeting (the unit's person).
		if st, b := e.stc.raw("GET", fp("/draft"), "", nil, nil); st != 200 || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("unit reads the draft: %d", st)
		}
		// Bad answers.
		for _, c := range []struct {
			name   string
			body   map[string]any
			status int
		}{
			{"one answer missing", answerBody(0, "agree"), 400},
			{"other without text", map[string]any{"items": []map[string]string{{"choice": "agree"}, {"choice": "other"}}}, 400},
			{"unknown choice", answerBody(0, "agree", "maybe"), 400},
			{"someone else's recipient", answerBody(mine.Mine[0].ID+1000, "agree", "agree"), 400},
		} {
			var out apiError
			if st := e.delegate.do("POST", fp("/answers"), c.body, &out); st != c.status || out.Error.Message == "" {
				t.Errorf("%s: %d %+v", c.name, st, out.Error)
			}
		}
		if st := e.delegate.do("POST", fp("/answers"), answerBody(0, "agree", "disagree"), nil); st != 201 {
			t.Fatalf("answer: %d", st)
		}
		// A correction is a new answer; the first one stays, the latest counts.
		if st := e.delegate.do("POST", fp("/answers"), answerBody(0, "agree", "other"), nil); st != 201 {
			t.Fatalf("correction: %d", st)
		}
		// The unit answers through its person, with an attached file.
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		aj, _ := json.Marshal(answerBody(0, "disagree", "agree"))
		mw.WriteField("answer", string(aj))
		fw, _ := mw.CreateFormFile("file", "y-kien-so-tai-chinh.pdf")
		fw.Write(docstest.PDF("Y kien cua So Tai chinh"))
		mw.Close()
		if st, body := e.stc.raw("POST", fp("/answers"), mw.FormDataContentType(), &b, nil); st != 201 {
			t.Fatalf("unit answer with file: %d %s", st, body)
		}
		// A file that is not a document is refused and nothing is recorded.
		b.Reset()
		mw = multipart.NewWriter(&b)
		mw.WriteField("answer", string(aj))
		fw, _ = mw.CreateFormFile("file", "virus.pdf")
		fw.Write([]byte("MZ not a pdf"))
		mw.Close()
		if st, _ := e.stc.raw("POST", fp("/answers"), mw.FormDataContentType(), &b, nil); st != 415 {
			t.Errorf("bad attachment: %d", st)
		}

		var view formOut
		e.sec.do("GET", fp(""), nil, &view)
		if !view.Organizer || view.Form.Answered != 2 || view.Form.Recipients != 3 || len(view.Answers) != 3 || len(view.Recipients) != 3 {
			t.Fatalf("secretary's view: %+v", view)
		}
		latest := 0
		for _, a := range view.Answers {
			if a.Latest {
				latest++
			}
			if a.RecipientName == "Sở Tài chính" && (!a.HasAttachment || a.AnsweredByName != "Người stc") {
				t.Errorf("unit answer: %+v", a)
			}
		}
		if latest != 2 || view.Answers[0].Latest || view.Answers[0].Revision != 1 || !view.Answers[1].Latest {
			t.Errorf("history: %+v", view.Answers)
		}
		for _, a := range view.Answers {
			if a.HasAttachment {
				if st, body := e.sec.raw("GET", fp(fmt.Sprintf("/answers/%d/file", a.ID)), "", nil, nil); st != 200 || !bytes.HasPrefix(body, []byte("%PDF-")) {
					t.Errorf("attachment: %d", st)
				}
				if st, _ := e.delegate.raw("GET", fp(fmt.Sprintf("/answers/%d/file", a.ID)), "", nil, nil); st != 404 {
					t.Errorf("another recipient reads the unit's attachment: %d", st)
				}
			}
		}
		// The database keeps answers final even if a query tried to change them.
		if _, err := db.ExecContext(context.Background(), `UPDATE opinion_answer_items SET choice = 'disagree'`); err == nil {
			t.Error("an answer was changed in the database")
		}
		if _, err := db.ExecContext(context.Background(), `DELETE FROM opinion_answers`); err == nil {
			t.Error("an answer was deleted in the database")
		}

		// Remind: only the chair has not answered.
		var rem opinions.Reminder
		if st := e.sec.do("POST", fp("/remind"), nil, &rem); st != 201 || rem.Recipients != 1 {
			t.Fatalf("remind: %d %+v", st, rem)
		}
		var reminded string
		db.QueryRowContext(context.Background(), `SELECT audience FROM meeting_events WHERE type = 'notice.opinion.reminder'`).Scan(&reminded)
		if reminded != fmt.Sprintf(`{"users":[%d]}`, e.ids["chutich"]) {
			t.Errorf("reminder went to %s, want only the chair", reminded)
		}
		// The summary cannot be saved before the form is closed.
		var draft map[string]any
		if st := e.sec.do("GET", fp("/summary/draft"), nil, &draft); st != 200 {
			t.Fatalf("summary draft: %d", st)
		}
		qs := draft["questions"].([]any)
		q0, q1 := qs[0].(map[string]any), qs[1].(map[string]any)
		if q0["agree"] != 1.0 || q0["disagree"] != 1.0 || q1["other"] != 1.0 || q1["agree"] != 1.0 || q1["disagree"] != 0.0 ||
			!strings.Contains(q1["opinions"].(string), "chuyển đổi số") || !strings.Contains(draft["not_answered"].(string), "Người chutich") {
			t.Errorf("summary draft: %+v", draft)
		}
		if st := e.sec.do("PUT", fp("/summary"), map[string]any{"base_version": 0, "content": draft}, nil); st != 409 {
			t.Errorf("summary of an open form: %d", st)
		}
		// After the deadline nothing is taken, by the server and by the database.
		*e.clock = e.clock.Add(5 * time.Hour)
		var late apiError
		if st := e.chair.do("POST", fp("/answers"), answerBody(0, "agree", "agree"), &late); st != 409 || late.Error.Message == "" {
			t.Errorf("late answer: %d %+v", st, late)
		}
		var rid int64
		db.QueryRowContext(context.Background(), `SELECT id FROM opinion_recipients WHERE form_id = ? AND user_id = ?`, f.ID, e.ids["chutich"]).Scan(&rid)
		if _, err := db.ExecContext(context.Background(), `INSERT INTO opinion_answers (form_id, recipient_id, revision, answered_by, answered_at) VALUES (?, ?, 1, ?, ?)`,
			f.ID, rid, e.ids["chutich"], *e.clock); err == nil {
			t.Error("the database took an answer after the deadline")
		}
		if st := e.sec.do("POST", fp("/close"), nil, nil); st != 200 {
			t.Fatalf("close: %d", st)
		}
		if st := e.sec.do("POST", fp("/close"), nil, nil); st != 409 {
			t.Errorf("close twice: %d", st)
		}
		// Summary, a stale save, approval by the chair and filing as a report (BC).
		var sum opinions.SummaryRecord
		if st := e.sec.do("PUT", fp("/summary"), map[string]any{"base_version": 0, "content": draft}, &sum); st != 200 || sum.Version != 1 || sum.DocumentVersionID == 0 {
			t.Fatalf("save summary: %d %+v", st, sum)
		}
		if st := e.sec.do("PUT", fp("/summary"), map[string]any{"base_version": 0, "content": draft}, nil); st != 409 {
			t.Errorf("stale summary save: %d", st)
		}
		var appr struct{ ID int64 }
		if st := e.sec.do("POST", e.path("/approvals"), map[string]any{"subject_kind": "document", "subject_id": sum.DocumentVersionID, "leader_id": e.ids["chutich"]}, &appr); st != 201 {
			t.Fatalf("send summary for approval: %d", st)
		}
		var chairView struct {
			Member struct {
				UserID int64 `json:"user_id"`
			}
			Approvals []struct {
				LeaderID int64 `json:"leader_id"`
				Status   string
			}
		}
		if st := e.chair.do("GET", fp(""), nil, &chairView); st != 200 || chairView.Member.UserID != e.ids["chutich"] || len(chairView.Approvals) != 1 ||
			chairView.Approvals[0].LeaderID != e.ids["chutich"] {
			t.Fatalf("the chair's view of the pending approval: %d %+v", st, chairView)
		}
		if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d", appr.ID)), map[string]any{"approve": true}, nil); st != 200 {
			t.Fatalf("approve: %d", st)
		}
		e.sec.do("GET", fp(""), nil, &view)
		if view.Summary == nil || len(view.Approvals) != 1 || view.Approvals[0].Status != "approved" {
			t.Fatalf("summary and approval on the form: %+v", view)
		}
		var entry struct{ Symbol string }
		if st := e.sec.do("POST", e.path(fmt.Sprintf("/approvals/%d/file", appr.ID)), map[string]any{"doc_type": "BC", "signer": "Người chutich, Chủ tịch",
			"summary": "Tổng hợp ý kiến về dự thảo Kế hoạch 2027"}, &entry); st != 201 || entry.Symbol != "01/BC-UBND" {
			t.Fatalf("file the summary: %d %+v", st, entry)
		}
	})
}
