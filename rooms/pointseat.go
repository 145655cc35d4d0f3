package rooms

import (
	"context"
	"fmt"

	"github.com/phonghop/phonghop/internal/errs"
)

// PointSeat is an invited meeting point a person may take part as: joining the video as the
// point, their connection is the point's ("point-12"), so the control room, the floor and the
// spotlight name the same identity.
type PointSeat struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Role is the point's role in the meeting: what it may publish and whether it starts muted.
	Role string `json:"role"`
}

// PointSeats lists the invited points m may join as: those of m's own organization (the official
// at a commune's point is of the commune), and every point for the meeting's operator, who may
// run a point's PC. Guests take part as themselves only.
func (s *Service) PointSeats(ctx context.Context, m Member, orgID int64) ([]PointSeat, error) {
	if m.Role == RoleGuest {
		return nil, nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT p.id, p.name, mp.role, p.organization_id FROM meeting_participants mp
		JOIN meeting_points p ON p.id = mp.meeting_point_id WHERE mp.meeting_id = ? ORDER BY p.name, p.id`, m.MeetingID)
	if err != nil {
		return nil, fmt.Errorf("rooms: point seats: %w", err)
	}
	defer rows.Close()
	var out []PointSeat
	for rows.Next() {
		var ps PointSeat
		var org int64
		if err := rows.Scan(&ps.ID, &ps.Name, &ps.Role, &org); err != nil {
			return nil, err
		}
		if org == orgID || m.Role == RoleOperator {
			out = append(out, ps)
		}
	}
	return out, rows.Err()
}

// PointSeat returns the point m asks to take part as, or forbidden if m may not.
func (s *Service) PointSeat(ctx context.Context, m Member, orgID, pointID int64) (PointSeat, error) {
	seats, err := s.PointSeats(ctx, m, orgID)
	if err != nil {
		return PointSeat{}, err
	}
	for _, ps := range seats {
		if ps.ID == pointID {
			return ps, nil
		}
	}
	return PointSeat{}, errs.E(errs.Forbidden, "Bạn không được tham gia với tư cách điểm cầu này (điểm cầu không thuộc đơn vị của bạn hoặc không được mời).",
		"You may not take part as this meeting point (not of your organization, or not invited).")
}
