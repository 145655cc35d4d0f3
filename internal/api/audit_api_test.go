package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/phonghop/phonghop/docs/docstest"
	"github.com/phonghop/phonghop/internal/audit"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

type auditRow struct {
	ID        int64
	ActorID   *int64 `json:"actor_id"`
	ActorName string `json:"actor_name"`
	Action    string
	Object    string
	Detail    string
	Address   string
	RequestID string `json:"request_id"`
}

func auditRows(t *testing.T, c *client, query string) []auditRow {
	t.Helper()
	var out struct{ Items []auditRow }
	if st := c.do("GET", "/api/audit?"+query, nil, &out); st != 200 {
		t.Fatalf("audit search %q: %d", query, st)
	}
	return out.Items
}

// TestAuditTrail: sign-ins and their failures, votes, restricted downloads, exports and media
// commands are in the log with who, from where and the request ID; unrestricted reading is
// not; only an administrator reads the log; the chain verifies.
func TestAuditTrail(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		admin := e.login("admin", "mat-khau-admin")
		anon := e.anon()
		if st, _ := anon.raw("POST", "/api/auth/login", "application/json", strings.NewReader(`{"username":"daibieu","password":"sai-mat-khau"}`),
			map[string]string{"X-Request-ID": "dang-nhap-sai-1"}); st != 401 {
			t.Fatalf("wrong password: %d", st)
		}
		fails := auditRows(t, admin, "action=auth.sign_in_failed")
		if len(fails) != 1 || fails[0].ActorName != "daibieu" || fails[0].RequestID != "dang-nhap-sai-1" || fails[0].Address != "127.0.0.1" {
			t.Fatalf("failed sign-in rows: %+v", fails)
		}
		if ins := auditRows(t, admin, "action=auth.sign_in&actor=thuky"); len(ins) != 1 || ins[0].ActorID == nil || *ins[0].ActorID != e.ids["thuky"] {
			t.Fatalf("sign-in rows of thuky: %+v", ins)
		}
		if st := e.sec.do("GET", "/api/audit", nil, nil); st != 403 {
			t.Fatalf("a secretary read the audit log: %d", st)
		}

		// Documents: reading one every participant may read is not audited; one for the
		// organizers only is, once per reading (its later ranges are not).
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
		var open, closed struct{ ID int64 }
		for _, d := range []struct {
			access string
			out    *struct{ ID int64 }
		}{{"all", &open}, {"organizers", &closed}} {
			ct, body := uploadBody(map[string]string{"title": "Tài liệu " + d.access, "access": d.access}, "tai-lieu.pdf", docstest.PDF("Trang 1"))
			st, b := e.sec.raw("POST", e.path("/documents"), ct, body, nil)
			json.Unmarshal(b, d.out)
			if st != 201 {
				t.Fatalf("upload %s: %d %s", d.access, st, b)
			}
		}
		for _, id := range []int64{open.ID, closed.ID} {
			if st, _ := e.sec.raw("GET", e.path(fmt.Sprintf("/documents/%d/file", id)), "", nil, nil); st != 200 {
				t.Fatalf("download %d: %d", id, st)
			}
		}
		e.sec.raw("GET", e.path(fmt.Sprintf("/documents/%d/file", closed.ID)), "", nil, map[string]string{"Range": "bytes=100-200"})
		downloads := auditRows(t, admin, "action=document.download")
		if len(downloads) != 1 || downloads[0].Object != "document:"+strconv.FormatInt(closed.ID, 10) || downloads[0].ActorName != "thuky" || !strings.Contains(downloads[0].Detail, "organizers") {
			t.Fatalf("download rows: %+v", downloads)
		}
		if added := auditRows(t, admin, "action=document.added"); len(added) != 2 {
			t.Fatalf("document.added rows: %+v", added)
		}
		// A media command and an export.
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil)
		e.chair.do("POST", e.path("/media-commands"), map[string]any{"type": "mute", "identity": "user-" + strconv.FormatInt(e.ids["daibieu"], 10)}, nil)
		if mc := auditRows(t, admin, "action=media.command"); len(mc) != 1 || mc[0].ActorName != "chutich" || !strings.Contains(mc[0].Detail, `"type":"mute"`) {
			t.Fatalf("media command rows: %+v", mc)
		}
		st, csvOut := admin.raw("GET", "/api/audit.csv?action=auth.", "", nil, nil)
		if st != 200 || !bytes.HasPrefix(csvOut, []byte("\ufeffSTT,Thời điểm")) || !strings.Contains(string(csvOut), "dang-nhap-sai-1") {
			t.Fatalf("audit csv: %d %.300s", st, csvOut)
		}
		if ex := auditRows(t, admin, "action=export&object=audit_log"); len(ex) != 1 || ex[0].ActorName != "admin" {
			t.Fatalf("the export of the log is not in the log: %+v", ex)
		}
		if st, b := e.chair.raw("GET", "/api/audit?actor=chutich&action=media.", "", nil, nil); st != 403 {
			t.Fatalf("the chair read the log: %d %s", st, b)
		}
		rep, err := audit.Verify(context.Background(), db.Reader())
		if err != nil || rep.Break != nil || rep.Rows < 10 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}

