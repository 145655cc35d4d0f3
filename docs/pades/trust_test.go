package pades_test

import (
	"context"
	"errors"
	"testing"

	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/docs/pades/pkitest"
)

func TestTrustChainAndRevocation(t *testing.T) {
	ca := pkitest.New(t, "CA Thử nghiệm")
	other := pkitest.New(t, "CA Khác")
	trust, err := pades.LoadTrust(ca.WritePEM(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	trust.RequireRevocation = true
	ctx := context.Background()

	good := ca.Issue(t, "Nguyễn Văn An", pkitest.Options{})
	path, ev, err := trust.Check(ctx, good.Chain()[:1])
	if err != nil || len(ev.OCSP) != 1 || len(path) != 2 {
		t.Fatalf("good certificate: %v, %d OCSP responses", err, len(ev.OCSP))
	}
	crlOnly := ca.Issue(t, "Trần Thị Bình", pkitest.Options{NoOCSP: true})
	if _, ev, err := trust.Check(ctx, crlOnly.Chain()); err != nil || len(ev.CRL) != 1 {
		t.Fatalf("CRL only: %v, %d CRLs", err, len(ev.CRL))
	}

	revoked := ca.Issue(t, "Lê Văn Cường", pkitest.Options{})
	revokedCRL := ca.Issue(t, "Phạm Văn Dũng", pkitest.Options{NoOCSP: true})
	ca.Revoke(revoked.Cert)
	ca.Revoke(revokedCRL.Cert)
	for _, c := range []struct {
		name string
		leaf *pkitest.Leaf
		want error
	}{
		{"revoked (OCSP)", revoked, pades.ErrRevoked},
		{"revoked (CRL)", revokedCRL, pades.ErrRevoked},
		{"expired", ca.Issue(t, "Hết Hạn", pkitest.Options{Expired: true}), pades.ErrExpired},
		{"other CA", other.Issue(t, "Người Lạ", pkitest.Options{}), pades.ErrUntrusted},
	} {
		if _, _, err := trust.Check(ctx, c.leaf.Chain()); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}

	// The evidence goes into the signature and still verifies.
	signed, err := pades.Sign(ctx, minutesPDF(t), pades.KeyPair{Signer: good.Key, Certs: good.Chain()}, pades.Options{Name: "Nguyễn Văn An", Revocation: ev})
	if err != nil {
		t.Fatal(err)
	}
	if s := pades.Verify(signed); len(s) != 1 || !s[0].Valid {
		t.Fatalf("signed with evidence: %v", s)
	}
}
