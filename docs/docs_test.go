package docs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/docstest"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

func migrations() []store.Migrations {
	return []store.Migrations{directory.Migrations(), auth.Migrations(), events.Migrations(), rooms.Migrations(),
		agenda.Migrations(), docs.Migrations(), rooms.SessionMigrations()}
}

// fixture is a meeting with its organizers, two delegates and a guest, seen by package docs
// only through viewers, as the API fills them from the membership.
type fixture struct {
	db                      *store.DB
	s                       *docs.Service
	dir                     string
	meetingID               int64
	sec, chair, d1, d2, gst docs.Viewer
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	org, err := directory.New(db).CreateOrganization(ctx, directory.Organization{Code: "UBND-TH", Name: "Ủy ban nhân dân tỉnh Thanh Hóa", Abbreviation: "UBND", Level: directory.Province})
	if err != nil {
		t.Fatal(err)
	}
	person := func(username string) *auth.Principal {
		var u directory.User
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			u, err = directory.CreateUser(ctx, tx, directory.User{Username: username, FullName: "Người " + username, OrganizationID: org.ID})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return &auth.Principal{User: u}
	}
	secretary := person("thuky")
	secretary.Roles = []auth.RoleGrant{{Role: auth.RoleSecretary, OrganizationID: &org.ID}}
	start := time.Now().Add(-time.Hour)
	log := events.NewLog(nil, nil)
	m, err := rooms.New(db, log, nil, nil).Create(ctx, secretary, rooms.MeetingInput{OrganizationID: org.ID, Title: "Họp UBND tỉnh",
		Kind: rooms.InPerson, Place: "Phòng họp số 1", StartsAt: start, EndsAt: start.Add(3 * time.Hour), SecretaryID: &secretary.ID})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	blobs, err := docs.NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, s: docs.New(db, log, blobs, 1<<20), dir: dir, meetingID: m.ID}
	v := func(p *auth.Principal, role string, organizer bool) docs.Viewer {
		return docs.Viewer{UserID: p.ID, Role: role, Organizer: organizer, MeetingStart: start}
	}
	f.sec = v(secretary, "secretary", true)
	f.chair = v(person("chutich"), "chair", true)
	f.d1 = v(person("daibieu1"), "delegate", false)
	f.d2 = v(person("daibieu2"), "delegate", false)
	f.gst = v(person("khach"), "guest", false)
	return f
}

func (f *fixture) upload(t *testing.T, meta docs.Meta, content []byte) docs.Document {
	t.Helper()
	d, err := f.s.Upload(context.Background(), f.sec, f.meetingID, meta, "tai-lieu.pdf", bytes.NewReader(content))
	if err != nil {
		t.Fatalf("upload %q: %v", meta.Title, err)
	}
	return d
}

