package sfu

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pion/webrtc/v4"
)

// ProtocolVersion is the signaling protocol's version (see PROTOCOL.md).
const ProtocolVersion = 1

// Message is one signaling message, in either direction.
type Message struct {
	V    int    `json:"v,omitempty"`
	Type string `json:"type"`
	// join
	Token string `json:"token,omitempty"`
	// offer, answer
	SDP string `json:"sdp,omitempty"`
	// candidate
	Candidate *webrtc.ICECandidateInit `json:"candidate,omitempty"`
	// mute (client → server: its own), muted (server → client)
	Kind  string `json:"kind,omitempty"`
	Muted bool   `json:"muted,omitempty"`
	By    string `json:"by,omitempty"`
	// joined, participant_joined, participant_left, spotlight
	Identity     string        `json:"identity,omitempty"`
	Name         string        `json:"name,omitempty"`
	Participants []Participant `json:"participants,omitempty"`
	// error
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// Participant is what others learn of someone in the room.
type Participant struct {
	Identity string `json:"identity"`
	Name     string `json:"name"`
}

// maxMessage bounds one signaling message (an SDP with many tracks stays far below).
const maxMessage = 256 << 10

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
	case "answer":
		if m.SDP == "" {
			return m, errors.New("answer without SDP")
		}
	case "candidate":
		if m.Candidate == nil || m.Candidate.Candidate == "" && m.Candidate.SDPMid == nil {
			return m, errors.New("candidate without content")
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
