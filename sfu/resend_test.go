package sfu_test

import (
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/sfu"
	"github.com/phonghop/phonghop/sfu/sfuclient"
)

// A point losing 10% of what reaches it gets its lost video packets again: the server answers
// its NACKs (from the layer's shared history, or on the legacy path from Pion's responder), so
// far fewer sequence numbers stay missing than the line drops.
func TestLostVideoIsResent(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		name := "shared history"
		if legacy {
			name = "legacy"
		}
		t.Run(name, func(t *testing.T) {
			r := newTestRoom(t, sfu.Options{TCPPort: -1, LegacyForwarding: legacy})
			r.join("point-a", speaker, sfuclient.Options{})
			r.command(sfu.Command{Type: "spotlight", Identity: "point-a"})
			link := sfuclient.NewLink(3)
			w := r.join("point-w", auth.MediaGrant{}, sfuclient.Options{Link: link, Layout: &sfuclient.Layout{
				Video: []sfu.Want{{Follow: "spotlight", Quality: sfu.QualityMid}}, Audio: 1}})
			waitFor(t, "the main screen", 30*time.Second, func() bool {
				s, ok := slotOf(w, "point-a", "video")
				return ok && s.Packets > 50
			})
			link.Set(sfuclient.LinkConfig{DownLoss: 0.1})
			s0, _ := slotOf(w, "point-a", "video")
			time.Sleep(6 * time.Second)
			link.Set(sfuclient.LinkConfig{})
			time.Sleep(time.Second) // the last retransmissions arrive
			s1, _ := slotOf(w, "point-a", "video")
			expected := s1.Expected - s0.Expected
			lost := s1.Lost() - s0.Lost()
			resent := s1.Late - s0.Late
			t.Logf("%d packets expected, %d arrived late (resent), %d never", expected, resent, lost)
			if expected < 200 || resent < expected/40 || lost*100 > expected*3 {
				t.Fatalf("at 10%% loss: %d expected, %d resent, %d stayed lost (want under 3%%)", expected, resent, lost)
			}
		})
	}
}
