// Package docs owns a meeting's documents: content-addressed files with versions, who may read
// them and when, private notes per page, and comments on drafts (góp ý dự thảo). It knows
// meetings only by ID: the caller says who is reading through a Viewer, filled from the meeting
// membership that package rooms decides.
package docs

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the documents' schema (after meetings and agenda).
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "documents", FS: sub}
}

// Kinds and access modes.
const (
	Reference = "reference" // tài liệu tham khảo
	Draft     = "draft"     // dự thảo (for decision)

	AccessAll        = "all"        // every participant
	AccessNamed      = "named"      // the people named, and the organizers
	AccessOrganizers = "organizers" // chair and secretary only
)

// Viewer is who reads or acts, as the meeting membership says.
type Viewer struct {
	UserID int64
	// Role is the meeting role ("chair", "secretary", "delegate", "guest", "operator", or "" for
	// an organizer who is not invited).
	Role string
	// Organizer: chair, secretary, or the organizing body's secretary/administrator.
	Organizer bool
	// MeetingStart opens documents with a reading window.
	MeetingStart time.Time
}

// Document is a document of a meeting with its current version.
type Document struct {
	ID            int64      `json:"id"`
	MeetingID     int64      `json:"meeting_id"`
	AgendaItemID  *int64     `json:"agenda_item_id"`
	Title         string     `json:"title"`
	Kind          string     `json:"kind"`
	Access        string     `json:"access"`
	Readers       []int64    `json:"readers"`
	ReadableUntil *time.Time `json:"readable_until,omitempty"`
	CreatedBy     int64      `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	Versions      []Version  `json:"versions"`
	// Readable says whether the viewer may open the file now (a reading window may be closed).
	Readable bool `json:"readable"`
}

// Version is one uploaded file of a document.
type Version struct {
	ID          int64     `json:"id"`
	DocumentID  int64     `json:"document_id"`
	Version     int       `json:"version"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	UploadedBy  int64     `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// Meta is what the secretary sets for a document.
type Meta struct {
	Title         string     `json:"title"`
	Kind          string     `json:"kind"`
	AgendaItemID  *int64     `json:"agenda_item_id"`
	Access        string     `json:"access"`
	Readers       []int64    `json:"readers"`
	ReadableUntil *time.Time `json:"readable_until"`
}

// validate checks the form; current is the document's kind before the change ("" for a new one).
// A recording stays a recording, and nothing else becomes one: that kind is the system's.
func (m *Meta) validate(filename, current string) error {
	m.Title = strings.TrimSpace(m.Title)
	if m.Title == "" {
		m.Title = strings.TrimSuffix(filepath.Base(filename), filepath.Ext(filename))
	}
	if m.Title == "" || utf8.RuneCountInString(m.Title) > 500 {
		return errs.Fieldf("title", "Tên tài liệu trống hoặc quá 500 ký tự.", "The title is empty or longer than 500 characters.")
	}
	if m.Kind == "" {
		m.Kind = Reference
	}
	if (current == Recording) != (m.Kind == Recording) {
		return errs.Fieldf("kind", "Bản ghi hình không đổi loại, và không tài liệu nào trở thành bản ghi hình.", "A recording keeps its kind, and no other document becomes one.")
	}
	if m.Kind != Reference && m.Kind != Draft && m.Kind != Recording {
		return errs.Fieldf("kind", "Loại tài liệu không hợp lệ.", "Unknown kind %q.", m.Kind)
	}
	if m.Access == "" {
		m.Access = AccessAll
	}
	if m.Access != AccessAll && m.Access != AccessNamed && m.Access != AccessOrganizers {
		return errs.Fieldf("access", "Chế độ truy cập không hợp lệ.", "Unknown access %q.", m.Access)
	}
	if m.Access == AccessNamed && len(m.Readers) == 0 {
		return errs.Fieldf("readers", "Hãy chọn người được đọc tài liệu.", "Name who may read the document.")
	}
	return nil
}

var (
	errDocNotFound  = errs.E(errs.NotFound, "Không tìm thấy tài liệu.", "Document not found.")
	errPrepareOnly  = errs.E(errs.Forbidden, "Chỉ người tổ chức cuộc họp được đưa và sửa tài liệu.", "Only the meeting's organizers add and change documents.")
	errUnsupported  = errs.E(errs.Unsupported, "Chỉ nhận tệp PDF, Word (DOCX) hoặc Excel (XLSX); nội dung tệp không phải các loại này.", "Only PDF, Word (DOCX) or Excel (XLSX) files are accepted; this file's content is none of them.")
	errNotReader    = errs.E(errs.Forbidden, "Bạn không được đọc tài liệu này.", "You may not read this document.")
	errClosedWindow = errs.E(errs.Forbidden, "Tài liệu chỉ được đọc trong thời gian quy định.", "This document may be read only within its reading window.")
)

// Service stores and serves documents.
type Service struct {
	db      *store.DB
	events  *events.Log
	blobs   BlobStore
	MaxSize int64
	// OnAdded, when set, runs inside the transaction that adds a document, with the audience
	// that may read it: the meeting service notifies those invitees through it (docs sits below
	// rooms and cannot call it). An error fails the upload.
	OnAdded func(ctx context.Context, tx *store.Tx, meetingID, docID int64, title string, aud events.Audience) error
}

// New returns the documents service; maxSize bounds uploads (bytes).
func New(db *store.DB, log *events.Log, blobs BlobStore, maxSize int64) *Service {
	return &Service{db: db, events: log, blobs: blobs, MaxSize: maxSize}
}

func canPrepare(v Viewer) bool { return v.Organizer && v.Role != "guest" }

// admits reports whether v may see that the document exists (and its title).
func (d *Document) admits(v Viewer) bool {
	switch {
	case v.Organizer:
		return true
	case d.Access == AccessAll:
		return true
	case d.Access == AccessNamed:
		return slices.Contains(d.Readers, v.UserID)
	}
	return false
}

// readableNow reports whether v may open the file at now.
func (d *Document) readableNow(v Viewer, now time.Time) bool {
	if v.Organizer {
		return true
	}
	if d.ReadableUntil == nil {
		return true
	}
	return !now.Before(v.MeetingStart) && now.Before(*d.ReadableUntil)
}

// audience is who may learn of changes to the document.
func (d *Document) audience() events.Audience {
	switch d.Access {
	case AccessNamed:
		return events.Audience{Users: d.Readers, Roles: []string{"chair", "secretary"}}
	case AccessOrganizers:
		return events.Audience{Roles: []string{"chair", "secretary"}}
	}
	return events.Audience{}
}

// Upload stores a new document with its first version. r is the file's bytes; the content
// decides its type. Nothing is kept when anything fails (a blob without a row is swept later).
func (s *Service) Upload(ctx context.Context, v Viewer, meetingID int64, meta Meta, filename string, r io.Reader) (Document, error) {
	if !canPrepare(v) {
		return Document{}, errPrepareOnly
	}
	if err := meta.validate(filename, ""); err != nil {
		return Document{}, err
	}
	// Checked before the file is stored too, so a wrong item does not leave a file behind.
	if err := checkAgendaItem(ctx, s.db.Reader(), meetingID, meta.AgendaItemID); err != nil {
		return Document{}, err
	}
	blob, err := s.store(r, s.MaxSize, isDocumentType)
	if err != nil {
		return Document{}, err
	}
	var doc Document
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO documents (meeting_id, agenda_item_id, title, kind, access, readable_until, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, meetingID, meta.AgendaItemID, meta.Title, meta.Kind, meta.Access,
			store.Time{Time: timeOrZero(meta.ReadableUntil)}, v.UserID, tx.Now()).Scan(&id)
		if store.IsForeignKeyViolation(err) {
			return errs.Fieldf("agenda_item_id", "Mục chương trình không thuộc cuộc họp.", "The agenda item is not part of the meeting.")
		}
		if err != nil {
			return fmt.Errorf("docs: create: %w", err)
		}
		if err := checkAgendaItem(ctx, tx, meetingID, meta.AgendaItemID); err != nil {
			return err
		}
		if err := setReaders(ctx, tx, id, meta.Access, meta.Readers); err != nil {
			return err
		}
		if err := addVersion(ctx, tx, id, v.UserID, blob, filename); err != nil {
			return err
		}
		if doc, err = load(ctx, tx, meetingID, id); err != nil {
			return err
		}
		if s.OnAdded != nil {
			if err := s.OnAdded(ctx, tx, meetingID, id, doc.Title, doc.audience()); err != nil {
				return err
			}
		}
		_, err = s.events.Append(ctx, tx, meetingID, "document.added", doc.audience(), map[string]any{"document_id": id, "title": doc.Title})
		return err
	})
	doc.Readable = true
	return doc, err
}

// NewVersion uploads a new version of a document; the old versions stay readable.
func (s *Service) NewVersion(ctx context.Context, v Viewer, meetingID, docID int64, filename string, r io.Reader) (Document, error) {
	if !canPrepare(v) {
		return Document{}, errPrepareOnly
	}
	if cur, err := load(ctx, s.db.Reader(), meetingID, docID); err != nil {
		return Document{}, err
	} else if cur.Kind == Recording {
		return Document{}, errs.E(errs.Conflict, "Bản ghi hình không có phiên bản mới.", "A recording has no new versions.")
	}
	blob, err := s.store(r, s.MaxSize, isDocumentType)
	if err != nil {
		return Document{}, err
	}
	var doc Document
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET current_version = current_version WHERE id = ?`, docID); err != nil {
			return err // takes the document's row lock so concurrent versions number in turn
		}
		if err := addVersion(ctx, tx, docID, v.UserID, blob, filename); err != nil {
			return err
		}
		var err error
		if doc, err = load(ctx, tx, meetingID, docID); err != nil {
			return err
		}
		_, err = s.events.Append(ctx, tx, meetingID, "document.version", doc.audience(),
			map[string]any{"document_id": docID, "version": len(doc.Versions)})
		return err
	})
	doc.Readable = true
	return doc, err
}

