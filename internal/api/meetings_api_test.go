package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

type meetingEnv struct {
	*env
	sec, chair, delegate, outsider *client
	ids                            map[string]int64
	meeting                        int64
}

// newMeetingEnv: the secretary prepares a meeting chaired by "chutich" with "daibieu" invited as a
// voting delegate; "ngoai" is not invited.
func newMeetingEnv(t *testing.T, db *store.DB) *meetingEnv {
	return newMeetingEnvOn(t, newEnv(t, db))
}

// newMeetingEnvOn prepares the same meeting in a given env (e.g. one on the external NATS).
func newMeetingEnvOn(t testing.TB, base *env) *meetingEnv {
	db := base.db
	e := &meetingEnv{env: base, ids: map[string]int64{}}
	a := auth.NewService(db)
	for _, u := range []string{"chutich", "ngoai"} {
		if _, err := a.CreateAccount(context.Background(), auth.NewAccount{User: directory.User{Username: u, FullName: "Người " + u, OrganizationID: e.org.ID}, Password: "mat-khau-" + u}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"thuky", "chutich", "daibieu", "ngoai"} {
		var id int64
		if err := db.QueryRowContext(context.Background(), `SELECT id FROM users WHERE username = ?`, u).Scan(&id); err != nil {
			t.Fatal(err)
		}
		e.ids[u] = id
	}
	e.sec, e.chair = e.login("thuky", "mat-khau-thuky"), e.login("chutich", "mat-khau-chutich")
	e.delegate, e.outsider = e.login("daibieu", "mat-khau-daibieu"), e.login("ngoai", "mat-khau-ngoai")
	var m struct{ ID int64 }
	if st := e.sec.do("POST", "/api/meetings", e.meetingForm(nil), &m); st != 201 {
		t.Fatalf("create meeting: %d", st)
	}
	e.meeting = m.ID
	if st := e.sec.do("POST", e.path("/participants"), map[string]any{"invitees": []map[string]any{
		{"user_id": e.ids["daibieu"], "role": "delegate", "can_vote": true}}}, nil); st != 201 {
		t.Fatalf("invite: %d", st)
	}
	return e
}

func (e *meetingEnv) meetingForm(change func(map[string]any)) map[string]any {
	f := map[string]any{"organization_id": e.org.ID, "title": "Họp giao ban tháng 11", "kind": "hybrid", "place": "Phòng họp 1",
		"starts_at": "2026-11-23T01:00:00Z", "ends_at": "2026-11-23T04:00:00Z", "chair_id": e.ids["chutich"], "secretary_id": e.ids["thuky"]}
	if change != nil {
		change(f)
	}
	return f
}

func (e *meetingEnv) path(p string) string { return fmt.Sprintf("/api/meetings/%d%s", e.meeting, p) }

func TestMeetingRightsAndBadInput(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		before := e.count("meetings")
		bad := []struct {
			name   string
			c      *client
			change func(map[string]any)
			status int
			field  string
		}{
			{"no title", e.sec, func(f map[string]any) { f["title"] = "  " }, 400, "title"},
			{"end before start", e.sec, func(f map[string]any) { f["ends_at"] = "2026-11-22T00:00:00Z" }, 400, "ends_at"},
			{"unknown kind", e.sec, func(f map[string]any) { f["kind"] = "party" }, 400, "kind"},
			{"in person without place", e.sec, func(f map[string]any) { f["kind"], f["place"] = "in_person", "" }, 400, "place"},
			{"chair is secretary", e.sec, func(f map[string]any) { f["chair_id"] = e.ids["thuky"] }, 400, "secretary_id"},
			{"unknown field", e.sec, func(f map[string]any) { f["colour"] = "red" }, 400, "colour"},
			{"not a secretary of the body", e.delegate, nil, 403, ""},
		}
		for _, c := range bad {
			var out apiError
			if st := c.c.do("POST", "/api/meetings", e.meetingForm(c.change), &out); st != c.status || out.Error.Field != c.field || out.Error.Message == "" || out.Error.MessageEN == "" {
				t.Errorf("%s: status %d, error %+v", c.name, st, out.Error)
			}
		}
		if e.count("meetings") != before {
			t.Fatal("a refused meeting was stored")
		}

		// A draft is the organizers' only; outsiders never learn a meeting exists.
		for _, c := range []*client{e.delegate, e.outsider} {
			if st := c.do("GET", e.path(""), nil, nil); st != 404 {
				t.Errorf("draft visible to a non-organizer: %d", st)
			}
		}
		var out apiError
		if st := e.chair.do("POST", e.path("/transition"), map[string]string{"action": "start"}, &out); st != 409 || !strings.Contains(out.Error.Message, "dự thảo") {
			t.Fatalf("start a draft: %d %+v", st, out.Error)
		}
		if st := e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil); st != 200 {
			t.Fatalf("schedule: %d", st)
		}
		if st := e.delegate.do("GET", e.path(""), nil, nil); st != 200 {
			t.Fatalf("invitee cannot open the scheduled meeting: %d", st)
		}
		if st := e.outsider.do("GET", e.path(""), nil, nil); st != 404 {
			t.Fatalf("outsider opened the meeting: %d", st)
		}
		// Who may do what, each refusal changing nothing.
		items := e.count("agenda_items")
		rights := []struct {
			name         string
			c            *client
			method, path string
			body         any
			status       int
		}{
			{"delegate adds an agenda item", e.delegate, "POST", "/agenda", map[string]any{"title": "X"}, 403},
			{"outsider adds an agenda item", e.outsider, "POST", "/agenda", map[string]any{"title": "X"}, 404},
			{"delegate invites", e.delegate, "POST", "/participants", map[string]any{"invitees": []map[string]any{{"user_id": e.ids["ngoai"]}}}, 403},
			{"delegate ends the meeting", e.delegate, "POST", "/transition", map[string]string{"action": "end"}, 403},
			{"delegate declines without reason", e.delegate, "POST", "/response", map[string]any{"accept": false}, 400},
			{"delegate records absence without reason", e.delegate, "POST", "/attendance", map[string]any{"status": "absent"}, 400},
			{"delegate checks someone else in", e.delegate, "POST", "/attendance", map[string]any{"participant_id": 1, "status": "online"}, 403},
			{"delegate creates a vote", e.delegate, "POST", "/votes", map[string]any{"question": "Q"}, 403},
			{"delegate sets the current item", e.delegate, "PUT", "/agenda-current", map[string]any{"item_id": nil}, 403},
		}
		for _, c := range rights {
			var out apiError
			if st := c.c.do(c.method, e.path(c.path), c.body, &out); st != c.status || out.Error.Code == "" {
				t.Errorf("%s: status %d (%+v), want %d", c.name, st, out.Error, c.status)
			}
		}
		if e.count("agenda_items") != items || e.count("votes") != 0 {
			t.Fatal("a refused action changed data")
		}
		// Once the meeting has ended, its agenda is a record: edits are refused.
		e.chair.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil)
		e.chair.do("POST", e.path("/transition"), map[string]string{"action": "end"}, nil)
		if st := e.sec.do("POST", e.path("/agenda"), map[string]any{"title": "Bổ sung sau họp"}, &out); st != 409 || e.count("agenda_items") != items {
			t.Fatalf("agenda edit after the end: %d %+v", st, out.Error)
		}
		if st := e.sec.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil); st != 409 {
			t.Fatalf("restart an ended meeting: %d", st)
		}
	})
}

