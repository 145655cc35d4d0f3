package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs/docstest"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// uploadBody builds a multipart upload: fields first, then the file.
func uploadBody(fields map[string]string, filename string, content []byte) (string, io.Reader) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range []string{"title", "kind", "access", "readers", "agenda_item_id", "readable_until"} {
		if v, ok := fields[k]; ok {
			w.WriteField(k, v)
		}
	}
	f, _ := w.CreateFormFile("file", filename)
	f.Write(content)
	w.Close()
	return w.FormDataContentType(), &b
}

func TestDocuments(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
		upload := func(c *client, path string, fields map[string]string, name string, content []byte) (int, apiError, map[string]any) {
			ct, body := uploadBody(fields, name, content)
			st, b := c.raw("POST", e.path(path), ct, body, nil)
			var ae apiError
			var out map[string]any
			_ = jsonUnmarshal(b, &ae)
			_ = jsonUnmarshal(b, &out)
			return st, ae, out
		}
		pdf := docstest.PDF("Du thao ke hoach nam 2027", "Trang hai")

		// Bad uploads are refused with a reason and leave nothing behind.
		bad := []struct {
			name    string
			c       *client
			file    string
			content []byte
			status  int
		}{
			{"text renamed .pdf", e.sec, "ke-hoach.pdf", []byte("khong phai PDF"), 415},
			{"a zip that is not Word", e.sec, "x.docx", append([]byte("PK\x03\x04"), make([]byte, 100)...), 415},
			{"too large", e.sec, "lon.pdf", append(append([]byte("%PDF-1.4\n"), make([]byte, 2<<20)...), []byte("%%EOF")...), 413},
			{"empty", e.sec, "rong.pdf", nil, 400},
			{"a delegate uploads", e.delegate, "a.pdf", pdf, 403},
			{"an outsider uploads", e.outsider, "a.pdf", pdf, 404},
		}
		for _, c := range bad {
			if st, ae, _ := upload(c.c, "/documents", map[string]string{"kind": "draft"}, c.file, c.content); st != c.status || ae.Error.Message == "" {
				t.Errorf("%s: %d %+v", c.name, st, ae.Error)
			}
		}
		// An upload cut off in the middle leaves nothing behind.
		ct, full := uploadBody(map[string]string{"title": "Cắt ngang"}, "cut.pdf", pdf)
		whole, _ := io.ReadAll(full)
		if st, _ := e.sec.raw("POST", e.path("/documents"), ct, bytes.NewReader(whole[:len(whole)/2]), nil); st < 400 || st >= 500 {
			t.Fatalf("interrupted upload: %d", st)
		}
		if e.count("documents") != 0 || e.count("document_versions") != 0 || e.count("blobs") != 0 {
			t.Fatal("a refused upload was recorded")
		}

		st, _, draft := upload(e.sec, "/documents", map[string]string{"title": "Dự thảo kế hoạch 2027", "kind": "draft"}, "Dự thảo kế hoạch.pdf", pdf)
		if st != 201 {
			t.Fatalf("upload: %d", st)
		}
		docPath := fmt.Sprintf("/documents/%v", draft["id"])
		if st, _, _ := upload(e.sec, "/documents", map[string]string{"title": "Phụ lục", "kind": "reference"}, "phu-luc.docx", docstest.DOCX()); st != 201 {
			t.Fatalf("docx upload: %d", st)
		}
		st, _, secret := upload(e.sec, "/documents", map[string]string{"title": "Báo cáo mật", "access": "organizers"}, "mat.pdf", pdf)
		if st != 201 {
			t.Fatalf("restricted upload: %d", st)
		}

		// The delegate sees two documents; the chair-and-secretary one neither listed nor opened.
		var list struct{ Items []struct{ Title string } }
		e.delegate.do("GET", e.path("/documents"), nil, &list)
		if len(list.Items) != 2 || strings.Contains(fmt.Sprint(list.Items), "mật") {
			t.Fatalf("delegate's list: %+v", list.Items)
		}
		if st := e.delegate.do("GET", e.path(fmt.Sprintf("/documents/%v/file", secret["id"])), nil, nil); st != 403 {
			t.Fatalf("restricted file opened by a delegate: %d", st)
		}
		if st := e.chair.do("GET", e.path(fmt.Sprintf("/documents/%v/file", secret["id"])), nil, nil); st != 200 {
			t.Fatalf("chair cannot open the restricted file: %d", st)
		}

		// Downloads: whole file, ranges, ETag revalidation, a bad range, the Vietnamese name.
		st, got := e.delegate.raw("GET", e.path(docPath+"/file"), "", nil, nil)
		if st != 200 || !bytes.Equal(got, pdf) {
			t.Fatalf("download: %d, %d bytes", st, len(got))
		}
		st, part := e.delegate.raw("GET", e.path(docPath+"/file"), "", nil, map[string]string{"Range": "bytes=0-7"})
		if st != 206 || string(part) != "%PDF-1.4" {
			t.Fatalf("range: %d %q", st, part)
		}
		resp := e.delegate.head(e.path(docPath + "/file"))
		etag := resp.Header.Get("ETag")
		if len(etag) != 66 || !strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''D%E1%BB%B1%20th%E1%BA%A3o") {
			t.Fatalf("headers: etag %q disposition %q", etag, resp.Header.Get("Content-Disposition"))
		}
		if st, _ := e.delegate.raw("GET", e.path(docPath+"/file"), "", nil, map[string]string{"If-None-Match": etag}); st != 304 {
			t.Fatalf("revalidation: %d", st)
		}
		if st, _ := e.delegate.raw("GET", e.path(docPath+"/file"), "", nil, map[string]string{"Range": "bytes=999999-"}); st != 416 {
			t.Fatalf("bad range: %d", st)
		}

		// A new version keeps the old one readable.
		if st, _, _ := upload(e.sec, docPath+"/versions", nil, "v2.pdf", docstest.PDF("Phien ban 2")); st != 201 {
			t.Fatalf("new version: %d", st)
		}
		if _, old := e.delegate.raw("GET", e.path(docPath+"/file?version=1"), "", nil, nil); !bytes.Equal(old, pdf) {
			t.Fatal("version 1 changed")
		}

		// Private notes stay private.
		if st := e.delegate.do("PUT", e.path(docPath+"/notes"), map[string]any{"page": 1, "text": "Hỏi về kinh phí"}, nil); st != 204 {
			t.Fatalf("note: %d", st)
		}
		var notes struct{ Items []struct{ Text string } }
		e.chair.do("GET", e.path(docPath+"/notes"), nil, &notes)
		if len(notes.Items) != 0 {
			t.Fatalf("the chair reads a delegate's note: %+v", notes)
		}
		e.delegate.do("GET", e.path(docPath+"/notes"), nil, &notes)
		if len(notes.Items) != 1 || notes.Items[0].Text != "Hỏi về kinh phí" {
			t.Fatalf("own notes: %+v", notes)
		}

		// Comments on the draft: the delegate comments, the secretary sees and exports them.
		if st := e.delegate.do("POST", e.path(docPath+"/comments"), map[string]any{"version": 1, "page": 2, "text": "Đề nghị bổ sung kinh phí dự phòng"}, nil); st != 201 {
			t.Fatalf("comment: %d", st)
		}
		if st := e.delegate.do("POST", e.path(docPath+"/comments"), map[string]any{"text": " "}, nil); st != 400 {
			t.Fatalf("empty comment: %d", st)
		}
		var cs struct{ Items []struct{ ID int64 } }
		e.sec.do("GET", e.path(docPath+"/comments"), nil, &cs)
		if len(cs.Items) != 1 {
			t.Fatalf("secretary sees %d comments", len(cs.Items))
		}
		if st := e.delegate.do("POST", e.path(fmt.Sprintf("%s/comments/%d", docPath, cs.Items[0].ID)), map[string]string{"status": "accepted"}, nil); st != 403 {
			t.Fatalf("delegate decided a comment: %d", st)
		}
		if st := e.sec.do("POST", e.path(fmt.Sprintf("%s/comments/%d", docPath, cs.Items[0].ID)), map[string]string{"status": "accepted"}, nil); st != 200 {
			t.Fatalf("decide: %d", st)
		}
		st, csv := e.sec.raw("GET", e.path(docPath+"/comments.csv"), "", nil, nil)
		if st != 200 || !bytes.HasPrefix(csv, []byte("\ufeff")) || !strings.Contains(string(csv), "Đề nghị bổ sung kinh phí dự phòng") || !strings.Contains(string(csv), "Tiếp thu") {
			t.Fatalf("csv export: %d %q", st, csv)
		}
		st, pdfOut := e.sec.raw("GET", e.path(docPath+"/comments.pdf"), "", nil, nil)
		if st != 200 || !bytes.HasPrefix(pdfOut, []byte("%PDF-")) || !bytes.Contains(pdfOut, []byte("/ToUnicode")) {
			t.Fatalf("pdf export: %d %.40q", st, pdfOut)
		}
		if st, _ := e.delegate.raw("GET", e.path(docPath+"/comments.pdf"), "", nil, nil); st != 403 {
			t.Fatalf("delegate exported the PDF: %d", st)
		}
		if st, _ := e.delegate.raw("GET", e.path(docPath+"/comments.csv"), "", nil, nil); st != 403 {
			t.Fatalf("delegate exported: %d", st)
		}
	})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func (c *client) head(path string) *http.Response {
	req, _ := http.NewRequest("HEAD", c.e.srv.URL+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestDocumentRightsTable: each kind of access against each meeting role, over HTTP: what is
// listed, what opens, who may comment and note.
func TestDocumentRightsTable(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		a := auth.NewService(db)
		for _, u := range []string{"daibieu2", "khach"} {
			acc, err := a.CreateAccount(context.Background(), auth.NewAccount{User: directory.User{Username: u, FullName: "Người " + u, OrganizationID: e.org.ID}, Password: "mat-khau-" + u})
			if err != nil {
				t.Fatal(err)
			}
			e.ids[u] = acc.ID
		}
		if st := e.sec.do("POST", e.path("/participants"), map[string]any{"invitees": []map[string]any{
			{"user_id": e.ids["daibieu2"], "role": "delegate"}, {"user_id": e.ids["khach"], "role": "guest"}}}, nil); st != 201 {
			t.Fatalf("invite: %d", st)
		}
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
		d2, guest := e.login("daibieu2", "mat-khau-daibieu2"), e.login("khach", "mat-khau-khach")

		pdf := docstest.PDF("Noi dung")
		up := func(fields map[string]string) int64 {
			ct, body := uploadBody(fields, "tai-lieu.pdf", pdf)
			st, b := e.sec.raw("POST", e.path("/documents"), ct, body, nil)
			var d struct{ ID int64 }
			if st != 201 || json.Unmarshal(b, &d) != nil {
				t.Fatalf("upload %v: %d %s", fields, st, b)
			}
			return d.ID
		}
		all := up(map[string]string{"title": "Dự thảo chung", "kind": "draft"})
		named := up(map[string]string{"title": "Hồ sơ nhân sự", "kind": "draft", "access": "named", "readers": fmt.Sprint(e.ids["daibieu"])})
		organizers := up(map[string]string{"title": "Báo cáo mật", "access": "organizers"})
		closed := up(map[string]string{"title": "Đề án đã hết hạn đọc", "readable_until": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)})

		table := []struct {
			who                 string
			c                   *client
			doc                 int64
			listed              bool
			file, comment, note int
		}{
			{"delegate/all", e.delegate, all, true, 200, 201, 204},
			{"guest/all", guest, all, true, 200, 403, 204},
			{"named delegate", e.delegate, named, true, 200, 201, 204},
			{"other delegate/named", d2, named, false, 403, 403, 403},
			{"guest/named", guest, named, false, 403, 403, 403},
			{"chair/named", e.chair, named, true, 200, 201, 204},
			{"delegate/organizers", e.delegate, organizers, false, 403, 403, 403},
			{"chair/organizers", e.chair, organizers, true, 200, 409, 204},
			{"delegate/closed window", e.delegate, closed, true, 403, 409, 204},
			{"secretary/closed window", e.sec, closed, true, 200, 409, 204},
			{"outsider/all", e.outsider, all, false, 404, 404, 404},
		}
		for _, c := range table {
			var list struct{ Items []struct{ ID int64 } }
			c.c.do("GET", e.path("/documents"), nil, &list)
			listed := false
			for _, d := range list.Items {
				listed = listed || d.ID == c.doc
			}
			p := fmt.Sprintf("/documents/%d", c.doc)
			file, _ := c.c.raw("GET", e.path(p+"/file"), "", nil, nil)
			comment := c.c.do("POST", e.path(p+"/comments"), map[string]any{"text": "Góp ý của " + c.who}, nil)
			note := c.c.do("PUT", e.path(p+"/notes"), map[string]any{"page": 1, "text": "Ghi chú của " + c.who}, nil)
			if listed != c.listed || file != c.file || comment != c.comment || note != c.note {
				t.Errorf("%s: listed %v file %d comment %d note %d; want %v %d %d %d", c.who, listed, file, comment, note, c.listed, c.file, c.comment, c.note)
			}
		}
		// Each note stays with its author: the chair reads only the chair's own.
		var notes struct{ Items []struct{ Text string } }
		e.chair.do("GET", e.path(fmt.Sprintf("/documents/%d/notes", all)), nil, &notes)
		if len(notes.Items) != 0 {
			t.Fatalf("the chair reads others' notes: %+v", notes.Items)
		}
		e.delegate.do("GET", e.path(fmt.Sprintf("/documents/%d/notes", named)), nil, &notes)
		if len(notes.Items) != 1 || notes.Items[0].Text != "Ghi chú của named delegate" {
			t.Fatalf("the named delegate's notes: %+v", notes.Items)
		}
	})
}