// blobFiles counts files in the store, temporary ones included.
func blobFiles(t *testing.T, dir string) int {
	n := 0
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func code(err error) errs.Code {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// failingReader is an upload cut off by the network after some bytes.
type failingReader struct{ r io.Reader }

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func TestUploadsKeepNothingWhenRefused(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		pdf := docstest.PDF("Trang mot")
		cases := []struct {
			name string
			v    docs.Viewer
			r    io.Reader
			code errs.Code
		}{
			{"text named .pdf", f.sec, strings.NewReader("khong phai PDF"), errs.Unsupported},
			{"PDF cut before its end", f.sec, bytes.NewReader(pdf[:len(pdf)-40]), errs.Unsupported},
			{"zip that is not Word or Excel", f.sec, bytes.NewReader(append([]byte("PK\x03\x04"), make([]byte, 200)...)), errs.Unsupported},
			{"over the limit", f.sec, io.MultiReader(bytes.NewReader(pdf), bytes.NewReader(make([]byte, 1<<20))), errs.TooLarge},
			{"empty", f.sec, strings.NewReader(""), errs.Invalid},
			{"interrupted", f.sec, failingReader{bytes.NewReader(pdf)}, errs.Invalid},
			{"delegate", f.d1, bytes.NewReader(pdf), errs.Forbidden},
			{"guest", f.gst, bytes.NewReader(pdf), errs.Forbidden},
		}
		for _, c := range cases {
			_, err := f.s.Upload(ctx, c.v, f.meetingID, docs.Meta{Title: c.name}, "x.pdf", c.r)
			if err == nil || code(err) != c.code {
				t.Errorf("%s: %v (code %q, want %q)", c.name, err, code(err), c.code)
			}
		}
		other := int64(999999)
		if _, err := f.s.Upload(ctx, f.sec, f.meetingID, docs.Meta{Title: "x", AgendaItemID: &other}, "x.pdf", bytes.NewReader(pdf)); code(err) != errs.Invalid {
			t.Errorf("agenda item of no meeting: %v", err)
		}
		if n := blobFiles(t, f.dir); n != 0 {
			t.Fatalf("%d files left in the blob store by refused uploads", n)
		}
		if ds, _ := f.s.List(ctx, f.sec, f.meetingID); len(ds) != 0 {
			t.Fatalf("refused uploads listed: %+v", ds)
		}

		// The same content uploaded twice is stored once; each document keeps its own version.
		a := f.upload(t, docs.Meta{Title: "A"}, pdf)
		b := f.upload(t, docs.Meta{Title: "B"}, pdf)
		if a.Versions[0].SHA256 != b.Versions[0].SHA256 || blobFiles(t, f.dir) != 1 {
			t.Fatalf("dedupe: %s %s, %d files", a.Versions[0].SHA256, b.Versions[0].SHA256, blobFiles(t, f.dir))
		}
		docx, err := f.s.Upload(ctx, f.sec, f.meetingID, docs.Meta{Title: "Phụ lục"}, "phu-luc.pdf", bytes.NewReader(docstest.DOCX()))
		if err != nil || docx.Versions[0].ContentType != docs.TypeDOCX {
			t.Fatalf("a Word file named .pdf is kept as Word: %+v %v", docx.Versions, err)
		}
	})
}

func TestVersionsStayReadable(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		v1, v2 := docstest.PDF("Ban mot"), docstest.PDF("Ban hai")
		d := f.upload(t, docs.Meta{Title: "Dự thảo", Kind: docs.Draft}, v1)
		if _, err := f.s.NewVersion(ctx, f.d1, f.meetingID, d.ID, "v2.pdf", bytes.NewReader(v2)); code(err) != errs.Forbidden {
			t.Fatalf("a delegate uploaded a version: %v", err)
		}
		d, err := f.s.NewVersion(ctx, f.sec, f.meetingID, d.ID, "v2.pdf", bytes.NewReader(v2))
		if err != nil || len(d.Versions) != 2 {
			t.Fatalf("new version: %+v %v", d, err)
		}
		for i, want := range [][]byte{v1, v2} {
			ver, file, err := f.s.Open(ctx, f.d1, f.meetingID, d.ID, i+1)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(file)
			file.Close()
			if ver.Version != i+1 || !bytes.Equal(got, want) {
				t.Fatalf("version %d: %d bytes", i+1, len(got))
			}
		}
		if _, _, err := f.s.Open(ctx, f.d1, f.meetingID, d.ID, 3); code(err) != errs.NotFound {
			t.Fatalf("version 3: %v", err)
		}
		// Approvals freeze a version by its ID and hash.
		doc, ver, err := f.s.VersionByID(ctx, f.chair, f.meetingID, d.Versions[0].ID)
		if err != nil || ver.Version != 1 || doc.ID != d.ID || ver.SHA256 != d.Versions[0].SHA256 {
			t.Fatalf("version by ID: %+v %v", ver, err)
		}
	})
}

