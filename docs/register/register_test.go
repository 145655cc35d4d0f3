package register_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

func migrations() []store.Migrations {
	return []store.Migrations{directory.Migrations(), auth.Migrations(), events.Migrations(), rooms.Migrations(), agenda.Migrations(),
		docs.Migrations(), rooms.SessionMigrations(), register.Migrations()}
}

func TestSymbol(t *testing.T) {
	for _, c := range []struct {
		n                 int
		typ, org, unit, s string
	}{
		{15, "BB", "UBND", "", "15/BB-UBND"},
		{7, "TB", "UBND", "", "07/TB-UBND"},
		{3, "NQ", "HĐND", "", "03/NQ-HĐND"},
		{120, "QĐ", "UBND", "", "120/QĐ-UBND"},
		{15, "CV", "UBND", "VP", "15/UBND-VP"},
	} {
		if got := register.Symbol(c.n, c.typ, c.org, c.unit); got != c.s {
			t.Errorf("Symbol(%d, %s, %s, %s) = %q, want %q", c.n, c.typ, c.org, c.unit, got, c.s)
		}
	}
}

func setup(t testing.TB, db *store.DB) (*register.Register, directory.Organization, int64) {
	ctx := context.Background()
	org, err := directory.New(db).CreateOrganization(ctx, directory.Organization{Code: "UBND-TH", Name: "Ủy ban nhân dân tỉnh Thanh Hóa", Abbreviation: "UBND", Level: directory.Province})
	if err != nil {
		t.Fatal(err)
	}
	var u directory.User
	db.InTx(ctx, func(tx *store.Tx) error {
		u, err = directory.CreateUser(ctx, tx, directory.User{Username: "vanthu", FullName: "Văn thư", OrganizationID: org.ID})
		return err
	})
	return register.New(db), org, u.ID
}

func TestNumbering(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reg, org, clerk := setup(t, db)
		file := func(f register.Filing) (register.Entry, error) {
			f.OrganizationID = org.ID
			if f.Summary == "" {
				f.Summary = "Biên bản họp UBND tỉnh"
			}
			f.Signer = "Đỗ Minh Tuấn"
			return reg.File(ctx, clerk, f, nil)
		}
		// Concurrent filings take 1..N, each once.
		const n = 30
		var wg sync.WaitGroup
		nums := make(chan int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e, err := file(register.Filing{DocType: "BB", DocDate: "2026-11-22"})
				if err != nil {
					t.Error(err)
					return
				}
				nums <- e.Number
			}()
		}
		wg.Wait()
		close(nums)
		var got []int
		for x := range nums {
			got = append(got, x)
		}
		sort.Ints(got)
		for i, x := range got {
			if x != i+1 {
				t.Fatalf("numbers %v: not 1..%d without gaps", got, n)
			}
		}
		// A filing that fails after taking its number leaves no gap.
		_, err := reg.File(ctx, clerk, register.Filing{OrganizationID: org.ID, DocType: "TB", Summary: "x", Signer: "y", DocDate: "2026-11-22"},
			func(*store.Tx, register.Entry) error { return errors.New("the PDF could not be signed") })
		if err == nil {
			t.Fatal("the failing filing was kept")
		}
		e, err := file(register.Filing{DocType: "TB", DocDate: "2026-11-23"})
		if err != nil || e.Number != n+1 || e.Symbol != fmt.Sprintf("%02d/TB-UBND", n+1) {
			t.Fatalf("after a failed filing: %+v %v", e, err)
		}
		// Confidential documents have their own series; a new year starts at 01.
		if c, _ := file(register.Filing{DocType: "BB", DocDate: "2026-11-23", Series: register.Confidential}); c.Number != 1 || c.Symbol != "01/BB-UBND" {
			t.Fatalf("confidential series: %+v", c)
		}
		if y, _ := file(register.Filing{DocType: "BB", DocDate: "2027-01-01"}); y.Number != 1 || y.Year != 2027 {
			t.Fatalf("new year: %+v", y)
		}
		// A correction is a new entry naming the old one.
		c, err := file(register.Filing{DocType: "BB", DocDate: "2026-11-24", CorrectsID: &e.ID, Notes: "Đính chính ngày ký"})
		if err != nil || *c.CorrectsID != e.ID || c.Number != n+2 {
			t.Fatalf("correction: %+v %v", c, err)
		}
		for _, bad := range []register.Filing{
			{DocType: "XX"}, {DocType: "BB", DocDate: "22/11/2026"}, {DocType: "BB", Series: "secret"}, {DocType: "BB", SHA256: "abc"},
			{DocType: "BB", CorrectsID: new(int64)},
		} {
			if _, err := file(bad); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		list, err := reg.Search(ctx, register.Query{Year: 2026, Series: register.Regular, Text: "biên bản"})
		if err != nil || len(list) != n+2 || list[0].Number != 1 {
			t.Fatalf("search: %d entries, %v", len(list), err)
		}
		if l, _ := reg.Search(ctx, register.Query{DocType: "TB"}); len(l) != 1 || l[0].DocTypeName != "Thông báo" {
			t.Fatalf("search by type: %+v", l)
		}
	})
}

// BenchmarkFiling files into one register from 8 goroutines; reports filings per second.
func BenchmarkFiling(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			db := be.Open(b, migrations()...)
			reg, org, clerk := setup(b, db)
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := reg.File(context.Background(), clerk, register.Filing{OrganizationID: org.ID, DocType: "BB", Summary: "Biên bản", Signer: "A", DocDate: "2026-11-22"}, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestThousandConcurrentFilings is the decree's promise at the size the register must hold:
// 1,000 filings racing into one register take exactly 1..1000, none twice, none skipped.
func TestThousandConcurrentFilings(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 filings")
	}
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reg, org, clerk := setup(t, db)
		const n, workers = 1000, 16
		seen := make([]int, n+1)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < n; i += workers {
					e, err := reg.File(ctx, clerk, register.Filing{OrganizationID: org.ID, DocType: "TB", DocDate: "2026-11-22",
						Summary: "Thông báo kết luận", Signer: "Đỗ Minh Tuấn"}, nil)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if e.Number >= 1 && e.Number <= n {
						seen[e.Number]++
					} else {
						t.Errorf("number %d out of 1..%d", e.Number, n)
					}
					mu.Unlock()
				}
			}(w)
		}
		wg.Wait()
		for x := 1; x <= n; x++ {
			if seen[x] != 1 {
				t.Fatalf("number %d taken %d times", x, seen[x])
			}
		}
	})
}