// TestSecretVoteLeavesNoChoiceInAudit: a secret vote's opening and closing are audited, but
// nothing in the log ties a voter to a choice — no row is the voter's beyond their sign-in and
// check-in, and no row names them.
func TestSecretVoteLeavesNoChoiceInAudit(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
		e.chair.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil)
		for _, c := range []*client{e.chair, e.delegate} {
			c.do("POST", e.path("/attendance"), map[string]any{"status": "in_person"}, nil)
		}
		var v struct{ ID int64 }
		if st := e.sec.do("POST", e.path("/votes"), map[string]any{"question": "Thông qua kế hoạch", "secret": true}, &v); st != 201 {
			t.Fatalf("create vote: %d", st)
		}
		vp := fmt.Sprintf("/votes/%d", v.ID)
		e.chair.do("POST", e.path(vp+"/open"), nil, nil)
		if st := e.delegate.do("POST", e.path(vp+"/ballot"), map[string]any{"option": 2}, nil); st != 200 {
			t.Fatalf("delegate's ballot: %d", st)
		}
		if st := e.chair.do("POST", e.path(vp+"/ballot"), map[string]any{"option": 0}, nil); st != 200 {
			t.Fatalf("chair's ballot: %d", st)
		}
		e.chair.do("POST", e.path(vp+"/close"), nil, nil)
		rows, err := audit.Search(context.Background(), db.Reader(), audit.Query{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		voter := e.ids["daibieu"]
		actions := map[string]bool{}
		for _, r := range rows {
			actions[r.Action] = true
			if r.ActorID != nil && *r.ActorID == voter && r.Action != audit.SignIn && r.Action != "attendance.changed" {
				t.Errorf("a row by the secret voter: %+v", r)
			}
			if strings.Contains(r.Detail, "daibieu") || strings.Contains(r.Detail, fmt.Sprintf(`"user_id":%d`, voter)) && strings.HasPrefix(r.Action, "vote.") {
				t.Errorf("a vote row names the voter: %+v", r)
			}
			if strings.Contains(r.Action, "ballot") || strings.Contains(r.Detail, `"option"`) {
				t.Errorf("a ballot in the audit log: %+v", r)
			}
		}
		for _, want := range []string{"vote.created", "vote.opened", "vote.closed"} {
			if !actions[want] {
				t.Errorf("no %s row (actions %v)", want, actions)
			}
		}
		// And the database has no other table where the audit could hide one: the log's rows
		// about this vote hold its counts and turnout only.
		for _, r := range rows {
			if r.Object == fmt.Sprintf("vote:%d", v.ID) && r.Action == "vote.closed" && !strings.Contains(r.Detail, `"turnout":2`) {
				t.Errorf("vote.closed detail: %s", r.Detail)
			}
		}
	})
}
