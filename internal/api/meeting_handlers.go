package api

import (
	"net/http"
	"strconv"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/rooms"
)

// created marks a handler result answered with 201 Created.
type created struct{ v any }

// written marks a handler that has written its own response.
type written struct{}

// meetingAction is a handler inside one meeting: the meeting's membership of the caller is
// resolved (not_found for anyone who may not open it) before the action runs. It returns the
// value to answer with (nil: 204 No Content).
type meetingAction func(w http.ResponseWriter, r *http.Request, m rooms.Member, p *auth.Principal) (any, error)

func (s *Server) inMeeting(fn meetingAction) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		m, err := s.d.Rooms.Member(r.Context(), s.d.DB.Reader(), id, p)
		if err != nil {
			writeError(w, r, s.d.Log, err)
			return
		}
		v, err := fn(w, r, m, p)
		switch _, done := v.(written); {
		case err != nil:
			writeError(w, r, s.d.Log, err)
		case done:
		case v == nil:
			w.WriteHeader(http.StatusNoContent)
		default:
			if c, ok := v.(created); ok {
				writeJSON(w, http.StatusCreated, c.v)
				return
			}
			writeJSON(w, http.StatusOK, v)
		}
	})
}

// body decodes the request's JSON into a new T.
func body[T any](s *Server, w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	err := s.decode(w, r, &v)
	return v, err
}

