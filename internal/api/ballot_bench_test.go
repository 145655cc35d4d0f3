package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/internal/api"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

// BenchmarkBallots: 1,000 voters, each with their own session, cast their ballots over HTTP with
// arrivals spread evenly over one second. Reports ballots per second, p50/p99 latency of an
// acknowledged ballot, and fails unless every ballot is counted exactly once.
//
//	go test -run '^$' -bench Ballots -benchtime 3x ./internal/api
func BenchmarkBallots(b *testing.B) {
	const voters = 1000
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			ctx := context.Background()
			db := be.Open(b, migrations()...)
			log := events.NewLog(nil, nil)
			rs := rooms.New(db, log, nil, nil)
			a := auth.NewService(db)
			org, err := directory.New(db).CreateOrganization(ctx, directory.Organization{Code: "HDND-T", Name: "Hội đồng nhân dân tỉnh", Abbreviation: "HĐND", Level: directory.Province})
			if err != nil {
				b.Fatal(err)
			}
			var ids []int64
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				for i := 0; i <= voters+1; i++ {
					u, err := directory.CreateUser(ctx, tx, directory.User{Username: fmt.Sprintf("daibieu%04d", i), FullName: fmt.Sprintf("Đại biểu %d", i), OrganizationID: org.ID})
					if err != nil {
						return err
					}
					ids = append(ids, u.ID)
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, organization_id) VALUES (?, 'secretary', ?)`, ids[0], org.ID)
				return err
			}); err != nil {
				b.Fatal(err)
			}
			secretary, _ := a.Principal(ctx, ids[0])
			chairID := ids[1]
			start := time.Now().Add(-time.Hour)
			m, err := rs.Create(ctx, secretary, rooms.MeetingInput{OrganizationID: org.ID, Title: "Kỳ họp", Kind: rooms.InPerson, Place: "Hội trường",
				StartsAt: start, EndsAt: start.Add(4 * time.Hour), ChairID: &chairID, SecretaryID: &ids[0]})
			if err != nil {
				b.Fatal(err)
			}
			secM, _ := rs.Member(ctx, db.Reader(), m.ID, secretary)
			var inv []rooms.Invitee
			for _, id := range ids[2:] {
				inv = append(inv, rooms.Invitee{UserID: &id, Role: rooms.RoleDelegate, CanVote: true})
			}
			if _, err := rs.Invite(ctx, secM, inv); err != nil {
				b.Fatal(err)
			}
			rs.Transition(ctx, secM, "schedule")
			chairP, _ := a.Principal(ctx, chairID)
			chairM, _ := rs.Member(ctx, db.Reader(), m.ID, chairP)
			if _, err := rs.Transition(ctx, chairM, "start"); err != nil {
				b.Fatal(err)
			}
			// Setting up 1,000 check-ins one by one is not what is measured.
			if _, err := db.ExecContext(ctx, `UPDATE meeting_participants SET attendance = 'in_person' WHERE meeting_id = ? AND role = 'delegate'`, m.ID); err != nil {
				b.Fatal(err)
			}
			type session struct{ cookie, csrf string }
			var sessions []session
			for _, id := range ids[2:] {
				tok, p, err := a.StartSession(ctx, id, "127.0.0.1", "bench")
				if err != nil {
					b.Fatal(err)
				}
				sessions = append(sessions, session{tok, p.CSRFToken})
			}
			srv := httptest.NewServer(api.New(api.Config{}, api.Deps{DB: db, Auth: a, Directory: directory.New(db), Rooms: rs, Agenda: agenda.New(db, log), Log: slog.New(slog.DiscardHandler)}))
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: voters, MaxConnsPerHost: voters}}

			for _, spread := range []time.Duration{time.Second, 0} {
				name := "spread-1s"
				if spread == 0 {
					name = "burst"
				}
				b.Run(name, func(b *testing.B) {
					var all []time.Duration
					var busy time.Duration
					b.ResetTimer()
					for n := 0; n < b.N; n++ {
						b.StopTimer()
						v, err := rs.CreateVote(ctx, chairM, rooms.VoteSpec{Question: fmt.Sprintf("Nghị quyết %s số %d", name, n), Secret: n%2 == 1})
						if err != nil {
							b.Fatal(err)
						}
						if _, err := rs.OpenVote(ctx, chairM, v.ID); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
						lat := make([]time.Duration, voters)
						var wg sync.WaitGroup
						var failed sync.Map
						t0 := time.Now()
						for i := 0; i < voters; i++ {
							wg.Add(1)
							go func() {
								defer wg.Done()
								time.Sleep(time.Until(t0.Add(time.Duration(i) * spread / voters)))
								body := bytes.NewReader([]byte(fmt.Sprintf(`{"option":%d}`, i%3)))
								req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/meetings/%d/votes/%d/ballot", srv.URL, m.ID, v.ID), body)
								req.Header.Set("Content-Type", "application/json")
								req.Header.Set("X-CSRF-Token", sessions[i].csrf)
								req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: sessions[i].cookie})
								s := time.Now()
								resp, err := client.Do(req)
								if err != nil {
									failed.Store(i, err.Error())
									return
								}
								msg, _ := io.ReadAll(resp.Body)
								resp.Body.Close()
								lat[i] = time.Since(s)
								if resp.StatusCode != 200 {
									failed.Store(i, fmt.Sprintf("%d %s", resp.StatusCode, msg))
								}
							}()
						}
						wg.Wait()
						busy += time.Since(t0)
						b.StopTimer()
						failed.Range(func(k, v any) bool { b.Fatalf("ballot %v: %v", k, v); return false })
						closed, err := rs.CloseVote(ctx, chairM, v.ID)
						if err != nil {
							b.Fatal(err)
						}
						want := []int{334, 333, 333}
						if closed.Turnout != voters || fmt.Sprint(closed.Counts) != fmt.Sprint(want) {
							b.Fatalf("vote %d: turnout %d counts %v, want %d and %v", n, closed.Turnout, closed.Counts, voters, want)
						}
						all = append(all, lat...)
						b.StartTimer()
					}
					b.StopTimer()
					slices.Sort(all)
					b.ReportMetric(float64(voters*b.N)/busy.Seconds(), "ballots/s")
					b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50_ms")
					b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99_ms")
					b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max_ms")
				})
			}
		})
	}
}
