package api

import (
	"context"

	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/rooms/followup"
	"github.com/phonghop/phonghop/rooms/notice"
	"github.com/phonghop/phonghop/rooms/opinions"
	"github.com/phonghop/phonghop/rooms/reports"
)

// between holds the services of the work between sessions: written opinion forms, tasks from
// conclusions, and reports.
type between struct {
	opinions *opinions.Service
	tasks    *followup.Service
	reports  *reports.Service
}

// SweepOverdueTasks flags tasks past their deadline and not done, telling their unit and the
// meeting's organizers once per task (run by housekeeping). It returns how many it flagged.
func (s *Server) SweepOverdueTasks(ctx context.Context) (int, error) {
	if s.tasks == nil {
		return 0, nil
	}
	return s.tasks.NotifyOverdue(ctx)
}

// betweenSessionsRoutes builds those services over the API's dependencies and mounts their
// routes. Notices go to Deps.Notifier, or to the meeting event log when none is given.
func (s *Server) betweenSessionsRoutes() {
	if s.d.Docs == nil || s.d.Rooms == nil {
		return
	}
	log := events.NewLog(s.d.Bus, s.d.Log)
	n := s.d.Notifier
	if n == nil {
		n = notice.EventLog{Log: log}
	}
	s.opinions = opinions.New(s.d.DB, s.d.Rooms, s.d.Docs, log, n)
	s.opinionRoutes()
	s.tasks = followup.New(s.d.DB, s.d.Rooms, n)
	s.taskRoutes()
	s.reports = reports.New(s.d.DB)
	s.reportRoutes()
}
