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

// A choice vote between options reports the option that met the rule (not "not passed"), and the
// drafted minutes say which option was chosen; an approval vote in the same meeting is unchanged.
func TestChoiceVote(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 5)
		sec, chair := f.member(t, f.secretary), f.member(t, f.chair)
		item, _, err := f.ag.Add(ctx, agenda.Actor{Prepare: true}, f.meeting.ID, agenda.Input{Title: "Phương án sắp xếp trụ sở"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.CreateVote(ctx, sec, rooms.VoteSpec{Question: "Chọn phương án", Kind: rooms.ChoiceVote}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("choice vote without options: %v", err)
		}
		if _, err := f.s.CreateVote(ctx, sec, rooms.VoteSpec{Question: "x", Kind: "ranked"}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("unknown kind: %v", err)
		}
		f.start(t)
		opts := []string{"Phương án 1", "Phương án 2", "Phương án 3"}
		run := func(kind rooms.VoteKind, options []string, choices []int) rooms.Vote {
			t.Helper()
			v, err := f.s.CreateVote(ctx, sec, rooms.VoteSpec{Question: "Lựa chọn phương án sắp xếp trụ sở", Kind: kind, Options: options, AgendaItemID: &item.ID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.OpenVote(ctx, chair, v.ID); err != nil {
				t.Fatal(err)
			}
			voters := []rooms.Member{chair}
			for _, d := range f.delegates {
				voters = append(voters, f.member(t, d))
			}
			for i, c := range choices {
				if _, err := f.s.CastBallot(ctx, voters[i], v.ID, c); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.s.CloseVote(ctx, chair, v.ID); err != nil {
				t.Fatal(err)
			}
			if v, err = f.s.PublishVote(ctx, chair, v.ID); err != nil {
				t.Fatal(err)
			}
			// What a delegate (and the projector) reads once published.
			seen, err := f.s.GetVote(ctx, f.member(t, f.delegates[0]), v.ID)
			if err != nil {
				t.Fatal(err)
			}
			return seen
		}
		// 6 members; option 2 gets 4 (more than half of members): it is chosen.
		won := run(rooms.ChoiceVote, opts, []int{1, 1, 0, 1, 1, 2})
		if won.Kind != rooms.ChoiceVote || won.Result == nil || won.Result.Chosen == nil || *won.Result.Chosen != 1 || !won.Result.Passed || won.Result.Needed != 4 {
			t.Fatalf("choice vote with a winner: kind %q result %+v", won.Kind, won.Result)
		}
		// 3/2/1: no option has more than half of the members.
		none := run(rooms.ChoiceVote, opts, []int{0, 0, 0, 1, 1, 2})
		if none.Result == nil || none.Result.Chosen != nil || none.Result.Passed {
			t.Fatalf("choice vote without a winner: %+v", none.Result)
		}
		// Approve/reject with the same counts as the winning choice: option 1 ("Không tán thành")
		// got 4, yet only the approving option decides, so it does not pass; no option is "chosen".
		appr := run("", nil, []int{1, 1, 0, 1, 1, 2})
		if appr.Kind != rooms.ApprovalVote || appr.Result == nil || appr.Result.Passed || appr.Result.Chosen != nil {
			t.Fatalf("approval vote: kind %q result %+v", appr.Kind, appr.Result)
		}
		// An approval tally serialises as before the choice kind existed: its frozen hash is stable.
		tj, _ := json.Marshal(appr.Tally)
		if strings.Contains(string(tj), "choice") {
			t.Fatalf("approval tally carries the choice flag: %s", tj)
		}

		d, err := f.s.DraftRecord(ctx, sec, rooms.KindMinutes)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(d.(rooms.Minutes).Items[0].Votes, "\n")
		if len(lines) != 3 {
			t.Fatalf("vote lines: %q", lines)
		}
		for i, want := range []string{`Kết quả: phương án "Phương án 2" được lựa chọn.`, "Kết quả: không có phương án nào đạt tỷ lệ quy định.", "Kết quả: không được thông qua."} {
			if !strings.HasSuffix(lines[i], want) {
				t.Errorf("minutes line %d = %q, want it to end %q", i, lines[i], want)
			}
		}
	})
}

// The count says what it counts: every member (chair, secretary, delegates) and, apart, the
// members with the right to vote who are present, the number a vote opened now would have.
func TestAttendanceCountsVoters(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 3)
		f.start(t)
		c, err := f.s.Attendance(ctx, f.member(t, f.chair))
		if err != nil {
			t.Fatal(err)
		}
		// chair, secretary, 3 voting delegates, the observer (no vote); the guest is not a member.
		if c.Members != 6 || c.Present != 6 || c.Voters != 4 || c.VotersPresent != 4 {
			t.Fatalf("count = %+v", c)
		}
		if _, _, err := f.s.SetAttendance(ctx, f.member(t, f.delegates[0]), rooms.AttendanceChange{Status: rooms.Absent, Reason: "Đi công tác"}); err != nil {
			t.Fatal(err)
		}
		v, err := f.s.CreateVote(ctx, f.member(t, f.secretary), rooms.VoteSpec{Question: "Thông qua chương trình"})
		if err != nil {
			t.Fatal(err)
		}
		if v, err = f.s.OpenVote(ctx, f.member(t, f.chair), v.ID); err != nil {
			t.Fatal(err)
		}
		c, _ = f.s.Attendance(ctx, f.member(t, f.chair))
		if c.VotersPresent != 3 || c.Voters != 4 || v.Eligible != c.VotersPresent {
			t.Fatalf("after an absence: count %+v, vote eligible %d", c, v.Eligible)
		}
	})
}
