package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/store"
)

// A backup is a directory (or a tar file of one) holding a consistent copy of the database —
// SQLite through VACUUM INTO, PostgreSQL through pg_dump, each a snapshot of one moment taken
// while the server keeps running — then the document files and the signing certificate, and a
// manifest with versions and the SHA-256 of every file. Files are stored under their own
// SHA-256 and never change once written, and a file is written before the row naming it
// commits, so copying them after the database snapshot finds every file the snapshot names.

const manifestName = "manifest.json"

// Manifest describes a backup.
type Manifest struct {
	Format        string         `json:"format"` // phonghop-backup-v1
	CreatedAt     time.Time      `json:"created_at"`
	Database      string         `json:"database"` // sqlite or postgres
	ServerVersion string         `json:"server_version"`
	DumpVersion   string         `json:"dump_version,omitempty"`
	Schema        string         `json:"schema,omitempty"` // the PostgreSQL schema dumped, when not public
	Migrations    map[string]int `json:"migrations"`       // the latest version of each component
	Files         []ManifestFile `json:"files"`
}

// ManifestFile is one file of a backup.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	fs := newFlagSet("backup --out DIR|FILE.tar [flags]", "Writes a consistent online backup of the database and the document files, with a manifest.", stderr)
	cfg.storageFlags(fs)
	out := fs.String("out", "", "an empty or new directory, or a file name ending in .tar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: give --out")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	start := time.Now()
	m, err := Backup(ctx, cfg, *out)
	if err != nil {
		return err
	}
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	fmt.Fprintf(stdout, "phonghop: sao lưu / backup %s: %d tệp / files, %.1f MB, %s\n", *out, len(m.Files), float64(size)/1e6, time.Since(start).Round(time.Millisecond))
	return nil
}

// Backup writes the backup of cfg's data to out (a directory, or a .tar file).
func Backup(ctx context.Context, cfg Config, out string) (Manifest, error) {
	dir := out
	if strings.HasSuffix(out, ".tar") {
		tmp, err := os.MkdirTemp(filepath.Dir(out), ".phonghop-backup-*")
		if err != nil {
			return Manifest{}, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := mustBeEmpty(dir); err != nil {
		return Manifest{}, err
	}
	db, err := openStorage(ctx, cfg)
	if err != nil {
		return Manifest{}, err
	}
	defer db.Close()
	m := Manifest{Format: "phonghop-backup-v1", CreatedAt: time.Now().UTC(), Database: string(db.Dialect), Migrations: map[string]int{}}
	rows, err := db.QueryContext(ctx, `SELECT component, MAX(version) FROM schema_migrations GROUP BY component`)
	if err != nil {
		return m, err
	}
	for rows.Next() {
		var c string
		var v int
		if err := rows.Scan(&c, &v); err != nil {
			rows.Close()
			return m, err
		}
		m.Migrations[c] = v
	}
	rows.Close()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return m, err
	}
	if db.Dialect == store.SQLite {
		if err := db.QueryRowContext(ctx, `SELECT sqlite_version()`).Scan(&m.ServerVersion); err != nil {
			return m, err
		}
		// One read transaction's view of the whole database, written as a compact file.
		if _, err := db.ExecContext(ctx, `VACUUM INTO '`+strings.ReplaceAll(filepath.Join(dir, "phonghop.db"), "'", "''")+`'`); err != nil {
			return m, fmt.Errorf("backup: sqlite: %w", err)
		}
	} else if err := pgDump(ctx, db, cfg.Database.URL, dir, &m); err != nil {
		return m, err
	}
	// Then the files: documents (blobs) and the signing certificate of a self-signed node.
	for _, sub := range []string{"blobs", "signing"} {
		if err := copyTree(filepath.Join(cfg.DataDir, sub), filepath.Join(dir, sub)); err != nil {
			return m, err
		}
	}
	if err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum, size, err := hashFile(p)
		m.Files = append(m.Files, ManifestFile{Path: filepath.ToSlash(rel), Size: size, SHA256: sum})
		return err
	}); err != nil {
		return m, err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, manifestName), b, 0o600); err != nil {
		return m, err
	}
	if dir != out {
		return m, writeTar(dir, out)
	}
	return m, nil
}

// libpqURL turns the server's database URL into one pg_dump and pg_restore accept: pgx reads
// search_path from the URL, libpq does not, so the schema is returned apart.
func libpqURL(raw string) (string, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", err
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}

func pgDump(ctx context.Context, db *store.DB, raw, dir string, m *Manifest) error {
	conn, schema, err := libpqURL(raw)
	if err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, `SHOW server_version`).Scan(&m.ServerVersion); err != nil {
		return err
	}
	v, err := exec.CommandContext(ctx, "pg_dump", "--version").Output()
	if err != nil {
		return fmt.Errorf("backup: pg_dump is needed for PostgreSQL (apt-get install postgresql-client): %w", err)
	}
	m.DumpVersion = strings.TrimSpace(string(v))
	// pg_dump refuses a server newer than itself; say so plainly rather than half-dump.
	if f := strings.Fields(m.DumpVersion); len(f) < 3 || major(m.ServerVersion) > major(f[2]) {
		return fmt.Errorf("backup: %s is older than the server (%s); install the matching postgresql-client", m.DumpVersion, m.ServerVersion)
	}
	args := []string{"--format=custom", "--no-owner", "--no-privileges", "--file", filepath.Join(dir, "phonghop.pgdump")}
	if schema != "" {
		m.Schema = schema
		args = append(args, "--schema="+schema)
	}
	out, err := exec.CommandContext(ctx, "pg_dump", append(args, conn)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("backup: pg_dump: %v: %s", err, out)
	}
	return nil
}

func major(v string) int {
	n := 0
	for _, c := range strings.TrimSpace(v) {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
