package rooms_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

func TestVoteLifecycleAndRights(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 5)
		chair, sec := f.member(t, f.chair), f.member(t, f.secretary)

		// Votes are prepared by the chair or secretary only.
		spec := rooms.VoteSpec{Question: "Thông qua dự thảo kế hoạch năm 2027"}
		for _, p := range []rooms.Member{f.member(t, f.delegates[0]), f.member(t, f.guest), f.member(t, f.observer)} {
			if _, err := f.s.CreateVote(ctx, p, spec); errs.CodeOf(err) != errs.Forbidden {
				t.Fatalf("role %q created a vote: %v", p.Role, err)
			}
		}
		if _, err := f.s.CreateVote(ctx, sec, rooms.VoteSpec{Question: " "}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("empty question: %v", err)
		}
		if _, err := f.s.CreateVote(ctx, sec, rooms.VoteSpec{Question: "x", Options: []string{"A", "A"}}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("duplicate options: %v", err)
		}
		if _, err := f.s.CreateVote(ctx, sec, rooms.VoteSpec{Question: "x", Secret: true, LiveResults: true}); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("secret live vote: %v", err)
		}
		v, err := f.s.CreateVote(ctx, sec, spec)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Options) != 3 || v.Options[0] != "Tán thành" || v.Status != rooms.VoteCreated {
			t.Fatalf("vote = %+v", v)
		}
		// Not in session yet: nobody present, so it cannot open.
		if _, err := f.s.OpenVote(ctx, chair, v.ID); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("open with nobody present: %v", err)
		}
		f.start(t)
		if _, err := f.s.OpenVote(ctx, sec, v.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("secretary opened a vote: %v", err)
		}
		if _, err := f.s.CastBallot(ctx, f.member(t, f.delegates[0]), v.ID, 0); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("ballot before opening: %v", err)
		}
		if v, err = f.s.OpenVote(ctx, chair, v.ID); err != nil {
			t.Fatal(err)
		}
		if v.Eligible != 6 { // chair + 5 delegates; not the observer, guest or secretary
			t.Fatalf("eligible = %d, want 6", v.Eligible)
		}
		for _, p := range []rooms.Member{f.member(t, f.guest), f.member(t, f.observer), sec} {
			if _, err := f.s.CastBallot(ctx, p, v.ID, 0); errs.CodeOf(err) != errs.Forbidden {
				t.Fatalf("role %q voted: %v", p.Role, err)
			}
		}
		d0 := f.member(t, f.delegates[0])
		if _, err := f.s.CastBallot(ctx, d0, v.ID, 7); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("option out of range: %v", err)
		}
		choices := []int{0, 0, 0, 1, 2}
		for i, d := range f.delegates {
			b, err := f.s.CastBallot(ctx, f.member(t, d), v.ID, choices[i])
			if err != nil {
				t.Fatal(err)
			}
			if b.Turnout != i+1 {
				t.Fatalf("turnout after %d ballots = %d", i+1, b.Turnout)
			}
		}
		if _, err := f.s.CastBallot(ctx, d0, v.ID, 1); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("second ballot: %v", err)
		}
		// While open, a delegate sees turnout but no counts.
		seen, err := f.s.GetVote(ctx, d0, v.ID)
		if err != nil || seen.Turnout != 5 || seen.Counts != nil || !seen.Voted || seen.MyChoice == nil || *seen.MyChoice != 0 {
			t.Fatalf("delegate's view of open vote: %+v, %v", seen, err)
		}
		if _, err := f.s.CloseVote(ctx, f.member(t, f.delegates[1]), v.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("delegate closed the vote: %v", err)
		}
		if v, err = f.s.CloseVote(ctx, chair, v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.CastBallot(ctx, f.member(t, f.chair), v.ID, 0); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("ballot after close: %v", err)
		}
		// 3 of 6 members approve: "more than half of members" needs 4.
		if v.Tally == nil || v.Result == nil || fmt.Sprint(v.Counts) != "[3 1 1]" || v.Result.Needed != 4 || v.Result.Passed || len(v.Result.Hash) != 64 {
			t.Fatalf("closed vote: counts %v tally %+v result %+v", v.Counts, v.Tally, v.Result)
		}
		if seen, _ := f.s.GetVote(ctx, d0, v.ID); seen.Counts != nil || seen.Result != nil {
			t.Fatalf("a delegate saw results before publication: %+v", seen)
		}
		if _, err := f.s.CloseVote(ctx, chair, v.ID); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("closing twice: %v", err)
		}
		if v, err = f.s.PublishVote(ctx, chair, v.ID); err != nil {
			t.Fatal(err)
		}
		if seen, _ := f.s.GetVote(ctx, d0, v.ID); fmt.Sprint(seen.Counts) != "[3 1 1]" || seen.Result == nil || seen.Result.Hash != v.Result.Hash {
			t.Fatalf("published vote seen by a delegate: %+v", seen)
		}
	})
}

