package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/api"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

// benchMeeting is a server over SQLite and an embedded bus with one scheduled meeting and the
// session of its secretary.
type benchMeeting struct {
	srv     *httptest.Server
	meeting int64
	cookie  string
	csrf    string
}

func newBenchMeeting(b *testing.B) *benchMeeting {
	ctx := context.Background()
	db := storetest.OpenSQLite(b, migrations()...)
	bs, err := bus.Open(ctx, bus.Config{DataDir: b.TempDir()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(bs.Close)
	log := events.NewLog(bs, nil)
	rs, a := rooms.New(db, log, bs, nil), auth.NewService(db)
	org, _ := directory.New(db).CreateOrganization(ctx, directory.Organization{Code: "UBND-T", Name: "UBND tỉnh", Abbreviation: "UBND", Level: directory.Province})
	u, err := a.CreateAccount(ctx, auth.NewAccount{User: directory.User{Username: "thuky", FullName: "Thư ký", OrganizationID: org.ID},
		Password: "mat-khau-thuky", Roles: []auth.RoleGrant{{Role: auth.RoleSecretary, OrganizationID: &org.ID}}})
	if err != nil {
		b.Fatal(err)
	}
	p, _ := a.Principal(ctx, u.ID)
	start := time.Now()
	m, err := rs.Create(ctx, p, rooms.MeetingInput{OrganizationID: org.ID, Title: "Giao ban", Kind: rooms.Online, StartsAt: start, EndsAt: start.Add(time.Hour),
		ChairID: &u.ID})
	if err != nil {
		b.Fatal(err)
	}
	tok, sp, _ := a.StartSession(ctx, u.ID, "127.0.0.1", "bench")
	blobs, _ := docs.NewDirStore(b.TempDir())
	srv := httptest.NewServer(api.New(api.Config{}, api.Deps{DB: db, Bus: bs, Auth: a, Directory: directory.New(db), Rooms: rs,
		Agenda: agenda.New(db, log), Docs: docs.New(db, log, blobs, 100<<20), Log: slog.New(slog.DiscardHandler)}))
	b.Cleanup(srv.Close)
	return &benchMeeting{srv: srv, meeting: m.ID, cookie: tok, csrf: sp.CSRFToken}
}

func (bm *benchMeeting) request(method, path, ct string, body io.Reader) (*http.Response, error) {
	req, _ := http.NewRequest(method, bm.srv.URL+fmt.Sprintf("/api/meetings/%d%s", bm.meeting, path), body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("X-CSRF-Token", bm.csrf)
	req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: bm.cookie})
	return http.DefaultClient.Do(req)
}

// BenchmarkFanout: one agenda change reaches 1,000 pages connected over WebSocket (in this
// process, over loopback). Reports p50 and p99 from the request to each page's receipt.
//
//	go test -run '^$' -bench Fanout -benchtime 10x ./internal/api
func BenchmarkFanout(b *testing.B) {
	const clients = 1000
	bm := newBenchMeeting(b)
	url := "ws" + strings.TrimPrefix(bm.srv.URL, "http") + fmt.Sprintf("/api/meetings/%d/ws", bm.meeting)
	hdr := http.Header{"Cookie": {api.SessionCookie + "=" + bm.cookie}}
	type arrival struct{ seq int64 }
	var mu sync.Mutex
	var sent time.Time
	var lat []time.Duration
	var got atomic.Int64
	ready := make(chan struct{}, clients)
	var conns []*websocket.Conn
	for i := 0; i < clients; i++ {
		c, _, err := websocket.DefaultDialer.Dial(url, hdr)
		if err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
		conns = append(conns, c)
		go func() {
			for {
				var m struct {
					Type string `json:"type"`
				}
				if err := c.ReadJSON(&m); err != nil {
					return
				}
				switch m.Type {
				case "ready":
					ready <- struct{}{}
				case agenda.EventAgenda:
					d := time.Since(sent)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
					got.Add(1)
				}
			}
		}()
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < clients; i++ {
		<-ready
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		got.Store(0)
		sent = time.Now()
		body, _ := json.Marshal(map[string]any{"title": fmt.Sprintf("Mục %d", n)})
		resp, err := bm.request("POST", "/agenda", "application/json", bytes.NewReader(body))
		if err != nil || resp.StatusCode != 201 {
			b.Fatalf("change: %v %v", err, resp)
		}
		resp.Body.Close()
		deadline := time.Now().Add(10 * time.Second)
		for got.Load() < clients {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d pages got the change", got.Load(), clients)
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
}
