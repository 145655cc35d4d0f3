package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/rooms"
)

// viewer turns a meeting membership into what package docs needs to decide access.
func (s *Server) viewer(ctx context.Context, m rooms.Member) (docs.Viewer, error) {
	mt, err := s.d.Rooms.Get(ctx, m.MeetingID)
	if err != nil {
		return docs.Viewer{}, err
	}
	start := mt.StartsAt
	if mt.StartedAt != nil && mt.StartedAt.Before(start) {
		start = *mt.StartedAt
	}
	return docs.Viewer{UserID: m.UserID, Role: m.Role, Organizer: m.Organizer, MeetingStart: start}, nil
}

// inDocument resolves the meeting membership, the viewer and the document ID.
func (s *Server) inDocument(fn func(w http.ResponseWriter, r *http.Request, m rooms.Member, v docs.Viewer, doc int64) (any, error)) http.HandlerFunc {
	return s.inMeeting(func(w http.ResponseWriter, r *http.Request, m rooms.Member, p *auth.Principal) (any, error) {
		doc, err := pathID(r, "doc")
		if err != nil {
			return nil, err
		}
		v, err := s.viewer(r.Context(), m)
		if err != nil {
			return nil, err
		}
		return fn(w, r, m, v, doc)
	})
}

// inDocumentRaw is inDocument for handlers that write their own (file) response; an error they
// return before writing is answered as JSON.
func (s *Server) inDocumentRaw(fn func(w http.ResponseWriter, r *http.Request, m rooms.Member, v docs.Viewer, doc int64) error) http.HandlerFunc {
	return s.inDocument(func(w http.ResponseWriter, r *http.Request, m rooms.Member, v docs.Viewer, doc int64) (any, error) {
		return written{}, fn(w, r, m, v, doc)
	})
}

