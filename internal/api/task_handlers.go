package api

import (
	"net/http"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/rooms"
	"github.com/phonghop/phonghop/rooms/followup"
)

// taskView is a task's page: the task, its reports, and whether the caller reports on it.
type taskView struct {
	Task      followup.Task     `json:"task"`
	Reports   []followup.Report `json:"reports"`
	CanReport bool              `json:"can_report"`
}

func (s *Server) taskRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/meetings/{id}/tasks", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		l, err := s.tasks.ForMeeting(r.Context(), mem, p.OrganizationID)
		return items(l), err
	}))
	m.HandleFunc("POST /api/meetings/{id}/tasks", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[followup.NewTask](s, w, r)
		if err != nil {
			return nil, err
		}
		t, err := s.tasks.Create(r.Context(), mem, in)
		return created{t}, err
	}))
	m.HandleFunc("GET /api/tasks", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		l, err := s.tasks.Mine(r.Context(), p)
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		writeJSON(w, http.StatusOK, items(l))
	}))
	m.HandleFunc("GET /api/tasks/{task}", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		id, err := pathID(r, "task")
		var v taskView
		if err == nil {
			v.Task, v.CanReport, err = s.tasks.Access(r.Context(), id, p)
		}
		if err == nil {
			v.Reports, err = s.tasks.Reports(r.Context(), id)
		}
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}))
	m.HandleFunc("POST /api/tasks/{task}/reports", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		id, err := pathID(r, "task")
		if err == nil {
			// Who may report is checked before the file is read, so a refused upload stores nothing.
			var reports bool
			if _, reports, err = s.tasks.Access(r.Context(), id, p); err == nil && !reports {
				err = followup.ErrUnitOnly
			}
		}
		var in followup.NewReport
		var out struct {
			Report followup.Report `json:"report"`
			Task   followup.Task   `json:"task"`
		}
		if err == nil {
			f, name, rerr := s.readWithFile(w, r, "report", &in)
			if err = rerr; err == nil {
				out.Report, out.Task, err = s.tasks.AddReport(r.Context(), id, p, in, f, name)
			}
		}
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		writeJSON(w, http.StatusCreated, out)
	}))
	m.HandleFunc("GET /api/tasks/{task}/reports/{report}/file", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		id, err := pathID(r, "task")
		rid, err2 := pathID(r, "report")
		if err == nil {
			err = err2
		}
		var sum, name string
		if err == nil {
			_, _, err = s.tasks.Access(r.Context(), id, p)
		}
		if err == nil {
			sum, name, err = s.tasks.Attachment(r.Context(), id, rid)
		}
		if err == nil {
			err = s.serveBlob(w, r, sum, "", name)
		}
		if err != nil {
			writeError(w, r, s.d.Log, err)
		}
	}))
}
