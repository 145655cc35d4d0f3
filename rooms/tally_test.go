package rooms

import "testing"

func TestTallyEvaluate(t *testing.T) {
	cases := []struct {
		name   string
		t      Tally
		needed int
		quorum bool
		passed bool
	}{
		{"half of 30 members needs 16", Tally{30, 28, 28, []int{16, 10, 2}, 0, MoreThanHalfOfMembers, QuorumMoreThanHalf, false}, 16, true, true},
		{"15 of 30 is not more than half", Tally{30, 28, 28, []int{15, 11, 2}, 0, MoreThanHalfOfMembers, QuorumMoreThanHalf, false}, 16, true, false},
		{"half of 31 members needs 16", Tally{31, 31, 31, []int{16, 15, 0}, 0, MoreThanHalfOfMembers, NoQuorum, false}, 16, true, true},
		{"two thirds of 30 needs 20", Tally{30, 30, 30, []int{20, 10, 0}, 0, TwoThirdsOfMembers, NoQuorum, false}, 20, true, true},
		{"19 of 30 is short of two thirds", Tally{30, 30, 30, []int{19, 11, 0}, 0, TwoThirdsOfMembers, NoQuorum, false}, 20, true, false},
		{"two thirds of 31 needs 21", Tally{31, 31, 31, []int{21, 10, 0}, 0, TwoThirdsOfMembers, NoQuorum, false}, 21, true, true},
		{"two thirds of 31: 20 fails", Tally{31, 31, 31, []int{20, 11, 0}, 0, TwoThirdsOfMembers, NoQuorum, false}, 21, true, false},
		{"half of present", Tally{30, 17, 17, []int{9, 8, 0}, 0, MoreThanHalfOfPresent, QuorumMoreThanHalf, false}, 9, true, true},
		{"no quorum: 15 of 30 present", Tally{30, 15, 15, []int{15, 0, 0}, 0, MoreThanHalfOfPresent, QuorumMoreThanHalf, false}, 8, false, false},
		{"two-thirds quorum met at 20 of 30", Tally{30, 20, 20, []int{20, 0, 0}, 0, MoreThanHalfOfPresent, QuorumAtLeastTwoThirds, false}, 11, true, true},
		{"approve option other than first", Tally{5, 5, 5, []int{1, 4}, 1, MoreThanHalfOfMembers, NoQuorum, false}, 3, true, true},
		{"no members never passes", Tally{0, 0, 0, []int{0, 0, 0}, 0, MoreThanHalfOfPresent, NoQuorum, false}, 1, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := c.t.Evaluate()
			if err != nil {
				t.Fatal(err)
			}
			if r.Needed != c.needed || r.QuorumMet != c.quorum || r.Passed != c.passed {
				t.Fatalf("got needed=%d quorum=%v passed=%v, want %d %v %v", r.Needed, r.QuorumMet, r.Passed, c.needed, c.quorum, c.passed)
			}
			if len(r.Hash) != 64 {
				t.Fatalf("hash %q", r.Hash)
			}
		})
	}
}

func TestTallyHashCoversEveryCount(t *testing.T) {
	base := Tally{30, 28, 28, []int{16, 10, 2}, 0, MoreThanHalfOfMembers, QuorumMoreThanHalf, false}
	r0, _ := base.Evaluate()
	again, _ := base.Evaluate()
	if r0.Hash != again.Hash {
		t.Fatal("hash is not deterministic")
	}
	changed := base
	changed.Counts = []int{15, 11, 2}
	r1, _ := changed.Evaluate()
	if r1.Hash == r0.Hash {
		t.Fatal("hash did not change with the counts")
	}
}

func TestTallyRejectsInconsistentCounts(t *testing.T) {
	bad := []Tally{
		{30, 31, 0, []int{0}, 0, MoreThanHalfOfMembers, NoQuorum, false},     // more present than members
		{30, 30, 5, []int{1, 1}, 0, MoreThanHalfOfMembers, NoQuorum, false},  // counts don't add up
		{30, 30, 2, []int{1, 1}, 2, MoreThanHalfOfMembers, NoQuorum, false},  // approve out of range
		{30, 30, 2, []int{3, -1}, 0, MoreThanHalfOfMembers, NoQuorum, false}, // negative
		{30, 30, 2, []int{1, 1}, 0, "most", NoQuorum, false},                 // unknown rule
	}
	for i, b := range bad {
		if _, err := b.Evaluate(); err == nil {
			t.Errorf("bad tally %d evaluated", i)
		}
	}
}

func TestTallyChoice(t *testing.T) {
	cases := []struct {
		name   string
		t      Tally
		chosen int // -1: none
	}{
		{"2 of 3 members choose option 2", Tally{3, 3, 3, []int{1, 2}, 0, MoreThanHalfOfMembers, NoQuorum, true}, 1},
		{"a plurality is not a majority", Tally{6, 6, 6, []int{3, 2, 1}, 0, MoreThanHalfOfMembers, NoQuorum, true}, -1},
		{"two thirds of 30 needs 20", Tally{30, 30, 30, []int{10, 20}, 0, TwoThirdsOfMembers, NoQuorum, true}, 1},
		{"19 of 30 is short of two thirds", Tally{30, 30, 30, []int{11, 19}, 0, TwoThirdsOfMembers, NoQuorum, true}, -1},
		{"no quorum chooses nothing", Tally{30, 10, 10, []int{10, 0}, 0, MoreThanHalfOfPresent, QuorumMoreThanHalf, true}, -1},
		{"the first option can win", Tally{5, 5, 5, []int{3, 1, 1}, 0, MoreThanHalfOfPresent, NoQuorum, true}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := c.t.Evaluate()
			if err != nil {
				t.Fatal(err)
			}
			got := -1
			if r.Chosen != nil {
				got = *r.Chosen
			}
			if got != c.chosen || r.Passed != (c.chosen >= 0) {
				t.Fatalf("chosen %d passed %v, want %d", got, r.Passed, c.chosen)
			}
		})
	}
}
