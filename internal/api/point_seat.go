package api

import (
	"net/http"
	"strconv"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/rooms"
)

// asPoint makes a media grant the meeting point's when the request asks to take part as one
// ({"meeting_point_id": 12}) and the person may: the connection is then "point-12", named as
// the point, with the rights of the point's role in the meeting. A request without a body
// joins as the person, as before.
func (s *Server) asPoint(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal, g *auth.MediaGrant) error {
	if r.ContentLength == 0 || r.Header.Get("Content-Type") == "" {
		return nil
	}
	var in struct {
		MeetingPointID *int64 `json:"meeting_point_id"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.MeetingPointID == nil {
		return nil
	}
	seat, err := s.d.Rooms.PointSeat(r.Context(), mem, p.OrganizationID, *in.MeetingPointID)
	if err != nil {
		return err
	}
	pointMember := mem
	pointMember.Role = seat.Role
	pg := mediaGrant(pointMember, p)
	pg.Identity, pg.Name = "point-"+strconv.FormatInt(seat.ID, 10), seat.Name
	*g = pg
	return nil
}