// TestRights is the table of who may do what with each kind of document.
func TestRights(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		pdf := docstest.PDF("Noi dung")
		open := f.upload(t, docs.Meta{Title: "Báo cáo chung", Kind: docs.Draft}, pdf)
		named := f.upload(t, docs.Meta{Title: "Hồ sơ nhân sự", Access: docs.AccessNamed, Readers: []int64{f.d1.UserID}}, pdf)
		secret := f.upload(t, docs.Meta{Title: "Báo cáo mật", Access: docs.AccessOrganizers}, pdf)
		future := time.Now().Add(time.Hour)
		past := time.Now().Add(-time.Minute)
		window := f.upload(t, docs.Meta{Title: "Đề thi", ReadableUntil: &future}, pdf)
		closed := f.upload(t, docs.Meta{Title: "Đã hết hạn", ReadableUntil: &past}, pdf)
		notStarted := f.d1
		notStarted.MeetingStart = time.Now().Add(time.Hour)

		// listed: may see it exists; read: may open the file now.
		table := []struct {
			who          string
			v            docs.Viewer
			doc          docs.Document
			listed, read bool
		}{
			{"delegate/all", f.d1, open, true, true},
			{"guest/all", f.gst, open, true, true},
			{"named reader", f.d1, named, true, true},
			{"other delegate/named", f.d2, named, false, false},
			{"guest/named", f.gst, named, false, false},
			{"chair/named", f.chair, named, true, true},
			{"delegate/organizers", f.d1, secret, false, false},
			{"chair/organizers", f.chair, secret, true, true},
			{"secretary/organizers", f.sec, secret, true, true},
			{"delegate/in window", f.d1, window, true, true},
			{"delegate/before meeting start", notStarted, window, true, false},
			{"delegate/after window", f.d1, closed, true, false},
			{"secretary/after window", f.sec, closed, true, true},
		}
		for _, c := range table {
			list, err := f.s.List(ctx, c.v, f.meetingID)
			if err != nil {
				t.Fatal(err)
			}
			listed := false
			for _, d := range list {
				if d.ID == c.doc.ID {
					listed = true
					if d.Readable != c.read {
						t.Errorf("%s: listed as readable=%v", c.who, d.Readable)
					}
				}
			}
			_, getErr := f.s.Get(ctx, c.v, f.meetingID, c.doc.ID)
			_, file, openErr := f.s.Open(ctx, c.v, f.meetingID, c.doc.ID, 0)
			if file != nil {
				file.Close()
			}
			if listed != c.listed || (getErr == nil) != c.listed || (openErr == nil) != c.read {
				t.Errorf("%s: listed %v get %v open %v", c.who, listed, getErr, openErr)
			}
			if !c.listed && code(getErr) != errs.Forbidden {
				t.Errorf("%s: a hidden document answers %v, not forbidden", c.who, getErr)
			}
			if c.listed && !c.read && code(openErr) != errs.Forbidden {
				t.Errorf("%s: closed window answers %v", c.who, openErr)
			}
		}

		// Comments: delegates on drafts they can see; guests never; references take none.
		if _, err := f.s.AddComment(ctx, f.gst, f.meetingID, open.ID, 0, nil, "Khách góp ý"); code(err) != errs.Forbidden {
			t.Errorf("guest commented: %v", err)
		}
		if _, err := f.s.AddComment(ctx, f.d1, f.meetingID, window.ID, 0, nil, "Trên tài liệu tham khảo"); code(err) != errs.Conflict {
			t.Errorf("comment on a reference: %v", err)
		}
		if _, err := f.s.AddComment(ctx, f.d2, f.meetingID, secret.ID, 0, nil, "Đoán mò"); code(err) != errs.Forbidden {
			t.Errorf("comment on a hidden document: %v", err)
		}
		page := 1
		c1, err := f.s.AddComment(ctx, f.d1, f.meetingID, open.ID, 0, &page, "Sửa điều 3")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddComment(ctx, f.d2, f.meetingID, open.ID, 1, nil, "Bổ sung phụ lục"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			v    docs.Viewer
			want int
		}{{f.sec, 2}, {f.chair, 2}, {f.d1, 1}, {f.d2, 1}} {
			if cs, err := f.s.Comments(ctx, c.v, f.meetingID, open.ID); err != nil || len(cs) != c.want {
				t.Errorf("user %d sees %d comments, want %d (%v)", c.v.UserID, len(cs), c.want, err)
			}
		}
		if _, err := f.s.DecideComment(ctx, f.d1, f.meetingID, open.ID, c1.ID, "accepted"); code(err) != errs.Forbidden {
			t.Errorf("a delegate decided: %v", err)
		}
		if c, err := f.s.DecideComment(ctx, f.sec, f.meetingID, open.ID, c1.ID, "declined"); err != nil || c.Status != "declined" {
			t.Errorf("decide: %+v %v", c, err)
		}

		// Private notes: each reads only their own; a hidden document takes none.
		if err := f.s.SetNote(ctx, f.d1, f.meetingID, open.ID, 2, "Ghi chú riêng"); err != nil {
			t.Fatal(err)
		}
		for _, v := range []docs.Viewer{f.d2, f.sec, f.chair} {
			if ns, err := f.s.Notes(ctx, v, f.meetingID, open.ID); err != nil || len(ns) != 0 {
				t.Errorf("user %d reads another's notes: %+v %v", v.UserID, ns, err)
			}
		}
		if ns, _ := f.s.Notes(ctx, f.d1, f.meetingID, open.ID); len(ns) != 1 || ns[0].Page != 2 || ns[0].Text != "Ghi chú riêng" {
			t.Errorf("own notes: %+v", ns)
		}
		if err := f.s.SetNote(ctx, f.d2, f.meetingID, secret.ID, 1, "x"); code(err) != errs.Forbidden {
			t.Errorf("note on a hidden document: %v", err)
		}

		// Events about restricted documents reach only those who may read them.
		evs, err := events.Since(ctx, db.Reader(), f.meetingID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Type != "document.added" {
				continue
			}
			var data struct {
				DocumentID int64 `json:"document_id"`
			}
			if err := json.Unmarshal(e.Data, &data); err != nil {
				t.Fatal(err)
			}
			id := data.DocumentID
			if (id == secret.ID || id == named.ID) && e.Audience.Admits(f.d2.UserID, "delegate") {
				t.Errorf("event %d about document %d reaches a delegate who may not read it", e.Seq, id)
			}
			if id == named.ID && !e.Audience.Admits(f.d1.UserID, "delegate") {
				t.Errorf("the named reader misses event %d", e.Seq)
			}
		}
	})
}

