package rooms_test

import (
	"testing"

	"github.com/phonghop/phonghop/rooms"
)

func TestValidMediaIdentity(t *testing.T) {
	for id, want := range map[string]bool{
		"user-7": true, "point-12": true, "point-9223372036854775": true,
		"": false, "user-": false, "user-0": false, "point-012": false, "user-+5": false, "user--5": false,
		"user-5x": false, "member-5": false, "USER-5": false, "point-1.5": false, "user-1234567890123456789": false,
	} {
		if got := rooms.ValidMediaIdentity(id); got != want {
			t.Errorf("ValidMediaIdentity(%q) = %v, want %v", id, got, want)
		}
	}
}

// mute_all carries the chair's own identity, so the SFU leaves the chair speaking.
func TestMuteAllKeepsTheChair(t *testing.T) {
	c, err := rooms.CheckMediaCommand(rooms.Member{MeetingID: 3, UserID: 42, Role: rooms.RoleChair}, rooms.MediaCommand{Type: "mute_all", Identity: "point-9"})
	if err != nil || c.Identity != "user-42" {
		t.Fatalf("mute_all: %+v %v", c, err)
	}
}
