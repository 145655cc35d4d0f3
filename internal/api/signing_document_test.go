package api_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonghop/phonghop/docs/docstest"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// approvedUpload has the secretary upload a draft and the chair approve its version.
func (e *signingEnv) approvedUpload(t *testing.T, title, filename string, content []byte) (aid int64, sha string) {
	t.Helper()
	ct, body := uploadBody(map[string]string{"title": title, "kind": "draft"}, filename, content)
	st, b := e.sec.raw("POST", e.path("/documents"), ct, body, nil)
	var d struct {
		Versions []struct {
			ID     int64
			SHA256 string
		}
	}
	if err := jsonUnmarshal(b, &d); st != 201 || err != nil || len(d.Versions) != 1 {
		t.Fatalf("upload: %d %s", st, b)
	}
	var a struct {
		ID     int64
		SHA256 string `json:"subject_sha256"`
	}
	if st := e.sec.do("POST", e.path("/approvals"), map[string]any{"subject_kind": "document", "subject_id": d.Versions[0].ID, "leader_id": e.ids["chutich"]}, &a); st != 201 || a.SHA256 != d.Versions[0].SHA256 {
		t.Fatalf("request approval: %d %+v", st, a)
	}
	if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d", a.ID)), map[string]any{"approve": true}, nil); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	return a.ID, a.SHA256
}

func TestLeaderSignsApprovedUploadedPDF(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newSigningEnv(t, db)
		otp := func(aid int64) string {
			var out apiError
			if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d/sign/otp", aid)), map[string]any{"csc_user": "chutich", "csc_password": "ky-so"}, &out); st != 204 {
				t.Fatalf("send OTP: %d %+v", st, out)
			}
			return e.csc.OTP("chutich")
		}

		aid, sha := e.approvedUpload(t, "Kế hoạch phát triển kinh tế năm 2027", "ke-hoach.pdf", docstest.PDF("Ke hoach", "Trang cuoi"))
		sign := e.path(fmt.Sprintf("/approvals/%d/sign", aid))
		var out apiError
		// Someone other than the leader, and the secretary filing it unsigned, are refused.
		if st := e.sec.do("POST", sign, map[string]any{"method": "token", "pin": "246810"}, &out); st != 403 || out.Error.Message == "" {
			t.Fatalf("the secretary signed for the leader: %d %+v", st, out)
		}
		if st := e.delegate.do("POST", sign, map[string]any{"method": "token", "pin": "246810"}, &out); st != 403 {
			t.Fatalf("a delegate signed for the leader: %d %+v", st, out)
		}
		if st := e.sec.do("POST", e.path(fmt.Sprintf("/approvals/%d/file", aid)), map[string]any{"signer": "x"}, &out); st != 409 {
			t.Fatalf("the secretary filed an approved PDF unsigned: %d %+v", st, out)
		}
		var entry struct {
			ID      int64
			Symbol  string
			SHA256  string
			Summary string
		}
		body := map[string]any{"method": "remote", "csc_user": "chutich", "csc_password": "ky-so", "otp": otp(aid), "sha256": sha}
		if st := e.chair.do("POST", sign, body, &entry); st != 201 || entry.Symbol != "01/KH-UBND" || entry.SHA256 == sha || entry.Summary != "Phát triển kinh tế năm 2027" {
			t.Fatalf("sign: %d %+v", st, entry)
		}
		if text := e.signedFileText(t, entry.ID); !strings.Contains(text, "Trang cuoi") {
			t.Fatalf("the signed file lost the upload's text:\n%s", text)
		}
		var sigs struct {
			Signatures []struct {
				Signer  string
				Valid   bool
				Trusted bool
				Record  struct{ Role, Method string }
			}
		}
		if st := e.sec.do("GET", fmt.Sprintf("/api/register/entries/%d/signatures", entry.ID), nil, &sigs); st != 200 || len(sigs.Signatures) != 2 ||
			sigs.Signatures[0].Record.Role != "leader" || sigs.Signatures[0].Record.Method != "remote" || !sigs.Signatures[0].Trusted ||
			sigs.Signatures[1].Record.Role != "seal" || !sigs.Signatures[1].Valid {
			t.Fatalf("signatures: %d %+v", st, sigs)
		}

		// A stored file changed after its approval is not signed, and uses no number.
		aid, sha = e.approvedUpload(t, "Tờ trình phê duyệt dự án", "to-trinh.pdf", docstest.PDF("To trinh"))
		if err := filepath.WalkDir(e.blobDir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Name() == sha {
				_ = os.Chmod(p, 0o600)
				return os.WriteFile(p, docstest.PDF("To trinh da sua"), 0o600)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		out = apiError{}
		if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d/sign", aid)), map[string]any{"method": "token", "pin": "246810"}, &out); st != 409 || !strings.Contains(out.Error.Message, "thay đổi") {
			t.Fatalf("a changed file: %d %+v", st, out)
		}
		// A Word file cannot carry a PAdES signature: refused with a reason.
		aid, _ = e.approvedUpload(t, "Quyết định ban hành quy chế", "quyet-dinh.docx", docstest.DOCX())
		out = apiError{}
		if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d/sign", aid)), map[string]any{"method": "token", "pin": "246810"}, &out); st != 415 || !strings.Contains(out.Error.Message, "PDF") {
			t.Fatalf("a Word file: %d %+v", st, out)
		}
		// The next PDF, signed with the token, takes the next number: the refusals used none.
		aid, _ = e.approvedUpload(t, "Báo cáo kết quả", "bao-cao.pdf", docstest.PDF("Bao cao"))
		if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d/sign", aid)), map[string]any{"method": "token", "pin": "246810"}, &entry); st != 201 || entry.Symbol != "02/BC-UBND" {
			t.Fatalf("token sign: %d %+v", st, entry)
		}
	})
}
