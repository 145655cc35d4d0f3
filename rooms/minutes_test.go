package rooms_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

func TestMinutesAndApprovals(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 3)
		sec, chair := f.member(t, f.secretary), f.member(t, f.chair)
		if _, _, err := f.ag.Add(ctx, agenda.Actor{Prepare: true}, f.meeting.ID, agenda.Input{Title: "Kế hoạch năm 2027", Presenter: "Sở Kế hoạch và Đầu tư"}); err != nil {
			t.Fatal(err)
		}
		f.start(t)

		// The draft is composed from the records: participants from attendance, the agenda.
		d, err := f.s.DraftRecord(ctx, sec, rooms.KindMinutes)
		if err != nil {
			t.Fatal(err)
		}
		m := d.(rooms.Minutes)
		if !strings.Contains(m.Participants, "Đại biểu 0") || m.Chair == "" || len(m.Items) != 1 || !strings.Contains(m.StartedAt, "giờ") {
			t.Fatalf("draft minutes: %+v", m)
		}
		m.Items[0].Conclusion = "Thống nhất thông qua kế hoạch."
		body, _ := json.Marshal(m)

		if _, err := f.s.SaveRecord(ctx, f.member(t, f.delegates[0]), rooms.KindMinutes, 0, body); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a delegate wrote the minutes: %v", err)
		}
		r1, err := f.s.SaveRecord(ctx, sec, rooms.KindMinutes, 0, body)
		if err != nil || r1.Version != 1 {
			t.Fatalf("save: %+v %v", r1, err)
		}
		// Two editors start from version 1; the second save is refused, nothing is overwritten.
		m.Closing = "Bản của người thứ nhất"
		b1, _ := json.Marshal(m)
		m.Closing = "Bản của người thứ hai"
		b2, _ := json.Marshal(m)
		if _, err := f.s.SaveRecord(ctx, sec, rooms.KindMinutes, 1, b1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.SaveRecord(ctx, sec, rooms.KindMinutes, 1, b2); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("stale save: %v", err)
		}
		cur, _ := f.s.GetRecord(ctx, chair, rooms.KindMinutes)
		if cur.Version != 2 || !strings.Contains(string(cur.Content), "người thứ nhất") {
			t.Fatalf("after the conflict: v%d %s", cur.Version, cur.Content)
		}
		if _, err := f.s.SaveRecord(ctx, sec, rooms.KindMinutes, 2, json.RawMessage(`{"title":"x","unknown":1}`)); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("unknown field: %v", err)
		}

		// The conclusion notice is drafted from the minutes' conclusions.
		c, err := f.s.DraftRecord(ctx, sec, rooms.KindConclusion)
		if err != nil || len(c.(rooms.Conclusion).Items) != 1 {
			t.Fatalf("conclusion draft: %+v %v", c, err)
		}

		// Approval by the named leader only; it freezes the version's hash.
		a, err := f.s.RequestApproval(ctx, sec, rooms.ApprovalRequest{SubjectKind: rooms.KindMinutes, LeaderID: f.chair.ID}, nil)
		if err != nil || a.SubjectVersion != 2 || a.SubjectSHA256 != cur.SHA256 {
			t.Fatalf("request: %+v %v", a, err)
		}
		if _, err := f.s.Decide(ctx, f.member(t, f.delegates[1]), a.ID, true, ""); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("someone else approved: %v", err)
		}
		if _, err := f.s.Decide(ctx, chair, a.ID, false, ""); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("returned without a comment: %v", err)
		}
		// The text changes after it was sent: approving now is refused.
		if _, err := f.s.SaveRecord(ctx, sec, rooms.KindMinutes, 2, body); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Decide(ctx, chair, a.ID, true, ""); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("approved a changed text: %v", err)
		}
		a2, err := f.s.RequestApproval(ctx, sec, rooms.ApprovalRequest{SubjectKind: rooms.KindMinutes, LeaderID: f.chair.ID}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := f.s.Decide(ctx, chair, a2.ID, true, "")
		if err != nil || ok.Status != rooms.ApprovalApproved || ok.DecidedAt == nil || ok.SubjectVersion != 3 {
			t.Fatalf("approve: %+v %v", ok, err)
		}
		if _, err := f.s.Decide(ctx, chair, a2.ID, true, ""); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("approved twice: %v", err)
		}
		if _, err := f.s.RequestApproval(ctx, sec, rooms.ApprovalRequest{SubjectKind: rooms.KindMinutes, LeaderID: f.outsider.ID}, nil); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("an outsider named as approver: %v", err)
		}
	})
}
