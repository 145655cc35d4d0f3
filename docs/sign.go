package docs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/digitorus/pkcs7"
)

// Signer signs filed documents with an agency's (or a person's) X.509 certificate.
type Signer struct {
	Cert  *x509.Certificate
	Key   crypto.Signer
	Chain []*x509.Certificate // issuers, leaf first excluded
}

// LoadSigner reads a PEM certificate (followed by its issuers) and a PEM private key (PKCS#8,
// PKCS#1 or EC).
func LoadSigner(certPEM, keyPEM []byte) (*Signer, error) {
	var certs []*x509.Certificate
	for rest := certPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("docs: signing certificate: %w", err)
			}
			certs = append(certs, c)
		}
	}
	if len(certs) == 0 {
		return nil, errors.New("docs: no certificate in the signing certificate file")
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("docs: no PEM block in the signing key file")
	}
	var key any
	var err error
	switch kb.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(kb.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(kb.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("docs: signing key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("docs: the signing key cannot sign")
	}
	return &Signer{Cert: certs[0], Key: signer, Chain: certs[1:]}, nil
}

// SelfSignedSigner makes a certificate for an agency that has none configured (demo and tests):
// documents are signed and their integrity checks, but no authority vouches for the name.
func SelfSignedSigner(commonName, organization string) (*Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{organization}, Country: []string{"VN"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Signer{Cert: cert, Key: key}, nil
}

// PEM returns the certificate and key in PEM, to keep a generated signer.
func (s *Signer) PEM() (certPEM, keyPEM []byte, err error) {
	k, err := x509.MarshalPKCS8PrivateKey(s.Key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Cert.Raw}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}), nil
}

// WriteSignedAdminPDF renders d and signs it: a detached CMS (PKCS #7) signature with SHA-256
// over the whole file but the signature itself (/ByteRange), with the signing time, as PDF
// readers and `pdfsig` verify it.
func WriteSignedAdminPDF(w io.Writer, d AdminDocument, s *Signer, at time.Time) error {
	p, err := renderAdmin(d)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	name := s.Cert.Subject.CommonName
	if err := p.writeWith(&buf, d.Kind+" "+d.Symbol, &sigField{name: name, reason: "Ký ban hành " + d.Symbol, at: at}); err != nil {
		return err
	}
	signed, err := signPDF(buf.Bytes(), s)
	if err != nil {
		return err
	}
	_, err = w.Write(signed)
	return err
}

// signPDF fills the placeholders writeWith left: the byte ranges, then the signature over them.
func signPDF(pdf []byte, s *Signer) ([]byte, error) {
	start := bytes.LastIndex(pdf, []byte("/Contents <"))
	br := bytes.LastIndex(pdf, []byte("/ByteRange [0 "))
	if start < 0 || br < 0 {
		return nil, errors.New("docs: no signature placeholder")
	}
	a := start + len("/Contents ") // the '<'
	b := a + 2 + 2*sigContentsLen  // after the '>'
	if b > len(pdf) || pdf[b-1] != '>' {
		return nil, errors.New("docs: malformed signature placeholder")
	}
	ranges := fmt.Sprintf("/ByteRange [0 %010d %010d %010d]", a, b, len(pdf)-b)
	copy(pdf[br:], ranges)
	signedBytes := append(append([]byte{}, pdf[:a]...), pdf[b:]...)
	sd, err := pkcs7.NewSignedData(signedBytes)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSignerChain(s.Cert, s.Key, s.Chain, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("docs: sign: %w", err)
	}
	sd.Detach()
	der, err := sd.Finish()
	if err != nil {
		return nil, fmt.Errorf("docs: sign: %w", err)
	}
	if len(der) > sigContentsLen {
		return nil, fmt.Errorf("docs: signature of %d bytes does not fit in %d", len(der), sigContentsLen)
	}
	hx := []byte(hex.EncodeToString(der))
	copy(pdf[a+1:], bytes.ToUpper(hx))
	return pdf, nil
}

// SignatureInfo is what checking a signed PDF found.
type SignatureInfo struct {
	Signed bool   `json:"signed"`
	Valid  bool   `json:"valid"`  // the signed bytes are unchanged and the signature matches
	Whole  bool   `json:"whole"`  // the signature covers the whole file but itself
	Signer string `json:"signer"` // the certificate's subject
	Issuer string `json:"issuer"`
	// SelfSigned: no authority vouches for the signer's name.
	SelfSigned bool   `json:"self_signed"`
	Problem    string `json:"problem,omitempty"`
}

// VerifyPDF checks the last signature of a PDF: the byte ranges, the CMS signature over them,
// and whether they cover the whole file (nothing appended after signing).
func VerifyPDF(pdf []byte) SignatureInfo {
	var info SignatureInfo
	br := bytes.LastIndex(pdf, []byte("/ByteRange ["))
	if br < 0 {
		return info
	}
	info.Signed = true
	var r [4]int
	if _, err := fmt.Sscanf(string(pdf[br+len("/ByteRange ["):min(len(pdf), br+80)]), "%d %d %d %d", &r[0], &r[1], &r[2], &r[3]); err != nil {
		info.Problem = "byte range unreadable"
		return info
	}
	if r[0] != 0 || r[1] <= 0 || r[2] <= r[1] || r[3] < 0 || r[2]+r[3] > len(pdf) || pdf[r[1]] != '<' || pdf[r[2]-1] != '>' {
		info.Problem = "byte range does not fit the file"
		return info
	}
	info.Whole = r[2]+r[3] == len(pdf)
	all, err := hex.DecodeString(string(pdf[r[1]+1 : r[2]-1]))
	if err != nil {
		info.Problem = "signature is not hexadecimal"
		return info
	}
	// The signature is padded with zeros to its reserved room: take the one DER value.
	var der asn1.RawValue
	if _, err := asn1.Unmarshal(all, &der); err != nil {
		info.Problem = "signature unreadable: " + err.Error()
		return info
	}
	p7, err := pkcs7.Parse(der.FullBytes)
	if err != nil {
		info.Problem = "signature unreadable: " + err.Error()
		return info
	}
	p7.Content = append(append([]byte{}, pdf[:r[1]]...), pdf[r[2]:]...)
	if c := p7.GetOnlySigner(); c != nil {
		info.Signer, info.Issuer = c.Subject.String(), c.Issuer.String()
		info.SelfSigned = bytes.Equal(c.RawIssuer, c.RawSubject)
	}
	if err := p7.Verify(); err != nil {
		info.Problem = err.Error()
		return info
	}
	info.Valid = true
	return info
}
