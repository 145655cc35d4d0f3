package pades

import (
	"context"
	"crypto"
	"crypto/x509"
)

// KeyPair is a key the server holds itself (the agency's seal key, read from its files).
type KeyPair struct {
	crypto.Signer
	Certs []*x509.Certificate // leaf first
	Place string
}

func (k KeyPair) Chain() []*x509.Certificate { return k.Certs }

func (k KeyPair) Where() string {
	if k.Place == "" {
		return "khóa của máy chủ"
	}
	return k.Place
}

// WithChain gives s the chain built to its trust anchor (a token often holds only the leaf).
func WithChain(s Signer, chain []*x509.Certificate) Signer {
	return chained{s, chain}
}

type chained struct {
	Signer
	chain []*x509.Certificate
}

func (c chained) Chain() []*x509.Certificate { return c.chain }

// SignContext passes the context on when the key can use it.
func (c chained) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if cs, ok := c.Signer.(ContextSigner); ok {
		return cs.SignContext(ctx, digest, opts)
	}
	return c.Signer.Sign(nil, digest, opts)
}
