package docs_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/docstest"
)

func TestDirStoreAndDetect(t *testing.T) {
	dir := t.TempDir()
	s, err := docs.NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	pdf := docstest.PDF("Trang 1")
	sum, n, err := s.Put(bytes.NewReader(pdf), 1<<20, nil)
	if err != nil || n != int64(len(pdf)) || len(sum) != 64 {
		t.Fatalf("put: %s %d %v", sum, n, err)
	}
	// The same content again is stored once.
	if again, _, _ := s.Put(bytes.NewReader(pdf), 1<<20, nil); again != sum {
		t.Fatal("same content, different name")
	}
	f, err := s.Open(sum)
	if err != nil {
		t.Fatal(err)
	}
	if got := docs.Detect(f, n); got != docs.TypePDF {
		t.Fatalf("detect = %q", got)
	}
	f.Close()
	if _, err := s.Open("../../etc/passwd"); err == nil {
		t.Fatal("opened a path outside the store")
	}
	// Too large, and cut off: nothing kept, no temporary file left.
	if _, _, err := s.Put(strings.NewReader(strings.Repeat("x", 2048)), 1024, nil); !errors.Is(err, docs.ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if _, _, err := s.Put(io.MultiReader(strings.NewReader("%PDF-"), failing{}), 1024, nil); !errors.Is(err, docs.ErrIncomplete) {
		t.Fatalf("cut off: %v", err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}

	for _, c := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"docx", docstest.DOCX(), docs.TypeDOCX},
		{"pdf without end", []byte("%PDF-1.4\nno end marker"), ""},
		{"text", []byte("xin chào"), ""},
		{"zip without Word parts", []byte("PK\x03\x04garbage"), ""},
	} {
		sum, n, _ := s.Put(bytes.NewReader(c.content), 1<<20, nil)
		f, _ := s.Open(sum)
		if got := docs.Detect(f, n); got != c.want {
			t.Errorf("%s: detect = %q, want %q", c.name, got, c.want)
		}
		f.Close()
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
