// Package storetest gives tests a fresh database on each backend: a SQLite file in a temporary
// directory, and a PostgreSQL schema of its own on the server named by PHONGHOP_TEST_DATABASE_URL
// (default postgres://127.0.0.1:5432/test). Store suites run the same code against both.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/store"
)

// DefaultPostgresURL is the PostgreSQL the tests use unless PHONGHOP_TEST_DATABASE_URL says otherwise.
const DefaultPostgresURL = "postgres://127.0.0.1:5432/test?sslmode=disable"

// PostgresURL returns the base URL of the test PostgreSQL server.
func PostgresURL() string {
	if u := os.Getenv("PHONGHOP_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// Backend opens a fresh, migrated database of one dialect.
type Backend struct {
	Name string
	Open func(t testing.TB, sets ...store.Migrations) *store.DB
}

// Backends are SQLite and PostgreSQL, in that order.
func Backends() []Backend {
	return []Backend{{"sqlite", OpenSQLite}, {"postgres", OpenPostgres}}
}

// Each runs fn once per backend as a subtest, each with a fresh database migrated with sets.
func Each(t *testing.T, sets []store.Migrations, fn func(t *testing.T, db *store.DB)) {
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, b.Open(t, sets...))
		})
	}
}

// OpenSQLite opens a fresh SQLite database in t's temporary directory.
func OpenSQLite(t testing.TB, sets ...store.Migrations) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, sets...); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// NewPostgresSchema creates an empty schema on the test server and returns a URL whose connections
// use it; the schema is dropped when t ends. A server that does not answer fails the test under CI
// and skips it elsewhere.
func NewPostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("PHONGHOP_TEST_REQUIRE_POSTGRES") != "" {
			t.Fatalf("PostgreSQL at %s does not answer: %v", base, err)
		}
		t.Skipf("PostgreSQL at %s does not answer (%v); set it up to run this test", base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens a fresh schema on the test PostgreSQL server.
func OpenPostgres(t testing.TB, sets ...store.Migrations) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{URL: NewPostgresSchema(t)})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, sets...); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}
