package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

func TestFilingApprovedMinutes(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
		e.chair.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil)
		var draft map[string]any
		if st := e.sec.do("GET", e.path("/records/minutes/draft"), nil, &draft); st != 200 {
			t.Fatalf("draft: %d", st)
		}
		var rec struct{ Version int }
		if st := e.sec.do("PUT", e.path("/records/minutes"), map[string]any{"base_version": 0, "content": draft}, &rec); st != 200 {
			t.Fatalf("save: %d", st)
		}
		var a struct{ ID int64 }
		if st := e.sec.do("POST", e.path("/approvals"), map[string]any{"subject_kind": "minutes", "leader_id": e.ids["chutich"]}, &a); st != 201 {
			t.Fatalf("request approval: %d", st)
		}
		file := fmt.Sprintf("/approvals/%d/file", a.ID)
		filing := map[string]any{"signer": "Người chutich", "recipients": "- Thường trực Tỉnh ủy;\n- Lưu: VT."}
		var out apiError
		if st := e.sec.do("POST", e.path(file), filing, &out); st != 409 {
			t.Fatalf("filing before approval: %d %+v", st, out)
		}
		if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d", a.ID)), map[string]any{"approve": true}, nil); st != 200 {
			t.Fatalf("approve: %d", st)
		}
		if st := e.delegate.do("POST", e.path(file), filing, nil); st != 403 {
			t.Fatalf("a delegate filed: %d", st)
		}
		var entry struct {
			ID        int64
			Symbol    string
			SHA256    string
			Number    int
			MeetingID int64 `json:"meeting_id"`
		}
		if st := e.sec.do("POST", e.path(file), filing, &entry); st != 201 || entry.Symbol != "01/BB-UBND" || len(entry.SHA256) != 64 || entry.MeetingID != e.meeting {
			t.Fatalf("file: %d %+v", st, entry)
		}
		filed := entry.ID
		// The filed file is the minutes rendered with their number; its hash is in the register.
		st, pdf := e.sec.raw("GET", fmt.Sprintf("/api/register/entries/%d/file", entry.ID), "", nil, nil)
		sum := sha256.Sum256(pdf)
		if st != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) || hex.EncodeToString(sum[:]) != entry.SHA256 {
			t.Fatalf("filed file: %d, %d bytes, hash matches: %v", st, len(pdf), hex.EncodeToString(sum[:]) == entry.SHA256)
		}
		if text := pdfText(t, pdf); !strings.Contains(text, "Số: 01/BB-UBND") || !strings.Contains(text, "BIÊN BẢN") || !strings.Contains(text, "Họp giao ban tháng 11") {
			t.Fatalf("rendered minutes:\n%s", text)
		}
		if _, err := exec.LookPath("pdfsig"); err == nil {
			path := filepath.Join(t.TempDir(), "signed.pdf")
			os.WriteFile(path, pdf, 0o600)
			if out, _ := exec.Command("pdfsig", path).CombinedOutput(); !strings.Contains(string(out), "Signature is Valid") {
				t.Fatalf("the filed PDF's signature:\n%s", out)
			}
		}
		if st := e.delegate.do("GET", fmt.Sprintf("/api/register/entries/%d/file", entry.ID), nil, nil); st != 403 {
			t.Fatalf("a delegate read the filed file: %d", st)
		}
		if st := e.sec.do("POST", e.path(file), filing, &out); st != 409 || !strings.Contains(out.Error.Message, "01/BB-UBND") {
			t.Fatalf("filing twice: %d %+v", st, out)
		}
		// The failed second filing used no number.
		if st := e.sec.do("POST", "/api/register/entries", map[string]any{"organization_id": e.org.ID, "doc_type": "TB", "summary": "Thông báo kết luận", "signer": "A"}, &entry); st != 201 || entry.Symbol != "02/TB-UBND" {
			t.Fatalf("manual filing: %d %+v", st, entry)
		}
		for _, bad := range []struct {
			c      *client
			body   map[string]any
			status int
		}{
			{e.delegate, map[string]any{"organization_id": e.org.ID, "doc_type": "TB", "summary": "x", "signer": "y"}, 403},
			{e.sec, map[string]any{"organization_id": e.org.ID, "doc_type": "ZZ", "summary": "x", "signer": "y"}, 400},
			{e.sec, map[string]any{"organization_id": e.org.ID, "doc_type": "TB", "summary": "", "signer": "y"}, 400},
		} {
			if st := bad.c.do("POST", "/api/register/entries", bad.body, &out); st != bad.status {
				t.Errorf("%+v: %d %+v", bad.body, st, out)
			}
		}
		var sig struct {
			Signed, Valid, Whole bool
		}
		if st := e.sec.do("GET", fmt.Sprintf("/api/register/entries/%d/signature", filed), nil, &sig); st != 200 || !sig.Signed || !sig.Valid || !sig.Whole {
			t.Fatalf("signature status: %d %+v", st, sig)
		}
		if st := e.sec.do("POST", fmt.Sprintf("/api/register/entries/%d/deliveries", filed), map[string]any{"sent_on": time.Now().In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02"), "received_by": "Văn phòng Tỉnh ủy (Trần Văn Nhận)"}, nil); st != 201 {
			t.Fatalf("hand-over: %d", st)
		}
		st, book := e.sec.raw("GET", fmt.Sprintf("/api/register/book.pdf?organization_id=%d&year=%d", e.org.ID, time.Now().Year()), "", nil, nil)
		if st != 200 || !strings.Contains(pdfText(t, book), "01/BB-UBND") || !strings.Contains(pdfText(t, book), "Ký nhận: Văn phòng Tỉnh ủy") {
			t.Fatalf("register book: %d %d bytes", st, len(book))
		}
		// edXML: export the entry with its signed PDF, and read it back as an incoming document.
		st, pkg := e.sec.raw("GET", fmt.Sprintf("/api/register/entries/%d/edxml", filed), "", nil, nil)
		if st != 200 || !bytes.Contains(pkg, []byte("<edXML:CodeNotation>BB-UBND</edXML:CodeNotation>")) {
			t.Fatalf("edxml export: %d %.300s", st, pkg)
		}
		var incoming struct {
			Header struct {
				Code    struct{ CodeNumber string }
				Subject string
			}
			Attachments []struct{ Size int }
		}
		if st := e.sec.do("POST", "/api/register/incoming", nil, nil); st != 400 {
			t.Fatalf("empty import: %d", st)
		}
		st, body := e.sec.raw("POST", "/api/register/incoming", "application/xml", bytes.NewReader(pkg), nil)
		if st != 200 {
			t.Fatalf("import: %d %s", st, body)
		}
		json.Unmarshal(body, &incoming)
		if incoming.Header.Code.CodeNumber != "01" || len(incoming.Attachments) != 1 || incoming.Attachments[0].Size != len(pdf) {
			t.Fatalf("imported: %+v", incoming)
		}
		if st, _ := e.sec.raw("POST", "/api/register/incoming", "application/xml", strings.NewReader("<khong-phai-edxml/>"), nil); st != 400 {
			t.Fatalf("bad edxml: %d", st)
		}
		// A clerk (văn thư) of the body keeps the register but does not see its meetings.
		if _, err := auth.NewService(db).CreateAccount(context.Background(), auth.NewAccount{User: directory.User{Username: "vanthu", FullName: "Văn thư", OrganizationID: e.org.ID},
			Password: "mat-khau-vanthu", Roles: []auth.RoleGrant{{Role: auth.RoleClerk, OrganizationID: &e.org.ID}}}); err != nil {
			t.Fatal(err)
		}
		clerk := e.login("vanthu", "mat-khau-vanthu")
		var all struct{ Items []struct{ Symbol string } }
		if st := clerk.do("GET", "/api/register/entries", nil, &all); st != 200 || len(all.Items) != 2 {
			t.Fatalf("clerk reads the register: %d %+v", st, all)
		}
		if st := clerk.do("POST", "/api/register/entries", map[string]any{"organization_id": e.org.ID, "doc_type": "CV", "unit": "VP", "summary": "V/v chuẩn bị hội nghị", "signer": "B"}, &entry); st != 201 || entry.Symbol != "03/UBND-VP" {
			t.Fatalf("clerk files a công văn: %d %+v", st, entry)
		}
		if st := clerk.do("GET", "/api/meetings", nil, &all); st != 200 || len(all.Items) != 0 {
			t.Fatalf("clerk sees meetings: %d %+v", st, all)
		}
		if st := clerk.do("GET", e.path(""), nil, nil); st != 404 {
			t.Fatalf("clerk opened the meeting: %d", st)
		}
		var list struct{ Items []struct{ Symbol string } }
		if st := e.sec.do("GET", "/api/register/entries?q="+url.QueryEscape("giao ban"), nil, &list); st != 200 || len(list.Items) != 1 {
			t.Fatalf("search: %d %+v", st, list)
		}
		if st := e.delegate.do("GET", "/api/register/entries", nil, nil); st != 403 {
			t.Fatalf("a delegate read the register: %d", st)
		}
		st, csv := e.sec.raw("GET", "/api/register/entries.csv", "", nil, nil)
		if st != 200 || !bytes.HasPrefix(csv, []byte("\ufeff")) || !strings.Contains(string(csv), "01/BB-UBND") || !strings.Contains(string(csv), "Số, ký hiệu văn bản") || !strings.Contains(string(csv), "Trần Văn Nhận") {
			t.Fatalf("csv: %d %q", st, csv)
		}
	})
}

// pdfText extracts a PDF's text with pdftotext (poppler-utils), skipping where it is missing.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is missing")
		}
		t.Skip("pdftotext not installed")
	}
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	return string(out)
}
