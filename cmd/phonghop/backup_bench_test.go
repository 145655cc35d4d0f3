package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkBackupRestore times a backup to a tar file and its restore for a data directory
// holding PHONGHOP_BENCH_BACKUP_MB of documents (default 64; the figure in docs/PERFORMANCE.md
// is 1024) in 8 MB files of random bytes, which do not compress. Everything is in temporary
// directories removed at the end. Run: go test -run '^$' -bench BackupRestore -benchtime 1x ./cmd/phonghop/
func BenchmarkBackupRestore(b *testing.B) {
	mb := 64
	if v, err := strconv.Atoi(os.Getenv("PHONGHOP_BENCH_BACKUP_MB")); err == nil && v > 0 {
		mb = v
	}
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.DataDir = b.TempDir()
	db, err := openStorage(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	buf := make([]byte, 8<<20)
	for i := 0; i < mb/8; i++ {
		_, _ = rand.Read(buf)
		s := sha256.Sum256(buf)
		sum := hex.EncodeToString(s[:])
		p := filepath.Join(cfg.DataDir, "blobs", sum[:2], sum)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, buf, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	var backup, restore time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		work := b.TempDir()
		out := filepath.Join(work, "sao-luu.tar")
		start := time.Now()
		if _, err := Backup(ctx, cfg, out); err != nil {
			b.Fatal(err)
		}
		backup += time.Since(start)
		start = time.Now()
		if _, err := Restore(ctx, Config{DataDir: filepath.Join(work, "khoi-phuc")}, out); err != nil {
			b.Fatal(err)
		}
		restore += time.Since(start)
		os.RemoveAll(work)
	}
	b.ReportMetric(backup.Seconds()/float64(b.N), "backup-s")
	b.ReportMetric(restore.Seconds()/float64(b.N), "restore-s")
	b.ReportMetric(float64(mb)/(backup.Seconds()/float64(b.N)), "backup-MB/s")
	b.Log(fmt.Sprintf("%d MB of documents", mb))
}
