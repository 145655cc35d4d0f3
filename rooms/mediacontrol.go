package rooms

import (
	"strconv"
	"strings"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// MediaCommand is what the room service tells the SFU about a meeting's media room
// (sfu/PROTOCOL.md "Room commands"). The SFU enforces it.
type MediaCommand struct {
	Type     string `json:"type"`               // one of the Media* command types, or record_start/record_stop
	Identity string `json:"identity,omitempty"` // "user-7" or "point-12"; empty for "end" and recordings
	// RecordingID names the recording for "record_start" and "record_stop": the SFU writes
	// record.Path(dir, room, id) and reports the finished file with this ID.
	RecordingID int64 `json:"recording_id,omitempty"`
}

// Media command types.
const (
	MediaMute      = "mute"       // stop forwarding a participant's audio
	MediaUnmute    = "unmute"     // resume it
	MediaMuteAll   = "mute_all"   // everyone but Identity (the chair who asked)
	MediaSpotlight = "spotlight"  // the main screen shows Identity (empty: the active speaker)
	MediaAudioOnly = "audio_only" // the point stops sending video (a weak link)
	MediaVideoOn   = "video_on"   // and resumes it
	MediaRejoin    = "rejoin"     // the point is asked to reconnect
	MediaRemove    = "remove"
	MediaEnd       = "end"
)

// MediaRoom is the name of a meeting's media room, the same in join tokens and bus subjects.
func MediaRoom(meetingID int64) string { return "meeting-" + strconv.FormatInt(meetingID, 10) }

// MediaIdentity is a participant's identity in the media room, as in join tokens.
func MediaIdentity(userID, pointID *int64) string {
	if pointID != nil {
		return "point-" + strconv.FormatInt(*pointID, 10)
	}
	if userID != nil {
		return "user-" + strconv.FormatInt(*userID, 10)
	}
	return ""
}

// ValidMediaIdentity reports whether id is "user-<n>" or "point-<n>" with n a positive number.
func ValidMediaIdentity(id string) bool {
	n, ok := strings.CutPrefix(id, "user-")
	if !ok {
		n, ok = strings.CutPrefix(id, "point-")
	}
	if !ok || n == "" || n[0] == '0' || len(n) > 18 {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

var (
	errMediaChairOrOperator = errs.E(errs.Forbidden,
		"Chỉ chủ trì và kỹ thuật viên của cuộc họp được điều khiển âm thanh, hình ảnh và kết nối của điểm cầu.",
		"Only the meeting's chair and operator control a participant's sound, picture and connection.")
	errMediaChairOnly = errs.E(errs.Forbidden,
		"Chỉ chủ trì được tắt tiếng tất cả điểm cầu.",
		"Only the chair may mute everyone.")
	errMediaOff = errs.E(errs.Unavailable, "Máy chủ hội nghị truyền hình chưa bật.", "The media server is not running.")
)

// CheckMediaCommand decides whether mem may send c and completes it. The chair sends every
// command. The operator (kỹ thuật viên) looks after the points' connections: mute, unmute,
// spotlight, audio_only, video_on and rejoin of one participant. Muting the whole room is a
// decision about the floor and stays with the chair, who runs it; remove and end are not sent
// from the meeting page. An unknown type or a malformed identity is invalid, naming the field.
func CheckMediaCommand(mem Member, c MediaCommand) (MediaCommand, error) {
	switch c.Type {
	case MediaMute, MediaUnmute, MediaSpotlight, MediaAudioOnly, MediaVideoOn, MediaRejoin:
		if mem.Role != RoleChair && mem.Role != RoleOperator {
			return c, errMediaChairOrOperator
		}
		if c.Type == MediaSpotlight && c.Identity == "" {
			return c, nil // back to the active speaker
		}
		if c.Identity == "" {
			return c, errs.Fieldf("identity", "Hãy chọn điểm cầu hoặc đại biểu.", "Choose a participant.")
		}
		if !ValidMediaIdentity(c.Identity) {
			return c, errs.Fieldf("identity", "Mã điểm cầu hoặc đại biểu không hợp lệ: %q (dạng user-7 hoặc point-12).",
				"Invalid participant identity %q (user-7 or point-12).", c.Identity)
		}
	case MediaMuteAll:
		if mem.Role != RoleChair {
			return c, errMediaChairOnly
		}
		c.Identity = "user-" + strconv.FormatInt(mem.UserID, 10)
	default:
		return c, errs.Fieldf("type", "Lệnh không hợp lệ: %q.", "Unknown command %q.", c.Type)
	}
	return c, nil
}

// SendMediaCommand checks c (CheckMediaCommand) and publishes it to the meeting's media room.
// It returns the command as sent.
func (s *Service) SendMediaCommand(mem Member, c MediaCommand) (MediaCommand, error) {
	c, err := CheckMediaCommand(mem, c)
	if err != nil {
		return c, err
	}
	if s.bus == nil {
		return c, errMediaOff
	}
	if err := s.bus.Publish(bus.MediaCommands(MediaRoom(mem.MeetingID)), c); err != nil {
		return c, errMediaOff.Wrap(err)
	}
	s.log.Info("media command", "meeting", mem.MeetingID, "type", c.Type, "identity", c.Identity, "by", mem.UserID, "role", mem.Role)
	return c, nil
}

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