func (s *Server) meetingRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/meetings", s.authed(s.myMeetings))
	m.HandleFunc("POST /api/meetings", s.authed(s.createMeeting))
	m.HandleFunc("GET /api/meetings/{id}", s.inMeeting(s.meetingSnapshot))
	m.HandleFunc("PUT /api/meetings/{id}", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[rooms.MeetingInput](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.d.Rooms.Update(r.Context(), mem, in)
	}))
	m.HandleFunc("POST /api/meetings/{id}/transition", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[struct {
			Action string `json:"action"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.d.Rooms.Transition(r.Context(), mem, in.Action)
	}))
	m.HandleFunc("GET /api/meetings/{id}/participants", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		ps, err := s.d.Rooms.Participants(r.Context(), mem)
		return items(ps), err
	}))
	m.HandleFunc("POST /api/meetings/{id}/participants", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[struct {
			Invitees []rooms.Invitee `json:"invitees"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		ps, err := s.d.Rooms.Invite(r.Context(), mem, in.Invitees)
		return created{items(ps)}, err
	}))
	m.HandleFunc("PUT /api/meetings/{id}/participants/{pid}", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		pid, err := pathID(r, "pid")
		if err != nil {
			return nil, err
		}
		in, err := body[rooms.ParticipantChange](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.d.Rooms.UpdateParticipant(r.Context(), mem, pid, in)
	}))
	m.HandleFunc("DELETE /api/meetings/{id}/participants/{pid}", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		pid, err := pathID(r, "pid")
		if err != nil {
			return nil, err
		}
		return nil, s.d.Rooms.RemoveParticipant(r.Context(), mem, pid)
	}))
	m.HandleFunc("POST /api/meetings/{id}/response", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[struct {
			Accept bool   `json:"accept"`
			Reason string `json:"reason"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.d.Rooms.Respond(r.Context(), mem, in.Accept, in.Reason)
	}))
	m.HandleFunc("POST /api/meetings/{id}/attendance", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[rooms.AttendanceChange](s, w, r)
		if err != nil {
			return nil, err
		}
		part, count, err := s.d.Rooms.SetAttendance(r.Context(), mem, in)
		return map[string]any{"participant": part, "count": count}, err
	}))

	// The agenda.
	m.HandleFunc("GET /api/meetings/{id}/agenda", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		its, err := s.d.Agenda.List(r.Context(), mem.MeetingID)
		return items(its), err
	}))
	m.HandleFunc("POST /api/meetings/{id}/agenda", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[agenda.Input](s, w, r)
		if err != nil {
			return nil, err
		}
		it, _, err := s.d.Agenda.Add(r.Context(), agendaActor(mem), mem.MeetingID, in)
		return created{it}, err
	}))
	m.HandleFunc("PUT /api/meetings/{id}/agenda/{item}", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		item, err := pathID(r, "item")
		if err != nil {
			return nil, err
		}
		in, err := body[agenda.Input](s, w, r)
		if err != nil {
			return nil, err
		}
		it, _, err := s.d.Agenda.Update(r.Context(), agendaActor(mem), mem.MeetingID, item, in)
		return it, err
	}))
	m.HandleFunc("DELETE /api/meetings/{id}/agenda/{item}", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		item, err := pathID(r, "item")
		if err != nil {
			return nil, err
		}
		its, err := s.d.Agenda.Delete(r.Context(), agendaActor(mem), mem.MeetingID, item)
		return items(its), err
	}))
	m.HandleFunc("PUT /api/meetings/{id}/agenda-order", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[struct {
			ParentID *int64  `json:"parent_id"`
			IDs      []int64 `json:"ids"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		its, err := s.d.Agenda.Reorder(r.Context(), agendaActor(mem), mem.MeetingID, in.ParentID, in.IDs)
		return items(its), err
	}))
	m.HandleFunc("PUT /api/meetings/{id}/agenda-current", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[struct {
			ItemID *int64 `json:"item_id"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		its, err := s.d.Agenda.SetCurrent(r.Context(), agendaActor(mem), mem.MeetingID, in.ItemID)
		return items(its), err
	}))

	// Catching up on events without a WebSocket (and the WebSocket itself).
	m.HandleFunc("GET /api/meetings/{id}/events", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
		if err != nil || after < 0 {
			after = 0
		}
		evs, err := events.Since(r.Context(), s.d.DB.Reader(), mem.MeetingID, after, 0)
		if err != nil {
			return nil, err
		}
		return items(visible(evs, mem)), nil
	}))
	m.HandleFunc("GET /api/meetings/{id}/ws", s.authed(s.meetingSocket))
	s.sessionRoutes()
	s.recordingRoutes()
}

func agendaActor(m rooms.Member) agenda.Actor {
	over := m.Status == rooms.Ended || m.Status == rooms.Archived || m.Status == rooms.Cancelled
	return agenda.Actor{UserID: m.UserID, Prepare: m.CanPrepare(), Chair: m.Role == rooms.RoleChair, Over: over}
}

// audienceRole is the role a member's events are filtered with: organizers who are not invited
// (administrators, the body's secretaries) see what the meeting's secretary sees.
func audienceRole(m rooms.Member) string {
	if m.Role == "" && m.Organizer {
		return rooms.RoleSecretary
	}
	return m.Role
}

func visible(evs []events.Event, m rooms.Member) []events.Event {
	out := evs[:0:0]
	for _, e := range evs {
		if e.Audience.Admits(m.UserID, audienceRole(m)) {
			out = append(out, e)
		}
	}
	return out
}

func (s *Server) myMeetings(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ms, err := s.d.Rooms.Mine(r.Context(), p)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, items(ms))
}

func (s *Server) createMeeting(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	in, err := body[rooms.MeetingInput](s, w, r)
	if err == nil {
		var m rooms.Meeting
		if m, err = s.d.Rooms.Create(r.Context(), p, in); err == nil {
			writeJSON(w, http.StatusCreated, m)
			return
		}
	}
	writeError(w, r, s.d.Log, err)
}

// snapshot is everything a meeting page shows, with the event sequence it is current to. Seq is
// read first: events after it may already be reflected in the data, and pages apply events by
// reloading what they name, so applying one twice is harmless.
type snapshot struct {
	Seq          int64                 `json:"seq"`
	Meeting      rooms.Meeting         `json:"meeting"`
	Me           rooms.Member          `json:"me"`
	Participants []rooms.Participant   `json:"participants"`
	Attendance   rooms.AttendanceCount `json:"attendance"`
	Agenda       []agenda.Item         `json:"agenda"`
}

func (s *Server) meetingSnapshot(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
	ctx := r.Context()
	var snap snapshot
	var err error
	if snap.Seq, err = events.Last(ctx, s.d.DB.Reader(), mem.MeetingID); err != nil {
		return nil, err
	}
	snap.Me = mem
	if snap.Meeting, err = s.d.Rooms.Get(ctx, mem.MeetingID); err != nil {
		return nil, err
	}
	if snap.Participants, err = s.d.Rooms.Participants(ctx, mem); err != nil {
		return nil, err
	}
	if snap.Attendance, err = s.d.Rooms.Attendance(ctx, mem); err != nil {
		return nil, err
	}
	if snap.Agenda, err = s.d.Agenda.List(ctx, mem.MeetingID); err != nil {
		return nil, err
	}
	if snap.Participants == nil {
		snap.Participants = []rooms.Participant{}
	}
	if snap.Agenda == nil {
		snap.Agenda = []agenda.Item{}
	}
	return snap, nil
}
