// Command cscservice runs, on 127.0.0.1, what a leader's remote signing needs for the browser
// tests and the demo: a CA with its OCSP responder, CRL and time-stamping service, a remote
// signing service (CSC API v2) holding the leader's key, and the agency's seal certificate. It
// writes the CA and the seal's files into -dir, prints one JSON line saying where everything is,
// and serves until it is stopped. The OTP it "sends" is read at GET /test/otp?user=NAME.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/phonghop/phonghop/docs/pades/csc/csctest"
	"github.com/phonghop/phonghop/docs/pades/pkitest"
)

// runner lets the test helpers run in a program: a failure ends it.
type runner struct{ cleanups []func() }

func (*runner) Helper()                   {}
func (*runner) Fatal(a ...any)            { log.Fatal(a...) }
func (*runner) Fatalf(f string, a ...any) { log.Fatalf(f, a...) }
func (*runner) Skipf(f string, a ...any)  { log.Fatalf(f, a...) }
func (r *runner) Cleanup(f func())        { r.cleanups = append(r.cleanups, f) }
func (r *runner) TempDir() string         { d, _ := os.MkdirTemp("", "cscservice-"); return d }
func (r *runner) close() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address of the signing service")
	dir := flag.String("dir", "", "where to write ca.pem, seal-cert.pem and seal-key.pem (required)")
	user := flag.String("user", "chutich", "the leader's account at the signing service")
	pass := flag.String("password", "ky-so-tu-xa", "its password")
	name := flag.String("name", "Đỗ Minh Tuấn", "the leader's name in the certificate")
	title := flag.String("title", "Chủ tịch UBND tỉnh", "the leader's position in the certificate")
	agency := flag.String("agency", "UBND tỉnh Thanh Hóa", "the agency named in the seal certificate")
	flag.Parse()
	if *dir == "" {
		log.Fatal("cscservice: -dir is required")
	}
	r := &runner{}
	defer r.close()
	ca := pkitest.New(r, "CA Thử nghiệm Phonghop")
	leader := ca.Issue(r, *name, pkitest.Options{Title: *title})
	seal := ca.Issue(r, *agency, pkitest.Options{ECDSA: true})
	files := map[string][]byte{"ca.pem": ca.PEM(), "seal-cert.pem": seal.CertPEM(), "seal-key.pem": seal.KeyPEM()}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(*dir, f), b, 0o600); err != nil {
			log.Fatal(err)
		}
	}
	svc := csctest.New()
	svc.AddUser(*user, *pass, leader.Key, leader.Chain())
	if err := svc.Listen(*addr); err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	out, _ := json.Marshal(map[string]string{
		"csc_url": svc.URL, "otp_url": svc.URL[:len(svc.URL)-len("/csc/v2")] + "/test/otp", "tsa_url": ca.URL + "/tsa",
		"ca": filepath.Join(*dir, "ca.pem"), "seal_cert": filepath.Join(*dir, "seal-cert.pem"), "seal_key": filepath.Join(*dir, "seal-key.pem"),
		"user": *user, "password": *pass,
	})
	fmt.Println(string(out))
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
