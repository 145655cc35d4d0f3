package notify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

var sets = []store.Migrations{directory.Migrations(), notify.Migrations()}

// person adds a user with an e-mail address (empty: none) and returns the ID.
func person(t *testing.T, db *store.DB, username, name, email string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := db.InTx(ctx, func(tx *store.Tx) error {
		var org int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM organizations WHERE code = 'ubnd'`).Scan(&org)
		if err != nil {
			if err := tx.QueryRowContext(ctx, `INSERT INTO organizations (code, name, abbreviation, level, created_at)
				VALUES ('ubnd', 'Ủy ban nhân dân tỉnh', 'UBND', 'province', ?) RETURNING id`, tx.Now()).Scan(&org); err != nil {
				return err
			}
		}
		u, err := directory.CreateUser(ctx, tx, directory.User{Username: username, FullName: name, OrganizationID: org})
		id = u.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if email != "" {
		// Written directly: the tests also need addresses the settings screen would refuse.
		if _, err := db.ExecContext(ctx, `INSERT INTO notify_settings (user_id, email, email_on, inapp_on, updated_at) VALUES (?, ?, TRUE, TRUE, ?)`,
			id, email, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func newOutbox(t *testing.T, db *store.DB, mp *mailpit, attempts int) *notify.Outbox {
	t.Helper()
	smtp, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: mp.SMTPPort, Security: "none",
		From: "Văn phòng UBND tỉnh <phonghop@thanhhoa.gov.vn>", Timeout: 5 * time.Second}, "https://hop.thanhhoa.gov.vn")
	if err != nil {
		t.Fatal(err)
	}
	return notify.New(notify.Options{DB: db, Email: smtp, Log: slog.New(slog.DiscardHandler), MaxAttempts: attempts, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Domain: "hop.thanhhoa.gov.vn", Organizer: "phonghop@thanhhoa.gov.vn", BaseURL: "https://hop.thanhhoa.gov.vn"})
}

func enqueue(t *testing.T, db *store.DB, o *notify.Outbox, n notify.Notification) {
	t.Helper()
	ctx := context.Background()
	if err := db.InTx(ctx, func(tx *store.Tx) error { return o.Enqueue(ctx, tx, n) }); err != nil {
		t.Fatal(err)
	}
}

// drain runs send passes until no row is due or pending any more (bounded).
func drain(t *testing.T, db *store.DB, o *notify.Outbox) {
	t.Helper()
	if err := drainErr(db, o); err != nil {
		t.Fatal(err)
	}
}

func drainErr(db *store.DB, o *notify.Outbox) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := o.SendDue(context.Background()); err != nil {
			return err
		}
		var open int
		if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM notifications WHERE status IN ('pending', 'sending')`).Scan(&open); err != nil {
			return err
		}
		if open == 0 {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return errors.New("notifications still pending after 30 s")
}

func meetingEvent(start time.Time, cancel bool) *notify.CalendarEvent {
	return &notify.CalendarEvent{UID: "meeting-7", Title: "Họp giao ban tháng 12; đánh giá, kế hoạch", Place: "Phòng họp số 1, tầng 3",
		Start: start, End: start.Add(2 * time.Hour), Cancel: cancel, OrganizerName: "Ủy ban nhân dân tỉnh", URL: "/meetings/7"}
}

// calendarParts returns the text/calendar alternative and the .ics attachment of a raw message.
func calendarParts(t *testing.T, raw []byte) (inline, attached string, method string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(ct string, r io.Reader, disp string)
	walk = func(ct string, r io.Reader, disp string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), decodePart(t, p.Header.Get("Content-Transfer-Encoding"), p), p.Header.Get("Content-Disposition"))
			}
		}
		body, _ := io.ReadAll(r)
		switch {
		case mt == "text/calendar":
			inline, method = string(body), params["method"]
		case mt == "application/ics" && strings.Contains(disp, "invite.ics"):
			attached = string(body)
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body, "")
	return
}

