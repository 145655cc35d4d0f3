package sfu

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pion/webrtc/v4"
)

// ProtocolVersion is the signaling protocol's version (see PROTOCOL.md).
const ProtocolVersion = 2

// Message is one signaling message, in either direction (PROTOCOL.md lists which fields each
// type uses).
type Message struct {
	V    int    `json:"v,omitempty"`
	Type string `json:"type"`
	// join
	Token   string `json:"token,omitempty"`
	Session string `json:"session,omitempty"`
	// publish_offer, publish_answer, offer, answer
	SDP     string      `json:"sdp,omitempty"`
	Sources []SourceMid `json:"sources,omitempty"`
	// candidate, restart_ice
	PC        string                   `json:"pc,omitempty"`
	Candidate *webrtc.ICECandidateInit `json:"candidate,omitempty"`
	// subscribe
	Video []Want `json:"video,omitempty"`
	Audio *int   `json:"audio,omitempty"`
	// tracks
	Tracks []Slot `json:"tracks,omitempty"`
	// mute (client → server: its own), muted (server → client: its own)
	Kind  string `json:"kind,omitempty"`
	Muted bool   `json:"muted,omitempty"`
	By    string `json:"by,omitempty"`
	// joined, spotlight
	Identity     string        `json:"identity,omitempty"`
	Name         string        `json:"name,omitempty"`
	Participants []Participant `json:"participants,omitempty"`
	Spotlight    string        `json:"spotlight,omitempty"`
	ICEServers   []ICEServer   `json:"ice_servers,omitempty"`
	// roster
	Upsert []Participant `json:"upsert,omitempty"`
	Remove []string      `json:"remove,omitempty"`
	// speaking
	Identities []string `json:"identities,omitempty"`
	// layers
	Source string   `json:"source,omitempty"`
	Active []string `json:"active,omitempty"`
	// audio_only
	On bool `json:"on,omitempty"`
	// error
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// SourceMid says which source a publish connection's m-line carries.
type SourceMid struct {
	Mid    string `json:"mid"`
	Source string `json:"source"` // mic, camera, screen
}

// Want is one video entry of a subscriber's layout.
type Want struct {
	Identity string `json:"identity,omitempty"`
	Source   string `json:"source,omitempty"` // camera (default) or screen
	Follow   string `json:"follow,omitempty"` // spotlight, speaker, screen
	Quality  string `json:"quality,omitempty"`
}

// Slot is what one transceiver of the subscribe connection carries now.
type Slot struct {
	Mid      string `json:"mid"`
	Kind     string `json:"kind"`
	Identity string `json:"identity"`
	Source   string `json:"source,omitempty"`
	Quality  string `json:"quality,omitempty"`
	// Follow repeats what the layout asked the slot to follow (spotlight, speaker, screen).
	Follow string `json:"follow,omitempty"`
}

// Participant is what others learn of someone in the room.
type Participant struct {
	Identity   string   `json:"identity"`
	Name       string   `json:"name"`
	Sources    []string `json:"sources"`
	AudioMuted bool     `json:"audio_muted,omitempty"`
	MutedBy    string   `json:"muted_by,omitempty"`
	VideoMuted bool     `json:"video_muted,omitempty"`
	AudioOnly  bool     `json:"audio_only,omitempty"`
}

// ICEServer is a TURN (or STUN) server a client may use, as RTCIceServer takes it.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Sources a participant can publish, and the grant's word for each.
const (
	SourceMic    = "mic"
	SourceCamera = "camera"
	SourceScreen = "screen"
)

// Qualities a subscriber may ask for, best first, and the simulcast RID of each.
const (
	QualityHigh = "high"
	QualityMid  = "mid"
	QualityLow  = "low"
	QualityOff  = "off"
)

// maxMessage bounds one signaling message (an SDP with many tracks stays far below).
const maxMessage = 256 << 10

// maxVideoSlots and maxAudioSlots bound one subscriber's layout.
const (
	maxVideoSlots = 32
	maxAudioSlots = 8
)

// decode parses one client message strictly; anything else is refused with a reason.
func decode(data []byte) (Message, error) {
	var m Message
	if len(data) > maxMessage {
		return m, errors.New("message too large")
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("not JSON: %w", err)
	}
	switch m.Type {
	case "join":
		if m.Token == "" {
			return m, errors.New("join without a token")
		}
		if m.V != ProtocolVersion {
			return m, fmt.Errorf("protocol version %d not supported (want %d)", m.V, ProtocolVersion)
		}
	case "publish_offer":
		if m.SDP == "" {
			return m, errors.New("publish_offer without SDP")
		}
		for _, s := range m.Sources {
			if s.Mid == "" {
				return m, errors.New("publish_offer: a source without mid")
			}
			if s.Source != SourceMic && s.Source != SourceCamera && s.Source != SourceScreen {
				return m, fmt.Errorf("publish_offer: unknown source %q", s.Source)
			}
		}
	case "answer":
		if m.SDP == "" {
			return m, errors.New("answer without SDP")
		}
	case "candidate":
		if m.Candidate == nil || m.Candidate.Candidate == "" && m.Candidate.SDPMid == nil {
			return m, errors.New("candidate without content")
		}
		if m.PC != "publish" && m.PC != "subscribe" {
			return m, fmt.Errorf("candidate for unknown connection %q (publish or subscribe)", m.PC)
		}
	case "restart_ice":
		if m.PC != "publish" && m.PC != "subscribe" {
			return m, fmt.Errorf("restart_ice for unknown connection %q (publish or subscribe)", m.PC)
		}
	case "subscribe":
		if len(m.Video) > maxVideoSlots {
			return m, fmt.Errorf("subscribe: at most %d video entries", maxVideoSlots)
		}
		if m.Audio != nil && (*m.Audio < 0 || *m.Audio > maxAudioSlots) {
			return m, fmt.Errorf("subscribe: audio must be 0..%d", maxAudioSlots)
		}
		for i, w := range m.Video {
			if err := w.validate(); err != nil {
				return m, fmt.Errorf("subscribe: video entry %d: %w", i, err)
			}
		}
	case "mute":
		if m.Kind != "audio" && m.Kind != "video" {
			return m, fmt.Errorf("mute of unknown kind %q", m.Kind)
		}
	case "leave":
	default:
		return m, fmt.Errorf("unknown message type %q", m.Type)
	}
	return m, nil
}

func (w Want) validate() error {
	switch w.Quality {
	case QualityHigh, QualityMid, QualityLow, QualityOff:
	default:
		return fmt.Errorf("unknown quality %q (high, mid, low or off)", w.Quality)
	}
	switch {
	case w.Follow != "" && w.Identity != "":
		return errors.New("either identity or follow, not both")
	case w.Follow != "":
		if w.Follow != "spotlight" && w.Follow != "speaker" && w.Follow != "screen" {
			return fmt.Errorf("unknown follow %q (spotlight, speaker or screen)", w.Follow)
		}
	case w.Identity != "":
		if w.Source != "" && w.Source != SourceCamera && w.Source != SourceScreen {
			return fmt.Errorf("unknown video source %q (camera or screen)", w.Source)
		}
	default:
		return errors.New("needs identity or follow")
	}
	return nil
}
