// Package pkitest runs a certificate authority for tests on 127.0.0.1: a root, certificates it
// issues (valid, expired, revoked), a CRL and an OCSP responder for them, and an RFC 3161
// time-stamping service. It also makes the NSS database pdfsig reads trust anchors from.
package pkitest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"
)

// T is what the helpers need of a test; testing.TB has it, and so can a demo program.
type T interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

// CA is a test root with its services.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// URL is the base of the services: URL+"/crl", URL+"/ocsp", URL+"/tsa".
	URL string
	tsa struct {
		cert *x509.Certificate
		key  crypto.Signer
	}
	mu      sync.Mutex
	revoked map[string]time.Time // serial → when
	srv     *httptest.Server
}

// Leaf is an issued certificate with its key.
type Leaf struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	CA   *CA
}

// New starts a CA named name; its services stop with the test.
func New(t T, name string) *CA {
	t.Helper()
	ca := &CA{revoked: map[string]time.Time{}}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"Thử nghiệm"}, Country: []string{"VN"}},
		NotBefore:             time.Now().Add(-48 * time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca.Cert, _ = x509.ParseCertificate(der)
	ca.Key = key
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/crl", ca.serveCRL)
	mux.HandleFunc("/ocsp", ca.serveOCSP)
	mux.HandleFunc("/tsa", ca.serveTSA)
	ca.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	ca.srv.Start()
	t.Cleanup(ca.srv.Close)
	ca.URL = ca.srv.URL
	tsaKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tsaCert := ca.issue(t, pkix.Name{CommonName: name + " TSA", Country: []string{"VN"}}, &tsaKey.PublicKey, time.Now().Add(-time.Hour), time.Now().AddDate(5, 0, 0), []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, false)
	ca.tsa.cert, ca.tsa.key = tsaCert, tsaKey
	return ca
}

// Options shape an issued certificate.
type Options struct {
	Title    string // the holder's position, written as the certificate's title
	Org      string
	Expired  bool // validity ended yesterday
	ECDSA    bool // a P-256 key instead of RSA 2048
	NotAfter time.Time
	NoOCSP   bool // only a CRL distribution point
}

// Issue makes a signing certificate for a person.
func (ca *CA) Issue(t T, name string, o Options) *Leaf {
	t.Helper()
	var key crypto.Signer
	var err error
	if o.ECDSA {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Now().Add(-time.Hour), time.Now().AddDate(2, 0, 0)
	if !o.NotAfter.IsZero() {
		to = o.NotAfter
	}
	if o.Expired {
		from, to = time.Now().AddDate(-1, 0, 0), time.Now().Add(-24*time.Hour)
	}
	subj := pkix.Name{CommonName: name, Country: []string{"VN"}}
	if o.Org != "" {
		subj.Organization = []string{o.Org}
	}
	if o.Title != "" {
		subj.ExtraNames = []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 12}, Value: o.Title}}
	}
	c := ca.issue(t, subj, key.Public(), from, to, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, o.NoOCSP)
	return &Leaf{Cert: c, Key: key, CA: ca}
}

func (ca *CA) issue(t T, subj pkix.Name, pub crypto.PublicKey, from, to time.Time, eku []x509.ExtKeyUsage, noOCSP bool) *x509.Certificate {
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               subj,
		NotBefore:             from,
		NotAfter:              to,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           eku,
		BasicConstraintsValid: true,
		CRLDistributionPoints: []string{ca.URL + "/crl"},
		OCSPServer:            []string{ca.URL + "/ocsp"},
	}
	if noOCSP {
		tmpl.OCSPServer = nil
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// Revoke puts c on the CRL and has the OCSP responder answer revoked.
func (ca *CA) Revoke(c *x509.Certificate) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.revoked[c.SerialNumber.String()] = time.Now().Add(-time.Minute)
}

func (ca *CA) serveCRL(w http.ResponseWriter, _ *http.Request) {
	ca.mu.Lock()
	var entries []x509.RevocationListEntry
	for s, at := range ca.revoked {
		n, _ := new(big.Int).SetString(s, 10)
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: at})
	}
	ca.mu.Unlock()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(time.Now().UnixNano()), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: entries,
	}, ca.Cert, ca.Key)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	_, _ = w.Write(der)
}

func (ca *CA) serveOCSP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	ca.mu.Lock()
	at, revoked := ca.revoked[req.SerialNumber.String()]
	ca.mu.Unlock()
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
	if revoked {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, ocsp.KeyCompromise
	}
	der, err := ocsp.CreateResponse(ca.Cert, ca.Cert, tmpl, ca.Key)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	_, _ = w.Write(der)
}

func (ca *CA) serveTSA(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	ts := timestamp.Timestamp{
		HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: time.Now(),
		Nonce: req.Nonce, Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, AddTSACertificate: req.Certificates,
		Certificates: []*x509.Certificate{ca.Cert},
	}
	der, err := ts.CreateResponseWithOpts(ca.tsa.cert, ca.tsa.key, crypto.SHA256)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	_, _ = w.Write(der)
}

// PEM is the root certificate in PEM.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// WritePEM writes the root to dir/name and returns the path.
func (ca *CA) WritePEM(t T, dir string) string {
	p := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(p, ca.PEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Chain is the leaf then the root.
func (l *Leaf) Chain() []*x509.Certificate { return []*x509.Certificate{l.Cert, l.CA.Cert} }

// CertPEM and KeyPEM are the leaf's certificate (with the root) and PKCS#8 key in PEM.
func (l *Leaf) CertPEM() []byte {
	var b bytes.Buffer
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: l.Cert.Raw})
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: l.CA.Cert.Raw})
	return b.Bytes()
}

func (l *Leaf) KeyPEM() []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(l.Key)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// Tool finds a command the tests need; under CI=true a missing one fails the test, elsewhere it
// skips it.
func Tool(t T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required (see .ci/run)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// NSSDB makes an NSS database that trusts ca, for pdfsig -nssdir.
func (ca *CA) NSSDB(t T) string {
	t.Helper()
	certutil := Tool(t, "certutil")
	dir := t.TempDir()
	run := func(args ...string) {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	run("-N", "-d", "sql:"+dir, "--empty-password")
	run("-A", "-d", "sql:"+dir, "-n", "phonghop-test-ca", "-t", "CT,C,C", "-i", ca.WritePEM(t, t.TempDir()))
	return dir
}

// Pdfsig runs pdfsig on pdf (with the NSS database nssdir when not empty) and returns its output.
func Pdfsig(t T, pdf []byte, nssdir string) string {
	t.Helper()
	bin := Tool(t, "pdfsig")
	f := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{}
	if nssdir != "" {
		args = append(args, "-nssdir", "sql:"+nssdir)
	}
	out, _ := exec.Command(bin, append(args, f)...).CombinedOutput() // pdfsig exits non-zero for an invalid signature
	return string(out)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}
