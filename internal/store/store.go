// Package store opens the database — an embedded SQLite file by default, PostgreSQL when a URL
// is configured — applies the migrations the domain packages own, and runs transactions.
//
// Domain packages write plain SQL with `?` placeholders; the store rewrites them for PostgreSQL.
// The few type differences between the two dialects are written in migrations as tokens
// (see Migrate). Both backends go through database/sql: SQLite through modernc.org/sqlite (pure Go)
// and PostgreSQL through pgx's stdlib driver, so one code path serves both.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL backend.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Config says which database to open.
type Config struct {
	// URL is a postgres:// URL; empty means SQLite under DataDir.
	URL string
	// DataDir holds phonghop.db when URL is empty.
	DataDir string
	// MaxConns bounds the PostgreSQL pool (default 20).
	MaxConns int
}

// DB is an open database. It is safe for concurrent use.
type DB struct {
	sql     *sql.DB
	Dialect Dialect
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// Open opens (and for SQLite creates) the database. It does not migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.URL == "" {
		return openSQLite(ctx, cfg)
	}
	if !strings.HasPrefix(cfg.URL, "postgres://") && !strings.HasPrefix(cfg.URL, "postgresql://") {
		return nil, fmt.Errorf("store: database URL must start with postgres:// (got a %q URL)", schemeOf(cfg.URL))
	}
	db, err := sql.Open("pgx", cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	max := cfg.MaxConns
	if max <= 0 {
		max = 20
	}
	db.SetMaxOpenConns(max)
	db.SetMaxIdleConns(max)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to postgres: %w", err)
	}
	return &DB{sql: db, Dialect: Postgres, Now: defaultNow}, nil
}

func schemeOf(u string) string {
	if i := strings.Index(u, ":"); i > 0 {
		return u[:i]
	}
	return "unknown"
}

func defaultNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func openSQLite(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("store: a data directory is required for SQLite")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	path := filepath.Join(cfg.DataDir, "phonghop.db")
	// WAL lets readers run beside the one writer; busy_timeout makes writers queue instead of
	// failing; _txlock=immediate takes the write lock at BEGIN so two transactions never deadlock
	// upgrading a read lock. Foreign keys are off by default in SQLite and must be turned on.
	// synchronous(FULL): a commit is on disk before it is acknowledged, power loss included
	// (NORMAL survives a crashed process but can lose the last commits when the machine fails).
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate&_time_format=sqlite"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	// One writer at a time is SQLite's rule; a small pool still serves concurrent readers.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	return &DB{sql: db, Dialect: SQLite, Now: defaultNow}, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// SQL returns the underlying *sql.DB for the rare caller that needs it (tests, tools).
func (db *DB) SQL() *sql.DB { return db.sql }

// Rebind turns `?` placeholders into `$1, $2, ...` for PostgreSQL. A `?` inside a quoted string
// literal is left alone.
func (db *DB) Rebind(q string) string {
	if db.Dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	inStr := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Querier is what both *DB and *Tx offer; read functions take it so they work in and out of a
// transaction.
type Querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	Dialect() Dialect
	Now() time.Time
}

// ExecContext runs a statement outside a transaction.
func (db *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.sql.ExecContext(ctx, db.Rebind(q), args...)
}

// QueryContext runs a query outside a transaction.
func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.sql.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRowContext runs a one-row query outside a transaction.
func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, db.Rebind(q), args...)
}

// Reader returns db as a Querier.
func (db *DB) Reader() Querier { return dbQuerier{db} }

type dbQuerier struct{ *DB }

func (q dbQuerier) Dialect() Dialect { return q.DB.Dialect }
func (q dbQuerier) Now() time.Time   { return q.DB.Now() }

// Tx is a transaction with the same placeholder rewriting as DB.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	now time.Time
	// afterCommit runs after a successful commit (e.g. publishing events on the bus).
	afterCommit []func()
}

func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.Rebind(q), args...)
}

func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.Rebind(q), args...)
}

func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.Rebind(q), args...)
}

// Dialect is the backend's dialect.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

// Now is the transaction's clock reading, taken once at BEGIN so every row it writes agrees.
func (tx *Tx) Now() time.Time { return tx.now }

// AfterCommit registers f to run once the transaction has committed. It never runs on rollback.
func (tx *Tx) AfterCommit(f func()) { tx.afterCommit = append(tx.afterCommit, f) }

// InTx runs fn in a transaction and commits it if fn returns nil. A transaction that fails on a
// transient conflict (SQLite busy, PostgreSQL serialization failure or deadlock) is retried with
// backoff, so fn must have no side effects outside tx other than through AfterCommit.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	const attempts = 8
	var err error
	for i := 0; i < attempts; i++ {
		err = db.inTxOnce(ctx, fn)
		if err == nil || !IsRetryable(err) {
			return err
		}
		backoff := time.Duration(1<<i)*2*time.Millisecond + time.Duration(rand.IntN(3000))*time.Microsecond
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(backoff):
		}
	}
	return err
}

func (db *DB) inTxOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqltx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{tx: sqltx, db: db, now: db.Now()}
	defer func() {
		if p := recover(); p != nil {
			_ = sqltx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqltx.Rollback()
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// IsRetryable reports whether err is a transient conflict worth retrying the transaction for.
func IsRetryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40001" || pg.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// IsUniqueViolation reports whether err comes from a UNIQUE or PRIMARY KEY constraint.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err comes from a FOREIGN KEY constraint.
func IsForeignKeyViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
