// Package pades signs PDF files with PAdES baseline signatures (ETSI EN 319 142-1: B-B, and B-T
// with an RFC 3161 time-stamp): a CAdES detached CMS with the signing-certificate-v2 attribute,
// in an incremental update, so a later signature (the agency's seal) keeps the earlier ones valid.
//
// The incremental update (signature dictionary, field, widget and appearance, new catalog with the
// earlier fields kept, cross-reference and trailer) is github.com/digitorus/pdfsign's. The CMS is
// made here: pdfsign writes the SubFilter adbe.pkcs7.detached, may call the key twice when its
// first guess of the room is short, and fetches the time-stamp with a client that has no timeout.
// A token with a PIN or a remote service authorised for one hash must be asked exactly once, so
// pdfsign lays the update out around a stand-in key, the SubFilter is set to ETSI.CAdES.detached
// (the same length, so no offset moves), and the real key signs the final bytes once.
package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pdfsign/sign"
	"github.com/digitorus/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Signer is a key that signs, wherever it lives (a file on the server, a PKCS#11 token, a remote
// signing service), with the certificate chain that names its holder.
type Signer interface {
	crypto.Signer
	// Chain is the signing certificate first, then its issuers up to (not necessarily including)
	// a trust anchor.
	Chain() []*x509.Certificate
	// Where says where the key lives, for the record and for messages ("PKCS#11 token …").
	Where() string
}

// Appearance places a visible signature: the page (1-based), the rectangle in PDF points from the
// page's lower left corner, and the picture drawn in it (PNG or JPEG).
type Appearance struct {
	Page  uint32
	Rect  [4]float64 // llx, lly, urx, ury
	Image []byte
}

// Options are the parts of a signature besides the key.
type Options struct {
	Name     string // the signer's name, written in the signature dictionary
	Reason   string
	Location string
	Contact  string
	Time     time.Time // the claimed signing time (/M); the time-stamp, when present, is the proof
	// TSA is an RFC 3161 time-stamping service; empty makes a B-B signature, set a B-T one.
	TSA *TSA
	// Revocation is CRL and OCSP evidence embedded in the signed attributes.
	Revocation revocation.InfoArchival
	Appearance *Appearance // nil: an invisible signature
}

// TSA is a time-stamping service.
type TSA struct {
	URL                string
	Username, Password string
	Timeout            time.Duration // 0: 15 s
}

// tsaRoom is the room kept for a time-stamp token, whose size is known only once it comes.
const tsaRoom = 8192

// ErrTooLarge is returned when the signature does not fit the room reserved for it.
var ErrTooLarge = errors.New("pades: the signature does not fit the room reserved in the file")

// Sign appends one PAdES signature to in and returns the signed file. The key is asked once.
func Sign(ctx context.Context, in []byte, s Signer, o Options) ([]byte, error) {
	chain := s.Chain()
	if len(chain) == 0 {
		return nil, errors.New("pades: the signer has no certificate")
	}
	laid, err := layout(in, chain, o)
	if err != nil {
		return nil, err
	}
	r, err := lastByteRange(laid, len(in))
	if err != nil {
		return nil, err
	}
	signed := append(append(make([]byte, 0, len(laid)), laid[:r[1]]...), laid[r[2]:]...)
	der, err := cms(ctx, signed, s, chain, o)
	if err != nil {
		return nil, err
	}
	room := r[2] - r[1] - 2
	if hex.EncodedLen(len(der)) > room {
		return nil, fmt.Errorf("%w (%d of %d bytes)", ErrTooLarge, len(der), room/2)
	}
	hex.Encode(laid[r[1]+1:], der)
	return laid, nil
}

// layout has pdfsign write the incremental update around a stand-in key and returns it with the
// SubFilter set to ETSI.CAdES.detached and the signature room still empty.
func layout(in []byte, chain []*x509.Certificate, o Options) ([]byte, error) {
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return nil, fmt.Errorf("pades: read the PDF: %w", err)
	}
	// Room: the evidence, the time-stamp, and more than the longest run of zeros already in the
	// file, since pdfsign finds its placeholder as the first such run.
	room := longestZeroRun(in)/2 + 1
	if o.TSA != nil {
		room = max(room, tsaRoom)
	}
	rev := o.Revocation
	rev.OCSP = append(append(revocation.OCSP(nil), rev.OCSP...), asn1.RawValue{FullBytes: octets(room)})
	sd := sign.SignData{
		Signature: sign.SignDataSignature{
			CertType: sign.ApprovalSignature,
			Info:     sign.SignDataSignatureInfo{Name: o.Name, Location: o.Location, Reason: o.Reason, ContactInfo: o.Contact, Date: o.Time},
		},
		Signer:            standIn{pub: chain[0].PublicKey},
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       chain[0],
		CertificateChains: [][]*x509.Certificate{chain},
		RevocationData:    rev,
	}
	if a := o.Appearance; a != nil {
		sd.Appearance = sign.Appearance{Visible: true, Page: a.Page, LowerLeftX: a.Rect[0], LowerLeftY: a.Rect[1], UpperRightX: a.Rect[2], UpperRightY: a.Rect[3], Image: a.Image}
	}
	var out bytes.Buffer
	if err := sign.Sign(bytes.NewReader(in), &out, rdr, int64(len(in)), sd); err != nil {
		return nil, fmt.Errorf("pades: lay out the signature: %w", err)
	}
	b := out.Bytes()
	const from, to = "/SubFilter /adbe.pkcs7.detached", "/SubFilter /ETSI.CAdES.detached"
	i := bytes.LastIndex(b, []byte(from))
	if i < len(in) {
		return nil, errors.New("pades: no signature dictionary in the update")
	}
	copy(b[i:], to)
	return b, nil
}

