package api

import (
	"mime"
	"testing"
)

// Every file name, Vietnamese letters, separators and quotes included, comes back whole from a
// standard parser of Content-Disposition (RFC 6266 with the RFC 5987 UTF-8 form).
func TestContentDisposition(t *testing.T) {
	for _, name := range []string{"Dự thảo kế hoạch.pdf", `Báo cáo; số 1, "mật" (bản 2).pdf`, "a'b*c%d=e.docx", "Tờ trình\\ngân sách.xlsx"} {
		h := contentDisposition("attachment", name)
		kind, params, err := mime.ParseMediaType(h)
		if err != nil || kind != "attachment" || params["filename"] != name {
			t.Errorf("%q → %q → %q %q %v", name, h, kind, params["filename"], err)
		}
	}
}
