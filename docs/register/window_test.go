package register_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// TestDateWindowAndUnit: dates decades away and units with "/" are refused with a field error in
// Vietnamese, and nothing is filed for them (no number is taken).
func TestDateWindowAndUnit(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		_, org, clerk := setup(t, db)
		reg := register.New(db, register.DateWindow(365, 30))
		file := func(date, unit string) (register.Entry, error) {
			return reg.File(ctx, clerk, register.Filing{OrganizationID: org.ID, DocType: "CV", Unit: unit, DocDate: date,
				Summary: "Về việc tổ chức hội nghị", Signer: "Đỗ Minh Tuấn"}, nil)
		}
		for _, c := range []struct {
			date, unit, field string
		}{
			{"1996-06-15", "VP", "doc_date"},
			{"2056-06-15", "VP", "doc_date"},
			{"2025-06-14", "VP", "doc_date"}, // 366 days back
			{"2026-07-16", "VP", "doc_date"}, // 31 days ahead
			{"2026-06-15", "UBND-V/X", "unit"},
			{"2026-06-15", "V X", "unit"},
			{"2026-06-15", "-VP", "unit"},
			{"2026-06-15", "VP-", "unit"},
			{"2026-06-15", "VP;DROP", "unit"},
		} {
			_, err := file(c.date, c.unit)
			e := errs.As(err)
			if e == nil || e.Code != errs.Invalid || e.Field != c.field || !strings.ContainsAny(e.Message, "ạảấđưởếộ") {
				t.Errorf("%s %q: %v, want an invalid %s with a Vietnamese message", c.date, c.unit, err, c.field)
			}
		}
		for i, c := range []struct{ date, unit, symbol string }{
			{"2025-06-15", "VP", "01/UBND-VP"}, // exactly 365 days back
			{"2026-07-15", "TCCB", "01/UBND-TCCB"},
			{"2026-06-15", "ĐTN-P2", "02/UBND-ĐTN-P2"},
		} {
			e, err := file(c.date, c.unit)
			if err != nil || e.Symbol != c.symbol {
				t.Errorf("filing %d (%s %s): %+v %v, want %s", i, c.date, c.unit, e.Symbol, err, c.symbol)
			}
		}
	})
}
