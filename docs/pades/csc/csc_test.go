package csc_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/docs/pades/csc"
	"github.com/phonghop/phonghop/docs/pades/csc/csctest"
	"github.com/phonghop/phonghop/docs/pades/pkitest"
)

func service(t *testing.T) (*csctest.Service, *pkitest.CA) {
	ca := pkitest.New(t, "CA Thử nghiệm")
	leader := ca.Issue(t, "Nguyễn Văn An", pkitest.Options{Title: "Chủ tịch"})
	svc := csctest.New()
	svc.AddUser("an", "mat-khau", leader.Key, leader.Chain())
	if err := svc.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc, ca
}

func remote(t *testing.T, svc *csctest.Service, timeout time.Duration) *csc.Remote {
	ctx := context.Background()
	c := csc.NewClient(svc.URL, "an", "mat-khau", timeout)
	if err := c.Login(ctx); err != nil {
		t.Fatal(err)
	}
	ids, err := c.Credentials(ctx, "")
	if err != nil || len(ids) != 1 {
		t.Fatalf("credentials: %v %v", ids, err)
	}
	cred, err := c.Info(ctx, ids[0])
	if err != nil || cred.SCAL != "2" || len(cred.Chain) != 2 {
		t.Fatalf("info: %+v %v", cred, err)
	}
	if err := c.SendOTP(ctx, cred.ID); err != nil {
		t.Fatal(err)
	}
	return &csc.Remote{Client: c, Cred: cred, OTP: svc.OTP("an")}
}

func pdfOf(t *testing.T) []byte {
	var b bytes.Buffer
	if err := docs.WriteAdminPDF(&b, docs.AdminDocument{Agency: "Văn phòng", Symbol: "02/TB-VP", Place: "Hà Nội", Date: time.Now(), Kind: "Thông báo",
		Signers: []docs.AdminSigner{{Title: "Chánh Văn phòng", Name: "Nguyễn Văn An"}}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRemoteSignsPAdES(t *testing.T) {
	svc, ca := service(t)
	r := remote(t, svc, 5*time.Second)
	signed, err := pades.Sign(context.Background(), pdfOf(t), r, pades.Options{Name: "Nguyễn Văn An", Time: time.Now(), TSA: &pades.TSA{URL: ca.URL + "/tsa"}})
	if err != nil {
		t.Fatal(err)
	}
	if s := pades.Verify(signed); len(s) != 1 || !s[0].Valid || s[0].StampedAt.IsZero() {
		t.Fatalf("verify: %v", s)
	}
	out := pkitest.Pdfsig(t, signed, ca.NSSDB(t))
	if !strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Certificate is Trusted") {
		t.Fatalf("pdfsig:\n%s", out)
	}
	// The OTP was used: a second signing with it is refused.
	if _, err := pades.Sign(context.Background(), pdfOf(t), r, pades.Options{Name: "x"}); !errors.Is(err, csc.ErrBadOTP) {
		t.Fatalf("OTP used twice: %v", err)
	}
}

// SCAL2: the activation data is good for the hash it was issued for only.
func TestSADBoundToHash(t *testing.T) {
	svc, _ := service(t)
	r := remote(t, svc, 5*time.Second)
	ctx := context.Background()
	h1, h2 := sha256.Sum256([]byte("biên bản đã duyệt")), sha256.Sum256([]byte("biên bản bị sửa"))
	sad, err := r.Client.Authorize(ctx, r.Cred.ID, r.OTP, h1[:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Client.SignHash(ctx, r.Cred.ID, sad, csc.OIDRSA, h2[:]); !errors.Is(err, csc.ErrRefused) {
		t.Fatalf("other hash: %v", err)
	}
	if _, err := r.Client.Authorize(ctx, r.Cred.ID, "000000x", h1[:]); !errors.Is(err, csc.ErrBadOTP) {
		t.Fatalf("wrong OTP: %v", err)
	}
}

func TestRemoteDoesNotAnswer(t *testing.T) {
	svc, _ := service(t)
	r := remote(t, svc, 300*time.Millisecond)
	svc.SetDelay(5 * time.Second)
	start := time.Now()
	_, err := pades.Sign(context.Background(), pdfOf(t), r, pades.Options{Name: "Nguyễn Văn An"})
	if !errors.Is(err, csc.ErrNoAnswer) {
		t.Fatalf("no answer: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("gave up after %v", d)
	}
}
