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

// NewDirStore returns a store under dir, creating it.
func NewDirStore(dir string) (*DirStore, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("docs: blob store: %w", err)
	}
	return &DirStore{dir: dir}, nil
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
		return sum, n, nil // the same content is already here
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
