package api

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/rooms"
)

// keepsRegister: the organization's clerk or secretary (or an administrator) reads and files
// its register.
func keepsRegister(p *auth.Principal, org int64) bool {
	return p.IsClerkOf(org) || p.IsSecretaryOf(org)
}

var errRegisterForbidden = errs.E(errs.Forbidden, "Chỉ văn thư, thư ký của cơ quan hoặc quản trị viên được xem và vào sổ văn bản.", "Only the body's clerk or secretary, or an administrator, may read and file the register.")

func (s *Server) registerRoutes() {
	if s.d.Register == nil {
		return
	}
	m := s.mux
	s.deliveryRoutes()
	m.HandleFunc("GET /api/register/entries", s.authed(s.searchRegister))
	m.HandleFunc("GET /api/register/entries.csv", s.authed(s.searchRegister))
	m.HandleFunc("POST /api/register/entries", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		f, err := body[register.Filing](s, w, r)
		if err == nil && !keepsRegister(p, f.OrganizationID) {
			err = errRegisterForbidden
		}
		if err == nil {
			f.Source, f.MeetingID = "manual", nil
			var e register.Entry
			if e, err = s.d.Register.File(r.Context(), p.ID, f, nil); err == nil {
				writeJSON(w, http.StatusCreated, e)
				return
			}
		}
		writeError(w, r, s.d.Log, err)
	}))
	m.HandleFunc("GET /api/register/entries/{entry}/file", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		id, err := pathID(r, "entry")
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		e, err := s.d.Register.Get(r.Context(), id)
		if err == nil && !keepsRegister(p, e.OrganizationID) {
			err = errRegisterForbidden
		}
		if err == nil && (e.SHA256 == "" || s.d.Docs == nil) {
			err = errs.E(errs.NotFound, "Văn bản này không có tệp trong sổ.", "This entry has no file.")
		}
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		f, err := s.d.Docs.OpenFile(e.SHA256)
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("ETag", `"`+e.SHA256+`"`)
		w.Header().Set("Content-Disposition", contentDisposition("inline", strings.ReplaceAll(e.Symbol, "/", "-")+".pdf"))
		http.ServeContent(w, r, "", e.FiledAt, f)
	}))
	m.HandleFunc("GET /api/register/entries/{entry}/edxml", s.authed(s.exportEdXML))
	m.HandleFunc("GET /api/register/entries/{entry}/signature", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		id, err := pathID(r, "entry")
		var e register.Entry
		if err == nil {
			e, err = s.d.Register.Get(r.Context(), id)
		}
		if err == nil && !keepsRegister(p, e.OrganizationID) {
			err = errRegisterForbidden
		}
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		if e.SHA256 == "" || s.d.Docs == nil {
			writeJSON(w, http.StatusOK, docs.SignatureInfo{})
			return
		}
		f, err := s.d.Docs.OpenFile(e.SHA256)
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		writeJSON(w, http.StatusOK, docs.VerifyPDF(data))
	}))
	m.HandleFunc("GET /api/register/book.pdf", s.authed(s.registerBook))
	m.HandleFunc("POST /api/register/incoming", s.authed(s.importEdXML))
	m.HandleFunc("GET /api/register/entries/{entry}", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		id, err := pathID(r, "entry")
		if err == nil {
			var e register.Entry
			if e, err = s.d.Register.Get(r.Context(), id); err == nil {
				if !keepsRegister(p, e.OrganizationID) {
					err = errRegisterForbidden
				} else {
					writeJSON(w, http.StatusOK, e)
					return
				}
			}
		}
		writeError(w, r, s.d.Log, err)
	}))
	// Filing an approved result of a meeting: the approved version's hash goes into the register.
	m.HandleFunc("POST /api/meetings/{id}/approvals/{approval}/file", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		aid, err := pathID(r, "approval")
		if err != nil {
			return nil, err
		}
		in, err := body[register.Filing](s, w, r)
		if err != nil {
			return nil, err
		}
		mt, err := s.d.Rooms.Get(r.Context(), mem.MeetingID)
		if err != nil {
			return nil, err
		}
		if !mem.CanPrepare() || !p.IsSecretaryOf(mt.OrganizationID) {
			return nil, errRegisterForbidden
		}
		a, err := s.d.Rooms.Approval(r.Context(), mem, aid)
		if err != nil {
			return nil, err
		}
		if a.Status != rooms.ApprovalApproved {
			return nil, errs.E(errs.Conflict, "Chỉ vào sổ văn bản đã được phê duyệt.", "Only approved drafts are filed.")
		}
		// A draft document is filed with the approved file's hash; minutes and notices are rendered
		// with their number, and the rendered PDF's hash is written instead.
		f := approvalFiling(mt, a, in)
		if a.SubjectKind == kindDocument {
			f.SHA256 = a.SubjectSHA256
		}
		if s.d.Signing != nil && s.d.Signing.LeaderRequired {
			leaderSigns := a.SubjectKind != kindDocument
			if !leaderSigns {
				if leaderSigns, err = s.isPDFDocument(r.Context(), mem, a); err != nil {
					return nil, err
				}
			}
			if leaderSigns {
				return nil, errLeaderSigns
			}
		}
		if a.SubjectKind == "document" {
			e, err := s.d.Register.FileOnce(r.Context(), p.ID, f, nil)
			return created{e}, err
		}
		e, err := s.fileApproved(r.Context(), p.ID, mem, mt, a, f)
		return created{e}, err
	}))
}

