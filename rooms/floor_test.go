package rooms_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

// Giving the floor spotlights and unmutes the speaker on the media side; ending it mutes them
// again. A subscriber on the bus stands where the SFU listens.
func TestFloorSendsMediaCommands(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 2)
		f.s = rooms.New(db, events.NewLog(b, nil), b, nil)
		f.start(t)
		got := make(chan rooms.MediaCommand, 10)
		sub, err := b.Subscribe(bus.MediaCommands(rooms.MediaRoom(f.meeting.ID)), func(_ string, data []byte) {
			var c rooms.MediaCommand
			if json.Unmarshal(data, &c) == nil {
				got <- c
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		expect := func(want ...rooms.MediaCommand) {
			t.Helper()
			for _, w := range want {
				select {
				case c := <-got:
					if c != w {
						t.Fatalf("command %+v, want %+v", c, w)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("no command, want %+v", w)
				}
			}
		}
		d0, d1 := f.member(t, f.delegates[0]), f.member(t, f.delegates[1])
		r0, err := f.s.RequestFloor(ctx, d0, rooms.NewFloorRequest{Topic: "Về kinh phí"})
		if err != nil {
			t.Fatal(err)
		}
		r1, _ := f.s.RequestFloor(ctx, d1, rooms.NewFloorRequest{})
		if again, _ := f.s.RequestFloor(ctx, d0, rooms.NewFloorRequest{}); again.ID != r0.ID {
			t.Fatal("a second request from the same person was queued")
		}
		if _, err := f.s.RequestFloor(ctx, f.member(t, f.guest), rooms.NewFloorRequest{}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("guest asked for the floor: %v", err)
		}
		if _, err := f.s.ActOnFloor(ctx, d1, r0.ID, rooms.FloorAction{Action: "grant"}); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a delegate gave the floor: %v", err)
		}
		chair := f.member(t, f.chair)
		g, err := f.s.ActOnFloor(ctx, chair, r0.ID, rooms.FloorAction{Action: "grant"})
		if err != nil || g.Status != rooms.FloorSpeaking || g.LimitSeconds != rooms.DefaultSpeakingSeconds {
			t.Fatalf("grant: %+v %v", g, err)
		}
		speaker0 := r0.MediaIdentity()
		expect(rooms.MediaCommand{Type: "spotlight", Identity: speaker0}, rooms.MediaCommand{Type: "unmute", Identity: speaker0})
		// Giving the floor to the next speaker ends the current speech first.
		if _, err := f.s.ActOnFloor(ctx, chair, r1.ID, rooms.FloorAction{Action: "grant", LimitSeconds: 120}); err != nil {
			t.Fatal(err)
		}
		expect(rooms.MediaCommand{Type: "mute", Identity: speaker0},
			rooms.MediaCommand{Type: "spotlight", Identity: r1.MediaIdentity()}, rooms.MediaCommand{Type: "unmute", Identity: r1.MediaIdentity()})
		if _, err := f.s.ActOnFloor(ctx, chair, r1.ID, rooms.FloorAction{Action: "end"}); err != nil {
			t.Fatal(err)
		}
		expect(rooms.MediaCommand{Type: "mute", Identity: r1.MediaIdentity()})
		list, _ := f.s.Floor(ctx, chair)
		for _, r := range list {
			if r.Status != rooms.FloorDone || r.StartedAt == nil || r.EndedAt == nil {
				t.Fatalf("speech not recorded: %+v", r)
			}
		}
		// A refused action sends nothing.
		if _, err := f.s.ActOnFloor(ctx, chair, r1.ID, rooms.FloorAction{Action: "end"}); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("ending twice: %v", err)
		}
		select {
		case c := <-got:
			t.Fatalf("unexpected command %+v", c)
		case <-time.After(300 * time.Millisecond):
		}
	})
}
