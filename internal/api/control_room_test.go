package api_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/bus/bustest"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/mediastats"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

// controlEnv is the meeting of newMeetingEnv with an operator ("kythuat"), a guest ("khach") and
// a meeting point invited, invitations sent.
type controlEnv struct {
	*meetingEnv
	operator, guest, admin *client
	point                  directory.MeetingPoint
}

func newControlEnv(t testing.TB, base *env) *controlEnv {
	e := &controlEnv{meetingEnv: newMeetingEnvOn(t, base)}
	ctx := context.Background()
	a := auth.NewService(e.db)
	for _, u := range []string{"kythuat", "khach"} {
		acc, err := a.CreateAccount(ctx, auth.NewAccount{User: directory.User{Username: u, FullName: "Người " + u, OrganizationID: e.org.ID}, Password: "mat-khau-" + u})
		if err != nil {
			t.Fatal(err)
		}
		e.ids[u] = acc.ID
	}
	var err error
	if e.point, err = directory.New(e.db).CreateMeetingPoint(ctx, directory.MeetingPoint{OrganizationID: e.org.ID, Code: "DC-DH", Name: "Điểm cầu xã Đông Hòa"}); err != nil {
		t.Fatal(err)
	}
	if st := e.sec.do("POST", e.path("/participants"), map[string]any{"invitees": []map[string]any{
		{"user_id": e.ids["kythuat"], "role": "operator"}, {"user_id": e.ids["khach"], "role": "guest"},
		{"meeting_point_id": e.point.ID, "role": "delegate"}}}, nil); st != 201 {
		t.Fatalf("invite: %d", st)
	}
	if st := e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil); st != 200 {
		t.Fatalf("schedule: %d", st)
	}
	e.operator, e.guest, e.admin = e.login("kythuat", "mat-khau-kythuat"), e.login("khach", "mat-khau-khach"), e.login("admin", "mat-khau-admin")
	return e
}

func (e *controlEnv) room() string { return rooms.MediaRoom(e.meeting) }

func (e *controlEnv) publish(v any) {
	e.t.Helper()
	if err := e.bus.Publish(bus.MediaEvents(e.room()), v); err != nil {
		e.t.Fatal(err)
	}
}

// controlRoomView is the route's answer as a page reads it.
type controlRoomView struct {
	Room      string     `json:"room"`
	UpdatedAt *time.Time `json:"updated_at"`
	Stale     bool       `json:"stale"`
	Counts    map[string]int
	Points    []struct {
		mediastats.PointStats
		Status       string
		Present      bool
		Invited      bool
		Role         string
		Organization string
		Severity     int
		Alerts       []struct {
			Kind  string
			Value float64
		}
		History struct {
			InKbps []float64 `json:"in_kbps"`
		}
	}
	Alerts []struct {
		Identity, Kind string
		Raised         bool
	}
	Commands []string
}

func (v controlRoomView) alerts(id string) string {
	for _, p := range v.Points {
		if p.Identity == id {
			var k []string
			for _, a := range p.Alerts {
				k = append(k, a.Kind)
			}
			return strings.Join(k, ",")
		}
	}
	return "(missing)"
}

