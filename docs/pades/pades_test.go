package pades_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/docs/pades/pkitest"
)

func minutesPDF(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	err := docs.WriteAdminPDF(&b, docs.AdminDocument{
		ParentAgency: "UBND tỉnh Thanh Hóa", Agency: "Văn phòng", Symbol: "01/BB-VP", Place: "Thanh Hóa",
		Date: time.Date(2026, 2, 5, 12, 0, 0, 0, time.UTC), Kind: "Biên bản", Summary: "Họp giao ban tháng 2",
		Sections: []docs.AdminSection{{Heading: "I. NỘI DUNG", Text: "Thống nhất kế hoạch công tác."}},
		Signers:  []docs.AdminSigner{{Title: "Thư ký", Name: "Lê Văn Thư"}, {Title: "Chủ tọa", Name: "Nguyễn Văn An"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The leader signs, then the agency's seal follows in a second incremental update: both verify
// here and in pdfsig, the CA is trusted from an NSS database, and one flipped byte breaks them.
func TestLeaderThenSealPdfsig(t *testing.T) {
	ca := pkitest.New(t, "CA Thử nghiệm Phonghop")
	leader := ca.Issue(t, "Nguyễn Văn An", pkitest.Options{Title: "Chánh Văn phòng"})
	seal := ca.Issue(t, "Văn phòng UBND tỉnh Thanh Hóa", pkitest.Options{ECDSA: true})
	ctx := context.Background()
	now := time.Now()
	one, err := pades.Sign(ctx, minutesPDF(t), pades.KeyPair{Signer: leader.Key, Certs: leader.Chain()}, pades.Options{Name: "Nguyễn Văn An", Reason: "Ký duyệt biên bản", Time: now, TSA: &pades.TSA{URL: ca.URL + "/tsa"}})
	if err != nil {
		t.Fatal(err)
	}
	two, err := pades.Sign(ctx, one, pades.KeyPair{Signer: seal.Key, Certs: seal.Chain()}, pades.Options{Name: "Văn phòng UBND tỉnh Thanh Hóa", Reason: "Chữ ký số của cơ quan", Time: now})
	if err != nil {
		t.Fatal(err)
	}
	sigs := pades.Verify(two)
	if len(sigs) != 2 {
		t.Fatalf("signatures: %v", sigs)
	}
	for _, s := range sigs {
		if !s.Valid || !s.Whole || s.SubFilter != "ETSI.CAdES.detached" {
			t.Fatalf("signature: %v", s)
		}
	}
	if sigs[0].Signer != "Nguyễn Văn An" || sigs[1].Signer != "Văn phòng UBND tỉnh Thanh Hóa" || sigs[0].StampedAt.IsZero() || !sigs[1].StampedAt.IsZero() {
		t.Fatalf("signers: %+v", sigs)
	}

	out := pkitest.Pdfsig(t, two, "")
	if strings.Count(out, "Signature is Valid") != 2 {
		t.Fatalf("pdfsig without trust:\n%s", out)
	}
	if !strings.Contains(out, "ETSI.CAdES.detached") && !strings.Contains(out, "PAdES") {
		t.Fatalf("pdfsig does not see a PAdES signature:\n%s", out)
	}
	out = pkitest.Pdfsig(t, two, ca.NSSDB(t))
	if strings.Count(out, "Signature is Valid") != 2 || strings.Count(out, "Certificate is Trusted") != 2 {
		t.Fatalf("pdfsig with the CA trusted:\n%s", out)
	}

	// A byte of the first revision's text changed.
	bad := append([]byte{}, two...)
	i := bytes.Index(bad, []byte("/Producer"))
	if i < 0 {
		i = 200
	}
	bad[i+2] ^= 0x01
	out = pkitest.Pdfsig(t, bad, ca.NSSDB(t))
	if strings.Contains(out, "Signature is Valid") {
		t.Fatalf("pdfsig after a flipped byte:\n%s", out)
	}
	for _, s := range pades.Verify(bad) {
		if s.Valid {
			t.Fatalf("verify after a flipped byte: %v", s)
		}
	}
}
