package docs_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs"
)

func TestVietnameseDate(t *testing.T) {
	for _, c := range []struct {
		d    time.Time
		want string
	}{
		{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), "Thanh Hóa, ngày 22 tháng 11 năm 2026"},
		{time.Date(2026, 2, 5, 3, 0, 0, 0, time.UTC), "Thanh Hóa, ngày 05 tháng 02 năm 2026"},
		{time.Date(2026, 3, 9, 20, 0, 0, 0, time.UTC), "Thanh Hóa, ngày 10 tháng 3 năm 2026"}, // 03:00 on the 10th in Vietnam
	} {
		if got := docs.VietnameseDate("Thanh Hóa", c.d); got != c.want {
			t.Errorf("%v: %q, want %q", c.d, got, c.want)
		}
	}
}

// The minutes render in the administrative layout and their Vietnamese text extracts exactly.
func TestAdminPDF(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is missing")
		}
		t.Skip("pdftotext not installed")
	}
	var buf bytes.Buffer
	err := docs.WriteAdminPDF(&buf, docs.AdminDocument{
		ParentAgency: "UBND tỉnh Thanh Hóa", Agency: "Văn phòng", Symbol: "15/BB-UBND", Place: "Thanh Hóa",
		Date: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), Kind: "Biên bản", Summary: "Hội nghị giao ban trực tuyến tháng 11 năm 2026",
		Sections: []docs.AdminSection{{Heading: "I. Thời gian, địa điểm", Text: "Bắt đầu lúc 08 giờ 00 phút tại Phòng họp trực tuyến."},
			{Heading: "1. Kế hoạch phòng, chống thiên tai", Text: strings.Repeat("Đại biểu thống nhất thông qua. ", 120)}},
		Signers:    []docs.AdminSigner{{"Thư ký", "Nguyễn Thị Lan"}, {"Chủ tọa", "Đỗ Minh Tuấn"}},
		Recipients: []string{"- Thường trực Tỉnh ủy;", "- Lưu: VT."},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bb.pdf")
	os.WriteFile(path, buf.Bytes(), 0o600)
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	text := string(out)
	for _, want := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 15/BB-UBND",
		"Thanh Hóa, ngày 22 tháng 11 năm 2026", "BIÊN BẢN", "UBND TỈNH THANH HÓA", "Hội nghị giao ban trực tuyến tháng 11 năm 2026",
		"THƯ KÝ", "CHỦ TỌA", "Nguyễn Thị Lan", "Đỗ Minh Tuấn", "Nơi nhận:", "- Lưu: VT."} {
		if !strings.Contains(text, want) {
			t.Errorf("%q is not in the extracted text:\n%s", want, text[:min(len(text), 1500)])
		}
	}
	if info, _ := exec.Command("pdfinfo", path).CombinedOutput(); !strings.Contains(string(info), "Pages:") || strings.Contains(string(info), "Pages:           1\n") {
		t.Errorf("the long body should take more than one page:\n%s", info)
	}
}
