package audit_test

import (
	"context"
	"testing"

	"github.com/phonghop/phonghop/internal/audit"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// BenchmarkActionOverhead measures what auditing adds to an action: a transaction writing one
// row (a sign-in failure) alone, and the same transaction with its audit row. The difference of
// the two is the audit log's cost per action.
func BenchmarkActionOverhead(b *testing.B) {
	for _, be := range storetest.Backends() {
		for _, audited := range []bool{false, true} {
			name := be.Name + "/plain"
			if audited {
				name = be.Name + "/audited"
			}
			b.Run(name, func(b *testing.B) {
				db := be.Open(b, migrations()...)
				ctx := audit.WithActor(audit.WithRequest(context.Background(), "10.0.0.1", "bench"), 0, "")
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					err := db.InTx(ctx, func(tx *store.Tx) error {
						if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (username, remote_addr, at) VALUES (?, ?, ?)`, "khach", "10.0.0.1", tx.Now()); err != nil {
							return err
						}
						if !audited {
							return nil
						}
						return audit.Record(ctx, tx, audit.Entry{Action: audit.SignInFailed, Object: "user:khach", ActorName: "khach", Detail: map[string]any{"n": i}})
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkVerify is the cost of `phonghop verify` per audit row.
func BenchmarkVerify(b *testing.B) {
	db := storetest.OpenSQLite(b, migrations()...)
	ctx := context.Background()
	const rows = 2000
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < rows; i++ {
			if err := audit.Record(ctx, tx, audit.Entry{Action: audit.Export, Object: "register", ActorName: "vanthu"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rep, err := audit.Verify(ctx, db.Reader()); err != nil || rep.Rows != rows || rep.Break != nil {
			b.Fatal(rep, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}