// A page gets the events it missed, in order, then live ones; after a reconnect it gets exactly
// what happened while it was away.
func TestMeetingSocket(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		if st := e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil); st != 200 {
			t.Fatal(st)
		}
		dial := func(c *client, after int64) *websocket.Conn {
			d := websocket.Dialer{Jar: c.http.Jar, HandshakeTimeout: 5 * time.Second}
			url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + e.path(fmt.Sprintf("/ws?after=%d", after))
			conn, resp, err := d.Dial(url, nil)
			if err != nil {
				st := 0
				if resp != nil {
					st = resp.StatusCode
				}
				t.Fatalf("dial: %v (%d)", err, st)
			}
			return conn
		}
		type msg struct {
			Seq  int64           `json:"seq"`
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		read := func(conn *websocket.Conn) msg {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			var m msg
			if err := conn.ReadJSON(&m); err != nil {
				t.Fatalf("read: %v", err)
			}
			return m
		}
		// The outsider cannot subscribe.
		d := websocket.Dialer{Jar: e.outsider.http.Jar}
		if _, resp, err := d.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+e.path("/ws"), nil); err == nil || resp.StatusCode != 404 {
			t.Fatalf("outsider subscribed: %v", err)
		}

		conn := dial(e.delegate, 0)
		var last int64
		for {
			m := read(conn)
			if m.Type == "ready" {
				if m.Seq != last || last < 3 {
					t.Fatalf("ready at %d after %d events", m.Seq, last)
				}
				break
			}
			if m.Seq != last+1 {
				t.Fatalf("event %d after %d", m.Seq, last)
			}
			last = m.Seq
		}
		if st := e.sec.do("POST", e.path("/agenda"), map[string]any{"title": "Báo cáo kinh tế - xã hội", "planned_minutes": 30}, nil); st != 201 {
			t.Fatal(st)
		}
		m := read(conn)
		if m.Seq != last+1 || m.Type != "agenda.changed" || !strings.Contains(string(m.Data), "Báo cáo kinh tế - xã hội") {
			t.Fatalf("live event = %+v", m)
		}
		last = m.Seq
		conn.Close()

		// Away: two changes happen.
		e.sec.do("POST", e.path("/agenda"), map[string]any{"title": "Mục hai"}, nil)
		e.delegate.do("POST", e.path("/attendance"), map[string]any{"status": "online"}, nil)

		conn = dial(e.delegate, last)
		defer conn.Close()
		got := []string{read(conn).Type, read(conn).Type}
		if got[0] != "agenda.changed" || got[1] != "attendance.changed" {
			t.Fatalf("missed events = %v", got)
		}
		if r := read(conn); r.Type != "ready" || r.Seq != last+2 {
			t.Fatalf("after catch-up: %+v", r)
		}
	})
}

