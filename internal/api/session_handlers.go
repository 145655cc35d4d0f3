package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/rooms"
)

// sessionRoutes are the running session: votes, the floor, the minutes and conclusion notice,
// and approvals.
func (s *Server) sessionRoutes() {
	m := s.mux
	act := func(fn meetingAction) http.HandlerFunc { return s.inMeeting(fn) }
	withID := func(name string, fn func(w http.ResponseWriter, r *http.Request, mem rooms.Member, id int64) (any, error)) http.HandlerFunc {
		return act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
			id, err := pathID(r, name)
			if err != nil {
				return nil, err
			}
			return fn(w, r, mem, id)
		})
	}

	m.HandleFunc("GET /api/meetings/{id}/votes", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		vs, err := s.d.Rooms.ListVotes(r.Context(), mem)
		return items(vs), err
	}))
	m.HandleFunc("POST /api/meetings/{id}/votes", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[rooms.VoteSpec](s, w, r)
		if err != nil {
			return nil, err
		}
		v, err := s.d.Rooms.CreateVote(r.Context(), mem, in)
		return created{v}, err
	}))
	m.HandleFunc("GET /api/meetings/{id}/votes/{vote}", withID("vote", func(w http.ResponseWriter, r *http.Request, mem rooms.Member, id int64) (any, error) {
		return s.d.Rooms.GetVote(r.Context(), mem, id)
	}))
	m.HandleFunc("POST /api/meetings/{id}/votes/{vote}/{action}", withID("vote", func(w http.ResponseWriter, r *http.Request, mem rooms.Member, id int64) (any, error) {
		switch r.PathValue("action") {
		case "open":
			return s.d.Rooms.OpenVote(r.Context(), mem, id)
		case "close":
			return s.d.Rooms.CloseVote(r.Context(), mem, id)
		case "publish":
			return s.d.Rooms.PublishVote(r.Context(), mem, id)
		case "ballot":
			in, err := body[struct {
				Option *int `json:"option"`
			}](s, w, r)
			if err != nil {
				return nil, err
			}
			if in.Option == nil {
				return nil, errs.Fieldf("option", "Hãy chọn một phương án.", "Choose an option.")
			}
			return s.d.Rooms.CastBallot(r.Context(), mem, id, *in.Option)
		}
		return nil, errRouteNotFound
	}))

	m.HandleFunc("POST /api/meetings/{id}/media-token", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		if s.d.Media == nil {
			return nil, errs.E(errs.Unavailable, "Máy chủ hội nghị truyền hình chưa bật.", "The media server is not running.")
		}
		g := mediaGrant(mem, p)
		if err := s.asPoint(w, r, mem, p, &g); err != nil {
			return nil, err
		}
		token, err := s.d.Media.Sign(g, 2*time.Minute)
		if err != nil {
			return nil, err
		}
		return map[string]any{"token": token, "url": "/rtc", "grant": g}, nil
	}))
	m.HandleFunc("GET /api/meetings/{id}/point-seats", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		ps, err := s.d.Rooms.PointSeats(r.Context(), mem, p.OrganizationID)
		return items(ps), err
	}))
	// Media commands from the video tab and the control room; who may send which is decided by
	// rooms.CheckMediaCommand.
	m.HandleFunc("POST /api/meetings/{id}/media-commands", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[rooms.MediaCommand](s, w, r)
		if err != nil {
			return nil, err
		}
		// Recording is a meeting state change (recorded, logged, then sent to the SFU), which
		// the chair and the secretary make; package rooms checks who asks.
		switch in.Type {
		case "record_start":
			return s.d.Rooms.StartRecording(r.Context(), mem)
		case "record_stop":
			return s.d.Rooms.StopRecording(r.Context(), mem)
		}
		_, err = s.d.Rooms.SendMediaCommand(mem, in)
		return nil, err
	}))
	m.HandleFunc("GET /api/meetings/{id}/floor", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		fs, err := s.d.Rooms.Floor(r.Context(), mem)
		return items(fs), err
	}))
	m.HandleFunc("POST /api/meetings/{id}/floor", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[rooms.NewFloorRequest](s, w, r)
		if err != nil {
			return nil, err
		}
		f, err := s.d.Rooms.RequestFloorAs(r.Context(), mem, p.OrganizationID, in)
		return created{f}, err
	}))
	m.HandleFunc("POST /api/meetings/{id}/floor/{req}", withID("req", func(w http.ResponseWriter, r *http.Request, mem rooms.Member, id int64) (any, error) {
		in, err := body[rooms.FloorAction](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.d.Rooms.ActOnFloor(r.Context(), mem, id, in)
	}))
	m.HandleFunc("PUT /api/meetings/{id}/speaking-time", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[struct {
			Seconds int `json:"speaking_seconds"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		return nil, s.d.Rooms.SetSpeakingTime(r.Context(), mem, in.Seconds)
	}))

	m.HandleFunc("GET /api/meetings/{id}/records/{kind}", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		if v := r.URL.Query().Get("version"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, errs.Fieldf("version", "Phiên bản không hợp lệ.", "Invalid version.")
			}
			return s.d.Rooms.RecordVersion(r.Context(), mem, r.PathValue("kind"), n)
		}
		return s.d.Rooms.GetRecord(r.Context(), mem, r.PathValue("kind"))
	}))
	m.HandleFunc("GET /api/meetings/{id}/records/{kind}/draft", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		return s.d.Rooms.DraftRecord(r.Context(), mem, r.PathValue("kind"))
	}))
	m.HandleFunc("PUT /api/meetings/{id}/records/{kind}", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[struct {
			BaseVersion int             `json:"base_version"`
			Content     json.RawMessage `json:"content"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.d.Rooms.SaveRecord(r.Context(), mem, r.PathValue("kind"), in.BaseVersion, in.Content)
	}))

	m.HandleFunc("GET /api/meetings/{id}/approvals", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		as, err := s.d.Rooms.Approvals(r.Context(), mem)
		return items(as), err
	}))
	m.HandleFunc("POST /api/meetings/{id}/approvals", act(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[rooms.ApprovalRequest](s, w, r)
		if err != nil {
			return nil, err
		}
		var doc *rooms.DocumentVersion
		if in.SubjectKind == "document" && s.d.DocumentVersion != nil {
			if doc, err = s.d.DocumentVersion(r.Context(), mem, in.SubjectID); err != nil {
				return nil, err
			}
		}
		a, err := s.d.Rooms.RequestApproval(r.Context(), mem, in, doc)
		return created{a}, err
	}))
	m.HandleFunc("POST /api/meetings/{id}/approvals/{approval}", withID("approval", func(w http.ResponseWriter, r *http.Request, mem rooms.Member, id int64) (any, error) {
		in, err := body[struct {
			Approve bool   `json:"approve"`
			Comment string `json:"comment"`
		}](s, w, r)
		if err != nil {
			return nil, err
		}
		return s.d.Rooms.Decide(r.Context(), mem, id, in.Approve, in.Comment)
	}))
}

// mediaGrant is what a member may do in the meeting's media room: the chair and secretary speak
// freely; delegates and operators publish but join muted and cannot unmute themselves after the
// chair muted them (the floor unmutes them); guests only watch and listen.
func mediaGrant(m rooms.Member, p *auth.Principal) auth.MediaGrant {
	g := auth.MediaGrant{Room: rooms.MediaRoom(m.MeetingID), Identity: "user-" + strconv.FormatInt(p.ID, 10), Name: p.FullName, Subscribe: true}
	switch m.Role {
	case rooms.RoleChair, rooms.RoleSecretary, "":
		g.Publish, g.SelfUnmute = []string{"audio", "video", "screen"}, true
	case rooms.RoleDelegate, rooms.RoleOperator:
		g.Publish, g.StartMuted = []string{"audio", "video"}, true
	}
	return g
}
