package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

// Every role against every media command, over HTTP on both databases: who may send what, that a
// refusal is a JSON error saying who may, and that exactly the allowed commands reach the bus.
func TestMediaCommandRights(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newControlEnv(t, newEnv(t, db))
		got := make(chan rooms.MediaCommand, 100)
		sub, err := e.bus.Subscribe(bus.MediaCommands(e.room()), func(_ string, data []byte) {
			var c rooms.MediaCommand
			if err := json.Unmarshal(data, &c); err != nil {
				t.Errorf("command on the bus: %v", err)
			}
			got <- c
		})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		target := fmt.Sprintf("point-%d", e.point.ID)
		types := []string{"mute", "unmute", "spotlight", "audio_only", "video_on", "rejoin", "mute_all"}
		who := map[string]*client{"outsider": e.outsider, "guest": e.guest, "delegate": e.delegate, "secretary": e.sec,
			"administrator": e.admin, "operator": e.operator, "chair": e.chair}
		order := []string{"outsider", "guest", "delegate", "secretary", "administrator", "operator", "chair"}
		want := map[string][]int{
			//                   mute unmute spot audio video rejoin mute_all
			"outsider":      {404, 404, 404, 404, 404, 404, 404},
			"guest":         {403, 403, 403, 403, 403, 403, 403},
			"delegate":      {403, 403, 403, 403, 403, 403, 403},
			"secretary":     {403, 403, 403, 403, 403, 403, 403},
			"administrator": {403, 403, 403, 403, 403, 403, 403},
			"operator":      {204, 204, 204, 204, 204, 204, 403},
			"chair":         {204, 204, 204, 204, 204, 204, 204},
		}
		var expected []rooms.MediaCommand
		for _, role := range order {
			for i, typ := range types {
				var out apiError
				st := who[role].do("POST", e.path("/media-commands"), map[string]string{"type": typ, "identity": target}, &out)
				if st != want[role][i] {
					t.Errorf("%s may send %s? status %d, want %d (%+v)", role, typ, st, want[role][i], out.Error)
					continue
				}
				switch {
				case st == 204:
					c := rooms.MediaCommand{Type: typ, Identity: target}
					if typ == "mute_all" { // everyone but the chair who asked
						c.Identity = fmt.Sprintf("user-%d", e.ids["chutich"])
					}
					expected = append(expected, c)
				case out.Error.Code == "" || out.Error.Message == "" || out.Error.MessageEN == "":
					t.Errorf("%s / %s: refusal without a JSON error", role, typ)
				case st == 403 && !strings.Contains(out.Error.Message, "chủ trì"):
					t.Errorf("%s / %s: the refusal does not say who may: %q", role, typ, out.Error.Message)
				case st == 403 && typ != "mute_all" && !strings.Contains(out.Error.MessageEN, "operator"):
					t.Errorf("%s / %s: the refusal does not name the operator: %q", role, typ, out.Error.MessageEN)
				}
			}
		}

		// Bad input is a 400 naming the field, from those who may send commands too.
		for _, c := range []struct {
			name  string
			as    *client
			body  map[string]any
			field string
		}{
			{"unknown type", e.operator, map[string]any{"type": "reboot", "identity": target}, "type"},
			{"no identity", e.operator, map[string]any{"type": "mute"}, "identity"},
			{"identity not a point or person", e.operator, map[string]any{"type": "audio_only", "identity": "bob"}, "identity"},
			{"identity with a bad number", e.chair, map[string]any{"type": "rejoin", "identity": "point-01"}, "identity"},
			{"identity with a sign", e.chair, map[string]any{"type": "mute", "identity": "user-+5"}, "identity"},
			{"unknown field", e.chair, map[string]any{"type": "mute", "identity": target, "reason": "ồn"}, "reason"},
			{"wrong type of identity", e.chair, map[string]any{"type": "mute", "identity": 12}, "identity"},
		} {
			var out apiError
			if st := c.as.do("POST", e.path("/media-commands"), c.body, &out); st != 400 || out.Error.Field != c.field || out.Error.Message == "" {
				t.Errorf("%s: %d %+v, want 400 naming %q", c.name, st, out.Error, c.field)
			}
		}
		// A delegate learns nothing about the input's shape: refused first.
		if st := e.delegate.do("POST", e.path("/media-commands"), map[string]any{"type": "mute", "identity": "bob"}, nil); st != 403 {
			t.Errorf("delegate with a bad identity: %d", st)
		}
		// The chair may put the main screen back to the active speaker.
		if st := e.chair.do("POST", e.path("/media-commands"), map[string]any{"type": "spotlight", "identity": ""}, nil); st != 204 {
			t.Errorf("spotlight back to the speaker: %d", st)
		}
		expected = append(expected, rooms.MediaCommand{Type: "spotlight"})

		var received []rooms.MediaCommand
		deadline := time.After(5 * time.Second)
		for len(received) < len(expected) {
			select {
			case c := <-got:
				received = append(received, c)
			case <-deadline:
				t.Fatalf("only %d of %d commands reached the bus", len(received), len(expected))
			}
		}
		if err := e.bus.Conn().Flush(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if n := len(got); n != 0 {
			t.Errorf("%d refused commands reached the bus", n)
		}
		if fmt.Sprint(received) != fmt.Sprint(expected) {
			t.Errorf("on the bus:\n%v\nwant\n%v", received, expected)
		}
	})
}
