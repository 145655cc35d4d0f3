package sfu_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/sfu"
	"github.com/phonghop/phonghop/sfu/sfuclient"
)

func join(t *testing.T, url, token string, publish bool) *sfuclient.Client {
	t.Helper()
	c, err := sfuclient.Join(url, token, sfuclient.Options{LoopbackOnly: true, Publish: publish, PayloadBytes: 120})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func expect(t *testing.T, c *sfuclient.Client, typ string) sfu.Message {
	t.Helper()
	m, err := c.Expect(typ, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestForwardingAndControl(t *testing.T) {
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	signer, _ := auth.NewTokenSigner([]byte("0123456789abcdef0123456789abcdef"))
	srv := sfu.New(sfu.Options{LoopbackOnly: true}, signer, b)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(ctx)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	token := func(g auth.MediaGrant, ttl time.Duration) string {
		s, err := signer.Sign(g, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// Refused: a forged token, an expired one, and a message before joining.
	for name, tok := range map[string]string{
		"forged":  token(auth.MediaGrant{Room: "meeting-1", Identity: "x"}, time.Minute) + "x",
		"expired": token(auth.MediaGrant{Room: "meeting-1", Identity: "x"}, -time.Minute),
	} {
		c := join(t, url, tok, false)
		if m := expect(t, c, "error"); m.Code != "unauthorized" {
			t.Fatalf("%s token: %+v", name, m)
		}
	}

	point := join(t, url, token(auth.MediaGrant{Room: "meeting-1", Identity: "point-12", Name: "Điểm cầu xã Đông Hòa",
		Publish: []string{"audio", "video"}, Subscribe: true}, time.Minute), true)
	expect(t, point, "joined")
	hall := join(t, url, token(auth.MediaGrant{Room: "meeting-1", Identity: "user-7", Name: "Hội trường", Subscribe: true}, time.Minute), false)
	if m := expect(t, hall, "joined"); len(m.Participants) != 1 || m.Participants[0].Identity != "point-12" {
		t.Fatalf("joined: %+v", m)
	}
	waitFor(t, "audio and video from the point", func() bool { return hall.Stats.Packets["audio"].Load() > 20 && hall.Stats.Packets["video"].Load() > 20 })

	// The chair mutes the point: the SFU stops forwarding its audio (video goes on) and says so.
	if err := b.Publish(bus.MediaCommands("meeting-1"), sfu.Command{Type: "mute", Identity: "point-12"}); err != nil {
		t.Fatal(err)
	}
	if m := expect(t, hall, "muted"); m.Identity != "point-12" || !m.Muted || m.By != "chair" {
		t.Fatalf("muted: %+v", m)
	}
	time.Sleep(300 * time.Millisecond) // packets already on the way
	a0, v0 := hall.Stats.Packets["audio"].Load(), hall.Stats.Packets["video"].Load()
	time.Sleep(600 * time.Millisecond)
	if a1, v1 := hall.Stats.Packets["audio"].Load(), hall.Stats.Packets["video"].Load(); a1 != a0 || v1 <= v0 {
		t.Fatalf("after mute: audio %d→%d (want unchanged), video %d→%d (want growing)", a0, a1, v0, v1)
	}
	// The point may not unmute itself (its grant does not allow it).
	point.Send(sfu.Message{Type: "mute", Kind: "audio", Muted: false})
	if m := expect(t, point, "error"); m.Code != "forbidden" {
		t.Fatalf("self-unmute: %+v", m)
	}
	if err := b.Publish(bus.MediaCommands("meeting-1"), sfu.Command{Type: "unmute", Identity: "point-12"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "audio again after unmute", func() bool { return hall.Stats.Packets["audio"].Load() > a0+10 })

	b.Publish(bus.MediaCommands("meeting-1"), sfu.Command{Type: "spotlight", Identity: "point-12"})
	if m := expect(t, hall, "spotlight"); m.Identity != "point-12" {
		t.Fatalf("spotlight: %+v", m)
	}
	b.Publish(bus.MediaCommands("meeting-1"), sfu.Command{Type: "end"})
	expect(t, hall, "ended")
	expect(t, point, "ended")
}
