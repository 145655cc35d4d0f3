package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

func TestLog(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	storetest.Each(t, []store.Migrations{directory.Migrations(), auth.Migrations(), events.Migrations()}, func(t *testing.T, db *store.DB) {
		got := make(chan events.Event, 100)
		sub, err := events.Subscribe(b, nil, func(e events.Event) { got <- e })
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		log := events.NewLog(b, nil)
		// Unique per run: the embedded bus is shared by both backends' subtests.
		meeting := time.Now().UnixNano() % 1_000_000_000

		appendOne := func(typ string, aud events.Audience, fail bool) error {
			return db.InTx(ctx, func(tx *store.Tx) error {
				if _, err := log.Append(ctx, tx, meeting, typ, aud, map[string]string{"what": typ}); err != nil {
					return err
				}
				if fail {
					return errors.New("the change failed")
				}
				return nil
			})
		}
		if err := appendOne("meeting.created", events.Audience{}, false); err != nil {
			t.Fatal(err)
		}
		// A failed change leaves neither an event nor a used sequence number, and publishes nothing.
		if err := appendOne("meeting.updated", events.Audience{}, true); err == nil {
			t.Fatal("the failing transaction committed")
		}
		if err := appendOne("document.added", events.Audience{Roles: []string{"chair", "secretary"}}, false); err != nil {
			t.Fatal(err)
		}

		evs, err := events.Since(ctx, db.Reader(), meeting, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Seq != 1 || evs[1].Seq != 2 || evs[0].Type != "meeting.created" || evs[1].Type != "document.added" {
			t.Fatalf("log = %+v", evs)
		}
		var data map[string]string
		if err := json.Unmarshal(evs[1].Data, &data); err != nil || data["what"] != "document.added" {
			t.Fatalf("data = %s (%v)", evs[1].Data, err)
		}
		if evs[1].Audience.Admits(99, "delegate") || !evs[1].Audience.Admits(99, "chair") || !evs[0].Audience.Admits(99, "") {
			t.Fatalf("audience rules wrong: %+v", evs[1].Audience)
		}
		if after, _ := events.Since(ctx, db.Reader(), meeting, 1, 0); len(after) != 1 || after[0].Seq != 2 {
			t.Fatalf("Since(1) = %+v", after)
		}
		if last, err := events.Last(ctx, db.Reader(), meeting); err != nil || last != 2 {
			t.Fatalf("Last = %d, %v", last, err)
		}

		if err := log.Notify(meeting, "vote.turnout", events.Audience{}, map[string]int{"turnout": 3}); err != nil {
			t.Fatal(err)
		}
		for want := int64(1); want <= 2; want++ {
			select {
			case e := <-got:
				if e.MeetingID != meeting || e.Seq != want {
					t.Fatalf("published %+v, want seq %d", e, want)
				}
				if want == 2 && e.Audience.Admits(5, "delegate") {
					t.Fatal("the audience was lost on the bus")
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("event %d not published", want)
			}
		}
		select {
		case e := <-got:
			if !e.Transient() || e.Type != "vote.turnout" || string(e.Data) != `{"turnout":3}` {
				t.Fatalf("notice = %+v", e)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("notice not published")
		}
		if evs, _ := events.Since(ctx, db.Reader(), meeting, 2, 0); len(evs) != 0 {
			t.Fatalf("a notice was logged: %+v", evs)
		}
	})
}

// Concurrent changes to one meeting get distinct, gapless sequence numbers on both backends.
func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, []store.Migrations{directory.Migrations(), auth.Migrations(), events.Migrations()}, func(t *testing.T, db *store.DB) {
		log := events.NewLog(nil, nil)
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errc := make(chan error, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if err := db.InTx(ctx, func(tx *store.Tx) error {
						_, err := log.Append(ctx, tx, 7, "tick", events.Audience{}, i)
						return err
					}); err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		evs, err := events.Since(ctx, db.Reader(), 7, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != writers*each {
			t.Fatalf("%d events, want %d", len(evs), writers*each)
		}
		for i, e := range evs {
			if e.Seq != int64(i+1) {
				t.Fatalf("event %d has seq %d", i, e.Seq)
			}
		}
	})
}
