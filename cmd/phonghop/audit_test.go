package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestVerifyFindsTamperedAudit: `phonghop verify` passes on the audit log a real server wrote
// (demo accounts, a failed and a good sign-in) and fails, naming the row, once a row is changed
// behind the append-only triggers' back.
func TestVerifyFindsTamperedAudit(t *testing.T) {
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.DataDir, cfg.HTTP.Addr, cfg.Demo, cfg.Log.Level = dir, "127.0.0.1:0", true, "warn"
	quietMedia(&cfg)
	srv, err := Open(context.Background(), cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"sai", DemoPassword} {
		resp, err := http.Post("http://"+srv.Addr()+"/api/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	srv.Close()

	t.Setenv("PHONGHOP_DATA_DIR", dir)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"verify"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "intact") || !strings.Contains(out.String(), "audit log:") {
		t.Fatalf("verify on an intact log: %v\n%s", err, out.String())
	}
	db, err := openStorage(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `UPDATE audit_log SET address = '203.0.113.5' WHERE action = 'auth.sign_in_failed'`); err == nil {
		t.Fatal("the trigger let an audit row change")
	}
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET address = '203.0.113.5' WHERE action = 'auth.sign_in_failed'`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out.Reset()
	if err := run(context.Background(), []string{"verify"}, &out, io.Discard); err == nil || !strings.Contains(out.String(), "BROKEN") || !strings.Contains(out.String(), "nhật ký kiểm toán") {
		t.Fatalf("verify on a changed audit row: %v\n%s", err, out.String())
	}
}