// waitControlRoom reads the route as c until ok holds (the bus delivers asynchronously).
func (e *controlEnv) waitControlRoom(c *client, ok func(controlRoomView) bool) controlRoomView {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var v controlRoomView
		if st := c.do("GET", e.path("/control-room"), nil, &v); st != 200 {
			e.t.Fatalf("control room: %d", st)
		}
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(v)
			e.t.Fatalf("control room never showed what was published: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var testBuses = []struct {
	name string
	cfg  func(t *testing.T) bus.Config
}{
	{"embedded NATS", func(t *testing.T) bus.Config { return bus.Config{DataDir: t.TempDir()} }},
	{"external NATS", func(t *testing.T) bus.Config { return bus.Config{URL: bustest.ExternalURL(t)} }},
}

// The control room over HTTP on both databases and both buses: stats published on the bus as
// the media server sends them, read as the operator, chair, administrator, delegate, guest,
// secretary and outsider.
func TestControlRoom(t *testing.T) {
	for _, b := range testBuses {
		t.Run(b.name, func(t *testing.T) {
			storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
				e := newControlEnv(t, newEnvOn(t, db, b.cfg(t)))
				pointID := fmt.Sprintf("point-%d", e.point.ID)
				chair, delegate := fmt.Sprintf("user-%d", e.ids["chutich"]), fmt.Sprintf("user-%d", e.ids["daibieu"])

				// Before any figures: everyone invited is absent.
				var v controlRoomView
				if st := e.operator.do("GET", e.path("/control-room"), nil, &v); st != 200 || v.UpdatedAt != nil || !v.Stale ||
					v.Counts["invited"] != 6 || v.Counts["absent"] != 6 || len(v.Points) != 6 || v.Room != e.room() {
					t.Fatalf("empty control room: %d %+v", st, v)
				}

				stats := func(withPoint bool) mediastats.Event {
					ev := mediastats.Event{Type: "stats", Points: []mediastats.PointStats{
						{Identity: chair, Name: "Chủ trì", State: "reconnecting", InKbps: 1200, OutKbps: 2400, RTTms: 35, Layer: "h", Since: time.Now()},
						{Identity: delegate, Name: "Đại biểu", State: "connected", AudioMuted: true, InKbps: 900, OutKbps: 1800, LossIn: 0.004, RTTms: 60, Layer: "m", Since: time.Now()},
					}}
					if withPoint {
						ev.Points = append(ev.Points, mediastats.PointStats{Identity: pointID, Name: "DH (tên trong phòng)", State: "connected",
							InKbps: 700, OutKbps: 900, LossIn: 0.08, LossOut: 0.01, RTTms: 180, Layer: "l", EstimateKbps: 950, Since: time.Now()})
					}
					return ev
				}
				e.publish(mediastats.Event{Type: "joined", Identity: pointID, Name: "DH"})
				e.publish(stats(true))
				e.publish(stats(true))
				v = e.waitControlRoom(e.operator, func(v controlRoomView) bool { return v.alerts(pointID) == "loss" })
				want := map[string]int{"invited": 6, "present": 3, "connected": 2, "reconnecting": 1, "failed": 0, "absent": 3, "alerts": 2, "with_alerts": 2}
				for k, n := range want {
					if v.Counts[k] != n {
						t.Errorf("count %s = %d, want %d", k, v.Counts[k], n)
					}
				}
				if v.UpdatedAt == nil || v.Stale {
					t.Errorf("fresh figures: updated %v stale %v", v.UpdatedAt, v.Stale)
				}
				// Worst first: the reconnecting chair, then the point losing packets.
				p0, p1 := v.Points[0], v.Points[1]
				if p0.Identity != chair || p0.Status != "reconnecting" || v.alerts(chair) != "reconnecting" {
					t.Errorf("first cell %+v", p0)
				}
				if p1.Identity != pointID || p1.Name != "Điểm cầu xã Đông Hòa" || p1.Organization != "UBND tỉnh" || !p1.Invited || p1.Status != "connected" ||
					p1.LossIn != 0.08 || p1.InKbps != 700 || p1.Layer != "l" || len(p1.History.InKbps) != 2 || p1.Alerts[0].Value != 0.08 {
					t.Errorf("point cell %+v", p1)
				}
				absent := 0
				for _, p := range v.Points {
					if p.Status == "absent" {
						absent++
						if p.Present || !p.Invited || p.Severity != 0 {
							t.Errorf("absent cell %+v", p)
						}
					}
				}
				if absent != 3 || len(v.Alerts) != 2 || !v.Alerts[0].Raised {
					t.Errorf("%d absent, alerts %+v", absent, v.Alerts)
				}
				if got := strings.Join(v.Commands, ","); got != "mute,unmute,spotlight,audio_only,video_on,rejoin" {
					t.Errorf("operator commands %q", got)
				}

				// Polled every 2 s, the answer travels gzipped to browsers that accept it.
				req, _ := http.NewRequest("GET", e.srv.URL+e.path("/control-room"), nil)
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := e.operator.http.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var zipped controlRoomView
				zr, err := gzip.NewReader(resp.Body)
				if err == nil {
					err = json.NewDecoder(zr).Decode(&zipped)
				}
				resp.Body.Close()
				if resp.Header.Get("Content-Encoding") != "gzip" || err != nil || zipped.Counts["invited"] != 6 {
					t.Errorf("gzipped answer: %q %v %+v", resp.Header.Get("Content-Encoding"), err, zipped.Counts)
				}

				// The point drops out of the figures without a word: it has left unexpectedly.
				e.publish(stats(false))
				v = e.waitControlRoom(e.operator, func(v controlRoomView) bool { return v.alerts(pointID) == "left" })
				if v.Counts["absent"] != 4 || v.Counts["present"] != 2 {
					t.Errorf("after the point left: %+v", v.Counts)
				}

				// Who may read it.
				for _, c := range []struct {
					name     string
					c        *client
					status   int
					commands string
				}{
					{"chair", e.chair, 200, "mute,unmute,spotlight,audio_only,video_on,rejoin,mute_all"},
					{"administrator", e.admin, 200, ""},
					{"delegate", e.delegate, 403, ""},
					{"guest", e.guest, 403, ""},
					{"secretary", e.sec, 403, ""},
					{"outsider", e.outsider, 404, ""},
				} {
					var out struct {
						controlRoomView
						apiError
					}
					st := c.c.do("GET", e.path("/control-room"), nil, &out)
					switch {
					case st != c.status:
						t.Errorf("%s: status %d, want %d", c.name, st, c.status)
					case st == 200 && (strings.Join(out.Commands, ",") != c.commands || len(out.Points) != 6):
						t.Errorf("%s: commands %q, %d points", c.name, out.Commands, len(out.Points))
					case st != 200 && (out.Error.Code == "" || out.Error.Message == "" || out.Error.MessageEN == "" || out.Points != nil):
						t.Errorf("%s: refusal %+v", c.name, out.Error)
					case st == 403 && !strings.Contains(out.Error.Message, "kỹ thuật viên"):
						t.Errorf("%s: the refusal does not say who may: %q", c.name, out.Error.Message)
					}
				}
			})
		})
	}
}
