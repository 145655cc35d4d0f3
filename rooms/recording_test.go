package rooms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
	"github.com/phonghop/phonghop/sfu/record"
	"github.com/phonghop/phonghop/sfu/record/recordtest"
)

// recordingSetup is a meeting whose service publishes on a real embedded NATS, with the
// documents service and a running importer whose media server writes under dir.
type recordingSetup struct {
	*fixture
	s        *rooms.Service
	d        *docs.Service
	b        *bus.Bus
	imp      *rooms.RecordingImporter
	dir      string
	room     string
	commands chan rooms.MediaCommand
}

func newRecordingSetup(t *testing.T, db *store.DB) *recordingSetup {
	t.Helper()
	b, err := bus.Open(context.Background(), bus.Config{DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	log := events.NewLog(b, nil)
	blobs, err := docs.NewDirStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &recordingSetup{fixture: newFixture(t, db, 2), b: b, dir: t.TempDir(), commands: make(chan rooms.MediaCommand, 16)}
	r.s, r.d = rooms.New(db, log, b, nil), docs.New(db, log, blobs, 1<<20)
	r.room = rooms.MediaRoom(r.meeting.ID)
	r.imp = rooms.NewRecordingImporter(r.s, r.d, b, func(room string, id int64) string { return record.Path(r.dir, room, id) }, nil)
	if err := r.imp.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.imp.Stop)
	if _, err := b.Subscribe(bus.MediaCommands(r.room), func(_ string, data []byte) {
		var c rooms.MediaCommand
		if json.Unmarshal(data, &c) == nil {
			r.commands <- c
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *recordingSetup) command(t *testing.T) rooms.MediaCommand {
	t.Helper()
	select {
	case c := <-r.commands:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no media command on the bus")
	}
	return rooms.MediaCommand{}
}

// finish plays the SFU's part: the file at its path, then the event on the room's media events.
func (r *recordingSetup) finish(t *testing.T, id int64) (string, []byte) {
	t.Helper()
	path := record.Path(r.dir, r.room, id)
	info, err := recordtest.WriteFile(path, recordtest.Spec{Duration: 3 * time.Second, FPS: 10, Width: 160, Height: 120, KeyEvery: 10, Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r.publish(t, info.Finished(id, path, nil))
	return path, content
}

func (r *recordingSetup) publish(t *testing.T, ev record.Finished) {
	t.Helper()
	if err := r.b.Publish(bus.MediaEvents(r.room), ev); err != nil {
		t.Fatal(err)
	}
}

// waitStatus polls (bounded) until recording id reaches status.
func (r *recordingSetup) waitStatus(t *testing.T, id int64, status string) rooms.Recording {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, err := r.s.Recordings(context.Background(), r.member(t, r.chair))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			if x.ID == id && x.Status == status {
				return x
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("recording %d never reached %q: %+v", id, status, list)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func errCode(err error) errs.Code {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestRecordingLifecycle(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRecordingSetup(t, db)
		if _, err := r.s.StartRecording(ctx, r.member(t, r.chair)); errCode(err) != errs.Conflict {
			t.Fatalf("recording before the session: %v, want conflict", err)
		}
		r.start(t)
		for name, who := range map[string]rooms.Member{"delegate": r.member(t, r.delegates[0]), "guest": r.member(t, r.guest)} {
			if _, err := r.s.StartRecording(ctx, who); errCode(err) != errs.Forbidden {
				t.Errorf("a %s started a recording: %v", name, err)
			}
		}

		rec, err := r.s.StartRecording(ctx, r.member(t, r.chair))
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != rooms.RecordingRunning || rec.StartedBy != r.chair.ID || rec.StartedByName != "Đỗ Minh Tuấn" {
			t.Fatalf("started %+v", rec)
		}
		if c := r.command(t); c.Type != "record_start" || c.RecordingID != rec.ID {
			t.Fatalf("command %+v, want record_start of %d", c, rec.ID)
		}
		if _, err := r.s.StartRecording(ctx, r.member(t, r.secretary)); errCode(err) != errs.Conflict {
			t.Fatalf("a second recording at once: %v, want conflict", err)
		}
		if _, err := r.s.StopRecording(ctx, r.member(t, r.delegates[1])); errCode(err) != errs.Forbidden {
			t.Errorf("a delegate stopped the recording: %v", err)
		}
		stopped, err := r.s.StopRecording(ctx, r.member(t, r.secretary))
		if err != nil || stopped.Status != rooms.RecordingStopping || stopped.StoppedAt == nil {
			t.Fatalf("stopped %+v, %v", stopped, err)
		}
		if c := r.command(t); c.Type != "record_stop" || c.RecordingID != rec.ID {
			t.Fatalf("command %+v, want record_stop of %d", c, rec.ID)
		}
		if _, err := r.s.StopRecording(ctx, r.member(t, r.chair)); errCode(err) != errs.Conflict {
			t.Errorf("stopping when nothing runs: %v, want conflict", err)
		}

		// The SFU finishes the file; the importer makes it a document everyone may watch.
		path, content := r.finish(t, rec.ID)
		done := r.waitStatus(t, rec.ID, rooms.RecordingDone)
		if done.DocumentID == nil || done.Bytes != int64(len(content)) || done.DurationMS < 2900 || done.FinishedAt == nil {
			t.Fatalf("done %+v", done)
		}
		// The file goes once the import committed, just after the status changed.
		for deadline := time.Now().Add(5 * time.Second); recordtest.Exists(path); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Error("the SFU's file is still there after the import")
				break
			}
		}
		v := docs.Viewer{UserID: r.delegates[0].ID, Role: rooms.RoleDelegate}
		list, err := r.d.List(ctx, v, r.meeting.ID)
		if err != nil || len(list) != 1 || list[0].ID != *done.DocumentID || list[0].Kind != docs.Recording {
			t.Fatalf("a delegate's documents: %+v, %v", list, err)
		}
		ver, file, err := r.d.Open(ctx, v, r.meeting.ID, *done.DocumentID, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(file)
		file.Close()
		if !bytes.Equal(got, content) || ver.ContentType != "video/webm" || filepath.Ext(ver.Filename) != ".webm" {
			t.Fatalf("the document holds %d bytes (%s, %s), the file had %d", len(got), ver.ContentType, ver.Filename, len(content))
		}
		if list[0].CreatedBy != r.chair.ID {
			t.Errorf("the document is made by %d, want the chair who started the recording", list[0].CreatedBy)
		}

		// The same event again (a redelivery, a second node): nothing changes.
		r.publish(t, record.Info{Duration: 3 * time.Second, Bytes: int64(len(content))}.Finished(rec.ID, path, nil))
		if err := r.imp.Import(ctx, r.room, rooms.RecordingFinished{Type: "recording", RecordingID: rec.ID, Path: path}); err != nil {
			t.Fatalf("importing twice: %v", err)
		}

		// A second recording is stopped by the end of the meeting; the SFU reports it failed.
		second, err := r.s.StartRecording(ctx, r.member(t, r.secretary))
		if err != nil {
			t.Fatal(err)
		}
		r.command(t)
		if _, err := r.s.Transition(ctx, r.member(t, r.chair), "end"); err != nil {
			t.Fatal(err)
		}
		if c := r.command(t); c.Type != "record_stop" || c.RecordingID != second.ID {
			t.Fatalf("ending the meeting sent %+v first, want record_stop of %d", c, second.ID)
		}
		if c := r.command(t); c.Type != "end" {
			t.Fatalf("then %+v, want end", c)
		}
		r.waitStatus(t, second.ID, rooms.RecordingStopping)
		r.publish(t, record.Info{}.Finished(second.ID, "", record.ErrNoMedia))
		failed := r.waitStatus(t, second.ID, rooms.RecordingFailed)
		if failed.Error == "" || failed.DocumentID != nil {
			t.Errorf("failed %+v", failed)
		}
		// The failure was processed after the duplicate: still one document.
		if list, _ := r.d.List(ctx, v, r.meeting.ID); len(list) != 1 {
			t.Errorf("%d documents after a repeated event, want 1", len(list))
		}

		// The log holds every change, for pages that reconnect.
		evs, err := events.Since(ctx, db.Reader(), r.meeting.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			if e.Type == rooms.EventRecordingChanged {
				var d struct{ Action string }
				_ = json.Unmarshal(e.Data, &d)
				actions = append(actions, d.Action)
			}
		}
		want := []string{"start", "stop", "done", "start", "stop", "failed"}
		if len(actions) != len(want) {
			t.Fatalf("recording events %v, want %v", actions, want)
		}
		for i := range want {
			if actions[i] != want[i] {
				t.Fatalf("recording events %v, want %v", actions, want)
			}
		}
	})
}

// A path on the bus never makes the importer read or remove another file.
func TestRecordingImportChecksThePath(t *testing.T) {
	db := storetest.OpenSQLite(t, migrations()...)
	ctx := context.Background()
	r := newRecordingSetup(t, db)
	r.start(t)
	rec, err := r.s.StartRecording(ctx, r.member(t, r.chair))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "precious.webm")
	if _, err := recordtest.WriteFile(other, recordtest.Spec{Duration: time.Second, Audio: true}); err != nil {
		t.Fatal(err)
	}
	err = r.imp.Import(ctx, r.room, rooms.RecordingFinished{Type: "recording", RecordingID: rec.ID, Path: other})
	if err == nil || !recordtest.Exists(other) {
		t.Fatalf("a file outside the recordings directory: err %v, still there %v", err, recordtest.Exists(other))
	}
	if err := r.imp.Import(ctx, "meeting-999999", rooms.RecordingFinished{Type: "recording", RecordingID: rec.ID, Path: other}); err == nil {
		t.Fatal("a recording was imported into another meeting")
	}
	if list, _ := r.s.Recordings(ctx, r.member(t, r.chair)); list[0].Status != rooms.RecordingRunning {
		t.Fatalf("refused events changed the recording: %+v", list[0])
	}
}
