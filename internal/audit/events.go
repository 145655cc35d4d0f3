package audit

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/phonghop/phonghop/internal/store"
)

// auditedEvents are the meeting events that are also security-relevant actions: the meeting's
// own changes, who takes part with which rights, votes (never a ballot: none is an event),
// approvals, documents, the floor (which mutes and unmutes), recordings and the minutes.
// Attendance, comments and the like stay in the meeting's event log only.
var auditedEvents = map[string]bool{
	"meeting.updated": true, "meeting.status": true, "participants.changed": true,
	"vote.created": true, "vote.opened": true, "vote.closed": true, "vote.published": true,
	"approval.requested": true, "approval.decided": true,
	"document.added": true, "document.version": true, "document.access": true,
	"floor.changed": true, "recording.changed": true, "record.saved": true,
}

// MeetingEvent records a meeting event that is an audited action (the events log calls it for
// every event it appends, inside the same transaction); others are ignored.
func MeetingEvent(ctx context.Context, tx *store.Tx, meetingID int64, typ string, data json.RawMessage) error {
	if !auditedEvents[typ] {
		return nil
	}
	return Record(ctx, tx, Entry{Action: typ, Object: eventObject(typ, meetingID, data), MeetingID: meetingID, Detail: data})
}

// eventObject names what the event is about: the vote, document or approval when the data says,
// else the meeting.
func eventObject(typ string, meetingID int64, data json.RawMessage) string {
	kind, _, _ := strings.Cut(typ, ".")
	var ids struct {
		VoteID     int64 `json:"vote_id"`
		DocumentID int64 `json:"document_id"`
		ID         int64 `json:"id"`
	}
	_ = json.Unmarshal(data, &ids)
	switch {
	case kind == "vote" && ids.VoteID != 0:
		return "vote:" + strconv.FormatInt(ids.VoteID, 10)
	case kind == "document" && ids.DocumentID != 0:
		return "document:" + strconv.FormatInt(ids.DocumentID, 10)
	case kind == "approval" && ids.ID != 0:
		return "approval:" + strconv.FormatInt(ids.ID, 10)
	}
	return "meeting:" + strconv.FormatInt(meetingID, 10)
}