// lastByteRange reads the byte range of the signature just added (after the first n bytes) and
// empties its room.
func lastByteRange(b []byte, n int) ([4]int, error) {
	var r [4]int
	i := bytes.LastIndex(b, []byte("/ByteRange ["))
	if i < n {
		return r, errors.New("pades: no byte range in the update")
	}
	if _, err := fmt.Sscanf(string(b[i+len("/ByteRange ["):min(len(b), i+80)]), "%d %d %d %d", &r[0], &r[1], &r[2], &r[3]); err != nil {
		return r, fmt.Errorf("pades: byte range: %w", err)
	}
	if r[0] != 0 || r[1] < n || r[2] <= r[1]+2 || r[2]+r[3] != len(b) || b[r[1]] != '<' || b[r[2]-1] != '>' {
		return r, errors.New("pades: the byte range does not fit the update")
	}
	for j := r[1] + 1; j < r[2]-1; j++ {
		b[j] = '0'
	}
	return r, nil
}

// cms makes the CAdES detached signature over signed: content type, message digest, signing
// time, signing-certificate-v2 and the revocation evidence signed; the time-stamp over the
// signature value unsigned.
func cms(ctx context.Context, signed []byte, s Signer, chain []*x509.Certificate, o Options) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(signed)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	scv2, err := signingCertificateV2(chain[0])
	if err != nil {
		return nil, err
	}
	cfg := pkcs7.SignerInfoConfig{ExtraSignedAttributes: []pkcs7.Attribute{scv2}}
	if len(o.Revocation.CRL)+len(o.Revocation.OCSP) > 0 {
		cfg.ExtraSignedAttributes = append(cfg.ExtraSignedAttributes, pkcs7.Attribute{Type: oidRevocationArchival, Value: o.Revocation})
	}
	if err := sd.AddSignerChain(chain[0], ctxSigner{s, ctx}, chain[1:], cfg); err != nil {
		return nil, err
	}
	sd.Detach()
	if o.TSA != nil {
		si := &sd.GetSignedData().SignerInfos[0]
		tok, err := timeStamp(ctx, *o.TSA, si.EncryptedDigest)
		if err != nil {
			return nil, err
		}
		if err := si.SetUnauthenticatedAttributes([]pkcs7.Attribute{{Type: oidTimeStampToken, Value: asn1.RawValue{FullBytes: tok}}}); err != nil {
			return nil, err
		}
	}
	return sd.Finish()
}

var (
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidRevocationArchival   = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
)

// signingCertificateV2 binds the signature to the certificate (RFC 5035): ESSCertIDv2 with the
// SHA-256 of the certificate (the default algorithm, so not written) and its issuer and serial.
func signingCertificateV2(c *x509.Certificate) (pkcs7.Attribute, error) {
	sum := crypto.SHA256.New()
	sum.Write(c.Raw)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
				b.AddASN1OctetString(sum.Sum(nil))
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
						b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { // directoryName
							b.AddBytes(c.RawIssuer)
						})
					})
					b.AddASN1BigInt(c.SerialNumber)
				})
			})
		})
	})
	der, err := b.Bytes()
	return pkcs7.Attribute{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: der}}, err
}

// ctxSigner hands the request's context to keys that can use it (a remote service waits on it).
type ctxSigner struct {
	Signer
	ctx context.Context
}

// ContextSigner is a key that can give up when the context ends.
type ContextSigner interface {
	SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

func (c ctxSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if cs, ok := c.Signer.(ContextSigner); ok {
		return cs.SignContext(c.ctx, digest, opts)
	}
	return c.Signer.Sign(r, digest, opts)
}

// standIn takes the real key's place while pdfsign lays the update out: a signature of the
// largest size the real key can make, so the room reserved is enough.
type standIn struct{ pub crypto.PublicKey }

func (s standIn) Public() crypto.PublicKey { return s.pub }

func (s standIn) Sign(_ io.Reader, _ []byte, _ crypto.SignerOpts) ([]byte, error) {
	switch k := s.pub.(type) {
	case *rsa.PublicKey:
		return make([]byte, k.Size()), nil
	case *ecdsa.PublicKey:
		n := (k.Curve.Params().BitSize+7)/8 + 1
		return make([]byte, 2*(n+2)+3), nil
	case ed25519.PublicKey:
		return make([]byte, ed25519.SignatureSize), nil
	}
	return nil, fmt.Errorf("pades: unsupported key type %T", s.pub)
}

// octets is a DER OCTET STRING of n zero bytes.
func octets(n int) []byte {
	der, _ := asn1.Marshal(make([]byte, n))
	return der
}

func longestZeroRun(b []byte) int {
	best, run := 0, 0
	for _, c := range b {
		if c == '0' {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}
