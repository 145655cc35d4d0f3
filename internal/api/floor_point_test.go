package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// Asking for the floor on a meeting point's behalf is asking for that point's hall to be
// unmuted: only someone who may take part as the point (of its organization, or the meeting's
// operator) may; a delegate of another body is refused with a Vietnamese reason and no request
// is queued.
func TestFloorOnBehalfOfMeetingPoint(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newControlEnv(t, newEnv(t, db))
		ctx := context.Background()
		d := directory.New(db)
		other, err := d.CreateOrganization(ctx, directory.Organization{Code: "UBND-X-TH", Name: "UBND xã Tân Hòa", Abbreviation: "UBND", Level: directory.Commune, ParentID: &e.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		far, err := d.CreateMeetingPoint(ctx, directory.MeetingPoint{OrganizationID: other.ID, Code: "DC-TH", Name: "Điểm cầu xã Tân Hòa"})
		if err != nil {
			t.Fatal(err)
		}
		if st := e.sec.do("POST", e.path("/participants"), map[string]any{"invitees": []map[string]any{
			{"meeting_point_id": far.ID, "role": "delegate"}}}, nil); st != 201 {
			t.Fatalf("invite the far point: %d", st)
		}
		if st := e.chair.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil); st != 200 {
			t.Fatalf("start: %d", st)
		}
		queued := func() int {
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM floor_requests WHERE meeting_id = ?`, e.meeting).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		var bad apiError
		if st := e.delegate.do("POST", e.path("/floor"), map[string]any{"topic": "Thay xã bạn", "meeting_point_id": far.ID}, &bad); st != 403 ||
			!strings.Contains(bad.Error.Message, "đăng ký phát biểu thay điểm cầu") {
			t.Fatalf("a delegate of another body for the far point: %d %+v", st, bad)
		}
		if st := e.guest.do("POST", e.path("/floor"), map[string]any{"meeting_point_id": e.point.ID}, &bad); st != 403 {
			t.Fatalf("a guest for a point: %d", st)
		}
		if st := e.delegate.do("POST", e.path("/floor"), map[string]any{"meeting_point_id": far.ID + 999}, &bad); st != 400 {
			t.Fatalf("an uninvited point: %d", st)
		}
		if n := queued(); n != 0 {
			t.Fatalf("refused requests were queued: %d", n)
		}

		var req struct {
			ID             int64
			MeetingPointID *int64 `json:"meeting_point_id"`
		}
		if st := e.delegate.do("POST", e.path("/floor"), map[string]any{"topic": "Ý kiến của xã", "meeting_point_id": e.point.ID}, &req); st != 201 ||
			req.MeetingPointID == nil || *req.MeetingPointID != e.point.ID {
			t.Fatalf("a delegate for their own body's point: %d %+v", st, req)
		}
		if st := e.operator.do("POST", e.path("/floor"), map[string]any{"meeting_point_id": far.ID}, &req); st != 201 ||
			req.MeetingPointID == nil || *req.MeetingPointID != far.ID {
			t.Fatalf("the operator for the far point: %d %+v", st, req)
		}
		if n := queued(); n != 2 {
			t.Fatalf("queued: %d, want 2", n)
		}
	})
}
