package main

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/phonghop/phonghop/internal/store"
)

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	fs := newFlagSet("restore --from DIR|FILE.tar [flags]", "Restores a backup into an empty data directory (and, for PostgreSQL, an empty database or schema).", stderr)
	cfg.storageFlags(fs)
	from := fs.String("from", "", "the backup directory or .tar file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: give --from")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	m, err := Restore(ctx, cfg, *from)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "phonghop: đã khôi phục / restored %d tệp / files (%s, sao lưu lúc / backed up at %s) vào / into %s\n", len(m.Files), m.Database, m.CreatedAt.Format("2006-01-02 15:04:05Z"), cfg.DataDir)
	return nil
}

// Restore checks a backup against its manifest and writes it into cfg's data directory, which
// must be empty, and for PostgreSQL into cfg's database, which must hold no tables.
func Restore(ctx context.Context, cfg Config, from string) (Manifest, error) {
	var m Manifest
	dir := from
	if strings.HasSuffix(from, ".tar") {
		tmp, err := os.MkdirTemp("", "phonghop-restore-*")
		if err != nil {
			return m, err
		}
		defer os.RemoveAll(tmp)
		if err := readTar(from, tmp); err != nil {
			return m, err
		}
		dir = tmp
	}
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return m, fmt.Errorf("restore: %s has no manifest: %w", from, err)
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Format != "phonghop-backup-v1" {
		return m, fmt.Errorf("restore: %s: not a phonghop backup (%v)", from, err)
	}
	for _, f := range m.Files {
		sum, _, err := hashFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil || sum != f.SHA256 {
			return m, fmt.Errorf("restore: %s does not match the manifest (missing or changed)", f.Path)
		}
	}
	if (m.Database == string(store.Postgres)) != (cfg.Database.URL != "") {
		return m, fmt.Errorf("restore: the backup is of a %s database; give a matching --database-url (empty for SQLite)", m.Database)
	}
	if err := mustBeEmpty(cfg.DataDir); err != nil {
		return m, err
	}
	if m.Database == string(store.Postgres) {
		if err := pgRestore(ctx, cfg.Database.URL, filepath.Join(dir, "phonghop.pgdump")); err != nil {
			return m, err
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return m, err
	}
	for _, f := range m.Files {
		if f.Path == "phonghop.pgdump" {
			continue
		}
		dst := filepath.Join(cfg.DataDir, filepath.FromSlash(f.Path))
		if err := copyFile(filepath.Join(dir, filepath.FromSlash(f.Path)), dst); err != nil {
			return m, err
		}
	}
	return m, nil
}

func pgRestore(ctx context.Context, raw, dump string) error {
	db, err := store.Open(ctx, store.Config{URL: raw})
	if err != nil {
		return err
	}
	var tables int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables)
	db.Close()
	if err != nil {
		return err
	}
	if tables > 0 {
		return fmt.Errorf("restore: the database already holds %d tables; restore into an empty one", tables)
	}
	conn, _, err := libpqURL(raw)
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", conn, dump).CombinedOutput()
	if err != nil {
		return fmt.Errorf("restore: pg_restore: %v: %s", err, out)
	}
	return nil
}

// mustBeEmpty refuses a directory that exists and holds anything: a restore or a backup never
// mixes with what is there.
func mustBeEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty; give a new or empty directory", dir)
	}
	return nil
}

func hashFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTree copies the files under src (missing src: nothing), skipping uploads in progress.
func copyTree(src, dst string) error {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if rel == "tmp" {
				return filepath.SkipDir
			}
			return nil
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func writeTar(dir, out string) error {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o600, Size: info.Size(), ModTime: info.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		_, err = io.Copy(tw, in)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
	}
	return err
}

func readTar(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(h.Name)
		if h.Typeflag != tar.TypeReg || !filepath.IsLocal(name) {
			return fmt.Errorf("restore: %s: unexpected entry %q", file, h.Name)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}
