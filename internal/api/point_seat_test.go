package api_test

import (
	"fmt"
	"testing"

	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// A person at a meeting point's PC joins as the point: the token's identity is the point's, the
// name the point's, the rights those of the point's role. Only someone of the point's
// organization (or the operator) may; a guest, or an uninvited point, is refused with a reason.
func TestJoinAsMeetingPoint(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newControlEnv(t, newEnv(t, db))
		var seats struct {
			Items []struct {
				ID   int64
				Name string
				Role string
			}
		}
		if st := e.delegate.do("GET", e.path("/point-seats"), nil, &seats); st != 200 || len(seats.Items) != 1 || seats.Items[0].ID != e.point.ID || seats.Items[0].Role != "delegate" {
			t.Fatalf("delegate's seats: %d %+v", st, seats)
		}
		if st := e.guest.do("GET", e.path("/point-seats"), nil, &seats); st != 200 || len(seats.Items) != 0 {
			t.Fatalf("guest's seats: %d %+v", st, seats)
		}
		var out struct{ Token string }
		for _, who := range []*client{e.delegate, e.operator} {
			if st := who.do("POST", e.path("/media-token"), map[string]any{"meeting_point_id": e.point.ID}, &out); st != 200 {
				t.Fatalf("token as the point: %d", st)
			}
			g, err := e.media.Verify(out.Token)
			if err != nil || g.Identity != fmt.Sprintf("point-%d", e.point.ID) || g.Name != "Điểm cầu xã Đông Hòa" || !g.StartMuted || g.SelfUnmute || !g.CanPublish("audio") {
				t.Fatalf("grant as the point: %+v (%v)", g, err)
			}
		}
		// Without a body: the person, as before.
		if st := e.delegate.do("POST", e.path("/media-token"), nil, &out); st != 200 {
			t.Fatalf("token: %d", st)
		}
		if g, _ := e.media.Verify(out.Token); g.Identity == fmt.Sprintf("point-%d", e.point.ID) {
			t.Fatalf("a plain token is the point's: %+v", g)
		}
		var bad apiError
		if st := e.guest.do("POST", e.path("/media-token"), map[string]any{"meeting_point_id": e.point.ID}, &bad); st != 403 || bad.Error.Message == "" {
			t.Fatalf("guest as the point: %d %+v", st, bad)
		}
		if st := e.delegate.do("POST", e.path("/media-token"), map[string]any{"meeting_point_id": e.point.ID + 999}, &bad); st != 403 {
			t.Fatalf("uninvited point: %d", st)
		}
	})
}
