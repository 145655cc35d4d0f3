package bus_test

import (
	"context"
	"github.com/phonghop/phonghop/internal/bus/bustest"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/bus"
)

func TestBus(t *testing.T) {
	cases := []struct {
		name string
		cfg  func(t *testing.T) bus.Config
	}{
		{"embedded", func(t *testing.T) bus.Config { return bus.Config{DataDir: t.TempDir()} }},
		{"external", func(t *testing.T) bus.Config { return bus.Config{URL: bustest.ExternalURL(t)} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			b, err := bus.Open(ctx, c.cfg(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if b.Embedded() != (c.name == "embedded") {
				t.Fatalf("Embedded() = %v", b.Embedded())
			}
			if err := b.Ready(ctx); err != nil {
				t.Fatalf("Ready: %v", err)
			}
			// A unique meeting ID keeps parallel runs on a shared server apart.
			id := time.Now().UnixNano()
			got := make(chan string, 10)
			sub, err := b.Subscribe(bus.MeetingEvents(id), func(subject string, data []byte) { got <- subject + " " + string(data) })
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Unsubscribe()
			if err := b.Conn().Flush(); err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 3; i++ {
				if err := b.Publish(bus.MeetingEvents(id), map[string]int{"seq": i}); err != nil {
					t.Fatal(err)
				}
			}
			for i := 1; i <= 3; i++ {
				select {
				case m := <-got:
					want := bus.MeetingEvents(id) + ` {"seq":` + string(rune('0'+i)) + `}`
					if m != want {
						t.Fatalf("message %d = %q, want %q", i, m, want)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("message %d did not arrive", i)
				}
			}
			// JetStream is on in both setups (the event log's future replay store relies on it).
			js, err := b.Conn().JetStream()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := js.AccountInfo(); err != nil {
				t.Fatalf("JetStream not available: %v", err)
			}
		})
	}
}

func TestEmbeddedNeedsDataDir(t *testing.T) {
	if _, err := bus.Open(context.Background(), bus.Config{}, nil); err == nil {
		t.Fatal("Open without a URL or data dir succeeded")
	}
}
