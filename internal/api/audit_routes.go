package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/phonghop/phonghop/internal/audit"
)

// auditedRoute is a route whose successful answer is an audited action that changes nothing in
// the database (an export, a download, a media command): its row is committed when the handler
// starts answering 2xx and before a byte of the answer leaves, so nothing is handed out
// unrecorded. Actions that change the database record inside their own transactions instead.
type auditedRoute struct {
	action string
	object func(parts []string) string // from the path's segments
	// restricted: record only when the meeting document is not readable by every participant.
	restricted bool
	// body: keep the (small JSON) request body as the detail.
	body bool
}

func part(i int, prefix string) func([]string) string {
	return func(p []string) string {
		if i < len(p) {
			return prefix + p[i]
		}
		return prefix
	}
}

func fixed(o string) func([]string) string { return func([]string) string { return o } }

// auditedRoutes, by the route pattern of the route table. Paths split on "/" give "", "api",
// "meetings", "{id}", "documents", "{doc}", ...
var auditedRoutes = map[string]auditedRoute{
	"GET /api/meetings/{id}/documents/{doc}/file":         {action: audit.Download, object: part(5, "document:"), restricted: true},
	"GET /api/meetings/{id}/documents/{doc}/comments.csv": {action: audit.Export, object: part(5, "document:")},
	"GET /api/meetings/{id}/documents/{doc}/comments.pdf": {action: audit.Export, object: part(5, "document:")},
	"GET /api/register/entries/{entry}/file":              {action: audit.Download, object: part(4, "register_entry:")},
	"GET /api/register/entries/{entry}/edxml":             {action: audit.Export, object: part(4, "register_entry:")},
	"GET /api/register/entries.csv":                       {action: audit.Export, object: fixed("register")},
	"GET /api/register/book.pdf":                          {action: audit.Export, object: fixed("register")},
	"GET /api/audit.csv":                                  {action: audit.Export, object: fixed("audit_log")},
	"POST /api/meetings/{id}/media-commands":              {action: audit.MediaCommand, object: part(3, "meeting:"), body: true},
}

// auditRoutes wraps the route table with the records of auditedRoutes.
func (s *Server) auditRoutes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := s.mux.Handler(r)
		rt, ok := auditedRoutes[pattern]
		if !ok || s.d.DB == nil {
			next.ServeHTTP(w, r)
			return
		}
		aw := &auditWriter{ResponseWriter: w, s: s, r: r, rt: rt, pattern: pattern}
		if rt.body && r.Body != nil {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(r.Body, &limitedBuffer{b: &aw.body, max: 2048}), r.Body}
		}
		next.ServeHTTP(aw, r)
	})
}

type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

type auditWriter struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	rt      auditedRoute
	pattern string
	body    bytes.Buffer
	decided bool
	failed  bool
}

func (w *auditWriter) WriteHeader(code int) {
	if !w.decided {
		w.decided = true
		// A viewer reads a PDF in ranges: its first range stands for the reading.
		partial := code == http.StatusPartialContent && !strings.HasPrefix(w.r.Header.Get("Range"), "bytes=0-")
		if code >= 200 && code < 300 && !partial {
			if err := w.record(code); err != nil {
				w.failed = true
				for k := range w.Header() {
					w.Header().Del(k)
				}
				securityHeaders(w.Header())
				writeError(w.ResponseWriter, w.r, w.s.d.Log, err)
				return
			}
		}
	}
	if !w.failed {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *auditWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, http.ErrAbortHandler
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushing streamed exports).
func (w *auditWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *auditWriter) record(code int) error {
	r := w.r
	parts := strings.Split(r.URL.Path, "/")
	e := audit.Entry{Action: w.rt.action, Object: w.rt.object(parts)}
	if len(parts) > 3 && parts[2] == "meetings" {
		e.MeetingID, _ = strconv.ParseInt(parts[3], 10, 64)
	}
	detail := map[string]any{"route": w.pattern, "status": code}
	if q := r.URL.RawQuery; q != "" {
		detail["query"] = q
	}
	if w.rt.restricted {
		doc, _ := strconv.ParseInt(parts[5], 10, 64)
		var access string
		var until *string
		if err := w.s.d.DB.QueryRowContext(r.Context(), `SELECT access, CAST(readable_until AS TEXT) FROM documents WHERE id = ? AND meeting_id = ?`, doc, e.MeetingID).Scan(&access, &until); err != nil {
			return err
		}
		if access == "all" && until == nil {
			return nil // readable by every participant: not a restricted download
		}
		detail["access"] = access
	}
	if w.rt.body && w.body.Len() > 0 {
		detail["body"] = json.RawMessage(w.body.Bytes())
		if !json.Valid(w.body.Bytes()) {
			detail["body"] = w.body.String()
		}
	}
	e.Detail = detail
	return audit.Write(r.Context(), w.s.d.DB, e)
}
