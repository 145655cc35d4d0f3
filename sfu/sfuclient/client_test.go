package sfuclient_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/sfu"
	"github.com/phonghop/phonghop/sfu/sfuclient"
)

// room is a real SFU on loopback and a way to sign tokens for it.
type room struct {
	url    string
	signer *auth.TokenSigner
}

func startSFU(t *testing.T) *room {
	t.Helper()
	signer, err := auth.NewTokenSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	srv := sfu.New(sfu.Options{LoopbackOnly: true, TCPPort: -1}, signer, nil)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Shutdown(context.Background())
	})
	return &room{url: "ws" + strings.TrimPrefix(hs.URL, "http"), signer: signer}
}

func (r *room) join(t *testing.T, identity string, publish bool, o sfuclient.Options) *sfuclient.Client {
	t.Helper()
	g := auth.MediaGrant{Room: "meeting-1", Identity: identity, Name: identity, Subscribe: true}
	if publish {
		g.Publish = []string{"audio", "video", "screen"}
		if o.Publish == nil {
			o.Publish = []string{sfu.SourceMic, sfu.SourceCamera}
		}
	}
	tok, err := r.signer.Sign(g, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	o.LoopbackOnly = true
	c, err := sfuclient.Join(r.url, tok, o)
	if err != nil {
		t.Fatalf("%s: %v", identity, err)
	}
	t.Cleanup(c.Close)
	return c
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func slotOf(c *sfuclient.Client, identity string) (sfuclient.SlotSnapshot, bool) {
	for mid, tr := range c.Tracks() {
		if tr.Identity != identity {
			continue
		}
		for _, s := range c.Stats.Slots() {
			if s.Mid == mid && s.Kind == tr.Kind {
				return s, true
			}
		}
	}
	return sfuclient.SlotSnapshot{}, false
}

// A forged token is refused with the server's code.
func TestJoinRefused(t *testing.T) {
	r := startSFU(t)
	tok, _ := r.signer.Sign(auth.MediaGrant{Room: "meeting-1", Identity: "x"}, time.Minute)
	_, err := sfuclient.Join(r.url, tok+"x", sfuclient.Options{LoopbackOnly: true})
	var re *sfuclient.RefusedError
	if !errors.As(err, &re) || re.Code != "unauthorized" {
		t.Fatalf("got %v", err)
	}
}

// Two publishers and a watcher: the watcher's slots carry the asked-for layers of the right
// points, the in-payload markers agree with the server's `tracks`, and changing the layout from
// high to low switches the slot on a key frame without a gap.
func TestPublishSubscribeAndSwitch(t *testing.T) {
	r := startSFU(t)
	a := r.join(t, "point-a", true, sfuclient.Options{Talk: sfuclient.Speaking(25)})
	b := r.join(t, "point-b", true, sfuclient.Options{})
	w := r.join(t, "point-w", false, sfuclient.Options{Layout: &sfuclient.Layout{
		Video: []sfu.Want{{Identity: "point-a", Quality: sfu.QualityHigh}, {Identity: "point-b", Quality: sfu.QualityLow}},
		Audio: 3,
	}})
	waitFor(t, "roster", 5*time.Second, func() bool { return len(w.Roster()) == 3 })

	// The server's bandwidth estimate starts low and ramps up: point-a reaches the high layer
	// within seconds.
	waitFor(t, "high layer of point-a and low of point-b", 20*time.Second, func() bool {
		sa, okA := slotOf(w, "point-a")
		sb, okB := slotOf(w, "point-b")
		return okA && okB && sa.Kind == "video" && sa.Layer == sfuclient.LayerHigh && sa.LayerPackets[sfuclient.LayerHigh] > 100 &&
			sb.LayerPackets[sfuclient.LayerLow] > 20
	})
	sa, _ := slotOf(w, "point-a")
	if sa.Source != sfuclient.SourceID("point-a") {
		t.Fatalf("slot for point-a carries source %x", sa.Source)
	}
	if sb, _ := slotOf(w, "point-b"); sb.Source != sfuclient.SourceID("point-b") || sb.Layer != sfuclient.LayerLow || sb.Switches != 0 {
		t.Fatalf("slot for point-b: %+v", sb)
	}
	if sa.Discontinuities != 0 || sa.TSBackwards != 0 || sa.PicIDBackwards != 0 || sa.KeyFrames == 0 || sa.SwitchNotKey != 0 || sa.SwitchMaxGap != 0 {
		t.Fatalf("slot for point-a: %+v", sa)
	}
	if d := w.Stats.Delay.Percentile(50); d <= 0 || d > 200*time.Millisecond {
		t.Fatalf("forwarding delay p50 %v", d)
	}
	waitFor(t, "point-a's audio", 5*time.Second, func() bool { return w.Stats.AudioPackets.Load() > 20 })
	// Nobody watches point-b's high layer: the server pauses it.
	waitFor(t, "layers for point-b", 8*time.Second, func() bool {
		ls := b.ActiveLayers()
		return len(ls) > 0 && ls[len(ls)-1] != sfuclient.LayerHigh
	})

	before, _ := slotOf(w, "point-a")
	if err := w.Subscribe([]sfu.Want{{Identity: "point-a", Quality: sfu.QualityLow}, {Identity: "point-b", Quality: sfu.QualityLow}}, 3); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "switch to point-a's low layer", 10*time.Second, func() bool {
		s, _ := slotOf(w, "point-a")
		return s.Layer == sfuclient.LayerLow && s.LayerPackets[sfuclient.LayerLow] > before.LayerPackets[sfuclient.LayerLow]+20
	})
	after, _ := slotOf(w, "point-a")
	if after.Switches == before.Switches || after.SwitchNotKey != 0 || after.SwitchMaxGap != 0 || after.Discontinuities != 0 || after.TSBackwards != 0 || after.PicIDBackwards != 0 {
		t.Fatalf("switch from high to low: %+v", after)
	}
	if a.Stats.SentPackets[sfuclient.LayerHigh].Load() == 0 || a.Stats.KeyFramesSent.Load() == 0 {
		t.Fatal("point-a sent no high layer")
	}
}
