// Package softhsmtest makes SoftHSM2 tokens for tests: one token directory per test process
// (SOFTHSM2_CONF is read once, when the module is first loaded), a token per call, a key and its
// certificate imported into it.
package softhsmtest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ThalesGroup/crypto11"
	"github.com/phonghop/phonghop/docs/pades/pkitest"
)

// Module is where Debian's softhsm2 puts the PKCS#11 library; PHONGHOP_TEST_SOFTHSM_MODULE
// overrides it.
func Module(t testing.TB) string {
	t.Helper()
	m := os.Getenv("PHONGHOP_TEST_SOFTHSM_MODULE")
	if m == "" {
		m = "/usr/lib/softhsm/libsofthsm2.so"
	}
	if _, err := os.Stat(m); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SoftHSM2 is required (see .ci/run): %v", err)
		}
		t.Skipf("SoftHSM2 not installed: %v", err)
	}
	pkitest.Tool(t, "softhsm2-util")
	return m
}

var (
	once sync.Once
	dir  string
	err  error
)

// conf points SOFTHSM2_CONF at a token directory of this process's own.
func conf(t testing.TB) {
	once.Do(func() {
		dir, err = os.MkdirTemp("", "phonghop-softhsm-")
		if err != nil {
			return
		}
		if err = os.MkdirAll(filepath.Join(dir, "tokens"), 0o700); err != nil {
			return
		}
		c := filepath.Join(dir, "softhsm2.conf")
		err = os.WriteFile(c, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
		if err == nil {
			err = os.Setenv("SOFTHSM2_CONF", c)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Token makes a token with a random label holding leaf's key and certificate, and returns the
// label. The PIN is pin.
func Token(t testing.TB, leaf *pkitest.Leaf, pin string) (module, label string) {
	t.Helper()
	module = Module(t)
	conf(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	label = "phonghop-" + hex.EncodeToString(b)
	run(t, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "so-"+pin)
	key := filepath.Join(t.TempDir(), "key.pem")
	der, err := x509.MarshalPKCS8PrivateKey(leaf.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "--import", key, "--token", label, "--label", "signing", "--id", "01", "--pin", pin)
	ctx, err := crypto11.Configure(&crypto11.Config{Path: module, TokenLabel: label, Pin: pin})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	if err := ctx.ImportCertificateWithLabel([]byte{1}, []byte("signing"), leaf.Cert); err != nil {
		t.Fatal(err)
	}
	return module, label
}

func run(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("softhsm2-util", args...).CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util %v: %v\n%s", args, err, out)
	}
}
