package sfu

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeRefusesWithReasons(t *testing.T) {
	for raw, want := range map[string]string{
		`{"type":"join","v":1,"token":"x"}`: "version 1",
		`{"type":"join","v":2}`:             "without a token",
		`{"type":"publish_offer","sdp":"x","sources":[{"mid":"0","source":"tv"}]}`:             `unknown source "tv"`,
		`{"type":"subscribe","video":[{"identity":"a","follow":"spotlight","quality":"low"}]}`: "not both",
		`{"type":"subscribe","video":[{"identity":"a","source":"mic","quality":"low"}]}`:       `unknown video source "mic"`,
		`{"type":"candidate","pc":"publish"}`:                                                  "without content",
		`{"type":"mute","kind":"smell"}`:                                                       `unknown kind "smell"`,
		`{"type":"restart_ice","pc":"both"}`:                                                   "unknown connection",
		`{"type":"subscribe","audio":-1}`:                                                      "audio must be",
	} {
		_, err := decode([]byte(raw))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", raw, err, want)
		}
	}
	big := `{"type":"subscribe","video":[` + strings.Repeat(`{"identity":"a","quality":"low"},`, 40) + `{"identity":"a","quality":"low"}]}`
	if _, err := decode([]byte(big)); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("41 video entries: %v", err)
	}
	if _, err := decode([]byte(`{"type":"subscribe","video":[{"follow":"screen","quality":"high"}],"audio":3}`)); err != nil {
		t.Errorf("a good layout refused: %v", err)
	}
}

// FuzzDecode: whatever arrives, decoding neither panics nor accepts a message that breaks the
// rules the handlers rely on.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"join","v":2,"token":"abc"}`,
		`{"type":"subscribe","video":[{"follow":"spotlight","quality":"high"},{"identity":"point-1","quality":"low"}],"audio":3}`,
		`{"type":"publish_offer","sdp":"v=0","sources":[{"mid":"0","source":"mic"}]}`,
		`{"type":"candidate","pc":"subscribe","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}}`,
		`{"type":"mute","kind":"audio","muted":true}`,
		`{"type":"leave"}`, `{}`, `[]`, `null`, `{"type":"subscribe","audio":9}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decode(b)
		if err != nil {
			return
		}
		switch m.Type {
		case "join":
			if m.Token == "" || m.V != ProtocolVersion {
				t.Fatalf("accepted join %+v", m)
			}
		case "candidate":
			if m.Candidate == nil || (m.PC != "publish" && m.PC != "subscribe") {
				t.Fatalf("accepted candidate %+v", m)
			}
		case "subscribe":
			if len(m.Video) > maxVideoSlots || m.Audio != nil && (*m.Audio < 0 || *m.Audio > maxAudioSlots) {
				t.Fatalf("accepted layout %+v", m)
			}
			for _, w := range m.Video {
				if qualityIndex(w.Quality) < 0 && w.Quality != QualityOff {
					t.Fatalf("accepted quality %q", w.Quality)
				}
			}
		case "publish_offer", "answer", "mute", "leave", "restart_ice":
		default:
			t.Fatalf("accepted type %q", m.Type)
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	})
}
