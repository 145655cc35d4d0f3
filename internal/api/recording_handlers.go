package api

import (
	"net/http"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/rooms"
)

// recordingView is a recording as one member sees it: Readable says whether they may watch it
// now (through the document's file route); a document they may not see is not named.
type recordingView struct {
	rooms.Recording
	Readable bool `json:"readable"`
}

// recordingRoutes list the meeting's recordings. Starting and stopping go through the media
// commands route (record_start, record_stop).
func (s *Server) recordingRoutes() {
	s.mux.HandleFunc("GET /api/meetings/{id}/recordings", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		recs, err := s.d.Rooms.Recordings(r.Context(), mem)
		if err != nil {
			return nil, err
		}
		var v docs.Viewer
		if s.d.Docs != nil {
			if v, err = s.viewer(r.Context(), mem); err != nil {
				return nil, err
			}
		}
		out := make([]recordingView, 0, len(recs))
		for _, rec := range recs {
			view := recordingView{Recording: rec}
			if rec.DocumentID != nil {
				d, err := s.docsGet(r, v, mem.MeetingID, *rec.DocumentID)
				if err != nil {
					return nil, err
				}
				if d == nil {
					view.DocumentID = nil
				} else {
					view.Readable = d.Readable
				}
			}
			out = append(out, view)
		}
		return items(out), nil
	}))
}

// docsGet returns a document v may see, or nil when they may not (or documents are off).
func (s *Server) docsGet(r *http.Request, v docs.Viewer, meetingID, docID int64) (*docs.Document, error) {
	if s.d.Docs == nil {
		return nil, nil
	}
	d, err := s.d.Docs.Get(r.Context(), v, meetingID, docID)
	if err != nil {
		if e := errs.As(err); e != nil && (e.Code == errs.Forbidden || e.Code == errs.NotFound) {
			return nil, nil
		}
		return nil, err
	}
	return &d, nil
}