func (s *Server) documentRoutes() {
	if s.d.Docs == nil {
		return
	}
	m := s.mux
	m.HandleFunc("GET /api/meetings/{id}/documents", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		v, err := s.viewer(r.Context(), mem)
		if err != nil {
			return nil, err
		}
		ds, err := s.d.Docs.List(r.Context(), v, mem.MeetingID)
		return items(ds), err
	}))
	m.HandleFunc("POST /api/meetings/{id}/documents", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		v, err := s.viewer(r.Context(), mem)
		if err != nil {
			return nil, err
		}
		var d docs.Document
		err = s.upload(w, r, func(meta docs.Meta, filename string, file io.Reader) error {
			d, err = s.d.Docs.Upload(r.Context(), v, mem.MeetingID, meta, filename, file)
			return err
		})
		return created{d}, err
	}))
	m.HandleFunc("GET /api/meetings/{id}/documents/{doc}", s.inDocument(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) (any, error) {
		return s.d.Docs.Get(r.Context(), v, mem.MeetingID, doc)
	}))
	m.HandleFunc("PUT /api/meetings/{id}/documents/{doc}", s.inDocument(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) (any, error) {
		meta, err := body[docs.Meta](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.d.Docs.SetAccess(r.Context(), v, mem.MeetingID, doc, meta)
	}))
	m.HandleFunc("POST /api/meetings/{id}/documents/{doc}/versions", s.inDocument(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) (any, error) {
		var d docs.Document
		err := s.upload(w, r, func(_ docs.Meta, filename string, file io.Reader) error {
			var err error
			d, err = s.d.Docs.NewVersion(r.Context(), v, mem.MeetingID, doc, filename, file)
			return err
		})
		return created{d}, err
	}))
	m.HandleFunc("GET /api/meetings/{id}/documents/{doc}/file", s.inDocumentRaw(s.downloadDocument))
	m.HandleFunc("GET /api/meetings/{id}/documents/{doc}/notes", s.inDocument(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) (any, error) {
		ns, err := s.d.Docs.Notes(r.Context(), v, mem.MeetingID, doc)
		return items(ns), err
	}))
	m.HandleFunc("PUT /api/meetings/{id}/documents/{doc}/notes", s.inDocument(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) (any, error) {
		in, err := body[struct {
			Page int    `json:"page"`
			Text string `json:"text"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		return nil, s.d.Docs.SetNote(r.Context(), v, mem.MeetingID, doc, in.Page, in.Text)
	}))
	m.HandleFunc("GET /api/meetings/{id}/documents/{doc}/comments", s.inDocument(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) (any, error) {
		cs, err := s.d.Docs.Comments(r.Context(), v, mem.MeetingID, doc)
		return items(cs), err
	}))
	m.HandleFunc("POST /api/meetings/{id}/documents/{doc}/comments", s.inDocument(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) (any, error) {
		in, err := body[struct {
			Version int    `json:"version"`
			Page    *int   `json:"page"`
			Text    string `json:"text"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		c, err := s.d.Docs.AddComment(r.Context(), v, mem.MeetingID, doc, in.Version, in.Page, in.Text)
		return created{c}, err
	}))
	m.HandleFunc("POST /api/meetings/{id}/documents/{doc}/comments/{comment}", s.inDocument(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) (any, error) {
		cid, err := pathID(r, "comment")
		if err != nil {
			return nil, err
		}
		in, err := body[struct {
			Status string `json:"status"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.d.Docs.DecideComment(r.Context(), v, mem.MeetingID, doc, cid, in.Status)
	}))
	m.HandleFunc("GET /api/meetings/{id}/documents/{doc}/comments.csv", s.inDocumentRaw(s.exportComments))
	m.HandleFunc("GET /api/meetings/{id}/documents/{doc}/comments.pdf", s.inDocumentRaw(s.exportComments))
}

// upload reads a multipart upload as a stream: the metadata fields (title, kind, access,
// agenda_item_id, readers, readable_until) come first, then the part named "file", whose bytes
// go straight to the blob store without being held in memory.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, store func(meta docs.Meta, filename string, file io.Reader) error) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.d.Docs.MaxSize+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return errs.E(errs.Unsupported, "Hãy gửi tệp dưới dạng multipart/form-data.", "Send the file as multipart/form-data.")
	}
	var meta docs.Meta
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return errs.Fieldf("file", "Thiếu tệp tải lên.", "No file was uploaded.")
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errs.E(errs.TooLarge, fmt.Sprintf("Tệp quá lớn: tối đa %d MB.", s.d.Docs.MaxSize>>20), fmt.Sprintf("The file is too large: at most %d MB.", s.d.Docs.MaxSize>>20))
		}
		if err != nil {
			return errs.E(errs.Invalid, "Dữ liệu tải lên bị lỗi.", "The upload is malformed.")
		}
		if part.FormName() == "file" {
			err := store(meta, part.FileName(), part)
			part.Close()
			if errors.As(err, &tooBig) {
				return errs.E(errs.TooLarge, fmt.Sprintf("Tệp quá lớn: tối đa %d MB.", s.d.Docs.MaxSize>>20), fmt.Sprintf("The file is too large: at most %d MB.", s.d.Docs.MaxSize>>20))
			}
			return err
		}
		value, err := io.ReadAll(io.LimitReader(part, 64<<10))
		part.Close()
		if err != nil {
			return errs.E(errs.Invalid, "Dữ liệu tải lên bị lỗi.", "The upload is malformed.")
		}
		v := strings.TrimSpace(string(value))
		switch part.FormName() {
		case "title":
			meta.Title = v
		case "kind":
			meta.Kind = v
		case "access":
			meta.Access = v
		case "agenda_item_id":
			if v != "" {
				id, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return errs.Fieldf("agenda_item_id", "Mã mục chương trình không hợp lệ.", "Invalid agenda item.")
				}
				meta.AgendaItemID = &id
			}
		case "readers":
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f != "" {
					id, err := strconv.ParseInt(f, 10, 64)
					if err != nil {
						return errs.Fieldf("readers", "Danh sách người đọc không hợp lệ.", "Invalid readers.")
					}
					meta.Readers = append(meta.Readers, id)
				}
			}
		case "readable_until":
			if v != "" {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return errs.Fieldf("readable_until", "Thời hạn đọc không hợp lệ.", "Invalid reading deadline.")
				}
				meta.ReadableUntil = &t
			}
		}
	}
}

// downloadDocument streams a version's file with ETag, Range and Content-Disposition.
func (s *Server) downloadDocument(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) error {
	version := 0
	if q := r.URL.Query().Get("version"); q != "" {
		var err error
		if version, err = strconv.Atoi(q); err != nil || version < 1 {
			return errs.Fieldf("version", "Phiên bản không hợp lệ.", "Invalid version.")
		}
	}
	ver, f, err := s.d.Docs.Open(r.Context(), v, mem.MeetingID, doc, version)
	if err != nil {
		return err
	}
	defer f.Close()
	s.noteDocumentOpened(r.Context(), mem, doc)
	w.Header().Set("ETag", `"`+ver.SHA256+`"`)
	w.Header().Set("Content-Type", ver.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=0, must-revalidate")
	disposition := "inline"
	if r.URL.Query().Get("download") == "1" {
		disposition = "attachment"
	}
	w.Header().Set("Content-Disposition", contentDisposition(disposition, ver.Filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers Range, If-Range, If-None-Match (from the ETag) and 416 itself, reading
	// only the requested bytes from the file.
	http.ServeContent(w, r, "", ver.UploadedAt, f)
	return nil
}

// contentDisposition names the file for every browser: an ASCII fallback and the UTF-8 name
// (RFC 6266 / RFC 5987), so "Dự thảo kế hoạch.pdf" keeps its Vietnamese letters.
func contentDisposition(kind, name string) string {
	ascii := make([]rune, 0, len(name))
	for _, c := range name {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			c = '_'
		}
		ascii = append(ascii, c)
	}
	return mime.FormatMediaType(kind, map[string]string{"filename": string(ascii)}) + "; filename*=UTF-8''" + rfc5987(name)
}

// rfc5987 percent-encodes every byte that is not an attr-char, so separators such as ";" or ","
// in a title cannot end the parameter early.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// exportComments writes a draft's comments as CSV or, for a path ending in .pdf, as PDF.
func (s *Server) exportComments(w http.ResponseWriter, r *http.Request, mem rooms.Member, v docs.Viewer, doc int64) error {
	if !mem.CanPrepare() {
		return errs.E(errs.Forbidden, "Chỉ thư ký và chủ trì xuất tổng hợp góp ý.", "Only the secretary and the chair export the comments.")
	}
	d, err := s.d.Docs.Get(r.Context(), v, mem.MeetingID, doc)
	if err != nil {
		return err
	}
	cs, err := s.d.Docs.Comments(r.Context(), v, mem.MeetingID, doc)
	if err != nil {
		return err
	}
	if strings.HasSuffix(r.URL.Path, ".pdf") {
		// Laid out in memory first (a few hundred KB with the font), so a failure is still a
		// clean JSON error rather than a cut-off file.
		var b bytes.Buffer
		if err := docs.WriteCommentsPDF(&b, d, cs, time.Now()); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", contentDisposition("attachment", "gop-y-"+d.Title+".pdf"))
		_, _ = w.Write(b.Bytes())
		return nil
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", contentDisposition("attachment", "gop-y-"+d.Title+".csv"))
	if err := docs.WriteCommentsCSV(w, d, cs); err != nil {
		s.d.Log.Warn("export comments", "err", err)
	}
	return nil
}

// documentVersionForApproval lets approvals freeze a document version by its hash.
func (s *Server) documentVersionForApproval(ctx context.Context, m rooms.Member, versionID int64) (*rooms.DocumentVersion, error) {
	v, err := s.viewer(ctx, m)
	if err != nil {
		return nil, err
	}
	d, ver, err := s.d.Docs.VersionByID(ctx, v, m.MeetingID, versionID)
	if err != nil {
		return nil, errs.Fieldf("subject_id", "Không tìm thấy phiên bản dự thảo trong cuộc họp.", "No such draft version in this meeting.")
	}
	if d.Kind != docs.Draft {
		return nil, errs.Fieldf("subject_id", "Chỉ trình duyệt dự thảo.", "Only drafts are sent for approval.")
	}
	return &rooms.DocumentVersion{ID: ver.ID, MeetingID: m.MeetingID, Version: ver.Version, Title: d.Title, SHA256: ver.SHA256}, nil
}