// A secret ballot leaves nothing that links a voter to a choice: two databases where the same
// people vote in the same order but swap their choices end up identical, table by table, row by
// row. The same comparison for an open vote must find the difference (so it can fail).
func TestSecretBallotKeepsNoLink(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			run := func(secret bool, choices []int) map[string][]string {
				db := b.Open(t, migrations()...)
				clock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
				db.Now = func() time.Time { return clock }
				ctx := context.Background()
				f := newFixture(t, db, 3)
				// Shards are drawn at random, independently of voter and choice, and not stored with
				// either; holding the draw fixed checks that nothing else depends on the pairing.
				rooms.SetShardPicker(f.s, func() int { return 3 })
				f.start(t)
				v, err := f.s.CreateVote(ctx, f.member(t, f.secretary), rooms.VoteSpec{Question: "Bầu trưởng ban", Secret: secret,
					Options: []string{"Nguyễn Văn A", "Trần Thị B"}, Majority: rooms.MoreThanHalfOfPresent})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.s.OpenVote(ctx, f.member(t, f.chair), v.ID); err != nil {
					t.Fatal(err)
				}
				for i, d := range f.delegates {
					if _, err := f.s.CastBallot(ctx, f.member(t, d), v.ID, choices[i]); err != nil {
						t.Fatal(err)
					}
				}
				if v, err = f.s.CloseVote(ctx, f.member(t, f.chair), v.ID); err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(v.Counts) != "[2 1]" {
					t.Fatalf("counts = %v", v.Counts)
				}
				return dumpTables(t, db)
			}
			for _, secret := range []bool{true, false} {
				a := run(secret, []int{0, 0, 1})
				b := run(secret, []int{1, 0, 0})
				diff := diffDumps(a, b)
				if secret && diff != "" {
					t.Fatalf("secret vote: the stored data tells who chose what:\n%s", diff)
				}
				if !secret && diff == "" {
					t.Fatal("open vote: swapping choices changed nothing stored; the comparison cannot see links")
				}
			}
		})
	}
}

// dumpTables reads every row of every table, each row as one line, lines sorted per table.
func dumpTables(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.Dialect == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables found", len(tables))
	}
	out := map[string][]string{}
	for _, tab := range tables {
		if tab == "schema_migrations" { // when the schema was applied, not what was stored
			continue
		}
		r, err := db.QueryContext(ctx, `SELECT * FROM `+tab)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var line []string
			for i, c := range cols {
				v := vals[i]
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				line = append(line, fmt.Sprintf("%s=%v", c, v))
			}
			out[tab] = append(out[tab], strings.Join(line, " "))
		}
		r.Close()
		sort.Strings(out[tab])
	}
	return out
}

func diffDumps(a, b map[string][]string) string {
	var d []string
	for tab, rows := range a {
		if strings.Join(rows, "\n") != strings.Join(b[tab], "\n") {
			d = append(d, fmt.Sprintf("table %s:\n  %s\nvs\n  %s", tab, strings.Join(rows, "\n  "), strings.Join(b[tab], "\n  ")))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// Concurrent ballots are each counted exactly once, and a close racing with ballots counts every
// ballot that was acknowledged.
func TestConcurrentBallots(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 40)
		f.start(t)
		for _, secret := range []bool{false, true} {
			v, err := f.s.CreateVote(ctx, f.member(t, f.secretary), rooms.VoteSpec{Question: fmt.Sprintf("Biểu quyết %v", secret), Secret: secret})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.OpenVote(ctx, f.member(t, f.chair), v.ID); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			acked := make([]int, 3)
			var wg sync.WaitGroup
			for i, d := range f.delegates {
				m := f.member(t, d)
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i == 30 {
						f.s.CloseVote(ctx, f.member(t, f.chair), v.ID)
					}
					if _, err := f.s.CastBallot(ctx, m, v.ID, i%3); err == nil {
						mu.Lock()
						acked[i%3]++
						mu.Unlock()
					} else if errs.CodeOf(err) != errs.Conflict {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			got, err := f.s.GetVote(ctx, f.member(t, f.chair), v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != rooms.VoteClosed || fmt.Sprint(got.Counts) != fmt.Sprint(acked) || got.Turnout != acked[0]+acked[1]+acked[2] {
				t.Fatalf("secret=%v: closed with counts %v turnout %d, acknowledged %v", secret, got.Counts, got.Turnout, acked)
			}
		}
	})
}
