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

// A signed minutes verifies with an independent tool (pdfsig from poppler-utils), and changing one
// byte of the signed range breaks the signature.
func TestSignedPDFVerifies(t *testing.T) {
	if _, err := exec.LookPath("pdfsig"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdfsig (poppler-utils) is missing")
		}
		t.Skip("pdfsig not installed")
	}
	s, err := docs.SelfSignedSigner("Văn phòng UBND tỉnh Thanh Hóa", "UBND tỉnh Thanh Hóa")
	if err != nil {
		t.Fatal(err)
	}
	// The signer survives a round trip through PEM (the way a configured certificate is loaded).
	cp, kp, err := s.PEM()
	if err != nil {
		t.Fatal(err)
	}
	if s, err = docs.LoadSigner(cp, kp); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = docs.WriteSignedAdminPDF(&buf, docs.AdminDocument{Agency: "UBND tỉnh Thanh Hóa", Symbol: "15/BB-UBND", Place: "Thanh Hóa",
		Date: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), Kind: "Biên bản", Summary: "Hội nghị giao ban",
		Sections: []docs.AdminSection{{Heading: "1. Nội dung", Text: "Thống nhất thông qua."}},
		Signers:  []docs.AdminSigner{{"Thư ký", "Nguyễn Thị Lan"}, {"Chủ tọa", "Đỗ Minh Tuấn"}}}, s, time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	verify := func(name string, pdf []byte) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, pdf, 0o600)
		out, _ := exec.Command("pdfsig", path).CombinedOutput()
		return string(out)
	}
	out := verify("signed.pdf", buf.Bytes())
	if !strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Văn phòng UBND tỉnh Thanh Hóa") {
		t.Fatalf("pdfsig on the signed file:\n%s", out)
	}
	tampered := bytes.Clone(buf.Bytes())
	tampered[len(tampered)/4] ^= 0x01 // one bit inside the signed range (the embedded font)
	if out := verify("tampered.pdf", tampered); strings.Contains(out, "Signature is Valid") {
		t.Fatalf("a changed file still verifies:\n%s", out)
	}
	// Our own check agrees with pdfsig.
	if info := docs.VerifyPDF(buf.Bytes()); !info.Valid || !info.Whole || !info.SelfSigned || !strings.Contains(info.Signer, "Văn phòng UBND") {
		t.Fatalf("VerifyPDF(signed) = %+v", info)
	}
	if info := docs.VerifyPDF(tampered); info.Valid {
		t.Fatalf("VerifyPDF(tampered) = %+v", info)
	}
	if info := docs.VerifyPDF(append(bytes.Clone(buf.Bytes()), []byte("% appended\n")...)); info.Whole {
		t.Fatalf("bytes appended after signing were not noticed: %+v", info)
	}
	// The text still extracts in Vietnamese.
	if txt, _ := exec.Command("pdftotext", filepath.Join(dir, "signed.pdf"), "-").CombinedOutput(); !strings.Contains(string(txt), "Đỗ Minh Tuấn") {
		t.Fatalf("text of the signed file:\n%s", txt)
	}
}

// BenchmarkSignedMinutes renders a two-page minutes and signs it; reports time and allocation.
//
//	go test -run '^$' -bench SignedMinutes -benchmem ./docs
func BenchmarkSignedMinutes(b *testing.B) {
	s, err := docs.SelfSignedSigner("Văn phòng UBND tỉnh Thanh Hóa", "UBND tỉnh Thanh Hóa")
	if err != nil {
		b.Fatal(err)
	}
	d := docs.AdminDocument{Agency: "UBND tỉnh Thanh Hóa", Symbol: "15/BB-UBND", Place: "Thanh Hóa", Date: time.Now(), Kind: "Biên bản",
		Summary: "Hội nghị giao ban", Sections: []docs.AdminSection{{Heading: "1. Nội dung", Text: strings.Repeat("Đại biểu thống nhất thông qua kế hoạch. ", 150)}},
		Signers: []docs.AdminSigner{{"Thư ký", "Nguyễn Thị Lan"}, {"Chủ tọa", "Đỗ Minh Tuấn"}}}
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := docs.WriteSignedAdminPDF(&buf, d, s, time.Now()); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
	}
}
