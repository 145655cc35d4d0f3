package rooms

import (
	"strconv"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/store"
)

// MediaCommand is what the room service tells the SFU about a meeting's media room: mute or
// unmute a participant, spotlight one, remove one, end the room, start or stop a recording. The
// SFU enforces it.
type MediaCommand struct {
	Type     string `json:"type"`               // "mute", "unmute", "spotlight", "remove", "end", "record_start", "record_stop"
	Identity string `json:"identity,omitempty"` // "user-7" or "point-12"; empty for "end" and recordings
	// RecordingID names the recording for "record_start" and "record_stop": the SFU writes
	// record.Path(dir, room, id) and reports the finished file with this ID.
	RecordingID int64 `json:"recording_id,omitempty"`
}

// MediaRoom is the name of a meeting's media room, the same in join tokens and bus subjects.
func MediaRoom(meetingID int64) string { return "meeting-" + strconv.FormatInt(meetingID, 10) }

// sendMedia publishes c once tx commits: the media side acts only on decisions that are recorded.
func (s *Service) sendMedia(tx *store.Tx, meetingID int64, c MediaCommand) {
	if s.bus == nil {
		return
	}
	tx.AfterCommit(func() {
		if err := s.bus.Publish(bus.MediaCommands(MediaRoom(meetingID)), c); err != nil {
			s.log.Warn("media command not sent", "meeting", meetingID, "type", c.Type, "identity", c.Identity, "err", err)
		}
	})
}
