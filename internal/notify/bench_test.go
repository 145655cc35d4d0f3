package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// The cost a change pays inside its transaction when it notifies a 250-point briefing's people
// (e-mail and bell each, with a calendar object), and how fast one node delivers to a local SMTP
// server.
func BenchmarkEnqueue250(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			db := be.Open(b, sets...)
			o := notify.New(notify.Options{DB: db, Email: noopChannel{}, Log: slog.New(slog.DiscardHandler)})
			ids := people(b, db, 250)
			ctx := context.Background()
			start := time.Date(2026, 12, 10, 1, 30, 0, 0, time.UTC)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				err := db.InTx(ctx, func(tx *store.Tx) error {
					return o.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindRescheduled, Recipients: ids, MeetingID: 1, Subject: "Thay đổi thời gian",
						Body: "Cuộc họp đã đổi giờ.", Link: "/meetings/1", DedupKey: fmt.Sprintf("m:1:changed:%d", i), Calendar: meetingEvent(start, false)})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSendToMailpit(b *testing.B) {
	db := storetest.OpenSQLite(b, sets...)
	mp := startMailpit(b)
	smtp, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: mp.SMTPPort, Security: "none", From: "phonghop@thanhhoa.gov.vn"}, "https://hop.example")
	if err != nil {
		b.Fatal(err)
	}
	o := notify.New(notify.Options{DB: db, Email: smtp, Log: slog.New(slog.DiscardHandler)})
	ids := people(b, db, b.N)
	ctx := context.Background()
	start := time.Date(2026, 12, 10, 1, 30, 0, 0, time.UTC)
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return o.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindInvitation, Recipients: ids, MeetingID: 1, Subject: "Giấy mời họp",
			Body: "Kính mời.", Link: "/meetings/1", DedupKey: "m:1:invited", Calendar: meetingEvent(start, false), Channels: []string{notify.Email}})
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for sent := 0; sent < b.N; {
		n, err := o.SendDue(ctx)
		if err != nil {
			b.Fatal(err)
		}
		sent += n
	}
}

type noopChannel struct{}

func (noopChannel) Name() string                               { return notify.Email }
func (noopChannel) Send(context.Context, notify.Message) error { return nil }

func people(b *testing.B, db *store.DB, n int) []int64 {
	ctx := context.Background()
	var org int64
	_ = db.QueryRowContext(ctx, `SELECT id FROM organizations WHERE code = 'ubnd'`).Scan(&org)
	if org == 0 {
		if err := db.QueryRowContext(ctx, `INSERT INTO organizations (code, name, abbreviation, level, created_at)
			VALUES ('ubnd', 'UBND tỉnh', 'UBND', 'province', ?) RETURNING id`, time.Now().UTC()).Scan(&org); err != nil {
			b.Fatal(err)
		}
	}
	var ids []int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var base int
		_ = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&base)
		for i := 0; i < n; i++ {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, full_name, organization_id, active, created_at) VALUES (?, 'Đại biểu', ?, TRUE, ?) RETURNING id`,
				fmt.Sprintf("db%d", base+i), org, tx.Now()).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO notify_settings (user_id, email, email_on, inapp_on, updated_at) VALUES (?, ?, TRUE, TRUE, ?)`,
				id, fmt.Sprintf("db%d@thanhhoa.gov.vn", base+i), tx.Now()); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}
