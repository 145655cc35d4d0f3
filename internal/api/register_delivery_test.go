package api_test

import (
	"fmt"
	"testing"

	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

func TestRegisterDeliveries(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		var entry struct{ ID int64 }
		if st := e.sec.do("POST", "/api/register/entries", map[string]any{"organization_id": e.org.ID, "doc_type": "TB", "doc_date": "2026-11-22", "summary": "Thông báo kết luận", "signer": "A"}, &entry); st != 201 {
			t.Fatalf("file: %d", st)
		}
		path := fmt.Sprintf("/api/register/entries/%d/deliveries", entry.ID)
		ok := map[string]any{"sent_on": "2026-11-23", "received_by": "Sở Tài chính"}
		var out apiError
		if st := e.delegate.do("POST", path, ok, &out); st != 403 || out.Error.Code != "forbidden" {
			t.Fatalf("a delegate recorded a delivery: %d %+v", st, out)
		}
		if st := e.sec.do("POST", path, map[string]any{"sent_on": "23/11/2026", "received_by": "x"}, &out); st != 400 || out.Error.Field != "sent_on" {
			t.Fatalf("bad date: %d %+v", st, out)
		}
		if st := e.sec.do("POST", path, ok, nil); st != 201 {
			t.Fatalf("record: %d", st)
		}
		var list struct {
			Items []struct {
				ReceivedBy string `json:"received_by"`
			}
		}
		if st := e.sec.do("GET", path, nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].ReceivedBy != "Sở Tài chính" {
			t.Fatalf("list: %d %+v", st, list)
		}
		if st := e.outsider.do("GET", path, nil, nil); st != 403 {
			t.Fatalf("an outsider read deliveries: %d", st)
		}
	})
}
