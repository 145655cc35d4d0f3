package docs_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs"
)

// TestCommentsPDF writes the secretary's summary and reads it back with pdftotext: the
// Vietnamese text must come out letter for letter, long comments wrapped onto more pages.
func TestCommentsPDF(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	page := 3
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	long := strings.Repeat("Đề nghị làm rõ nguồn vốn đối ứng của ngân sách huyện. ", 40)
	comments := []docs.Comment{
		{ID: 1, Version: 1, UserName: "Nguyễn Thị Hằng", Page: &page, Text: "Đề nghị bổ sung kinh phí dự phòng cho các xã ven biển", Status: "accepted", CreatedAt: at},
		{ID: 2, Version: 2, UserName: "Lê Văn Đức", Text: "Điều 5: thay “thẩm định” bằng “thẩm tra”.\nBỏ khoản 3.", Status: "declined", CreatedAt: at},
	}
	for i := 0; i < 30; i++ {
		comments = append(comments, docs.Comment{ID: int64(3 + i), Version: 2, UserName: "Trần Quốc Việt", Text: long, Status: "open", CreatedAt: at})
	}
	var b bytes.Buffer
	if err := docs.WriteCommentsPDF(&b, docs.Document{Title: "Dự thảo Kế hoạch phòng, chống thiên tai năm 2027"}, comments, at); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "gop-y.pdf")
	if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"TỔNG HỢP Ý KIẾN GÓP Ý DỰ THẢO",
		"Dự thảo: Dự thảo Kế hoạch phòng, chống thiên tai năm 2027",
		"Nguyễn Thị Hằng · Phiên bản 1 · Trang 3 · 09:00 23/11/2026 · Tiếp thu",
		"Đề nghị bổ sung kinh phí dự phòng cho các xã ven biển",
		"Điều 5: thay “thẩm định” bằng “thẩm tra”.",
		"Không tiếp thu",
		"Trang 1/",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	if strings.Count(text, "\f") < 3 {
		t.Errorf("30 long comments fit on %d pages", strings.Count(text, "\f"))
	}
	if t.Failed() {
		t.Logf("extracted:\n%.2000s", text)
	}
	if docs.Detect(mustOpen(t, in), int64(b.Len())) != docs.TypePDF {
		t.Error("the export is not accepted as a PDF upload")
	}
}

func mustOpen(t *testing.T, name string) *os.File {
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestCommentsCSV: Excel opens the export with Vietnamese intact (BOM) and never runs a comment
// that looks like a formula.
func TestCommentsCSV(t *testing.T) {
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	err := docs.WriteCommentsCSV(&b, docs.Document{Title: "Dự thảo"}, []docs.Comment{
		{Version: 1, UserName: "Lê Văn Đức", Text: "=HYPERLINK(\"http://x\",\"bấm\")", Status: "open", CreatedAt: at},
		{Version: 1, UserName: "@người", Text: "-1+2", Status: "accepted", CreatedAt: at},
		{Version: 1, UserName: "Nguyễn Thị Hằng", Text: "Giữ nguyên điều 2", Status: "declined", CreatedAt: at},
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil || !bytes.HasPrefix(b.Bytes(), []byte("\ufeff")) || len(rows) != 4 {
		t.Fatalf("csv: %v %q", err, b.String())
	}
	for _, r := range rows[1:] {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("cell %q would run as a formula", c)
			}
		}
	}
	if rows[1][5] != "'=HYPERLINK(\"http://x\",\"bấm\")" || rows[3][5] != "Giữ nguyên điều 2" || rows[3][7] != "Không tiếp thu" {
		t.Errorf("rows: %q", rows)
	}
}
