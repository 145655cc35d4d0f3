package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// Every role against every session action, over HTTP on both databases: who may act, and that a
// refused action answers with a JSON error and changes nothing.
func TestSessionRights(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		a := auth.NewService(db)
		for _, u := range []string{"quansat", "khach"} {
			if _, err := a.CreateAccount(context.Background(), auth.NewAccount{User: directory.User{Username: u, FullName: "Người " + u, OrganizationID: e.org.ID}, Password: "mat-khau-" + u}); err != nil {
				t.Fatal(err)
			}
			var id int64
			db.QueryRowContext(context.Background(), `SELECT id FROM users WHERE username = ?`, u).Scan(&id)
			e.ids[u] = id
		}
		e.sec.do("POST", e.path("/participants"), map[string]any{"invitees": []map[string]any{
			{"user_id": e.ids["quansat"], "role": "delegate", "can_vote": false}, {"user_id": e.ids["khach"], "role": "guest"}}}, nil)
		observer, guest := e.login("quansat", "mat-khau-quansat"), e.login("khach", "mat-khau-khach")
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
		e.chair.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil)
		for _, c := range []*client{e.chair, e.delegate, observer, guest, e.sec} {
			c.do("POST", e.path("/attendance"), map[string]string{"status": "in_person"}, nil)
		}
		var vote, open struct{ ID int64 }
		e.sec.do("POST", e.path("/votes"), map[string]any{"question": "Chưa mở"}, &vote)
		e.sec.do("POST", e.path("/votes"), map[string]any{"question": "Đang mở"}, &open)
		e.chair.do("POST", e.path(fmt.Sprintf("/votes/%d/open", open.ID)), nil, nil)
		var req struct{ ID int64 }
		e.delegate.do("POST", e.path("/floor"), map[string]any{"topic": "Về kinh phí"}, &req)
		var draft map[string]any
		e.sec.do("GET", e.path("/records/minutes/draft"), nil, &draft)
		e.sec.do("PUT", e.path("/records/minutes"), map[string]any{"base_version": 0, "content": draft}, nil)
		var appr struct{ ID int64 }
		e.sec.do("POST", e.path("/approvals"), map[string]any{"subject_kind": "minutes", "leader_id": e.ids["chutich"]}, &appr)

		type action struct {
			name, method, path string
			body               any
		}
		actions := []action{
			{"create a vote", "POST", "/votes", map[string]any{"question": "Mới"}},
			{"open a vote", "POST", fmt.Sprintf("/votes/%d/open", vote.ID), nil},
			{"close a vote", "POST", fmt.Sprintf("/votes/%d/close", open.ID), nil},
			{"vote", "POST", fmt.Sprintf("/votes/%d/ballot", open.ID), map[string]int{"option": 0}},
			{"give the floor", "POST", fmt.Sprintf("/floor/%d", req.ID), map[string]string{"action": "grant"}},
			{"ask for the floor", "POST", "/floor", map[string]any{"topic": "x"}},
			{"write the minutes", "PUT", "/records/minutes", map[string]any{"base_version": 1, "content": draft}},
			{"send for approval", "POST", "/approvals", map[string]any{"subject_kind": "minutes", "leader_id": e.ids["chutich"]}},
			{"approve", "POST", fmt.Sprintf("/approvals/%d", appr.ID), map[string]any{"approve": false, "comment": "Bổ sung"}},
		}
		// Expected status per role; refused actions are tried before allowed ones so that what a
		// refusal leaves behind can be checked.
		who := map[string]*client{"outsider": e.outsider, "guest": guest, "observer": observer, "delegate": e.delegate, "secretary": e.sec, "chair": e.chair}
		order := []string{"outsider", "guest", "observer", "delegate", "secretary", "chair"}
		want := map[string][]int{
			//                 create open close vote floor ask  mins send approve
			"outsider":  {404, 404, 404, 404, 404, 404, 404, 404, 404},
			"guest":     {403, 403, 403, 403, 403, 403, 403, 403, 403},
			"observer":  {403, 403, 403, 403, 403, 201, 403, 403, 403},
			"delegate":  {403, 403, 403, 200, 403, 201, 403, 403, 403},
			"secretary": {201, 403, 403, 403, 403, 201, 200, 201, 403},
			"chair":     {201, 200, 200, 409, 200, 201, 403, 201, 200},
		}
		tables := []string{"votes", "vote_voters", "floor_requests", "session_record_versions", "approvals"}
		for _, role := range order {
			c := who[role]
			for i, act := range actions {
				before := map[string]int{}
				for _, tb := range tables {
					before[tb] = e.count(tb)
				}
				var out apiError
				st := c.do(act.method, e.path(act.path), act.body, &out)
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
