package api_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
	"github.com/phonghop/phonghop/sfu/record"
	"github.com/phonghop/phonghop/sfu/record/recordtest"
)

type recordingJSON struct {
	ID         int64  `json:"id"`
	Status     string `json:"status"`
	DocumentID *int64 `json:"document_id"`
	DurationMS int64  `json:"duration_ms"`
	Bytes      int64  `json:"bytes"`
	Readable   bool   `json:"readable"`
}

// Starting and stopping a recording over HTTP: the chair and the secretary only, checked on the
// server with a JSON refusal; everyone lists recordings and watches the finished one through the
// document file route, with Range.
func TestRecordingRoutes(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		cmd := func(c *client, typ string, out any) int {
			return c.do("POST", e.path("/media-commands"), map[string]string{"type": typ}, out)
		}
		var refusal apiError
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
		if st := cmd(e.chair, "record_start", &refusal); st != 409 || refusal.Error.Message == "" {
			t.Fatalf("recording before the session: %d %+v", st, refusal)
		}
		e.chair.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil)
		if st := cmd(e.delegate, "record_start", &refusal); st != 403 || refusal.Error.Code != "forbidden" || refusal.Error.Message == "" {
			t.Fatalf("a delegate starts recording: %d %+v", st, refusal)
		}
		if st := cmd(e.outsider, "record_start", nil); st != 404 {
			t.Fatalf("an outsider starts recording: %d", st)
		}
		if n := e.count("meeting_recordings"); n != 0 {
			t.Fatalf("refusals left %d recordings", n)
		}
		var rec recordingJSON
		if st := cmd(e.chair, "record_start", &rec); st != 200 || rec.Status != "recording" {
			t.Fatalf("the chair starts: %d %+v", st, rec)
		}
		var list struct{ Items []recordingJSON }
		if st := e.delegate.do("GET", e.path("/recordings"), nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].Status != "recording" {
			t.Fatalf("a delegate's list: %d %+v", st, list)
		}
		if st := cmd(e.delegate, "record_stop", nil); st != 403 {
			t.Fatalf("a delegate stops: %d", st)
		}
		if st := cmd(e.sec, "record_stop", &rec); st != 200 || rec.Status != "stopping" {
			t.Fatalf("the secretary stops: %d %+v", st, rec)
		}
		// The other commands stay the chair's.
		if st := e.sec.do("POST", e.path("/media-commands"), map[string]string{"type": "mute", "identity": "user-1"}, nil); st != 403 {
			t.Fatalf("the secretary mutes: %d", st)
		}

		// The SFU's file, imported as the serving node would.
		dir := t.TempDir()
		room := rooms.MediaRoom(e.meeting)
		path := record.Path(dir, room, rec.ID)
		info, err := recordtest.WriteFile(path, recordtest.Spec{Duration: 2 * time.Second, FPS: 10, Width: 160, Height: 120, KeyEvery: 10, Audio: true})
		if err != nil {
			t.Fatal(err)
		}
		content, _ := os.ReadFile(path)
		imp := rooms.NewRecordingImporter(e.rooms, e.docs, e.bus, func(room string, id int64) string { return record.Path(dir, room, id) }, nil)
		ev := info.Finished(rec.ID, path, nil)
		if err := imp.Import(context.Background(), room, rooms.RecordingFinished{Type: ev.Type, RecordingID: ev.RecordingID, Path: ev.Path,
			Bytes: ev.Bytes, DurationMS: ev.DurationMS, Started: ev.Started}); err != nil {
			t.Fatal(err)
		}
		if st := e.delegate.do("GET", e.path("/recordings"), nil, &list); st != 200 || list.Items[0].Status != "done" || !list.Items[0].Readable ||
			list.Items[0].DocumentID == nil || list.Items[0].Bytes != int64(len(content)) {
			t.Fatalf("after the import: %d %+v", st, list)
		}
		file := e.path(fmt.Sprintf("/documents/%d/file", *list.Items[0].DocumentID))
		st, body := e.delegate.raw("GET", file, "", nil, map[string]string{"Range": "bytes=100-199"})
		if st != 206 || !bytes.Equal(body, content[100:200]) {
			t.Fatalf("a range of the recording: %d, %d bytes", st, len(body))
		}

		// Organizers narrow who watches it: the delegate no longer sees the document.
		if st := e.sec.do("PUT", e.path(fmt.Sprintf("/documents/%d", *list.Items[0].DocumentID)), map[string]string{"access": "organizers"}, nil); st != 200 {
			t.Fatalf("narrowing access: %d", st)
		}
		var narrowed struct{ Items []recordingJSON }
		if st := e.delegate.do("GET", e.path("/recordings"), nil, &narrowed); st != 200 || narrowed.Items[0].Readable || narrowed.Items[0].DocumentID != nil {
			t.Fatalf("an organizers-only recording in a delegate's list: %+v", narrowed)
		}
		if st, _ := e.delegate.raw("GET", file, "", nil, nil); st != 403 {
			t.Fatalf("a delegate fetches an organizers-only recording: %d", st)
		}
	})
}
