package docs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// BlobStore keeps file contents by their SHA-256. The data directory is the default; a shared
// store (S3-compatible, PostgreSQL large objects) can stand behind the same interface when
// several nodes serve files.
type BlobStore interface {
	// Put streams r into the store, at most limit bytes, and returns its hash and size. Content
	// already present is kept once. ErrTooLarge when r is longer than limit. check, when not
	// nil, sees the complete content before it enters the store; its error refuses the content
	// and nothing is kept.
	Put(r io.Reader, limit int64, check func(f *os.File, size int64) error) (sum string, size int64, err error)
	// Open returns the blob for reading with seeks (Range requests).
	Open(sum string) (*os.File, error)
}

// ErrTooLarge is returned by Put when the content exceeds the limit.
var ErrTooLarge = errors.New("docs: content too large")

// ErrIncomplete is returned by Put when reading the content failed (an upload cut off).
var ErrIncomplete = errors.New("docs: content incomplete")

// sourceReader remembers whether a copy failed on the reading side.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// DirStore is a BlobStore in a directory: blobs/ab/abcdef... with the first two hex digits as
// a fan-out directory.
type DirStore struct{ dir string }

// NewDirStore returns a store under dir, creating it. Temporary files older than an hour are
// uploads a crash or a kill cut off (Put removes its own otherwise); they are removed here.
func NewDirStore(dir string) (*DirStore, error) {
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("docs: blob store: %w", err)
	}
	if entries, err := os.ReadDir(tmp); err == nil {
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > time.Hour {
				os.Remove(filepath.Join(tmp, e.Name()))
			}
		}
	}
	return &DirStore{dir: dir}, nil
}

// Sweep removes blobs last written before the given time that keep does not claim: files whose
// upload stored the content but whose database transaction then failed. The time bound leaves
// uploads in flight alone (Put refreshes the time of content it finds already stored).
func (s *DirStore) Sweep(keep func(sum string) bool, before time.Time) (removed int, err error) {
	fans, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, err
	}
	for _, fan := range fans {
		if !fan.IsDir() || len(fan.Name()) != 2 {
			continue
		}
		files, err := os.ReadDir(filepath.Join(s.dir, fan.Name()))
		if err != nil {
			return removed, err
		}
		for _, f := range files {
			fi, err := f.Info()
			if err != nil || !hexSum.MatchString(f.Name()) || !fi.ModTime().Before(before) || keep(f.Name()) {
				continue
			}
			if err := os.Remove(filepath.Join(s.dir, fan.Name(), f.Name())); err == nil {
				removed++
			}
		}
	}
	return removed, nil
}

var hexSum = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (s *DirStore) path(sum string) string { return filepath.Join(s.dir, sum[:2], sum) }

// Put writes to a temporary file while hashing, syncs it, then renames it into place, so a blob
// that exists is always complete; an interrupted or refused upload leaves only a temporary file,
// removed before Put returns.
func (s *DirStore) Put(r io.Reader, limit int64, check func(f *os.File, size int64) error) (string, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "upload-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name()) // after a successful rename this is a no-op
	defer tmp.Close()
	h := sha256.New()
	src := &sourceReader{r: io.LimitReader(r, limit+1)}
	n, err := io.Copy(io.MultiWriter(tmp, h), src)
	if err != nil {
		if src.err != nil {
			return "", 0, fmt.Errorf("%w: %w", ErrIncomplete, src.err)
		}
		return "", 0, err
	}
	if n > limit {
		return "", 0, ErrTooLarge
	}
	if check != nil {
		if err := check(tmp, n); err != nil {
			return "", 0, err
		}
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, err
	}
	if err := tmp.Close(); err != nil {
		return "", 0, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.MkdirAll(filepath.Dir(s.path(sum)), 0o750); err != nil {
		return "", 0, err
	}
	if _, err := os.Stat(s.path(sum)); err == nil {
		now := time.Now()
		_ = os.Chtimes(s.path(sum), now, now) // fresh again, so Sweep leaves it to this upload
		return sum, n, nil                    // the same content is already here
	}
	if err := os.Rename(tmp.Name(), s.path(sum)); err != nil {
		return "", 0, err
	}
	if d, err := os.Open(filepath.Dir(s.path(sum))); err == nil {
		_ = d.Sync() // make the rename itself durable
		d.Close()
	}
	return sum, n, nil
}

// Open opens a blob.
func (s *DirStore) Open(sum string) (*os.File, error) {
	if !hexSum.MatchString(sum) {
		return nil, fmt.Errorf("docs: bad blob name %q", sum)
	}
	return os.Open(s.path(sum))
}
