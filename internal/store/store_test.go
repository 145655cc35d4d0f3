package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

var testSchema = store.Migrations{Component: "storetest", FS: fstest.MapFS{
	"001_items.sql": {Data: []byte(`CREATE TABLE items (
		id {{id}},
		name TEXT NOT NULL UNIQUE,
		n {{bigint}} NOT NULL DEFAULT 0,
		data {{blob}},
		created_at {{timestamp}} NOT NULL);
	CREATE TABLE counters (name TEXT PRIMARY KEY, value {{bigint}} NOT NULL);`)},
	"002_children.sql": {Data: []byte(`CREATE TABLE children (
		id {{id}},
		item_id BIGINT NOT NULL REFERENCES items(id));`)},
}}

func TestRebind(t *testing.T) {
	db := &store.DB{Dialect: store.Postgres}
	got := db.Rebind(`SELECT * FROM t WHERE a = ? AND b = '?' AND c IN (?, ?)`)
	want := `SELECT * FROM t WHERE a = $1 AND b = '?' AND c IN ($2, $3)`
	if got != want {
		t.Fatalf("Rebind = %q, want %q", got, want)
	}
	lite := &store.DB{Dialect: store.SQLite}
	if q := lite.Rebind("a = ?"); q != "a = ?" {
		t.Fatalf("sqlite Rebind changed the query: %q", q)
	}
}

