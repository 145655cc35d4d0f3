package docs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// Recording is the kind of a document that holds a recording of the meeting's video conference
// (bản ghi hình). Only the system makes one, from a file the media server finished; organizers
// decide who may watch it as they do for any document, and it never gets a new version.
const Recording = "recording"

// ebmlMagic starts every EBML file (Matroska, WebM).
var ebmlMagic = []byte{0x1A, 0x45, 0xDF, 0xA3}

// webmHeader reports whether head starts with an EBML header whose DocType is "webm" (a Matroska
// file with another DocType is not a WebM a browser is sure to play).
func webmHeader(head []byte) bool {
	if len(head) < 5 || !bytesEqual(head[:4], ebmlMagic) {
		return false
	}
	size, n := vint(head[4:])
	if n == 0 || size > uint64(len(head)-4-n) {
		return false
	}
	body := head[4+n : 4+n+int(size)]
	for len(body) > 0 {
		id, idLen := vint(body)
		if idLen == 0 {
			return false
		}
		id |= 1 << (7 * uint(idLen)) // element IDs keep their length marker
		l, sizeLen := vint(body[idLen:])
		if sizeLen == 0 || l > uint64(len(body)-idLen-sizeLen) {
			return false
		}
		value := body[idLen+sizeLen : idLen+sizeLen+int(l)]
		if id == 0x4282 { // DocType
			return string(value) == "webm"
		}
		body = body[idLen+sizeLen+int(l):]
	}
	return false
}

// vint reads an EBML variable-length integer without its length marker; n is 0 when b does not
// start with one.
func vint(b []byte) (v uint64, n int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	n = 1
	for b[0]&(0x80>>(n-1)) == 0 {
		n++
	}
	if len(b) < n {
		return 0, 0
	}
	var buf [8]byte
	copy(buf[8-n:], b[:n])
	buf[8-n] &= 0xFF >> n
	return binary.BigEndian.Uint64(buf[:]), n
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// StoredFile is content kept in the blob store but not yet attached to any record.
type StoredFile struct {
	SHA256      string
	Size        int64
	ContentType string
}

var errNotWebM = errs.E(errs.Unsupported, "Tệp ghi hình không phải WebM.", "The recording is not a WebM file.")

// PutRecording keeps a finished recording's content (WebM only, at most limit bytes) in the blob
// store. It runs outside any transaction: a recording may be gigabytes. Content that is never
// attached (the transaction that would attach it failed) is removed by SweepBlobs.
func (s *Service) PutRecording(r io.Reader, limit int64) (StoredFile, error) {
	b, err := s.store(r, limit, func(ct string) bool { return ct == TypeWebM })
	if errors.Is(err, errUnsupported) {
		return StoredFile{}, errNotWebM
	}
	if err != nil {
		return StoredFile{}, err
	}
	return StoredFile{SHA256: b.sum, Size: b.size, ContentType: b.contentType}, nil
}

// AttachRecording makes stored recording content a document of the meeting, inside the caller's
// transaction (which also marks the recording done): kind recording, readable by every member
// of the meeting until organizers decide otherwise, made by createdBy (who started the
// recording). Everyone who may see it learns of it through a document.added event.
func (s *Service) AttachRecording(ctx context.Context, tx *store.Tx, meetingID, createdBy int64, title, filename string, f StoredFile) (Document, error) {
	if f.ContentType != TypeWebM {
		return Document{}, errNotWebM
	}
	meta := Meta{Title: title, Kind: Recording, Access: AccessAll}
	if err := meta.validate(filename, Recording); err != nil {
		return Document{}, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO documents (meeting_id, title, kind, access, readable_until, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, meetingID, meta.Title, Recording, meta.Access, store.Time{}, createdBy, tx.Now()).Scan(&id)
	if err != nil {
		return Document{}, fmt.Errorf("docs: attach recording: %w", err)
	}
	if err := addVersion(ctx, tx, id, createdBy, storedBlob{sum: f.SHA256, contentType: f.ContentType, size: f.Size}, filename); err != nil {
		return Document{}, fmt.Errorf("docs: attach recording: %w", err)
	}
	doc, err := load(ctx, tx, meetingID, id)
	if err != nil {
		return Document{}, err
	}
	doc.Readable = true
	_, err = s.events.Append(ctx, tx, meetingID, "document.added", doc.audience(), map[string]any{"document_id": id, "title": doc.Title, "kind": Recording})
	return doc, err
}
