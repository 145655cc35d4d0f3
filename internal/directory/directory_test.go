package directory_test

import (
	"context"
	"testing"

	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

func TestOrganizationTree(t *testing.T) {
	storetest.Each(t, []store.Migrations{directory.Migrations()}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := directory.New(db)
		mk := func(code, name string, level directory.Level, parent *directory.Organization) directory.Organization {
			t.Helper()
			o := directory.Organization{Code: code, Name: name, Abbreviation: "UBND", Level: level}
			if parent != nil {
				o.ParentID = &parent.ID
			}
			o, err := d.CreateOrganization(ctx, o)
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			return o
		}
		// Created out of tree order on purpose: the listing must still put parents first.
		p := mk("P", "UBND tỉnh", directory.Province, nil)
		b := mk("B", "UBND huyện B", directory.District, &p)
		a := mk("A", "UBND huyện A", directory.District, &p)
		mk("B1", "UBND xã B1", directory.Commune, &b)
		mk("A1", "UBND xã A1", directory.Commune, &a)
		mk("VP", "Văn phòng UBND", directory.Department, &p)
		all, err := d.Organizations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range all {
			got = append(got, o.Code)
		}
		want := []string{"P", "VP", "A", "A1", "B", "B1"}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("tree order %v, want %v", got, want)
			}
		}

		bad := []directory.Organization{
			{Code: "X", Name: "x", Abbreviation: "UBND", Level: directory.Commune},                   // no parent
			{Code: "X", Name: "x", Abbreviation: "UBND", Level: directory.Province, ParentID: &p.ID}, // province with parent
			{Code: "có dấu", Name: "x", Abbreviation: "UBND", Level: directory.Province},             // bad code
			{Code: "X", Name: " ", Abbreviation: "UBND", Level: directory.Province},                  // blank name
			{Code: "X", Name: "x", Abbreviation: "UB ND", Level: directory.Province},                 // space in abbreviation
			{Code: "P", Name: "x", Abbreviation: "UBND", Level: directory.Province},                  // duplicate code
		}
		for i, o := range bad {
			if _, err := d.CreateOrganization(ctx, o); err == nil || errs.CodeOf(err) == errs.Internal {
				t.Errorf("bad organization %d: err = %v", i, err)
			}
		}
		if n, _ := d.Organizations(ctx); len(n) != 6 {
			t.Fatalf("bad input added organizations: %d", len(n))
		}

		mp, err := d.CreateMeetingPoint(ctx, directory.MeetingPoint{OrganizationID: a.ID, Code: "DC-A", Name: "Điểm cầu A"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.CreateMeetingPoint(ctx, directory.MeetingPoint{OrganizationID: a.ID, Code: "DC-A", Name: "again"}); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("duplicate point code: %v", err)
		}
		pts, err := d.MeetingPoints(ctx, a.ID)
		if err != nil || len(pts) != 1 || pts[0].ID != mp.ID {
			t.Fatalf("points of A: %+v %v", pts, err)
		}
		if pts, _ := d.MeetingPoints(ctx, b.ID); len(pts) != 0 {
			t.Fatalf("points of B: %+v", pts)
		}
	})
}
