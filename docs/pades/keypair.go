package pades

import (
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