// SweepBlobs removes stored files that no version refers to and that are older than age: content
// whose upload failed after it was stored (the database refused the row). Run it at start-up
// and now and then; age must exceed the longest upload.
func (s *Service) SweepBlobs(ctx context.Context, age time.Duration) (int, error) {
	sweeper, ok := s.blobs.(interface {
		Sweep(keep func(string) bool, before time.Time) (int, error)
	})
	if !ok {
		return 0, nil
	}
	before := time.Now().Add(-age)
	known := map[string]bool{}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT sha256 FROM blobs`)
	if err != nil {
		return 0, fmt.Errorf("docs: sweep: %w", err)
	}
	for rows.Next() {
		var sum string
		if err := rows.Scan(&sum); err != nil {
			rows.Close()
			return 0, err
		}
		known[sum] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return sweeper.Sweep(func(sum string) bool { return known[sum] }, before)
}

// checkAgendaItem refuses an agenda item of another meeting.
func checkAgendaItem(ctx context.Context, q store.Querier, meetingID int64, item *int64) error {
	if item == nil {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM agenda_items WHERE id = ? AND meeting_id = ?`, *item, meetingID).Scan(&n); err != nil {
		return fmt.Errorf("docs: agenda item: %w", err)
	}
	if n == 0 {
		return errs.Fieldf("agenda_item_id", "Mục chương trình không thuộc cuộc họp.", "The agenda item is not part of the meeting.")
	}
	return nil
}

