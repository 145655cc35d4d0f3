package api_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
	"github.com/gorilla/websocket"

	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// The bell, the settings, the calendar feed and the secretary's delivery view, through the API:
// an invitation reaches the delegate's open page live, is marked read, and shows per recipient
// to the organizers only; a feed URL works until it is revoked.
func TestNotificationsOverTheAPI(t *testing.T) {
	storetest.Each(t, append(migrations(), notify.Migrations()), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		o := notify.New(notify.Options{DB: db, Bus: e.bus, Log: slog.New(slog.DiscardHandler), Poll: 20 * time.Millisecond})
		e.rooms.SetNotifier(o)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go o.Run(ctx)

		var bad apiError
		if st := e.delegate.do("PUT", "/api/me/notification-settings", map[string]any{"email": "daibieu@", "email_on": true, "inapp_on": true}, &bad); st != 400 || bad.Error.Field != "email" || bad.Error.Message == "" {
			t.Fatalf("a bad address: %d %+v", st, bad.Error)
		}
		var st notify.Settings
		if code := e.delegate.do("PUT", "/api/me/notification-settings", map[string]any{"email": "daibieu@thanhhoa.gov.vn", "email_on": true, "inapp_on": true}, &st); code != 200 || st.Email != "daibieu@thanhhoa.gov.vn" {
			t.Fatalf("save settings: %d %+v", code, st)
		}

		d := websocket.Dialer{Jar: e.delegate.http.Jar, HandshakeTimeout: 5 * time.Second}
		conn, _, err := d.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/api/me/notifications/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		type pushed struct {
			Type   string      `json:"type"`
			Unread int         `json:"unread"`
			Item   notify.Item `json:"item"`
		}
		read := func() pushed {
			t.Helper()
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			var p pushed
			if err := conn.ReadJSON(&p); err != nil {
				t.Fatalf("bell socket: %v", err)
			}
			return p
		}
		if p := read(); p.Type != "ready" || p.Unread != 0 {
			t.Fatalf("first message %+v", p)
		}
		if code := e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil); code != 200 {
			t.Fatalf("schedule: %d", code)
		}
		p := read()
		if p.Type != "notification" || p.Unread != 1 || !strings.HasPrefix(p.Item.Subject, "Giấy mời họp: ") || p.Item.Link != e.path("")[4:] {
			t.Fatalf("pushed %+v", p)
		}

		var in struct {
			Items  []notify.Item `json:"items"`
			Unread int           `json:"unread"`
		}
		if code := e.delegate.do("GET", "/api/me/notifications", nil, &in); code != 200 || in.Unread != 1 || len(in.Items) != 1 {
			t.Fatalf("inbox: %d %+v", code, in)
		}
		if code := e.delegate.do("POST", "/api/me/notifications/read", map[string]any{"ids": []int64{in.Items[0].ID}}, &in); code != 200 || in.Unread != 0 || in.Items[0].ReadAt == nil {
			t.Fatalf("mark read: %d %+v", code, in)
		}

		var ds struct{ Items []notify.Delivery }
		if code := e.delegate.do("GET", e.path("/notifications"), nil, nil); code != 403 {
			t.Errorf("a delegate read the delivery status: %d", code)
		}
		people := map[int64]string{}
		// The sender works beside the test: wait (bounded) until it has been through every row.
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if code := e.sec.do("GET", e.path("/notifications"), nil, &ds); code != 200 {
				t.Fatalf("delivery status: %d", code)
			}
			done := true
			for _, x := range ds.Items {
				people[x.UserID] = x.Status
				done = done && x.Status == "sent"
			}
			if done {
				break
			}
		}
		if len(people) != 3 || people[e.ids["daibieu"]] != "sent" || people[e.ids["chutich"]] != "sent" {
			t.Errorf("delivery status per person: %v", people)
		}

		var feed struct{ Path string }
		if code := e.delegate.do("POST", "/api/me/calendar-feed", nil, &feed); code != 201 || !strings.HasSuffix(feed.Path, ".ics") {
			t.Fatalf("new feed: %d %+v", code, feed)
		}
		code, body := e.anon().raw("GET", feed.Path, "", nil, nil)
		if code != 200 {
			t.Fatalf("feed: %d %s", code, body)
		}
		cal, err := ical.NewDecoder(strings.NewReader(string(body))).Decode()
		if err != nil {
			t.Fatalf("feed does not parse: %v", err)
		}
		if evs := cal.Events(); len(evs) != 1 || !strings.HasPrefix(evs[0].Props.Get(ical.PropUID).Value, "meeting-"+itoa(e.meeting)+"@") {
			t.Fatalf("feed events: %+v", evs)
		}
		if code, _ := e.anon().raw("GET", "/api/calendar/khong-co.ics", "", nil, nil); code != 404 {
			t.Errorf("an unknown feed: %d", code)
		}
		if code := e.delegate.do("DELETE", "/api/me/calendar-feed", nil, nil); code != 204 {
			t.Fatalf("revoke: %d", code)
		}
		if code, _ := e.anon().raw("GET", feed.Path, "", nil, nil); code != 404 {
			t.Errorf("a revoked feed still answers: %d", code)
		}
		var after notify.Settings
		if e.delegate.do("GET", "/api/me/notification-settings", nil, &after); after.FeedActive {
			t.Errorf("settings still show a feed")
		}
	})
}
