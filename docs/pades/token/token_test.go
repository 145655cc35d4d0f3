package token_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/docs/pades/pkitest"
	"github.com/phonghop/phonghop/docs/pades/token"
	"github.com/phonghop/phonghop/docs/pades/token/softhsmtest"
)

func TestTokenSignsPAdES(t *testing.T) {
	ca := pkitest.New(t, "CA Thử nghiệm")
	leader := ca.Issue(t, "Nguyễn Văn An", pkitest.Options{Title: "Chủ tịch"})
	module, label := softhsmtest.Token(t, leader, "123456")

	if _, err := token.Open(token.Config{Module: module, Label: label}, "000000"); !errors.Is(err, token.ErrWrongPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if _, err := token.Open(token.Config{Module: module, Label: "no-such-token"}, "123456"); !errors.Is(err, token.ErrNoToken) {
		t.Fatalf("no token: %v", err)
	}
	tok, err := token.Open(token.Config{Module: module, Label: label}, "123456")
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	if !tok.Chain()[0].Equal(leader.Cert) || !strings.Contains(tok.Where(), label) {
		t.Fatalf("token holds %v at %s", tok.Chain()[0].Subject, tok.Where())
	}
	trust, err := pades.LoadTrust(ca.WritePEM(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	path, ev, err := trust.Check(context.Background(), tok.Chain())
	if err != nil {
		t.Fatal(err)
	}
	signed, err := pades.Sign(context.Background(), pdfOf(t), pades.WithChain(tok, path), pades.Options{Name: "Nguyễn Văn An", Time: time.Now(), Revocation: ev})
	if err != nil {
		t.Fatal(err)
	}
	if s := pades.Verify(signed); len(s) != 1 || !s[0].Valid || s[0].Signer != "Nguyễn Văn An" {
		t.Fatalf("verify: %v", s)
	}
	out := pkitest.Pdfsig(t, signed, ca.NSSDB(t))
	if !strings.Contains(out, "Signature is Valid") || !strings.Contains(out, "Certificate is Trusted") {
		t.Fatalf("pdfsig:\n%s", out)
	}
}
