// Package token signs with a key on a PKCS#11 token (the USB tokens officials carry, or an HSM),
// through github.com/ThalesGroup/crypto11. The key never leaves the token: the token is opened
// with the holder's PIN for one signing and closed after it.
package token

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ThalesGroup/crypto11"
	"github.com/miekg/pkcs11"
)

// Reasons a token cannot sign.
var (
	ErrWrongPIN = errors.New("token: wrong PIN")
	ErrLocked   = errors.New("token: the PIN is locked")
	ErrNoToken  = errors.New("token: no such token is plugged in")
	ErrNoKey    = errors.New("token: no key with a certificate on the token")
)

// Config names the PKCS#11 module and the token.
type Config struct {
	Module string // e.g. /usr/lib/softhsm/libsofthsm2.so, or the token maker's library
	Label  string // the token's label; empty: the token with the serial, or the first slot
	Serial string
}

// Token is an opened token holding one key and its certificate; Close it after signing.
type Token struct {
	ctx   *crypto11.Context
	key   crypto.Signer
	chain []*x509.Certificate
	where string
}

// Open logs in to the token with pin and takes the first key that has a certificate, or the one
// whose certificate has the given serial number when serial is not empty.
func Open(c Config, pin string) (*Token, error) {
	cfg := &crypto11.Config{Path: c.Module, Pin: pin, TokenLabel: c.Label, TokenSerial: c.Serial, MaxSessions: 2}
	if c.Label == "" && c.Serial == "" {
		slot := 0
		cfg.SlotNumber = &slot
	}
	ctx, err := crypto11.Configure(cfg)
	if err != nil {
		return nil, classify(err)
	}
	pairs, err := ctx.FindAllPairedCertificates()
	if err != nil {
		_ = ctx.Close()
		return nil, classify(err)
	}
	for _, p := range pairs {
		signer, ok := p.PrivateKey.(crypto.Signer)
		if !ok || p.Leaf == nil {
			continue
		}
		// The issuers come from the trust anchors when the chain is built (pades.Trust).
		chain := []*x509.Certificate{p.Leaf}
		where := fmt.Sprintf("thiết bị ký số (token PKCS#11) %q", c.Label)
		return &Token{ctx: ctx, key: signer, chain: chain, where: where}, nil
	}
	_ = ctx.Close()
	return nil, ErrNoKey
}

// classify turns PKCS#11 return values into the errors a holder can act on.
func classify(err error) error {
	var pe pkcs11.Error
	if errors.As(err, &pe) {
		switch pe {
		case pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_INVALID, pkcs11.CKR_PIN_LEN_RANGE:
			return fmt.Errorf("%w: %v", ErrWrongPIN, err)
		case pkcs11.CKR_PIN_LOCKED:
			return fmt.Errorf("%w: %v", ErrLocked, err)
		}
	}
	if strings.Contains(err.Error(), "could not find PKCS#11 token") { // crypto11 keeps its error unexported
		return fmt.Errorf("%w: %v", ErrNoToken, err)
	}
	return fmt.Errorf("token: %w", err)
}

func (t *Token) Public() crypto.PublicKey { return t.key.Public() }

func (t *Token) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return t.key.Sign(r, digest, opts)
}

// SignContext: a token answers in milliseconds and cannot be interrupted mid-operation; the
// context is checked before it is asked.
func (t *Token) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return t.key.Sign(nil, digest, opts)
}

func (t *Token) Chain() []*x509.Certificate { return t.chain }
func (t *Token) Where() string              { return t.where }

// Close logs out and releases the module.
func (t *Token) Close() error { return t.ctx.Close() }
