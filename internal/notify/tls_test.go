package notify_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns a pool trusting it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// Mail goes out over STARTTLS and over implicit TLS with a login, and a server whose
// certificate is not trusted is refused (the notification waits for a retry, nothing is sent).
func TestMailOverTLSWithLogin(t *testing.T) {
	cert, key, pool := selfSigned(t)
	for _, c := range []struct {
		name, security, flag string
		trusted              bool
	}{{"starttls", "starttls", "--smtp-require-starttls", true}, {"tls", "tls", "--smtp-require-tls", true},
		{"untrusted", "starttls", "--smtp-require-starttls", false}} {
		t.Run(c.name, func(t *testing.T) {
			db := storetest.OpenSQLite(t, sets...)
			mp := startMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, c.flag, "--smtp-auth-accept-any")
			cfg := notify.SMTPConfig{Host: "127.0.0.1", Port: mp.SMTPPort, Security: c.security, Username: "phonghop", Password: "mat-khau",
				From: "phonghop@thanhhoa.gov.vn", Timeout: 5 * time.Second}
			if c.trusted {
				cfg.RootCAs = pool
			}
			smtp, err := notify.NewSMTP(cfg, "")
			if err != nil {
				t.Fatal(err)
			}
			o := notify.New(notify.Options{DB: db, Email: smtp, Log: slog.New(slog.DiscardHandler), MaxAttempts: 5})
			lan := person(t, db, "lan", "Nguyễn Thị Lan", "lan@sotc.thanhhoa.gov.vn")
			enqueue(t, db, o, notify.Notification{Kind: notify.KindDocument, Recipients: []int64{lan}, MeetingID: 1, Subject: "Tài liệu mới",
				Body: "Đã bổ sung tài liệu.", DedupKey: "doc:1", Channels: []string{notify.Email}})
			if _, err := o.SendDue(t.Context()); err != nil {
				t.Fatal(err)
			}
			ds, _ := notify.Deliveries(t.Context(), db.Reader(), 1)
			if len(ds) != 1 {
				t.Fatalf("%d rows", len(ds))
			}
			got := len(mp.Messages())
			if c.trusted && (ds[0].Status != "sent" || got != 1) {
				t.Fatalf("over %s: %+v, %d received", c.security, ds[0], got)
			}
			if !c.trusted && (ds[0].Status != "pending" || ds[0].LastError == "" || got != 0) {
				t.Fatalf("an untrusted server: %+v, %d received", ds[0], got)
			}
		})
	}
}