func decodePart(t *testing.T, enc string, r io.Reader) io.Reader {
	switch strings.ToLower(enc) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, newlineStripper{r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// newlineStripper drops the line breaks base64 bodies are wrapped with.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

func parseICS(t *testing.T, s string) *ical.Event {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(s)).Decode()
	if err != nil {
		t.Fatalf("parse calendar: %v\n%s", err, s)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("calendar has %d events", len(evs))
	}
	return &evs[0]
}

func prop(t *testing.T, ev *ical.Event, name string) string {
	t.Helper()
	p := ev.Props.Get(name)
	if p == nil {
		t.Fatalf("event has no %s", name)
	}
	v, err := p.Text()
	if err != nil {
		return p.Value
	}
	return v
}

func TestInvitationUpdateCancelByMail(t *testing.T) {
	storetest.Each(t, sets, func(t *testing.T, db *store.DB) {
		mp := startMailpit(t)
		o := newOutbox(t, db, mp, 3)
		lan := person(t, db, "lan", "Nguyễn Thị Lan", "lan@sotc.thanhhoa.gov.vn")
		hung := person(t, db, "hung", "Trần Văn Hùng", "hung@sotc.thanhhoa.gov.vn")
		none := person(t, db, "minh", "Lê Minh", "")            // no address: bell only
		start := time.Date(2026, 12, 10, 1, 30, 0, 0, time.UTC) // 08:30 in Hà Nội
		n := notify.Notification{Kind: notify.KindInvitation, Recipients: []int64{lan, hung, none, lan}, MeetingID: 7,
			Subject: "Giấy mời: Họp giao ban tháng 12", Body: "Kính mời đồng chí dự họp.\n\nThời gian: 08:30 ngày 10/12/2026.",
			Link: "/meetings/7", DedupKey: "meeting:7:invited", Calendar: meetingEvent(start, false)}
		enqueue(t, db, o, n)
		enqueue(t, db, o, n) // the same change again: nothing more is sent
		drain(t, db, o)

		msgs := mp.Messages()
		if len(msgs) != 2 {
			t.Fatalf("%d messages received, want 2 (one each for the two people with an address)", len(msgs))
		}
		got := map[string]mailSummary{}
		for _, m := range msgs {
			if len(m.To) != 1 {
				t.Fatalf("message to %v, want one recipient", m.To)
			}
			got[m.To[0].Address] = m
		}
		m, ok := got["lan@sotc.thanhhoa.gov.vn"]
		if !ok || m.Subject != "Giấy mời: Họp giao ban tháng 12" {
			t.Fatalf("Lan's message: %+v", got)
		}
		d := mp.Message(m.ID)
		if !strings.Contains(d.Text, "Kính mời đồng chí dự họp.") || !strings.Contains(d.Text, "https://hop.thanhhoa.gov.vn/meetings/7") {
			t.Errorf("text part: %q", d.Text)
		}
		if !strings.Contains(d.HTML, `href="https://hop.thanhhoa.gov.vn/meetings/7"`) || !strings.Contains(d.HTML, "Xem giấy mời và trả lời") {
			t.Errorf("HTML part: %q", d.HTML)
		}
		inline, attached, method := calendarParts(t, mp.Raw(m.ID))
		if method != "REQUEST" || inline == "" || inline != attached {
			t.Fatalf("calendar parts: method %q, inline %d bytes, attachment %d bytes (want the same object twice)", method, len(inline), len(attached))
		}
		for _, l := range strings.Split(inline, "\r\n") {
			if len(l) > 75 {
				t.Errorf("unfolded line of %d octets: %q", len(l), l)
			}
		}
		ev := parseICS(t, inline)
		if uid := prop(t, ev, ical.PropUID); uid != "meeting-7@hop.thanhhoa.gov.vn" {
			t.Errorf("UID %q", uid)
		}
		if s := prop(t, ev, ical.PropSequence); s != "0" {
			t.Errorf("first SEQUENCE %q", s)
		}
		if s := prop(t, ev, ical.PropSummary); s != "Họp giao ban tháng 12; đánh giá, kế hoạch" {
			t.Errorf("SUMMARY %q (escaping)", s)
		}
		dt := ev.Props.Get(ical.PropDateTimeStart)
		if dt.Params.Get(ical.ParamTimezoneID) != "Asia/Ho_Chi_Minh" || dt.Value != "20261210T083000" {
			t.Errorf("DTSTART %s;TZID=%s", dt.Value, dt.Params.Get(ical.ParamTimezoneID))
		}
		if at, err := ev.DateTimeStart(nil); err != nil || !at.Equal(start) {
			t.Errorf("DTSTART as instant %v (%v), want %v", at, err, start)
		}
		if att := ev.Props.Values(ical.PropAttendee); len(att) != 2 {
			t.Errorf("%d attendees, want 2", len(att))
		}
		if org := ev.Props.Get(ical.PropOrganizer); org == nil || org.Value != "mailto:phonghop@thanhhoa.gov.vn" {
			t.Errorf("ORGANIZER %+v", org)
		}

		// The time changes: a new request with a higher SEQUENCE.
		upd := n
		upd.Kind, upd.DedupKey, upd.Subject = notify.KindRescheduled, "meeting:7:time:1", "Thay đổi thời gian: Họp giao ban tháng 12"
		upd.Calendar = meetingEvent(start.Add(24*time.Hour), false)
		enqueue(t, db, o, upd)
		drain(t, db, o)
		seq, meth := lastCalendar(t, mp, "lan@sotc.thanhhoa.gov.vn", upd.Subject)
		if seq != "1" || meth != "REQUEST" {
			t.Errorf("after the update: SEQUENCE %s, METHOD %s", seq, meth)
		}

		// The meeting is cancelled: METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE higher again.
		cancel := n
		cancel.Kind, cancel.DedupKey, cancel.Subject = notify.KindCancelled, "meeting:7:cancelled", "Hủy cuộc họp: Họp giao ban tháng 12"
		cancel.Calendar = meetingEvent(start.Add(24*time.Hour), true)
		enqueue(t, db, o, cancel)
		drain(t, db, o)
		seq, meth = lastCalendar(t, mp, "hung@sotc.thanhhoa.gov.vn", cancel.Subject)
		if seq != "2" || meth != "CANCEL" {
			t.Errorf("after the cancel: SEQUENCE %s, METHOD %s", seq, meth)
		}
		if total := len(mp.Messages()); total != 6 {
			t.Errorf("%d messages in all, want 6", total)
		}

		// The bell of the person without an address holds all three.
		items, unread, err := notify.Inbox(context.Background(), db.Reader(), none, 10)
		if err != nil || len(items) != 3 || unread != 3 || items[0].Subject != cancel.Subject {
			t.Fatalf("inbox: %d items, %d unread, %v", len(items), unread, err)
		}
		if err := notify.MarkRead(context.Background(), db, none, []int64{items[0].ID}); err != nil {
			t.Fatal(err)
		}
		if err := notify.MarkRead(context.Background(), db, lan, nil); err != nil { // someone else's: no effect on none
			t.Fatal(err)
		}
		if _, unread, _ = notify.Inbox(context.Background(), db.Reader(), none, 10); unread != 2 {
			t.Errorf("unread after marking one: %d", unread)
		}
	})
}

func lastCalendar(t *testing.T, mp *mailpit, to, subject string) (seq, method string) {
	t.Helper()
	for _, m := range mp.Messages() {
		if m.Subject == subject && m.To[0].Address == to {
			inline, _, meth := calendarParts(t, mp.Raw(m.ID))
			ev := parseICS(t, inline)
			if meth == "CANCEL" && prop(t, ev, ical.PropStatus) != "CANCELLED" {
				t.Errorf("a cancel without STATUS:CANCELLED")
			}
			return prop(t, ev, ical.PropSequence), meth
		}
	}
	t.Fatalf("no message %q to %s", subject, to)
	return "", ""
}

func TestServerDownThenBackDeliversOnce(t *testing.T) {
	storetest.Each(t, sets, func(t *testing.T, db *store.DB) {
		mp := startMailpit(t)
		o := newOutbox(t, db, mp, 10)
		lan := person(t, db, "lan", "Nguyễn Thị Lan", "lan@sotc.thanhhoa.gov.vn")
		mp.Stop()
		enqueue(t, db, o, notify.Notification{Kind: notify.KindVote, Recipients: []int64{lan}, MeetingID: 7,
			Subject: "Biểu quyết đang mở", Body: "Mời đồng chí biểu quyết.", Link: "/meetings/7", DedupKey: "vote:3:open"})
		for i := 0; i < 2; i++ {
			if _, err := o.SendDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		ds, err := notify.Deliveries(context.Background(), db.Reader(), 7)
		if err != nil {
			t.Fatal(err)
		}
		var email notify.Delivery
		for _, d := range ds {
			if d.Channel == notify.Email {
				email = d
			}
		}
		if email.Status != "pending" || email.Attempts < 2 || email.LastError == "" {
			t.Fatalf("while the server is down: %+v", email)
		}
		mp.Start()
		drain(t, db, o)
		drain(t, db, o) // nothing left to send twice
		msgs := mp.Messages()
		if len(msgs) != 1 || msgs[0].Subject != "Biểu quyết đang mở" {
			t.Fatalf("after the server came back: %d messages, want exactly 1", len(msgs))
		}
		ds, _ = notify.Deliveries(context.Background(), db.Reader(), 7)
		for _, d := range ds {
			if d.Status != "sent" || d.SentAt == nil {
				t.Errorf("delivery %+v, want sent", d)
			}
		}
	})
}

func TestRefusedAndInvalidAddressesFailAfterLastTry(t *testing.T) {
	storetest.Each(t, sets, func(t *testing.T, db *store.DB) {
		mp := startMailpit(t, "--smtp-allowed-recipients", `@sotc\.thanhhoa\.gov\.vn$`)
		o := newOutbox(t, db, mp, 3)
		ok := person(t, db, "lan", "Nguyễn Thị Lan", "lan@sotc.thanhhoa.gov.vn")
		refused := person(t, db, "hung", "Trần Văn Hùng", "hung@khac.example.org")
		invalid := person(t, db, "minh", "Lê Minh", "minh@@sai địa chỉ")
		ctx := context.Background()
		// The change and its notifications commit together; the mail failures come later and
		// do not undo it.
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET title = 'Chánh Văn phòng' WHERE id = ?`, ok); err != nil {
				return err
			}
			return o.Enqueue(ctx, tx, notify.Notification{Kind: notify.KindDocument, Recipients: []int64{ok, refused, invalid}, MeetingID: 9,
				Subject: "Tài liệu mới", Body: "Đã bổ sung tài liệu.", DedupKey: "doc:1"})
		})
		if err != nil {
			t.Fatal(err)
		}
		drain(t, db, o)
		var title string
		_ = db.QueryRowContext(ctx, `SELECT title FROM users WHERE id = ?`, ok).Scan(&title)
		if title != "Chánh Văn phòng" {
			t.Fatalf("the change itself was lost: title %q", title)
		}
		ds, err := notify.Deliveries(ctx, db.Reader(), 9)
		if err != nil {
			t.Fatal(err)
		}
		status := map[int64]notify.Delivery{}
		for _, d := range ds {
			if d.Channel == notify.Email {
				status[d.UserID] = d
			}
		}
		if d := status[ok]; d.Status != "sent" || d.Attempts != 1 {
			t.Errorf("accepted address: %+v", d)
		}
		for _, id := range []int64{refused, invalid} {
			if d := status[id]; d.Status != "failed" || d.Attempts != 3 || d.LastError == "" {
				t.Errorf("user %d: %+v, want failed after 3 attempts with the error", id, d)
			}
		}
		if n := len(mp.Messages()); n != 1 {
			t.Errorf("%d messages accepted, want 1", n)
		}
	})
}

// Two senders (two nodes) working the same outbox never send one row twice.
func TestTwoSendersNeverSendARowTwice(t *testing.T) {
	storetest.Each(t, sets, func(t *testing.T, db *store.DB) {
		mp := startMailpit(t)
		a, b := newOutbox(t, db, mp, 3), newOutbox(t, db, mp, 3)
		var ids []int64
		for i := 0; i < 30; i++ {
			ids = append(ids, person(t, db, "u"+string(rune('a'+i%26))+string(rune('a'+i/26)), "Đại biểu", "db"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@sotc.thanhhoa.gov.vn"))
		}
		enqueue(t, db, a, notify.Notification{Kind: notify.KindInvitation, Recipients: ids, Subject: "Giấy mời", Body: "Kính mời.", DedupKey: "m:1"})
		var wg sync.WaitGroup
		errc := make(chan error, 2)
		for _, o := range []*notify.Outbox{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); errc <- drainErr(db, o) }()
		}
		wg.Wait()
		for range 2 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		msgs := mp.Messages()
		seen := map[string]bool{}
		for _, m := range msgs {
			if seen[m.To[0].Address] {
				t.Errorf("%s received the invitation twice", m.To[0].Address)
			}
			seen[m.To[0].Address] = true
		}
		if len(seen) != 30 {
			t.Errorf("%d people received the invitation, want 30", len(seen))
		}
	})
}
