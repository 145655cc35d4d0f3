package rooms_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
)

func migrations() []store.Migrations {
	return []store.Migrations{directory.Migrations(), auth.Migrations(), events.Migrations(), rooms.Migrations(),
		agenda.Migrations(), docs.Migrations(), rooms.SessionMigrations()}
}

// fixture is a scheduled meeting of a province body with a chair, a secretary, delegates with
// and without the right to vote, a guest and an outsider.
type fixture struct {
	db        *store.DB
	s         *rooms.Service
	ag        *agenda.Agenda
	org       directory.Organization
	secretary *auth.Principal // secretary of the organization and of the meeting
	chair     *auth.Principal
	delegates []*auth.Principal // can vote
	observer  *auth.Principal   // delegate without the right to vote
	guest     *auth.Principal
	outsider  *auth.Principal
	meeting   rooms.Meeting
}

func newFixture(t *testing.T, db *store.DB, nDelegates int) *fixture {
	t.Helper()
	ctx := context.Background()
	log := events.NewLog(nil, nil)
	f := &fixture{db: db, s: rooms.New(db, log, nil, nil), ag: agenda.New(db, log)}
	var err error
	f.org, err = directory.New(db).CreateOrganization(ctx, directory.Organization{Code: "UBND-TH", Name: "Ủy ban nhân dân tỉnh Thanh Hóa", Abbreviation: "UBND", Level: directory.Province})
	if err != nil {
		t.Fatal(err)
	}
	person := func(username, name string) *auth.Principal {
		var u directory.User
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			u, err = directory.CreateUser(ctx, tx, directory.User{Username: username, FullName: name, OrganizationID: f.org.ID})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return &auth.Principal{User: u}
	}
	f.secretary = person("thuky", "Lê Thị Thu")
	f.secretary.Roles = []auth.RoleGrant{{Role: auth.RoleSecretary, OrganizationID: &f.org.ID}}
	f.chair = person("chutich", "Đỗ Minh Tuấn")
	for i := 0; i < nDelegates; i++ {
		f.delegates = append(f.delegates, person(fmt.Sprintf("daibieu%d", i), fmt.Sprintf("Đại biểu %d", i)))
	}
	f.observer = person("quansat", "Phạm Văn Quan")
	f.guest = person("khach", "Trần Khách")
	f.outsider = person("nguoingoai", "Người Ngoài")

	start := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	f.meeting, err = f.s.Create(ctx, f.secretary, rooms.MeetingInput{OrganizationID: f.org.ID, Title: "Họp UBND tỉnh tháng 11",
		Kind: rooms.Hybrid, Place: "Phòng họp số 1", StartsAt: start, EndsAt: start.Add(3 * time.Hour), ChairID: &f.chair.ID, SecretaryID: &f.secretary.ID})
	if err != nil {
		t.Fatal(err)
	}
	var inv []rooms.Invitee
	for _, d := range f.delegates {
		inv = append(inv, rooms.Invitee{UserID: &d.ID, Role: rooms.RoleDelegate, CanVote: true})
	}
	inv = append(inv, rooms.Invitee{UserID: &f.observer.ID, Role: rooms.RoleDelegate},
		rooms.Invitee{UserID: &f.guest.ID, Role: rooms.RoleGuest})
	if _, err := f.s.Invite(ctx, f.member(t, f.secretary), inv); err != nil {
		t.Fatal(err)
	}
	if f.meeting, err = f.s.Transition(ctx, f.member(t, f.secretary), "schedule"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) member(t *testing.T, p *auth.Principal) rooms.Member {
	t.Helper()
	m, err := f.s.Member(context.Background(), f.db.Reader(), f.meeting.ID, p)
	if err != nil {
		t.Fatalf("member %s: %v", p.Username, err)
	}
	return m
}

// start opens the session and checks everyone but the outsider in.
func (f *fixture) start(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.s.Transition(ctx, f.member(t, f.chair), "start"); err != nil {
		t.Fatal(err)
	}
	for _, p := range append([]*auth.Principal{f.chair, f.secretary, f.observer, f.guest}, f.delegates...) {
		if _, _, err := f.s.SetAttendance(ctx, f.member(t, p), rooms.AttendanceChange{Status: rooms.InPersonPresent}); err != nil {
			t.Fatal(err)
		}
	}
}
