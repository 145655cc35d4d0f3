package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs/docstest"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// upload sends a PDF to the meeting's documents as the secretary.
func (s *session) upload(meeting int64, name string, pdf []byte) int {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("title", name)
	f, _ := w.CreateFormFile("file", name+".pdf")
	f.Write(pdf)
	w.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/meetings/%d/documents", s.base, meeting), &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-CSRF-Token", s.csrf)
	resp, err := s.http.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBackupWhileBusyAndRestore: a backup taken while votes are held and documents uploaded
// restores into a fresh data directory (and a fresh PostgreSQL database), where `phonghop
// verify` passes and every document and vote acknowledged before the backup began is there; a
// non-empty target is refused; a changed backup file is refused.
func TestBackupWhileBusyAndRestore(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			cfg := defaultConfig()
			cfg.DataDir, cfg.HTTP.Addr, cfg.Demo, cfg.Log.Level = t.TempDir(), "127.0.0.1:0", true, "warn"
			quietMedia(&cfg)
			if backend == "postgres" {
				cfg.Database.URL = storetest.NewPostgresSchema(t)
			}
			srv, err := Open(ctx, cfg, io.Discard, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			base := "http://" + srv.Addr()
			sec, chair := login(t, base, "thuky", DemoPassword), login(t, base, "chutich", DemoPassword)
			voter := login(t, base, "giamdoc.stnmt", DemoPassword)
			var ms struct{ Items []struct{ ID int64 } }
			sec.must("GET", "/api/meetings", nil, &ms, 200)
			m := ms.Items[0].ID
			path := func(p string) string { return fmt.Sprintf("/api/meetings/%d%s", m, p) }
			sec.call("POST", path("/transition"), map[string]string{"action": "schedule"}, nil)
			chair.call("POST", path("/transition"), map[string]string{"action": "start"}, nil)
			voter.call("POST", path("/attendance"), map[string]any{"status": "in_person"}, nil)

			var stop atomic.Bool
			var uploads, votes atomic.Int64
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { // uploads
				defer wg.Done()
				for i := 0; i < 200 && !stop.Load(); i++ {
					if st := sec.upload(m, fmt.Sprintf("Tài liệu %d", i), docstest.PDF(fmt.Sprintf("Trang %d", i))); st == 201 {
						uploads.Add(1)
					}
				}
			}()
			go func() { // votes: created, opened, a ballot, closed
				defer wg.Done()
				for i := 0; i < 100 && !stop.Load(); i++ {
					var v struct{ ID int64 }
					if st, _ := sec.call("POST", path("/votes"), map[string]any{"question": fmt.Sprintf("Biểu quyết %d", i), "secret": i%2 == 0}, &v); st != 201 {
						continue
					}
					vp := fmt.Sprintf("/votes/%d", v.ID)
					chair.call("POST", path(vp+"/open"), nil, nil)
					voter.call("POST", path(vp+"/ballot"), map[string]any{"option": 0}, nil)
					if st, _ := chair.call("POST", path(vp+"/close"), nil, nil); st == 200 {
						votes.Add(1)
					}
				}
			}()
			deadline := time.Now().Add(20 * time.Second)
			for uploads.Load() < 3 || votes.Load() < 2 {
				if time.Now().After(deadline) {
					t.Fatalf("activity did not start: %d uploads, %d votes", uploads.Load(), votes.Load())
				}
				time.Sleep(20 * time.Millisecond)
			}
			beforeUploads, beforeVotes := uploads.Load(), votes.Load()
			out := filepath.Join(t.TempDir(), "sao-luu.tar")
			if _, err := Backup(ctx, cfg, out); err != nil {
				t.Fatal(err)
			}
			stop.Store(true)
			wg.Wait()

			// Restore into a fresh directory (and database).
			rcfg := defaultConfig()
			rcfg.DataDir = filepath.Join(t.TempDir(), "khoi-phuc")
			if backend == "postgres" {
				rcfg.Database.URL = freshDatabase(t, cfg.Database.URL)
			}
			if _, err := Restore(ctx, rcfg, out); err != nil {
				t.Fatal(err)
			}
			if _, err := Restore(ctx, rcfg, out); err == nil {
				t.Fatal("restore into a non-empty data directory was accepted")
			}
			t.Setenv("PHONGHOP_DATA_DIR", rcfg.DataDir)
			t.Setenv("PHONGHOP_DATABASE_URL", rcfg.Database.URL)
			var vout bytes.Buffer
			if err := run(ctx, []string{"verify"}, &vout, io.Discard); err != nil || !strings.Contains(vout.String(), "intact") {
				t.Fatalf("verify on the restored copy: %v\n%s", err, vout.String())
			}
			db, err := openStorage(ctx, rcfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var docs, closed int64
			db.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents WHERE meeting_id = ?`, m).Scan(&docs)
			db.QueryRowContext(ctx, `SELECT COUNT(*) FROM votes WHERE meeting_id = ? AND status <> 'created' AND status <> 'open'`, m).Scan(&closed)
			if docs < beforeUploads || closed < beforeVotes {
				t.Fatalf("restored %d documents and %d closed votes; %d and %d were acknowledged before the backup", docs, closed, beforeUploads, beforeVotes)
			}
			if backend == "sqlite" { // a directory backup with one file changed does not restore
				bdir := filepath.Join(t.TempDir(), "thu-muc")
				if _, err := Backup(ctx, cfg, bdir); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(bdir, "phonghop.db"), []byte("hỏng"), 0o600); err != nil {
					t.Fatal(err)
				}
				if _, err := Restore(ctx, Config{DataDir: filepath.Join(t.TempDir(), "moi")}, bdir); err == nil || !strings.Contains(err.Error(), "manifest") {
					t.Fatalf("a changed backup was restored: %v", err)
				}
			}
			t.Logf("backed up during %d uploads and %d votes; restored %d documents, %d closed votes", uploads.Load(), votes.Load(), docs, closed)
		})
	}
}

// freshDatabase creates an empty database on the test server (dropped at the end) and returns
// its URL with the schema of from, so the restored dump lands where the server looks.
func freshDatabase(t *testing.T, from string) string {
	t.Helper()
	admin, err := sql.Open("pgx", storetest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("restore_%d", time.Now().UnixNano())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", storetest.PostgresURL())
		if err == nil {
			a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			a.Close()
		}
	})
	u, _ := url.Parse(from)
	u.Path = "/" + name
	return u.String()
}
