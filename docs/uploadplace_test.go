package docs_test

import (
	"testing"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/docstest"
)

func TestUploadedSignaturePlace(t *testing.T) {
	p, err := docs.UploadedSignaturePlace(docstest.PDF("Mot", "Hai", "Ba")) // 612 × 792 pt pages
	if err != nil {
		t.Fatal(err)
	}
	s := p.Signature
	// The last page, in its lower right quarter, inside the 20 mm margins; the seal over the
	// signature's left third.
	if p.Page != 3 || s[0] < 306 || s[2] > 612-56 || s[1] < 56 || s[3] > 396 || s[2]-s[0] < 100 || p.Seal[2] <= s[0] || p.Seal[2] >= s[2] {
		t.Fatalf("place: %+v", p)
	}
	if _, err := docs.UploadedSignaturePlace([]byte("khong phai PDF")); err == nil {
		t.Fatal("placed a signature on a file that is not a PDF")
	}
}