func TestStore(t *testing.T) {
	storetest.Each(t, []store.Migrations{testSchema}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()

		t.Run("migrate twice is a no-op", func(t *testing.T) {
			if err := db.Migrate(ctx, testSchema); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE component = ?`, "storetest").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Fatalf("schema_migrations has %d rows for the component, want 2", n)
			}
		})

		t.Run("insert returning, time and blob round trip", func(t *testing.T) {
			now := db.Now()
			var id int64
			err := db.InTx(ctx, func(tx *store.Tx) error {
				return tx.QueryRowContext(ctx, `INSERT INTO items (name, data, created_at) VALUES (?, ?, ?) RETURNING id`,
					"một", []byte{0, 1, 2, 255}, now).Scan(&id)
			})
			if err != nil {
				t.Fatal(err)
			}
			var name string
			var data []byte
			var created store.Time
			if err := db.QueryRowContext(ctx, `SELECT name, data, created_at FROM items WHERE id = ?`, id).Scan(&name, &data, &created); err != nil {
				t.Fatal(err)
			}
			if name != "một" || string(data) != string([]byte{0, 1, 2, 255}) {
				t.Fatalf("got %q %v", name, data)
			}
			if !created.Time.Equal(now) {
				t.Fatalf("created_at = %v, want %v", created.Time, now)
			}
		})

		t.Run("unique and foreign key violations are recognised", func(t *testing.T) {
			_, err := db.ExecContext(ctx, `INSERT INTO items (name, created_at) VALUES (?, ?)`, "một", db.Now())
			if !store.IsUniqueViolation(err) {
				t.Fatalf("duplicate name: err = %v, want a unique violation", err)
			}
			_, err = db.ExecContext(ctx, `INSERT INTO children (item_id) VALUES (?)`, 987654)
			if !store.IsForeignKeyViolation(err) {
				t.Fatalf("dangling reference: err = %v, want a foreign key violation", err)
			}
		})

		t.Run("rollback leaves nothing and skips after-commit", func(t *testing.T) {
			boom := errors.New("boom")
			ran := false
			err := db.InTx(ctx, func(tx *store.Tx) error {
				tx.AfterCommit(func() { ran = true })
				if _, err := tx.ExecContext(ctx, `INSERT INTO items (name, created_at) VALUES (?, ?)`, "hai", tx.Now()); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v", err)
			}
			if ran {
				t.Fatal("after-commit hook ran on rollback")
			}
			var n int
			_ = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE name = ?`, "hai").Scan(&n)
			if n != 0 {
				t.Fatalf("rolled back row is visible (%d)", n)
			}
		})

		t.Run("concurrent read-modify-write transactions lose no update", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ('c', 0)`); err != nil {
				t.Fatal(err)
			}
			const workers, each = 8, 25
			var wg sync.WaitGroup
			errc := make(chan error, workers)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						err := db.InTx(ctx, func(tx *store.Tx) error {
							var v int64
							if err := tx.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'c'`+store.ForUpdate(tx)).Scan(&v); err != nil {
								return err
							}
							_, err := tx.ExecContext(ctx, `UPDATE counters SET value = ? WHERE name = 'c'`, v+1)
							return err
						})
						if err != nil {
							errc <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			var v int64
			_ = db.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'c'`).Scan(&v)
			if v != workers*each {
				t.Fatalf("counter = %d, want %d", v, workers*each)
			}
		})
	})
}

// A change SQLite cannot make in place (widening a CHECK on a table others refer to) comes as a
// file per backend; each applies its own, and the rows and references survive.
func TestDialectMigrations(t *testing.T) {
	base := fstest.MapFS{
		"001_kinds.sql": {Data: []byte(`CREATE TABLE things (
			id {{id}},
			kind TEXT NOT NULL CHECK (kind IN ('a', 'b')));
		CREATE INDEX things_kind ON things(kind);
		CREATE TABLE parts (id {{id}}, thing_id BIGINT NOT NULL REFERENCES things(id));`)},
	}
	widened := fstest.MapFS{
		"002_kind_c.postgres.sql": {Data: []byte(`ALTER TABLE things DROP CONSTRAINT things_kind_check;
			ALTER TABLE things ADD CONSTRAINT things_kind_check CHECK (kind IN ('a', 'b', 'c'));`)},
		// Foreign keys are checked at commit: dropping the old table orphans the parts for a
		// moment, and refilling the new one under the same name adopts them again.
		"002_kind_c.sqlite.sql": {Data: []byte(`PRAGMA defer_foreign_keys = ON;
			CREATE TABLE things_copy AS SELECT * FROM things;
			DROP TABLE things;
			CREATE TABLE things (id {{id}}, kind TEXT NOT NULL CHECK (kind IN ('a', 'b', 'c')));
			INSERT INTO things (id, kind) SELECT id, kind FROM things_copy;
			DROP TABLE things_copy;
			CREATE INDEX things_kind ON things(kind);`)},
	}
	for k, v := range base {
		widened[k] = v
	}
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t, store.Migrations{Component: "kinds", FS: base})
			if _, err := db.ExecContext(ctx, `INSERT INTO things (kind) VALUES ('a'), ('b')`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO parts (thing_id) VALUES (1), (2), (2)`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO things (kind) VALUES ('c')`); err == nil {
				t.Fatal("the old CHECK let 'c' in")
			}
			if err := db.Migrate(ctx, store.Migrations{Component: "kinds", FS: widened}); err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := db.QueryRowContext(ctx, `INSERT INTO things (kind) VALUES ('c') RETURNING id`).Scan(&id); err != nil {
				t.Fatalf("the widened CHECK refuses 'c': %v", err)
			}
			if id <= 2 {
				t.Errorf("new id %d reuses an old one", id)
			}
			var parts int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM parts p JOIN things t ON t.id = p.thing_id`).Scan(&parts); err != nil || parts != 3 {
				t.Fatalf("parts joined to things: %d, %v", parts, err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO parts (thing_id) VALUES (99)`); !store.IsForeignKeyViolation(err) {
				t.Fatalf("a dangling part: %v, want a foreign key violation", err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO things (kind) VALUES ('d')`); err == nil {
				t.Fatal("the widened CHECK let 'd' in")
			}
			var name string
			if err := db.QueryRowContext(ctx, `SELECT name FROM schema_migrations WHERE component = 'kinds' AND version = 2`).Scan(&name); err != nil {
				t.Fatal(err)
			}
			if name != "002_kind_c."+b.Name+".sql" {
				t.Errorf("applied %q", name)
			}
		})
	}
}
