package token_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs"
)

func pdfOf(t testing.TB) []byte {
	var b bytes.Buffer
	if err := docs.WriteAdminPDF(&b, docs.AdminDocument{Agency: "Văn phòng", Symbol: "01/BB-VP", Place: "Hà Nội", Date: time.Now(), Kind: "Biên bản",
		Signers: []docs.AdminSigner{{Title: "Chủ tọa", Name: "Nguyễn Văn An"}}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