type storedBlob struct {
	sum, contentType string
	size             int64
}

// store checks what the bytes are while keeping them: content that is empty, larger than limit
// or of a type accept refuses never enters the blob store.
func (s *Service) store(r io.Reader, limit int64, accept func(contentType string) bool) (storedBlob, error) {
	var ct string
	sum, size, err := s.blobs.Put(r, limit, func(f *os.File, size int64) error {
		if size == 0 {
			return errs.Fieldf("file", "Tệp rỗng.", "The file is empty.")
		}
		if ct = Detect(f, size); ct == "" || !accept(ct) {
			return errUnsupported
		}
		return nil
	})
	if errors.Is(err, ErrTooLarge) {
		return storedBlob{}, errs.E(errs.TooLarge, fmt.Sprintf("Tệp quá lớn: tối đa %d MB.", limit>>20), fmt.Sprintf("The file is too large: at most %d MB.", limit>>20))
	}
	if errors.Is(err, ErrIncomplete) {
		return storedBlob{}, errs.E(errs.Invalid, "Tải lên bị gián đoạn; tệp chưa được lưu. Hãy tải lại.", "The upload was interrupted; nothing was kept. Upload again.").Wrap(err)
	}
	var coded *errs.Error
	if errors.As(err, &coded) {
		return storedBlob{}, err
	}
	if err != nil {
		return storedBlob{}, fmt.Errorf("docs: store: %w", err)
	}
	return storedBlob{sum, ct, size}, nil
}

