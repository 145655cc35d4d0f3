// Package bustest finds the external NATS server tests use besides the embedded one.
package bustest

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// ExternalURL returns PHONGHOP_TEST_NATS_URL (default nats://127.0.0.1:4222) if it answers.
// A server that does not answer fails the test under CI and skips it elsewhere.
func ExternalURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("PHONGHOP_TEST_NATS_URL")
	if u == "" {
		u = "nats://127.0.0.1:4222"
	}
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(u, "nats://"), 2*time.Second)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("NATS at %s does not answer: %v", u, err)
		}
		t.Skipf("NATS at %s does not answer: %v", u, err)
	}
	c.Close()
	return u
}
