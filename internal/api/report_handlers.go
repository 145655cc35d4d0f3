package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/rooms/reports"
)

// reportRoutes: the statistics of an organization's meetings over a period, as JSON, CSV
// (reports.csv) or PDF (reports.pdf).
func (s *Server) reportRoutes() {
	h := s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		org, err := queryID(r, "organization_id")
		var rep reports.Report
		if err == nil {
			q := r.URL.Query()
			rep, err = s.reports.Build(r.Context(), p, reports.Query{OrganizationID: org, From: q.Get("from"), To: q.Get("to")})
		}
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		name := fmt.Sprintf("bao-cao-cuoc-hop-%s-%s", rep.From, rep.To)
		switch {
		case strings.HasSuffix(r.URL.Path, ".csv"):
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", contentDisposition("attachment", name+".csv"))
			if err := reports.WriteCSV(w, rep); err != nil {
				s.d.Log.Warn("report csv", "err", err)
			}
		case strings.HasSuffix(r.URL.Path, ".pdf"):
			o, err := s.d.Directory.Organization(r.Context(), org)
			var buf bytes.Buffer
			if err == nil {
				err = reports.WritePDF(&buf, rep, o.Abbreviation)
			}
			if err != nil {
				writeError(w, r, s.d.Log, err)
				return
			}
			w.Header().Set("Content-Type", "application/pdf")
			w.Header().Set("Content-Disposition", contentDisposition("inline", name+".pdf"))
			_, _ = w.Write(buf.Bytes())
		default:
			writeJSON(w, http.StatusOK, rep)
		}
	})
	s.mux.HandleFunc("GET /api/reports/meetings", h)
	s.mux.HandleFunc("GET /api/reports/meetings.csv", h)
	s.mux.HandleFunc("GET /api/reports/meetings.pdf", h)
}