func addVersion(ctx context.Context, tx *store.Tx, docID, userID int64, b storedBlob, filename string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, content_type, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, b.sum, b.size, b.contentType, tx.Now()); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM document_versions WHERE document_id = ?`, docID).Scan(&n); err != nil {
		return err
	}
	name := filepath.Base(strings.ReplaceAll(filename, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		name = "tai-lieu"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO document_versions (document_id, version, sha256, size, filename, content_type, uploaded_by, uploaded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, docID, n, b.sum, b.size, name, b.contentType, userID, tx.Now()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE documents SET current_version = ? WHERE id = ?`, n, docID)
	return err
}

func setReaders(ctx context.Context, tx *store.Tx, docID int64, access string, readers []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM document_readers WHERE document_id = ?`, docID); err != nil {
		return err
	}
	if access != AccessNamed {
		return nil
	}
	for _, u := range readers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_readers (document_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, docID, u); err != nil {
			if store.IsForeignKeyViolation(err) {
				return errs.Fieldf("readers", "Người được chọn không tồn tại.", "A named reader does not exist.")
			}
			return err
		}
	}
	return nil
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// SetAccess changes who may read a document and until when.
func (s *Service) SetAccess(ctx context.Context, v Viewer, meetingID, docID int64, meta Meta) (Document, error) {
	if !canPrepare(v) {
		return Document{}, errPrepareOnly
	}
	var doc Document
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := load(ctx, tx, meetingID, docID)
		if err != nil {
			return err
		}
		if meta.Title == "" {
			meta.Title = cur.Title
		}
		if meta.Kind == "" {
			meta.Kind = cur.Kind
		}
		if err := meta.validate("", cur.Kind); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET title = ?, kind = ?, access = ?, readable_until = ? WHERE id = ?`,
			meta.Title, meta.Kind, meta.Access, store.Time{Time: timeOrZero(meta.ReadableUntil)}, docID); err != nil {
			return err
		}
		if err := setReaders(ctx, tx, docID, meta.Access, meta.Readers); err != nil {
			return err
		}
		if doc, err = load(ctx, tx, meetingID, docID); err != nil {
			return err
		}
		// Everyone learns the list changed; what they see of it follows the new access on reload.
		_, err = s.events.Append(ctx, tx, meetingID, "document.access", events.Audience{}, map[string]any{"document_id": docID})
		return err
	})
	doc.Readable = true
	return doc, err
}

// List returns the meeting's documents that v may see, in upload order.
func (s *Service) List(ctx context.Context, v Viewer, meetingID int64) ([]Document, error) {
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, `SELECT id FROM documents WHERE meeting_id = ? ORDER BY id`, meetingID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := []Document{}
	now := s.db.Now()
	for _, id := range ids {
		d, err := load(ctx, q, meetingID, id)
		if err != nil {
			return nil, err
		}
		if d.admits(v) {
			d.Readable = d.readableNow(v, now)
			out = append(out, d)
		}
	}
	return out, nil
}

// Get returns a document v may see. A document v may not read is refused (forbidden) and, in
// List, not shown at all.
func (s *Service) Get(ctx context.Context, v Viewer, meetingID, docID int64) (Document, error) {
	d, err := load(ctx, s.db.Reader(), meetingID, docID)
	if err != nil {
		return Document{}, err
	}
	if !d.admits(v) {
		return Document{}, errNotReader
	}
	d.Readable = d.readableNow(v, s.db.Now())
	return d, nil
}

