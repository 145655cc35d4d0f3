package rooms_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

// A speech is minuted under the item being discussed when it was given (not when it was asked
// for), with the speaker's unit; the closing line carries a real time, never a "..." placeholder.
func TestDraftPlacesSpeechesAndFillsTheClosingTime(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.Now = func() time.Time { return time.Date(2026, 11, 23, 3, 45, 0, 0, time.UTC) } // 10:45 in Vietnam
		f := newFixture(t, db, 2)
		sec, chair := f.member(t, f.secretary), f.member(t, f.chair)
		prep, lead := agenda.Actor{Prepare: true}, agenda.Actor{Chair: true, UserID: f.chair.ID}
		first, _, err := f.ag.Add(ctx, prep, f.meeting.ID, agenda.Input{Title: "Báo cáo tình hình kinh tế - xã hội"})
		if err != nil {
			t.Fatal(err)
		}
		second, _, err := f.ag.Add(ctx, prep, f.meeting.ID, agenda.Input{Title: "Kế hoạch đầu tư công năm 2027"})
		if err != nil {
			t.Fatal(err)
		}
		f.start(t)
		if _, err := f.ag.SetCurrent(ctx, lead, f.meeting.ID, &first.ID); err != nil {
			t.Fatal(err)
		}
		// Asked during the first item…
		req, err := f.s.RequestFloor(ctx, f.member(t, f.delegates[0]), rooms.NewFloorRequest{AgendaItemID: &first.ID, Topic: "Về vốn đối ứng"})
		if err != nil {
			t.Fatal(err)
		}
		// …given once the chair moved on to the second.
		if _, err := f.ag.SetCurrent(ctx, lead, f.meeting.ID, &second.ID); err != nil {
			t.Fatal(err)
		}
		granted, err := f.s.ActOnFloor(ctx, chair, req.ID, rooms.FloorAction{Action: "grant"})
		if err != nil {
			t.Fatal(err)
		}
		if granted.AgendaItemID == nil || *granted.AgendaItemID != second.ID {
			t.Fatalf("granted speech is under item %v, want %d", granted.AgendaItemID, second.ID)
		}
		// A request under no item, given with no item current, still reaches the minutes.
		if _, err := f.ag.SetCurrent(ctx, lead, f.meeting.ID, nil); err != nil {
			t.Fatal(err)
		}
		loose, err := f.s.RequestFloor(ctx, f.member(t, f.delegates[1]), rooms.NewFloorRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ActOnFloor(ctx, chair, loose.ID, rooms.FloorAction{Action: "grant"}); err != nil {
			t.Fatal(err)
		}

		d, err := f.s.DraftRecord(ctx, sec, rooms.KindMinutes)
		if err != nil {
			t.Fatal(err)
		}
		m := d.(rooms.Minutes)
		if len(m.Items) != 3 || m.Items[0].Speeches != "" {
			t.Fatalf("items: %+v", m.Items)
		}
		if want := "- Đại biểu 0 (Ủy ban nhân dân tỉnh Thanh Hóa): Về vốn đối ứng"; m.Items[1].Speeches != want {
			t.Fatalf("second item's speeches = %q, want %q", m.Items[1].Speeches, want)
		}
		if m.Items[2].Title != "Các nội dung khác" || !strings.Contains(m.Items[2].Speeches, "Đại biểu 1") {
			t.Fatalf("speech under no item: %+v", m.Items[2])
		}
		if strings.Contains(m.Closing, "...") || !strings.Contains(m.Closing, "10 giờ 45 phút, ngày 23 tháng 11 năm 2026") {
			t.Fatalf("closing = %q", m.Closing)
		}
	})
}