// TestSweepBlobs: content stored by an upload whose row never committed, and temporary files a
// crash left, are removed; content that versions use stays.
func TestSweepBlobs(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		d := f.upload(t, docs.Meta{Title: "Giữ lại"}, docstest.PDF("Giu lai"))
		store, err := docs.NewDirStore(f.dir)
		if err != nil {
			t.Fatal(err)
		}
		orphan, _, err := store.Put(bytes.NewReader(docstest.PDF("Mo coi")), 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		fresh, _, _ := store.Put(bytes.NewReader(docstest.PDF("Dang tai len")), 1<<20, nil)
		old := time.Now().Add(-2 * time.Hour)
		for _, sum := range []string{orphan, d.Versions[0].SHA256} {
			if err := os.Chtimes(filepath.Join(f.dir, sum[:2], sum), old, old); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := f.s.SweepBlobs(ctx, time.Hour); err != nil || n != 1 {
			t.Fatalf("swept %d (%v), want the one orphan", n, err)
		}
		if _, err := os.Stat(filepath.Join(f.dir, orphan[:2], orphan)); !os.IsNotExist(err) {
			t.Fatal("the orphan is still there")
		}
		if _, err := os.Stat(filepath.Join(f.dir, fresh[:2], fresh)); err != nil {
			t.Fatal("a recent upload's content was swept")
		}
		if _, file, err := f.s.Open(ctx, f.d1, f.meetingID, d.ID, 0); err != nil {
			t.Fatalf("a used blob was swept: %v", err)
		} else {
			file.Close()
		}

		// A temporary file left by a crash an hour ago goes when the store opens.
		left := filepath.Join(f.dir, "tmp", "upload-crashed")
		os.WriteFile(left, []byte("%PDF-1.4 cut"), 0o600)
		os.Chtimes(left, old, old)
		if _, err := docs.NewDirStore(f.dir); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(left); !os.IsNotExist(err) {
			t.Fatal("a crashed upload's temporary file survived")
		}
	})
}