func TestVoteOverAPI(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		for _, step := range []struct {
			c      *client
			action string
		}{{e.sec, "schedule"}, {e.chair, "start"}} {
			if st := step.c.do("POST", e.path("/transition"), map[string]string{"action": step.action}, nil); st != 200 {
				t.Fatalf("%s: %d", step.action, st)
			}
		}
		for _, c := range []*client{e.chair, e.delegate} {
			if st := c.do("POST", e.path("/attendance"), map[string]any{"status": "in_person"}, nil); st != 200 {
				t.Fatalf("check in: %d", st)
			}
		}
		var v struct {
			ID      int64
			Status  string
			Counts  []int
			Turnout int
			Result  *struct{ Passed bool }
		}
		if st := e.sec.do("POST", e.path("/votes"), map[string]any{"question": "Thông qua kế hoạch", "secret": true}, &v); st != 201 {
			t.Fatalf("create vote: %d", st)
		}
		vp := fmt.Sprintf("/votes/%d", v.ID)
		if st := e.chair.do("POST", e.path(vp+"/open"), nil, &v); st != 200 || v.Status != "open" {
			t.Fatalf("open: %d %+v", st, v)
		}
		var out apiError
		if st := e.delegate.do("POST", e.path(vp+"/ballot"), map[string]any{}, &out); st != 400 || out.Error.Field != "option" {
			t.Fatalf("ballot without option: %d %+v", st, out)
		}
		for _, c := range []*client{e.chair, e.delegate} {
			if st := c.do("POST", e.path(vp+"/ballot"), map[string]any{"option": 0}, nil); st != 200 {
				t.Fatalf("ballot: %d", st)
			}
		}
		if st := e.delegate.do("POST", e.path(vp+"/ballot"), map[string]any{"option": 1}, &out); st != 409 {
			t.Fatalf("second ballot: %d", st)
		}
		e.chair.do("POST", e.path(vp+"/close"), nil, nil)
		if st := e.chair.do("POST", e.path(vp+"/publish"), nil, &v); st != 200 || fmt.Sprint(v.Counts) != "[2 0 0]" || v.Result == nil || !v.Result.Passed {
			t.Fatalf("published: %d %+v", st, v)
		}
		if st := e.delegate.do("GET", e.path(vp), nil, &v); st != http.StatusOK || v.Turnout != 2 {
			t.Fatalf("delegate reads result: %d %+v", st, v)
		}
	})
}

// Join tokens for the media room follow the meeting role.
func TestMediaToken(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
		var out struct{ Token string }
		if st := e.outsider.do("POST", e.path("/media-token"), nil, &out); st != 404 {
			t.Fatalf("outsider got a token: %d", st)
		}
		for _, c := range []struct {
			who        *client
			publishes  bool
			startMuted bool
			selfUnmute bool
		}{{e.chair, true, false, true}, {e.delegate, true, true, false}} {
			if st := c.who.do("POST", e.path("/media-token"), nil, &out); st != 200 {
				t.Fatalf("token: %d", st)
			}
			g, err := e.media.Verify(out.Token)
			if err != nil || g.Room != fmt.Sprintf("meeting-%d", e.meeting) || g.CanPublish("audio") != c.publishes || g.StartMuted != c.startMuted || g.SelfUnmute != c.selfUnmute || !g.Subscribe {
				t.Fatalf("grant %+v (%v)", g, err)
			}
		}
	})
}
