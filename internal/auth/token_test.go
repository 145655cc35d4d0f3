package auth

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMediaToken(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	s, err := NewTokenSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	g := MediaGrant{Room: "meeting-1", Identity: "point-3", Name: "UBND xã Đông Sơn", Publish: []string{"audio", "video"}, Subscribe: true}
	tok, err := s.Sign(g, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Room != g.Room || got.Identity != g.Identity || got.Name != g.Name || !got.CanPublish("video") || got.CanPublish("screen") {
		t.Fatalf("round trip changed the grant: %+v", got)
	}

	other, _ := NewTokenSigner(bytes.Repeat([]byte{8}, 32))
	other.Now = s.Now
	if _, err := other.Verify(tok); !errors.Is(err, ErrTokenSignature) {
		t.Fatalf("other key: err = %v, want ErrTokenSignature", err)
	}
	// Flip one character of the payload: the MAC no longer matches.
	tampered := []byte(tok)
	if tampered[3] == 'A' {
		tampered[3] = 'B'
	} else {
		tampered[3] = 'A'
	}
	if _, err := s.Verify(string(tampered)); err == nil {
		t.Fatal("tampered token verified")
	}
	for _, bad := range []string{"", ".", "abc", "abc.", ".abc", "a.b.c", strings.Repeat("x", 5000) + ".y"} {
		if _, err := s.Verify(bad); err == nil {
			t.Fatalf("Verify(%q) succeeded", bad)
		}
	}
	now = now.Add(61 * time.Second)
	if _, err := s.Verify(tok); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("after expiry: err = %v, want ErrTokenExpired", err)
	}
	if _, err := NewTokenSigner([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestDeriveKey(t *testing.T) {
	s, _ := NewTokenSigner(bytes.Repeat([]byte{7}, 32))
	same, _ := NewTokenSigner(bytes.Repeat([]byte{7}, 32))
	other, _ := NewTokenSigner(bytes.Repeat([]byte{8}, 32))
	turn := s.DeriveKey("turn")
	if len(turn) != 32 {
		t.Fatalf("derived key is %d bytes, want 32", len(turn))
	}
	if !bytes.Equal(turn, s.DeriveKey("turn")) || !bytes.Equal(turn, same.DeriveKey("turn")) {
		t.Fatal("the same key and purpose gave different keys: nodes sharing the token key would disagree")
	}
	if bytes.Equal(turn, s.DeriveKey("recording")) {
		t.Fatal("different purposes gave the same key")
	}
	if bytes.Equal(turn, other.DeriveKey("turn")) {
		t.Fatal("different token keys gave the same derived key")
	}
	if bytes.Equal(turn, bytes.Repeat([]byte{7}, 32)) {
		t.Fatal("the derived key is the token key itself")
	}
}
