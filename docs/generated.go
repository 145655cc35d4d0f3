package docs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/phonghop/phonghop/internal/store"
)

// PutAttachment keeps a file someone attaches to their own record (an answer to an opinion form,
// a progress report on a task): PDF, Word or Excel, at most MaxSize, checked by content. It runs
// outside any transaction; the caller records it with KeepStored in the transaction that names
// it (content never recorded is swept by SweepBlobs).
func (s *Service) PutAttachment(r io.Reader) (StoredFile, error) {
	b, err := s.store(r, s.MaxSize, isDocumentType)
	if err != nil {
		return StoredFile{}, err
	}
	return StoredFile{SHA256: b.sum, Size: b.size, ContentType: b.contentType}, nil
}

// KeepStored records stored content inside tx, so it lives as long as the row that names it.
func KeepStored(ctx context.Context, tx *store.Tx, f StoredFile) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, content_type, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, f.SHA256, f.Size, f.ContentType, tx.Now())
	return err
}

// AttachGenerated keeps a PDF the system rendered (a summary of written opinions) as a draft of
// the meeting readable by its organizers, inside the caller's transaction: a new document when
// docID is 0, otherwise a new version of that document. The version can then be sent for
// approval and filed like any draft.
func (s *Service) AttachGenerated(ctx context.Context, tx *store.Tx, meetingID, docID, userID int64, title, filename string, pdf []byte) (Document, Version, error) {
	sum, size, err := s.blobs.Put(bytes.NewReader(pdf), int64(len(pdf)), nil)
	if err != nil {
		return Document{}, Version{}, fmt.Errorf("docs: keep generated: %w", err)
	}
	b := storedBlob{sum: sum, contentType: TypePDF, size: size}
	event := "document.version"
	if docID == 0 {
		meta := Meta{Title: title, Kind: Draft, Access: AccessOrganizers}
		if err := meta.validate(filename, ""); err != nil {
			return Document{}, Version{}, err
		}
		event = "document.added"
		if err := tx.QueryRowContext(ctx, `INSERT INTO documents (meeting_id, title, kind, access, readable_until, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, meetingID, meta.Title, meta.Kind, meta.Access, store.Time{}, userID, tx.Now()).Scan(&docID); err != nil {
			return Document{}, Version{}, fmt.Errorf("docs: generated document: %w", err)
		}
	} else if _, err := tx.ExecContext(ctx, `UPDATE documents SET current_version = current_version WHERE id = ? AND meeting_id = ?`, docID, meetingID); err != nil {
		return Document{}, Version{}, err
	}
	if err := addVersion(ctx, tx, docID, userID, b, filename); err != nil {
		return Document{}, Version{}, err
	}
	doc, err := load(ctx, tx, meetingID, docID)
	if err != nil {
		return Document{}, Version{}, err
	}
	doc.Readable = true
	ver := doc.Versions[len(doc.Versions)-1]
	_, err = s.events.Append(ctx, tx, meetingID, event, doc.audience(), map[string]any{"document_id": docID, "title": doc.Title, "version": ver.Version})
	return doc, ver, err
}

// PlaceOf is the place written before a document's date: the province's (district's, commune's)
// own name for one of its bodies, "Thanh Hóa" for "UBND tỉnh Thanh Hóa".
func PlaceOf(orgName string) string {
	lower := strings.ToLower(orgName)
	for _, p := range []string{"tỉnh ", "thành phố ", "huyện ", "xã ", "thị xã "} {
		if i := strings.LastIndex(lower, p); i >= 0 {
			return strings.TrimSpace(orgName[i+len(p):])
		}
	}
	return orgName
}
