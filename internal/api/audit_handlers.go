package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/phonghop/phonghop/internal/audit"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
)

var errAuditAdminOnly = errs.E(errs.Forbidden, "Chỉ quản trị viên được xem nhật ký kiểm toán.", "Only an administrator may read the audit log.")

// auditLogRoutes: the administrator searches the audit log and exports it as CSV (the export is
// itself a row of the log).
func (s *Server) auditLogRoutes() {
	s.mux.HandleFunc("GET /api/audit", s.authed(s.searchAudit))
	s.mux.HandleFunc("GET /api/audit.csv", s.authed(s.searchAudit))
}

// auditQuery reads ?actor=&action=&object=&from=&to=&before= (dates YYYY-MM-DD in Vietnam's
// time, to inclusive).
func auditQuery(r *http.Request) (audit.Query, error) {
	v := r.URL.Query()
	q := audit.Query{Actor: v.Get("actor"), Action: v.Get("action"), Object: v.Get("object")}
	day := func(field string) (time.Time, error) {
		s := v.Get(field)
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, time.FixedZone("ICT", 7*3600))
		if err != nil {
			return t, errs.Fieldf(field, "Ngày phải có dạng YYYY-MM-DD.", "Dates are YYYY-MM-DD.")
		}
		return t, nil
	}
	var err error
	if q.From, err = day("from"); err != nil {
		return q, err
	}
	if q.To, err = day("to"); err != nil {
		return q, err
	}
	if !q.To.IsZero() {
		q.To = q.To.AddDate(0, 0, 1)
	}
	if b := v.Get("before"); b != "" {
		if q.BeforeID, err = strconv.ParseInt(b, 10, 64); err != nil {
			return q, errs.Fieldf("before", "Tham số phân trang không hợp lệ.", "Invalid paging parameter.")
		}
	}
	return q, nil
}

func (s *Server) searchAudit(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if !p.IsAdmin {
		writeError(w, r, s.d.Log, errAuditAdminOnly)
		return
	}
	q, err := auditQuery(r)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	csvOut := r.URL.Path == "/api/audit.csv"
	if csvOut {
		q.Limit = 100000
	}
	rows, err := audit.Search(r.Context(), s.d.DB.Reader(), q)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	if !csvOut {
		writeJSON(w, http.StatusOK, items(rows))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", contentDisposition("attachment", "nhat-ky-kiem-toan.csv"))
	_, _ = w.Write([]byte("\ufeff")) // Excel reads UTF-8 only with the mark
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"STT", "Thời điểm", "Người thực hiện", "Mã người dùng", "Hành động", "Đối tượng", "Cuộc họp", "Chi tiết", "Địa chỉ", "Mã yêu cầu", "Mã băm"})
	opt := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	for _, row := range rows {
		_ = cw.Write([]string{strconv.FormatInt(row.ID, 10), row.At.In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02 15:04:05"), row.ActorName,
			opt(row.ActorID), row.Action, row.Object, opt(row.MeetingID), row.Detail, row.Address, row.RequestID, row.Hash})
	}
	cw.Flush()
}