// registerBook prints one organization's register for a year as PDF.
func (s *Server) registerBook(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	org, err := queryID(r, "organization_id")
	if err == nil && org == 0 {
		err = errs.Fieldf("organization_id", "Hãy chọn cơ quan.", "Choose the organization.")
	}
	if err == nil && !keepsRegister(p, org) {
		err = errRegisterForbidden
	}
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	if err == nil && (year < 2000 || year > 2200) {
		err = errs.Fieldf("year", "Năm không hợp lệ.", "Invalid year.")
	}
	var o directory.Organization
	if err == nil {
		o, err = s.d.Directory.Organization(r.Context(), org)
	}
	var entries []register.Entry
	if err == nil {
		entries, err = s.d.Register.Search(r.Context(), register.Query{OrganizationIDs: []int64{org}, Year: year, Series: register.Regular})
	}
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	lines := make([]docs.BookLine, 0, len(entries))
	for _, e := range entries {
		sent, received := handovers(e)
		lines = append(lines, docs.BookLine{Symbol: e.Symbol, Date: e.DocDate, Summary: e.DocTypeName + " " + e.Summary, Signer: e.Signer,
			Recipients: e.Recipients, ArchiveUnit: e.ArchiveUnit, Notes: e.Notes, Copies: e.Copies, SentOn: sent, ReceivedBy: received})
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", contentDisposition("inline", fmt.Sprintf("so-van-ban-di-%d.pdf", year)))
	if err := docs.WriteRegisterBookPDF(w, o.Name, fmt.Sprintf("Sổ đăng ký văn bản đi năm %d", year), lines); err != nil {
		s.d.Log.Warn("register book", "err", err)
	}
}

func (s *Server) searchRegister(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	q := r.URL.Query()
	org, err := queryID(r, "organization_id")
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	query := register.Query{Series: q.Get("series"), DocType: q.Get("doc_type"), Text: q.Get("q"), From: q.Get("from"), To: q.Get("to")}
	if y := q.Get("year"); y != "" {
		if query.Year, err = strconv.Atoi(y); err != nil {
			writeError(w, r, s.d.Log, errs.Fieldf("year", "Năm không hợp lệ.", "Invalid year."))
			return
		}
	}
	switch {
	case org > 0 && !keepsRegister(p, org):
		writeError(w, r, s.d.Log, errRegisterForbidden)
		return
	case org > 0:
		query.OrganizationIDs = []int64{org}
	case p.IsAdmin:
	default:
		query.OrganizationIDs = p.RoleOrganizations()
		if len(query.OrganizationIDs) == 0 {
			writeError(w, r, s.d.Log, errRegisterForbidden)
			return
		}
	}
	entries, err := s.d.Register.Search(r.Context(), query)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	if r.URL.Path != "/api/register/entries.csv" {
		writeJSON(w, http.StatusOK, items(entries))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", contentDisposition("attachment", "so-van-ban-di.csv"))
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung", "Người ký", "Nơi nhận",
		"Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển", "Ký nhận", "Ghi chú", "SHA-256"})
	for _, e := range entries {
		sent, received := handovers(e)
		_ = cw.Write([]string{e.Symbol, e.DocDate, e.DocTypeName + " " + e.Summary, e.Signer, e.Recipients, e.ArchiveUnit,
			strconv.Itoa(e.Copies), sent, received, e.Notes, e.SHA256})
	}
	cw.Flush()
}

// handovers writes an entry's hand-overs as the book's "ngày chuyển" and "ký nhận" columns.
func handovers(e register.Entry) (sent, received string) {
	var ss, rs []string
	for _, d := range e.Deliveries {
		ss, rs = append(ss, d.SentOn), append(rs, d.ReceivedBy)
	}
	return strings.Join(ss, "; "), strings.Join(rs, "; ")
}
