package api_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/api"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms/notice"
)

// queuedMail is the e-mail channel as far as the outbox's rows go: these tests look at what is
// queued, not at delivery (the Mailpit tests of internal/notify do that).
type queuedMail struct{}

func (queuedMail) Name() string { return notify.Email }
func (queuedMail) Send(context.Context, notify.Message) error {
	return errors.New("not sent in this test")
}

// TestOpinionNoticesQueued: sending a form queues one in-app notification for every named
// person and every person of a named unit, e-mail for those with an address, and still tells
// the meeting's event log; a reminder is a change of its own.
func TestOpinionNoticesQueued(t *testing.T) {
	storetest.Each(t, append(betweenMigrations(), notify.Migrations()), func(t *testing.T, db *store.DB) {
		base := newEnvOn(t, db, bus.Config{DataDir: t.TempDir()}, func(d *api.Deps) {
			o := notify.New(notify.Options{DB: d.DB, Bus: d.Bus, Email: queuedMail{}, Log: slog.New(slog.DiscardHandler), BaseURL: "https://hop.example.gov.vn"})
			d.Notify = o
			d.Notifier = notify.Notices{Outbox: o, Log: notice.EventLog{Log: events.NewLog(d.Bus, nil)}}
		})
		e := newOpinionEnvOn(t, db, newMeetingEnvOn(t, base))
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `INSERT INTO notify_settings (user_id, email, email_on, inapp_on, updated_at) VALUES (?, 'stc@thanhhoa.gov.vn', TRUE, TRUE, ?)`, e.ids["stc"], *e.clock); err != nil {
			t.Fatal(err)
		}
		var f struct{ ID int64 }
		// The unit's person is also named: still told once.
		if st := e.sec.do("POST", e.path("/opinions"), e.form(func(m map[string]any) {
			m["user_ids"] = []int64{e.ids["daibieu"], e.ids["chutich"], e.ids["stc"]}
		}), &f); st != 201 {
			t.Fatalf("create: %d", st)
		}
		rows := func(kind string) map[string]int {
			out := map[string]int{}
			r, err := db.QueryContext(ctx, `SELECT user_id, channel, link FROM notifications WHERE kind = ?`, kind)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for r.Next() {
				var u int64
				var ch, link string
				if err := r.Scan(&u, &ch, &link); err != nil {
					t.Fatal(err)
				}
				if link != fmt.Sprintf("/opinions/%d", f.ID) {
					t.Errorf("link %q", link)
				}
				out[fmt.Sprintf("%d/%s", u, ch)]++
			}
			return out
		}
		want := map[string]int{}
		for _, u := range []string{"daibieu", "chutich", "stc"} {
			want[fmt.Sprintf("%d/inapp", e.ids[u])] = 1
		}
		want[fmt.Sprintf("%d/email", e.ids["stc"])] = 1
		same := func(got map[string]int, n int) bool {
			if len(got) != len(want) {
				return false
			}
			for k, v := range want {
				if got[k] != v*n {
					return false
				}
			}
			return true
		}
		if got := rows(notice.FormSent); !same(got, 1) {
			t.Fatalf("form sent queued %v, want %v", got, want)
		}
		var logged int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM meeting_events WHERE type = 'notice.opinion.sent'`).Scan(&logged)
		if logged != 1 {
			t.Errorf("form sent: %d event log entries, want 1", logged)
		}
		fp := fmt.Sprintf("/api/opinions/%d", f.ID)
		if st := e.sec.do("POST", fp+"/remind", nil, nil); st != 201 {
			t.Fatalf("remind: %d", st)
		}
		*e.clock = e.clock.Add(time.Hour)
		if st := e.sec.do("POST", fp+"/remind", nil, nil); st != 201 {
			t.Fatalf("remind again: %d", st)
		}
		if got := rows(notice.FormReminder); !same(got, 2) {
			t.Errorf("two reminders queued %v", got)
		}
		if got := rows(notice.FormSent); !same(got, 1) {
			t.Errorf("reminding changed the sent notices: %v", got)
		}
	})
}
