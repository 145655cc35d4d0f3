package pades

import (
	"context"
	"crypto/x509"
	"errors"
	"time"

	"github.com/digitorus/pkcs7"
)

// SignDetached is the same CAdES signature a PDF gets, over any bytes and kept apart from them
// (a member's signature of their written answer). o.Name, Reason, Location and Appearance are
// for PDFs and are not used.
func SignDetached(ctx context.Context, content []byte, s Signer, o Options) ([]byte, error) {
	chain := s.Chain()
	if len(chain) == 0 {
		return nil, errors.New("pades: the signer has no certificate")
	}
	return cms(ctx, content, s, chain, o)
}

// Detached is what checking a detached signature found.
type Detached struct {
	Cert      *x509.Certificate
	Chain     []*x509.Certificate // the certificates the signature carries
	SigningAt time.Time
}

// VerifyDetached checks that sig is a signature of content by the one certificate it names.
// Whether that certificate is trusted is Trust.Trusted's question.
func VerifyDetached(sig, content []byte) (Detached, error) {
	p7, err := pkcs7.Parse(sig)
	if err != nil {
		return Detached{}, err
	}
	p7.Content = content
	d := Detached{Cert: p7.GetOnlySigner(), Chain: p7.Certificates}
	if d.Cert == nil {
		return d, errors.New("pades: the signature does not name one signer")
	}
	_ = p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &d.SigningAt)
	return d, p7.Verify()
}
