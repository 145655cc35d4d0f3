package audit_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/audit"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

func migrations() []store.Migrations {
	return []store.Migrations{directory.Migrations(), auth.Migrations()}
}

func verify(t *testing.T, db *store.DB) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestChain: rows carry who, what, when, where and the request ID; concurrent writers make one
// gapless chain; the tables refuse UPDATE and DELETE; a row changed or a row removed behind the
// triggers' back is found.
func TestChain(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := audit.WithRequest(context.Background(), "10.1.2.3", "req-42")
		org, err := directory.New(db).CreateOrganization(ctx, directory.Organization{Code: "UBND-TH", Name: "Ủy ban nhân dân tỉnh", Abbreviation: "UBND", Level: directory.Province})
		if err != nil {
			t.Fatal(err)
		}
		u, err := auth.NewService(db).CreateAccount(ctx, auth.NewAccount{User: directory.User{Username: "thuky", FullName: "Thư ký", OrganizationID: org.ID}, Password: "mat-khau-thuky"})
		if err != nil {
			t.Fatal(err)
		}
		actx := audit.WithActor(ctx, u.ID, "thuky")
		if err := audit.Write(actx, db, audit.Entry{Action: audit.Export, Object: "register_entry:7", MeetingID: 0, Detail: map[string]any{"format": "edxml"}}); err != nil {
			t.Fatal(err)
		}
		const n = 24
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := audit.Write(ctx, db, audit.Entry{Action: audit.SignInFailed, Object: "user:khach", ActorName: "khach"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		rows, err := audit.Search(context.Background(), db.Reader(), audit.Query{Actor: "thuky"})
		if err != nil || len(rows) != 1 {
			t.Fatalf("search by actor: %v %+v", err, rows)
		}
		exp := rows[0] // newest first: the export, after the account's creation
		if exp.Action != audit.Export || exp.ActorID == nil || *exp.ActorID != u.ID || exp.Address != "10.1.2.3" || exp.RequestID != "req-42" ||
			exp.Detail != `{"format":"edxml"}` || exp.At.IsZero() || len(exp.Hash) != 64 {
			t.Fatalf("export row: %+v", exp)
		}
		if fails, _ := audit.Search(context.Background(), db.Reader(), audit.Query{Action: "auth."}); len(fails) != n+1 {
			t.Fatalf("auth. actions: %d, want %d failures and the account's creation", len(fails), n)
		}
		rep := verify(t, db)
		if rep.Break != nil || rep.Rows != n+2 {
			t.Fatalf("intact chain: %+v", rep)
		}

		// The triggers refuse changes and removals.
		if _, err := db.ExecContext(context.Background(), `UPDATE audit_log SET actor_name = 'ai-do' WHERE id = 3`); err == nil {
			t.Fatal("an audit row was updated")
		}
		if _, err := db.ExecContext(context.Background(), `DELETE FROM audit_log WHERE id = 3`); err == nil {
			t.Fatal("an audit row was deleted")
		}
		// Someone who owns the database turns them off and edits a row: verify finds it.
		withoutTriggers(t, db, `UPDATE audit_log SET address = '192.0.2.9' WHERE id = 5`)
		if rep := verify(t, db); rep.Break == nil || rep.Break.ID != 5 || !strings.Contains(rep.Break.Problem, "changed") {
			t.Fatalf("tampered row: %+v", rep)
		}
		withoutTriggers(t, db, `UPDATE audit_log SET address = '10.1.2.3' WHERE id = 5`)
		if rep := verify(t, db); rep.Break != nil {
			t.Fatalf("restored row: %+v", rep)
		}
		withoutTriggers(t, db, `DELETE FROM audit_log WHERE id = 9`)
		if rep := verify(t, db); rep.Break == nil || rep.Break.ID != 10 {
			t.Fatalf("removed row: %+v", rep)
		}
	})
}

// withoutTriggers runs q as a database owner could, with the append-only triggers off.
func withoutTriggers(t *testing.T, db *store.DB, q string) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if db.Dialect == store.Postgres {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE audit_log DISABLE TRIGGER USER`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `ALTER TABLE audit_log ENABLE TRIGGER USER`)
			return err
		}
		for _, s := range []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`, q,
			`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
			`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log WHEN OLD.id > (SELECT COALESCE(MAX(through_id), 0) FROM audit_checkpoints) BEGIN SELECT RAISE(ABORT, 'no'); END`} {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPrune: the retention job deletes old rows behind a checkpoint, and the chain verifies from
// it; removing the tail afterwards is still found.
func TestPrune(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		for i := 0; i < 10; i++ {
			now = now.Add(24 * time.Hour)
			if err := audit.Write(ctx, db, audit.Entry{Action: audit.SignInFailed, Object: "user:x", ActorName: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		cutoff := time.Date(2026, 1, 7, 12, 0, 0, 0, time.UTC) // rows 1..6 are older
		n, err := audit.Prune(ctx, db, cutoff)
		if err != nil || n != 6 {
			t.Fatalf("prune: %d %v", n, err)
		}
		rep := verify(t, db)
		if rep.Break != nil || rep.FromCheckpoint != 6 || rep.Rows != 5 { // rows 7..10 and the job's own row
			t.Fatalf("after pruning: %+v", rep)
		}
		if n, err := audit.Prune(ctx, db, cutoff); err != nil || n != 0 {
			t.Fatalf("second prune: %d %v", n, err)
		}
		if _, err := db.ExecContext(ctx, `DELETE FROM audit_checkpoints`); err == nil {
			t.Fatal("a checkpoint was deleted")
		}
		withoutTriggers(t, db, `DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)`)
		if rep := verify(t, db); rep.Break == nil || !strings.Contains(rep.Break.Problem, "end") {
			t.Fatalf("removed tail: %+v", rep)
		}
	})
}