// Open returns a version's file for v to read (version 0: the current one).
func (s *Service) Open(ctx context.Context, v Viewer, meetingID, docID int64, version int) (Version, *os.File, error) {
	d, err := s.Get(ctx, v, meetingID, docID)
	if err != nil {
		return Version{}, nil, err
	}
	if !d.Readable {
		return Version{}, nil, errClosedWindow
	}
	if version == 0 {
		version = len(d.Versions)
	}
	if version < 1 || version > len(d.Versions) {
		return Version{}, nil, errs.E(errs.NotFound, "Không có phiên bản này.", "No such version.")
	}
	ver := d.Versions[version-1]
	f, err := s.blobs.Open(ver.SHA256)
	if err != nil {
		return Version{}, nil, fmt.Errorf("docs: open blob %s: %w", ver.SHA256, err)
	}
	return ver, f, nil
}

// VersionByID finds a version of a meeting's document (approvals freeze a version by its hash).
func (s *Service) VersionByID(ctx context.Context, v Viewer, meetingID, versionID int64) (Document, Version, error) {
	var docID int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT v.document_id FROM document_versions v JOIN documents d ON d.id = v.document_id
		WHERE v.id = ? AND d.meeting_id = ?`, versionID, meetingID).Scan(&docID)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, Version{}, errDocNotFound
	}
	if err != nil {
		return Document{}, Version{}, err
	}
	d, err := s.Get(ctx, v, meetingID, docID)
	if err != nil {
		return Document{}, Version{}, err
	}
	for _, ver := range d.Versions {
		if ver.ID == versionID {
			return d, ver, nil
		}
	}
	return Document{}, Version{}, errDocNotFound
}

func load(ctx context.Context, q store.Querier, meetingID, id int64) (Document, error) {
	var d Document
	var until, created store.Time
	err := q.QueryRowContext(ctx, `SELECT id, meeting_id, agenda_item_id, title, kind, access, readable_until, created_by, created_at
		FROM documents WHERE id = ? AND meeting_id = ?`, id, meetingID).Scan(&d.ID, &d.MeetingID, &d.AgendaItemID, &d.Title, &d.Kind,
		&d.Access, &until, &d.CreatedBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, errDocNotFound
	}
	if err != nil {
		return Document{}, fmt.Errorf("docs: load %d: %w", id, err)
	}
	d.CreatedAt = created.Time
	if !until.Time.IsZero() {
		u := until.Time
		d.ReadableUntil = &u
	}
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM document_readers WHERE document_id = ? ORDER BY user_id`, id)
	if err != nil {
		return Document{}, err
	}
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return Document{}, err
		}
		d.Readers = append(d.Readers, u)
	}
	rows.Close()
	vrows, err := q.QueryContext(ctx, `SELECT id, document_id, version, sha256, size, filename, content_type, uploaded_by, uploaded_at
		FROM document_versions WHERE document_id = ? ORDER BY version`, id)
	if err != nil {
		return Document{}, err
	}
	defer vrows.Close()
	for vrows.Next() {
		var ver Version
		var at store.Time
		if err := vrows.Scan(&ver.ID, &ver.DocumentID, &ver.Version, &ver.SHA256, &ver.Size, &ver.Filename, &ver.ContentType, &ver.UploadedBy, &at); err != nil {
			return Document{}, err
		}
		ver.UploadedAt = at.Time
		d.Versions = append(d.Versions, ver)
	}
	if d.Readers == nil {
		d.Readers = []int64{}
	}
	return d, vrows.Err()
}

// KeepFile stores a file the system produced (a rendered, numbered document) and records its
// blob inside tx, so the file lives exactly as long as the record that names it.
func (s *Service) KeepFile(ctx context.Context, tx *store.Tx, data []byte, contentType string) (string, error) {
	sum, size, err := s.blobs.Put(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		return "", fmt.Errorf("docs: keep file: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, content_type, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, sum, size, contentType, tx.Now()); err != nil {
		return "", err
	}
	return sum, nil
}

// OpenFile opens a stored file by its SHA-256; the caller has checked who may read it.
func (s *Service) OpenFile(sum string) (*os.File, error) { return s.blobs.Open(sum) }
