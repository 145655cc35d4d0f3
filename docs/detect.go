package docs

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"strings"
)

// File types accepted for upload, decided by content, never by the name's extension.
const (
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	// TypeWebM is a recording of the video conference; only the system stores one (ImportRecording).
	TypeWebM = "video/webm"
)

// isDocumentType reports whether people may upload a file of this type as a meeting document.
func isDocumentType(ct string) bool { return ct == TypePDF || ct == TypeDOCX || ct == TypeXLSX }

// Detect reads a stored file and tells what it is: a PDF (header and end-of-file marker), a
// Word or Excel file (an OOXML zip with the parts each needs), or a WebM video (an EBML header,
// magic 1A 45 DF A3, whose DocType is "webm"). Anything else is "".
func Detect(f *os.File, size int64) string {
	head := make([]byte, 1024)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		tailLen := int64(2048)
		if size < tailLen {
			tailLen = size
		}
		tail := make([]byte, tailLen)
		if _, err := f.ReadAt(tail, size-tailLen); err != nil && err != io.EOF {
			return ""
		}
		if bytes.Contains(tail, []byte("%%EOF")) {
			return TypePDF
		}
	case bytes.HasPrefix(head, ebmlMagic):
		if webmHeader(head) {
			return TypeWebM
		}
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(f, size)
		if err != nil {
			return ""
		}
		var types, word, xl bool
		for _, zf := range zr.File {
			switch {
			case zf.Name == "[Content_Types].xml":
				types = true
			case strings.HasPrefix(zf.Name, "word/document"):
				word = true
			case strings.HasPrefix(zf.Name, "xl/workbook"):
				xl = true
			}
		}
		if types && word {
			return TypeDOCX
		}
		if types && xl {
			return TypeXLSX
		}
	}
	return ""
}
