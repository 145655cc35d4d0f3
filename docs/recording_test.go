package docs_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/docstest"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/sfu/record/recordtest"
)

// webmFile records a short synthetic conference with the real muxer.
func webmFile(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meeting-1-1.webm")
	if _, err := recordtest.WriteFile(path, recordtest.Spec{Duration: 2 * time.Second, FPS: 10, Width: 160, Height: 120, KeyEvery: 10, Audio: true}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func detect(t *testing.T, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return docs.Detect(f, int64(len(content)))
}

func TestDetectWebM(t *testing.T) {
	webm := webmFile(t)
	if got := detect(t, webm); got != docs.TypeWebM {
		t.Fatalf("a WebM recording is detected as %q", got)
	}
	// The same header with DocType "matroska" is Matroska, not WebM; a cut header is nothing.
	mkv := bytes.Replace(append([]byte(nil), webm...), []byte{0x42, 0x82, 0x84, 'w', 'e', 'b', 'm'}, []byte{0x42, 0x82, 0x84, 'm', 'k', 'v', 'x'}, 1)
	for name, content := range map[string][]byte{"matroska": mkv, "cut header": webm[:12], "magic only": {0x1A, 0x45, 0xDF, 0xA3}} {
		if got := detect(t, content); got != "" {
			t.Errorf("%s is detected as %q", name, got)
		}
	}
}

func TestRecordings(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		webm := webmFile(t)

		// People upload documents, not videos, and cannot make a document a recording.
		if _, err := f.s.Upload(ctx, f.sec, f.meetingID, docs.Meta{Title: "Phim"}, "phim.webm", bytes.NewReader(webm)); code(err) != errs.Unsupported {
			t.Errorf("uploading a WebM: %v, want unsupported", err)
		}
		if _, err := f.s.Upload(ctx, f.sec, f.meetingID, docs.Meta{Title: "Giả", Kind: docs.Recording}, "a.pdf", bytes.NewReader(docstest.PDF("x"))); code(err) != errs.Invalid {
			t.Errorf("uploading with kind recording: %v, want invalid", err)
		}
		if _, err := f.s.PutRecording(bytes.NewReader(docstest.PDF("x")), 1<<30); code(err) != errs.Unsupported {
			t.Errorf("a PDF as a recording: %v, want unsupported", err)
		}

		// Recordings may be larger than uploads (the fixture allows 1 MiB uploads).
		big := append(append([]byte(nil), webm...), make([]byte, 2<<20)...)
		stored, err := f.s.PutRecording(bytes.NewReader(big), int64(len(big)))
		if err != nil {
			t.Fatal(err)
		}
		if stored.ContentType != docs.TypeWebM || stored.Size != int64(len(big)) {
			t.Fatalf("stored %+v", stored)
		}
		var doc docs.Document
		err = db.InTx(ctx, func(tx *store.Tx) error {
			doc, err = f.s.AttachRecording(ctx, tx, f.meetingID, f.chair.UserID, "Ghi hình cuộc họp", "ghi-hinh.webm", stored)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if doc.Kind != docs.Recording || doc.Access != docs.AccessAll || len(doc.Versions) != 1 || doc.Versions[0].ContentType != "video/webm" {
			t.Fatalf("document %+v", doc)
		}

		// Every member sees it and can stream it, byte for byte.
		list, err := f.s.List(ctx, f.d1, f.meetingID)
		if err != nil || len(list) != 1 || list[0].Kind != docs.Recording {
			t.Fatalf("a delegate's list: %+v, %v", list, err)
		}
		ver, file, err := f.s.Open(ctx, f.gst, f.meetingID, doc.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(file)
		file.Close()
		if !bytes.Equal(got, big) || ver.ContentType != docs.TypeWebM {
			t.Fatal("the stored recording differs from the file")
		}

		// Organizers decide who watches it, as for any document; it stays a recording.
		doc, err = f.s.SetAccess(ctx, f.sec, f.meetingID, doc.ID, docs.Meta{Access: docs.AccessOrganizers})
		if err != nil || doc.Kind != docs.Recording {
			t.Fatalf("narrowing access: %+v, %v", doc, err)
		}
		if _, _, err := f.s.Open(ctx, f.d1, f.meetingID, doc.ID, 0); code(err) != errs.Forbidden {
			t.Errorf("a delegate opened an organizers-only recording: %v", err)
		}
		if _, err := f.s.SetAccess(ctx, f.sec, f.meetingID, doc.ID, docs.Meta{Kind: docs.Draft, Access: docs.AccessAll}); code(err) != errs.Invalid {
			t.Errorf("turning a recording into a draft: %v, want invalid", err)
		}
		if _, err := f.s.NewVersion(ctx, f.sec, f.meetingID, doc.ID, "a.pdf", bytes.NewReader(docstest.PDF("x"))); code(err) != errs.Conflict {
			t.Errorf("a new version of a recording: %v, want conflict", err)
		}
	})
}

// onlyFirst is the documents' schema as it was before recordings.
type onlyFirst struct{ fs.FS }

func (o onlyFirst) ReadDir(name string) ([]fs.DirEntry, error) {
	all, err := fs.ReadDir(o.FS, name)
	var out []fs.DirEntry
	for _, e := range all {
		if strings.HasPrefix(e.Name(), "001_") {
			out = append(out, e)
		}
	}
	return out, err
}

// An installation with documents upgrades: its documents, versions and readers stay as they were.
func TestRecordingKindUpgradesExistingDocuments(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		old := migrations()
		for i, m := range old {
			if m.Component == "documents" {
				old[i].FS = onlyFirst{m.FS}
			}
		}
		if err := db.Migrate(ctx, old...); err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, db)
		d := f.upload(t, docs.Meta{Title: "Kế hoạch", Access: docs.AccessNamed, Readers: []int64{f.d1.UserID}}, docstest.PDF("một"))
		if _, err := db.ExecContext(ctx, `UPDATE documents SET kind = 'recording' WHERE id = ?`, d.ID); err == nil {
			t.Fatal("the schema before the upgrade already admits recordings")
		}
		if err := db.Migrate(ctx, migrations()...); err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		got, err := f.s.Get(ctx, f.d1, f.meetingID, d.ID)
		if err != nil || got.Title != "Kế hoạch" || len(got.Versions) != 1 || len(got.Readers) != 1 {
			t.Fatalf("after the upgrade: %+v, %v", got, err)
		}
		if _, err := f.s.Get(ctx, f.d2, f.meetingID, d.ID); code(err) != errs.Forbidden {
			t.Errorf("readers were lost: %v", err)
		}
		next := f.upload(t, docs.Meta{Title: "Mới"}, docstest.PDF("hai"))
		if next.ID <= d.ID {
			t.Errorf("a new document took id %d after %d", next.ID, d.ID)
		}
	})
}
