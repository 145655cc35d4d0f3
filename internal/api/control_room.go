package api

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/mediastats"
	"github.com/phonghop/phonghop/rooms"
)

// staleAfter: the media server sends figures every 2 s; after three missed samples the control
// room says its figures are old.
const staleAfter = 6 * time.Second

// controlRoomAlerts is how many recent alert changes the control room lists.
const controlRoomAlerts = 50

// controlRoom is the operator's view of a meeting's media room: every point with its figures and
// alerts, and everyone invited who is not there.
type controlRoom struct {
	Room string `json:"room"`
	// UpdatedAt is the time of the media server's last figures (null: none yet); Stale is set
	// when they are older than three samples.
	UpdatedAt *time.Time               `json:"updated_at"`
	Stale     bool                     `json:"stale"`
	Counts    controlCounts            `json:"counts"`
	Points    []controlPoint           `json:"points"`
	Alerts    []mediastats.AlertChange `json:"alerts"`
	// Commands are the media command types the caller may send.
	Commands []string `json:"commands"`
}

type controlCounts struct {
	Invited      int `json:"invited"`
	Present      int `json:"present"`
	Connected    int `json:"connected"`
	Reconnecting int `json:"reconnecting"`
	Failed       int `json:"failed"`
	Absent       int `json:"absent"` // invited, not in the room
	Alerts       int `json:"alerts"` // active alerts
	WithAlerts   int `json:"with_alerts"`
}

// controlPoint is one cell of the grid. Status is connected, reconnecting or failed for a point in
// the room, left for one that was there, absent for an invitee never seen.
type controlPoint struct {
	mediastats.PointView
	Status       string `json:"status"`
	Invited      bool   `json:"invited"`
	Role         string `json:"role,omitempty"`
	Organization string `json:"organization,omitempty"`
}

const (
	statusLeft   = "left"
	statusAbsent = "absent"
)

var errControlRoomForbidden = errs.E(errs.Forbidden,
	"Chỉ kỹ thuật viên, chủ trì cuộc họp và quản trị viên được mở phòng điều khiển.",
	"Only the meeting's operator and chair, and administrators, may open the control room.")

// mayOpenControlRoom: the operator who keeps the points connected, the chair, and administrators
// (who read every meeting's state); the figures of every point's link are nobody else's business.
func mayOpenControlRoom(m rooms.Member, p *auth.Principal) bool {
	return m.Role == rooms.RoleOperator || m.Role == rooms.RoleChair || p.IsAdmin
}

func (s *Server) controlRoomRoutes() {
	s.mux.HandleFunc("GET /api/meetings/{id}/control-room", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		if !mayOpenControlRoom(mem, p) {
			return nil, errControlRoomForbidden
		}
		invited, err := s.d.Rooms.Participants(r.Context(), mem)
		if err != nil {
			return nil, err
		}
		name := rooms.MediaRoom(mem.MeetingID)
		v, _ := s.stats.Room(name)
		return writeJSONCompressed(w, r, buildControlRoom(name, v, invited, mem, time.Now()))
	}))
}

// writeJSONCompressed answers 200 with v, gzipped when the browser accepts it: the control room
// is polled every 2 s and a 250-point answer of about 210 KB shrinks to about 50 KB.
func writeJSONCompressed(w http.ResponseWriter, r *http.Request, v any) (any, error) {
	if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		return v, nil
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Encoding", "gzip")
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return written{}, nil
}

// acceptsGzip reads an Accept-Encoding header: gzip listed, and not with q=0.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// buildControlRoom merges what the media server reports with the invitations.
func buildControlRoom(name string, v mediastats.RoomView, invited []rooms.Participant, mem rooms.Member, now time.Time) controlRoom {
	out := controlRoom{Room: name, Stale: true, Points: make([]controlPoint, 0, max(len(v.Points), len(invited))), Commands: []string{}}
	if !v.UpdatedAt.IsZero() {
		at := v.UpdatedAt
		out.UpdatedAt, out.Stale = &at, now.Sub(at) > staleAfter
	}
	byID := make(map[string]int, len(v.Points))
	for _, pv := range v.Points {
		status := pv.State
		if !pv.Present {
			status = statusLeft
		}
		byID[pv.Identity] = len(out.Points)
		out.Points = append(out.Points, controlPoint{PointView: pv, Status: status})
	}
	for _, inv := range invited {
		id := rooms.MediaIdentity(inv.UserID, inv.MeetingPointID)
		i, seen := byID[id]
		if !seen {
			i = len(out.Points)
			out.Points = append(out.Points, controlPoint{Status: statusAbsent, PointView: mediastats.PointView{
				PointStats: mediastats.PointStats{Identity: id}, Alerts: []mediastats.Alert{},
				History: mediastats.History{InKbps: []float64{}, Loss: []float64{}, RTTms: []float64{}}}})
		}
		cp := &out.Points[i]
		// The directory's name is the one the province knows the point by.
		cp.Name, cp.Invited, cp.Role, cp.Organization = inv.Name, true, inv.Role, inv.Organization
	}
	c := &out.Counts
	c.Invited = len(invited)
	for _, p := range out.Points {
		switch {
		case p.Present:
			c.Present++
			switch p.State {
			case mediastats.StateConnected:
				c.Connected++
			case mediastats.StateReconnecting:
				c.Reconnecting++
			case mediastats.StateFailed:
				c.Failed++
			}
		case p.Invited:
			c.Absent++
		}
		c.Alerts += len(p.Alerts)
		if len(p.Alerts) > 0 {
			c.WithAlerts++
		}
	}
	slices.SortStableFunc(out.Points, worstFirst)
	out.Alerts = v.Changes[:min(len(v.Changes), controlRoomAlerts)]
	if out.Alerts == nil {
		out.Alerts = []mediastats.AlertChange{}
	}
	for _, t := range []string{rooms.MediaMute, rooms.MediaUnmute, rooms.MediaSpotlight, rooms.MediaAudioOnly, rooms.MediaVideoOn, rooms.MediaRejoin, rooms.MediaMuteAll} {
		if _, err := rooms.CheckMediaCommand(mem, rooms.MediaCommand{Type: t, Identity: "user-1"}); err == nil {
			out.Commands = append(out.Commands, t)
		}
	}
	return out
}

// statusRank orders points without alerts: trouble, then those missing, then those fine.
func statusRank(status string) int {
	switch status {
	case mediastats.StateFailed:
		return 0
	case mediastats.StateReconnecting:
		return 1
	case statusLeft:
		return 2
	case statusAbsent:
		return 3
	}
	return 4
}

// worstFirst sorts the grid the way the operator reads it during a briefing: the worst alert
// first, then the state, then the larger loss, then by name.
func worstFirst(a, b controlPoint) int {
	return cmp.Or(
		cmp.Compare(b.Severity, a.Severity),
		cmp.Compare(statusRank(a.Status), statusRank(b.Status)),
		cmp.Compare(max(b.LossIn, b.LossOut), max(a.LossIn, a.LossOut)),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.Identity, b.Identity),
	)
}
