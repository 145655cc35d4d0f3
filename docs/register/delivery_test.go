package register_test

import (
	"context"
	"testing"

	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

func TestDeliveries(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reg, org, clerk := setup(t, db)
		e, err := reg.File(ctx, clerk, register.Filing{OrganizationID: org.ID, DocType: "TB", DocDate: "2026-11-22",
			Summary: "Kết luận phiên họp", Signer: "Đỗ Minh Tuấn"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []register.Delivery{
			{EntryID: e.ID, SentOn: "23/11/2026", ReceivedBy: "Sở Tài chính"},
			{EntryID: e.ID, SentOn: "2026-11-21", ReceivedBy: "Sở Tài chính"},
			{EntryID: e.ID, SentOn: "2026-11-23", ReceivedBy: "  "},
		} {
			if _, err := reg.RecordDelivery(ctx, clerk, bad); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		if _, err := reg.RecordDelivery(ctx, clerk, register.Delivery{EntryID: e.ID + 99, SentOn: "2026-11-23", ReceivedBy: "x"}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("unknown entry: %v", err)
		}
		for _, who := range []string{"Sở Tài chính (Nguyễn Văn An)", "UBND huyện Đông Sơn"} {
			if _, err := reg.RecordDelivery(ctx, clerk, register.Delivery{EntryID: e.ID, SentOn: "2026-11-23", ReceivedBy: who}); err != nil {
				t.Fatal(err)
			}
		}
		ds, err := reg.Deliveries(ctx, e.ID)
		if err != nil || len(ds) != 2 || ds[0].ReceivedBy != "Sở Tài chính (Nguyễn Văn An)" || ds[1].SentOn != "2026-11-23" || ds[1].RecordedBy != clerk {
			t.Fatalf("deliveries: %+v %v", ds, err)
		}
		// The entry itself is unchanged, so the chain still holds.
		if got, _ := reg.Get(ctx, e.ID); got.Number != e.Number || got.Summary != e.Summary {
			t.Fatalf("entry changed: %+v", got)
		}
	})
}
