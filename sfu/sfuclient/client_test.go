package sfuclient_test

import (
	"context"
	"errors"
	"fmt"
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

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool, explain ...func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			for _, e := range explain {
				t.Log(e())
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func slotOf(c *sfuclient.Client, identity string) (sfuclient.SlotSnapshot, bool) {
	for mid, tr := range c.Tracks() {
		if tr.Identity != identity || tr.Kind != "video" {
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
// points (by the in-payload markers), and changing the layout from mid to low switches the slot
// on a key frame without a gap or a step back. (Mid and low fit any bandwidth estimate on
// loopback; whether the estimate reaches the high layer is the SFU's own tests' business.)
func TestPublishSubscribeAndSwitch(t *testing.T) {
	r := startSFU(t)
	a := r.join(t, "point-a", true, sfuclient.Options{Talk: sfuclient.Speaking(25)})
	b := r.join(t, "point-b", true, sfuclient.Options{})
	w := r.join(t, "point-w", false, sfuclient.Options{Layout: &sfuclient.Layout{
		Video: []sfu.Want{{Identity: "point-a", Quality: sfu.QualityMid}, {Identity: "point-b", Quality: sfu.QualityLow}},
		Audio: 3,
	}})
	waitFor(t, "roster", 5*time.Second, func() bool { return len(w.Roster()) == 3 })
	waitFor(t, "mid layer of point-a and low of point-b", 15*time.Second, func() bool {
		sa, okA := slotOf(w, "point-a")
		sb, okB := slotOf(w, "point-b")
		return okA && okB && sa.Layer == sfuclient.LayerMid && sa.LayerPackets[sfuclient.LayerMid] > 60 && sb.LayerPackets[sfuclient.LayerLow] > 20
	}, func() string { return describe(w) })
	sa, _ := slotOf(w, "point-a")
	if sa.Source != sfuclient.SourceID("point-a") {
		t.Fatalf("slot for point-a carries %x", sa.Source)
	}
	if sb, _ := slotOf(w, "point-b"); sb.Source != sfuclient.SourceID("point-b") || sb.Layer != sfuclient.LayerLow {
		t.Fatalf("slot for point-b carries %x layer %s", sb.Source, sb.Layer)
	}
	if problems := continuity(sa); problems != "" || sa.KeyFrames == 0 {
		t.Fatalf("slot for point-a: %d key frames; %s", sa.KeyFrames, problems)
	}
	if d := w.Stats.Delay.Percentile(50); d <= 0 || d > time.Second {
		t.Fatalf("forwarding delay p50 %v", d)
	}
	waitFor(t, "audio", 5*time.Second, func() bool { return w.Stats.AudioPackets.Load() > 20 })
	// Nobody watches the high layers: the server pauses them.
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
	}, func() string { return describe(w) })
	// The bandwidth estimate may have taken the slot down to low already; either way every
	// switch so far must have been seamless.
	after, _ := slotOf(w, "point-a")
	if problems := continuity(after); after.Switches == 0 || problems != "" {
		t.Fatalf("after asking for low: %d switches; %s", after.Switches, problems)
	}
	if a.Stats.SentPackets[sfuclient.LayerMid].Load() == 0 || a.Stats.KeyFramesSent.Load() == 0 {
		t.Fatal("point-a sent no mid layer")
	}
}

func describe(c *sfuclient.Client) string {
	out := fmt.Sprintf("tracks %v\n", c.Tracks())
	for _, s := range c.Stats.Slots() {
		out += fmt.Sprintf("slot %s %s: %d packets (%d padding), layer %s of %x, by layer %v, %d switches, lost %d, frozen %v\n",
			s.Mid, s.Kind, s.Packets, s.Padding, s.Layer, s.Source, s.LayerPackets, s.Switches, s.Lost(), s.Frozen)
	}
	return out
}

// continuity names what is wrong with a slot's stream as a browser would receive it.
func continuity(s sfuclient.SlotSnapshot) string {
	var p []string
	for _, c := range []struct {
		n    int64
		what string
	}{
		{int64(s.SwitchMaxGap), "sequence gap at a switch"}, {s.SwitchNotKey, "switch not on a key frame"},
		{s.Discontinuities, "sequence jumps back"}, {s.TSBackwards, "timestamp steps back"},
		{s.PicIDBackwards, "picture ID steps back"}, {s.PicIDJumps, "picture ID skips"},
	} {
		if c.n != 0 {
			p = append(p, fmt.Sprintf("%s: %d", c.what, c.n))
		}
	}
	for _, sw := range s.SwitchLog {
		p = append(p, fmt.Sprintf("(switch at %s: %s#%d -> %s#%d, key %v, gap %d)", sw.At.Format("15:04:05.000"),
			sw.From.Layer, sw.From.Counter, sw.To.Layer, sw.To.Counter, sw.To.Key, sw.Gap))
	}
	if len(p) == len(s.SwitchLog) {
		return ""
	}
	return strings.Join(p, "; ")
}

// A point that may only use relayed candidates (a strict firewall) publishes through the TURN
// server whose credentials `joined` handed out, and its camera reaches a watcher.
func TestRelayOnlyThroughTURN(t *testing.T) {
	signer, err := auth.NewTokenSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	turn, err := sfu.StartTURN(sfu.TURNOptions{TCPPort: -1, LoopbackOnly: true, Secret: signer.DeriveKey("turn")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = turn.Close() })
	srv := sfu.New(sfu.Options{LoopbackOnly: true, TCPPort: -1, ICEServers: func(identity string) []sfu.ICEServer {
		return []sfu.ICEServer{turn.Credentials(identity, time.Hour)}
	}}, signer, nil)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Shutdown(context.Background())
	})
	r := &room{url: "ws" + strings.TrimPrefix(hs.URL, "http"), signer: signer}
	p := r.join(t, "point-firewalled", true, sfuclient.Options{UseJoinedICEServers: true, RelayOnly: true})
	if len(p.Joined().ICEServers) == 0 {
		t.Fatal("joined carried no TURN server")
	}
	w := r.join(t, "point-w", false, sfuclient.Options{Layout: &sfuclient.Layout{
		Video: []sfu.Want{{Identity: "point-firewalled", Quality: sfu.QualityLow}}, Audio: 1}})
	waitFor(t, "the firewalled point's camera", 15*time.Second, func() bool {
		s, ok := slotOf(w, "point-firewalled")
		return ok && s.LayerPackets[sfuclient.LayerLow] > 20
	}, func() string { return describe(w) })
	if st := turn.Stats(); st.Allocations == 0 {
		t.Fatalf("no relay was allocated: %+v", st)
	}
}
