package bus

import (
	"strconv"
	"strings"
)

// Subject names. Every subject starts with "phonghop." so one NATS can be shared safely.
const prefix = "phonghop."

// MeetingEvents is where a meeting's committed events are published, in sequence order.
func MeetingEvents(meetingID int64) string {
	return prefix + "meeting." + strconv.FormatInt(meetingID, 10) + ".events"
}

// AllMeetingEvents matches the events of every meeting (API nodes fan them out to WebSockets).
const AllMeetingEvents = prefix + "meeting.*.events"

// MediaCommands carries commands from the room service to the SFU for one media room
// (mute, unmute, spotlight, remove, end).
func MediaCommands(room string) string { return prefix + "media." + room + ".commands" }

// AllMediaCommands matches the commands of every media room.
const AllMediaCommands = prefix + "media.*.commands"

// MediaEvents carries what the SFU reports about a media room (joined, left, speaking, quality).
func MediaEvents(room string) string { return prefix + "media." + room + ".events" }

// AllMediaEvents matches the media events of every room.
const AllMediaEvents = prefix + "media.*.events"

// MediaRoomOf is the room named by a MediaEvents or MediaCommands subject, or "" for any other
// subject: a subscriber to AllMediaEvents learns which room a message is about.
func MediaRoomOf(subject string) string {
	rest, ok := strings.CutPrefix(subject, prefix+"media.")
	if !ok {
		return ""
	}
	room, kind, ok := strings.Cut(rest, ".")
	if !ok || room == "" || (kind != "events" && kind != "commands") {
		return ""
	}
	return room
}

// MediaNodes is where SFU nodes announce themselves and their load.
const MediaNodes = prefix + "media.nodes"
