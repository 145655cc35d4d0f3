package pades

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/digitorus/pdfsign/revocation"
	"golang.org/x/crypto/ocsp"
)

// Reasons a certificate is refused before it signs.
var (
	ErrExpired   = errors.New("pades: the certificate has expired or is not yet valid")
	ErrUntrusted = errors.New("pades: the certificate does not chain to a configured trust anchor")
	ErrRevoked   = errors.New("pades: the certificate has been revoked")
	// ErrRevocationUnknown: neither the OCSP responder nor the CRL answered, and the trust
	// settings require an answer.
	ErrRevocationUnknown = errors.New("pades: the certificate's revocation status could not be checked")
)

// Trust holds the trust anchors (the national root CA and the licensed CAs) and how revocation
// is checked.
type Trust struct {
	Roots         *x509.CertPool
	Intermediates *x509.CertPool
	// RequireRevocation refuses a certificate whose OCSP responder and CRL both did not answer;
	// otherwise such a certificate signs without revocation evidence.
	RequireRevocation bool
	Timeout           time.Duration // each OCSP or CRL request; 0: 10 s
	Now               func() time.Time
}

// LoadTrust reads trust anchors from PEM files; a CA certificate that is not self-signed is
// taken as an intermediate.
func LoadTrust(files ...string) (*Trust, error) {
	t := &Trust{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool()}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("pades: trust anchors: %w", err)
		}
		for rest := b; ; {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("pades: trust anchor in %s: %w", f, err)
			}
			if bytes.Equal(c.RawIssuer, c.RawSubject) {
				t.Roots.AddCert(c)
				n++
			} else {
				t.Intermediates.AddCert(c)
			}
		}
	}
	if n == 0 && len(files) > 0 {
		return nil, errors.New("pades: no root certificate in the trust anchor files")
	}
	return t, nil
}

// Check verifies that chain[0] is valid now, chains to a trust anchor and is not revoked, and
// returns the chain up to the anchor and the revocation evidence (OCSP responses or CRLs) to
// embed in the signature.
func (t *Trust) Check(ctx context.Context, chain []*x509.Certificate) ([]*x509.Certificate, revocation.InfoArchival, error) {
	var ev revocation.InfoArchival
	if len(chain) == 0 {
		return nil, ev, errors.New("pades: no certificate")
	}
	now := time.Now()
	if t.Now != nil {
		now = t.Now()
	}
	leaf := chain[0]
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return nil, ev, fmt.Errorf("%w (valid %s – %s)", ErrExpired, leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	}
	inter := x509.NewCertPool()
	if t.Intermediates != nil {
		inter = t.Intermediates.Clone()
	}
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	verified, err := leaf.Verify(x509.VerifyOptions{Roots: t.Roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, ev, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	path := verified[0]
	for i := 0; i+1 < len(path); i++ {
		if err := t.revocation(ctx, path[i], path[i+1], &ev); err != nil {
			return nil, ev, err
		}
	}
	return path, ev, nil
}

// revocation asks the certificate's OCSP responder, then its CRL distribution point.
func (t *Trust) revocation(ctx context.Context, c, issuer *x509.Certificate, ev *revocation.InfoArchival) error {
	var problems []string
	for _, url := range c.OCSPServer {
		req, err := ocsp.CreateRequest(c, issuer, nil)
		if err != nil {
			return err
		}
		body, err := t.fetch(ctx, http.MethodPost, url, req, "application/ocsp-request")
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		resp, err := ocsp.ParseResponseForCert(body, c, issuer)
		if err != nil {
			problems = append(problems, "OCSP: "+err.Error())
			continue
		}
		switch resp.Status {
		case ocsp.Revoked:
			return fmt.Errorf("%w (%s)", ErrRevoked, resp.RevokedAt.Format(time.DateTime))
		case ocsp.Good:
			return ev.AddOCSP(body)
		}
		problems = append(problems, "OCSP: status unknown")
	}
	for _, url := range c.CRLDistributionPoints {
		body, err := t.fetch(ctx, http.MethodGet, url, nil, "")
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		crl, err := x509.ParseRevocationList(body)
		if err == nil {
			err = crl.CheckSignatureFrom(issuer)
		}
		if err != nil {
			problems = append(problems, "CRL: "+err.Error())
			continue
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
				return fmt.Errorf("%w (%s)", ErrRevoked, e.RevocationTime.Format(time.DateTime))
			}
		}
		return ev.AddCRL(body)
	}
	if t.RequireRevocation && (len(c.OCSPServer)+len(c.CRLDistributionPoints) > 0 || len(problems) > 0) {
		return fmt.Errorf("%w: %v", ErrRevocationUnknown, problems)
	}
	return nil
}

func (t *Trust) fetch(ctx context.Context, method, url string, body []byte, ctype string) ([]byte, error) {
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 8<<20))
}

// Trusted says whether c, with the certificates the signature carried, chains to a trust anchor
// at the time it signed (no revocation check: that was done, and embedded, when it signed).
func (t *Trust) Trusted(c *x509.Certificate, carried []*x509.Certificate, at time.Time) bool {
	if t == nil || c == nil {
		return false
	}
	inter := x509.NewCertPool()
	if t.Intermediates != nil {
		inter = t.Intermediates.Clone()
	}
	for _, x := range carried {
		inter.AddCert(x)
	}
	if at.IsZero() {
		at = time.Now()
	}
	_, err := c.Verify(x509.VerifyOptions{Roots: t.Roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err == nil
}
