package main

import (
	"context"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
)

// demoAgenda is the agenda of the demo briefing.
var demoAgenda = []agenda.Input{
	{Title: "Báo cáo tình hình kinh tế - xã hội tháng 11 và nhiệm vụ trọng tâm tháng 12 năm 2026", Presenter: "Văn phòng UBND tỉnh", PlannedMinutes: 30},
	{Title: "Dự thảo Kế hoạch phòng, chống thiên tai năm 2027", Presenter: "Sở Tài nguyên và Môi trường", PlannedMinutes: 45},
	{Title: "Ý kiến của các huyện, xã", Presenter: "Đại biểu các điểm cầu", PlannedMinutes: 40},
	{Title: "Kết luận của Chủ tịch UBND tỉnh", Presenter: "Chủ tịch UBND tỉnh", PlannedMinutes: 15},
}

// seedDemoMeeting schedules tomorrow morning's online briefing of the province with the demo
// people and meeting points invited and its agenda set.
func seedDemoMeeting(ctx context.Context, db *store.DB, a *auth.Service, d *directory.Directory, orgs map[string]int64) error {
	log := events.NewLog(nil, nil)
	rs, ag := rooms.New(db, log, nil, nil), agenda.New(db, log)
	user := map[string]int64{}
	for _, u := range demoUsers {
		var id int64
		if err := db.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, u.username).Scan(&id); err != nil {
			return err
		}
		user[u.username] = id
	}
	secretary, err := a.Principal(ctx, user["thuky"])
	if err != nil {
		return err
	}
	ict := time.FixedZone("ICT", 7*3600)
	day := time.Now().In(ict).AddDate(0, 0, 1)
	start := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, ict)
	chair, sec := user["chutich"], user["thuky"]
	m, err := rs.Create(ctx, secretary, rooms.MeetingInput{OrganizationID: orgs["UBND-TH"],
		Title: "Hội nghị giao ban trực tuyến UBND tỉnh tháng 11 năm 2026", Kind: rooms.Hybrid,
		Place: "Phòng họp trực tuyến, Trụ sở UBND tỉnh Thanh Hóa", StartsAt: start, EndsAt: start.Add(3 * time.Hour),
		ChairID: &chair, SecretaryID: &sec})
	if err != nil {
		return err
	}
	mem, err := rs.Member(ctx, db.Reader(), m.ID, secretary)
	if err != nil {
		return err
	}
	var inv []rooms.Invitee
	for _, u := range []string{"giamdoc.stnmt", "chutich.dongson", "chutich.donghoa"} {
		id := user[u]
		inv = append(inv, rooms.Invitee{UserID: &id, Role: rooms.RoleDelegate, CanVote: true})
	}
	op := user["kythuat"]
	inv = append(inv, rooms.Invitee{UserID: &op, Role: rooms.RoleOperator})
	for _, code := range []string{"H-DS", "X-DS-DH"} {
		points, err := d.MeetingPoints(ctx, orgs[code])
		if err != nil {
			return err
		}
		for _, p := range points {
			id := p.ID
			inv = append(inv, rooms.Invitee{MeetingPointID: &id, Role: rooms.RoleDelegate})
		}
	}
	if _, err := rs.Invite(ctx, mem, inv); err != nil {
		return err
	}
	for _, it := range demoAgenda {
		if _, _, err := ag.Add(ctx, agenda.Actor{UserID: sec, Prepare: true}, m.ID, it); err != nil {
			return err
		}
	}
	_, err = rs.Transition(ctx, mem, "schedule")
	return err
}
