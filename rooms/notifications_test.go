package rooms_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

// kinds counts a meeting's notifications per kind and recipient.
func kinds(t *testing.T, db *store.DB, meetingID int64) map[string]map[int64]int {
	t.Helper()
	ds, err := notify.Deliveries(context.Background(), db.Reader(), meetingID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[int64]int{}
	for _, d := range ds {
		if out[d.Kind] == nil {
			out[d.Kind] = map[int64]int{}
		}
		out[d.Kind][d.UserID]++
	}
	return out
}

// The meeting's changes notify its invitees inside their own transactions: the invitation when
// invitations go out (and to people invited later), a change of time, a cancellation; reminders
// reach only those who have not answered, once per offset however often they run.
func TestMeetingChangesNotifyInvitees(t *testing.T) {
	storetest.Each(t, append(migrations(), notify.Migrations()), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 2)
		f.s.SetNotifier(notify.New(notify.Options{DB: db, Log: slog.New(slog.DiscardHandler)}))
		sec := f.member(t, f.secretary)

		start := time.Now().UTC().Add(20 * time.Hour).Truncate(time.Second)
		m, err := f.s.Create(ctx, f.secretary, rooms.MeetingInput{OrganizationID: f.org.ID, Title: "Họp bàn kế hoạch năm 2027",
			Kind: rooms.InPerson, Place: "Phòng họp số 2", StartsAt: start, EndsAt: start.Add(2 * time.Hour), ChairID: &f.chair.ID,
			SecretaryID: &f.secretary.ID})
		if err != nil {
			t.Fatal(err)
		}
		f.meeting = m
		sec = f.member(t, f.secretary)
		if _, err := f.s.Invite(ctx, sec, []rooms.Invitee{{UserID: &f.delegates[0].ID, CanVote: true}}); err != nil {
			t.Fatal(err)
		}
		if n := len(kinds(t, db, m.ID)); n != 0 {
			t.Fatalf("a draft notified %d kinds", n)
		}
		if _, err := f.s.Transition(ctx, sec, "schedule"); err != nil {
			t.Fatal(err)
		}
		k := kinds(t, db, m.ID)
		for _, p := range []int64{f.chair.ID, f.secretary.ID, f.delegates[0].ID} {
			if k[notify.KindInvitation][p] != 1 {
				t.Errorf("invitation to %d: %d rows", p, k[notify.KindInvitation][p])
			}
		}
		// Invited later: only the newcomer gets an invitation.
		if _, err := f.s.Invite(ctx, sec, []rooms.Invitee{{UserID: &f.delegates[1].ID}}); err != nil {
			t.Fatal(err)
		}
		k = kinds(t, db, m.ID)
		if k[notify.KindInvitation][f.delegates[1].ID] != 1 || k[notify.KindInvitation][f.chair.ID] != 1 {
			t.Errorf("after a late invitation: %v", k[notify.KindInvitation])
		}

		// Delegate 0 answers; the reminder a day before goes to the others, once.
		if _, err := f.s.Respond(ctx, f.member(t, f.delegates[0]), true, ""); err != nil {
			t.Fatal(err)
		}
		// Invitations were sent moments ago, after the 24 h reminder moment: nobody is reminded.
		if n, err := f.s.SendReminders(ctx, []time.Duration{24 * time.Hour}); err != nil || n != 0 {
			t.Fatalf("reminders right after the invitation: %d, %v", n, err)
		}
		// Told 1 h before start (20 h from now) — it's not due yet.
		if n, _ := f.s.SendReminders(ctx, []time.Duration{time.Hour}); n != 0 {
			t.Fatalf("a 1 h reminder 20 h ahead: %d", n)
		}
		// Invitations sent earlier: move invited_at back two days.
		if _, err := db.ExecContext(ctx, `UPDATE meeting_participants SET invited_at = ? WHERE meeting_id = ?`, start.Add(-48*time.Hour), m.ID); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := f.s.SendReminders(ctx, []time.Duration{24 * time.Hour, time.Hour}); err != nil {
				t.Fatal(err)
			}
		}
		k = kinds(t, db, m.ID)
		if k[notify.KindReminder][f.delegates[0].ID] != 0 || k[notify.KindReminder][f.secretary.ID] != 0 || k[notify.KindReminder][f.chair.ID] != 1 || k[notify.KindReminder][f.delegates[1].ID] != 1 {
			t.Errorf("reminders: %v (the one who answered is not reminded, the others once)", k[notify.KindReminder])
		}
		// A document for everyone: the delegate who accepted but has not opened it is reminded at
		// the next offset; after opening it, no more.
		var docID int64
		if err := db.QueryRowContext(ctx, `INSERT INTO documents (meeting_id, title, kind, access, created_by, created_at) VALUES (?, 'Dự thảo kế hoạch', 'draft', 'all', ?, ?)
			RETURNING id`, m.ID, f.secretary.ID, time.Now().UTC()).Scan(&docID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.SendReminders(ctx, []time.Duration{30 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		if k = kinds(t, db, m.ID); k[notify.KindReminder][f.delegates[0].ID] != 1 || k[notify.KindReminder][f.chair.ID] != 2 {
			t.Errorf("reminders after a document: %v", k[notify.KindReminder])
		}
		if err := notify.RecordOpened(ctx, db, m.ID, docID, f.delegates[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.SendReminders(ctx, []time.Duration{36 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		if k = kinds(t, db, m.ID); k[notify.KindReminder][f.delegates[0].ID] != 1 || k[notify.KindReminder][f.chair.ID] != 3 {
			t.Errorf("reminders after reading: %v", k[notify.KindReminder])
		}

		// A new time: everyone is told, and the change itself is committed.
		in := rooms.MeetingInput{OrganizationID: f.org.ID, Title: m.Title, Kind: m.Kind, Place: "Hội trường tầng 5", StartsAt: start.Add(time.Hour),
			EndsAt: start.Add(3 * time.Hour)}
		if _, err := f.s.Update(ctx, sec, in); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Get(ctx, m.ID); got.Place != "Hội trường tầng 5" {
			t.Fatalf("the change was not kept: %q", got.Place)
		}
		k = kinds(t, db, m.ID)
		if len(k[notify.KindRescheduled]) != 4 {
			t.Errorf("rescheduled to %d people, want 4", len(k[notify.KindRescheduled]))
		}
		if _, err := f.s.Transition(ctx, sec, "cancel"); err != nil {
			t.Fatal(err)
		}
		if k = kinds(t, db, m.ID); len(k[notify.KindCancelled]) != 4 {
			t.Errorf("cancelled to %d people, want 4", len(k[notify.KindCancelled]))
		}
		if n, _ := f.s.SendReminders(ctx, []time.Duration{48 * time.Hour}); n != 0 {
			t.Errorf("a cancelled meeting was reminded")
		}
	})
}
