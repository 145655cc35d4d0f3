package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Time scans a timestamp from either backend into UTC. PostgreSQL returns time.Time; SQLite
// returns the stored text, which modernc parses for TIMESTAMP columns but not for expressions
// such as MAX(created_at).
type Time struct{ Time time.Time }

// Scan implements sql.Scanner.
func (t *Time) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = x.UTC()
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	default:
		return fmt.Errorf("store.Time: cannot scan %T", v)
	}
	return nil
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

func (t *Time) parse(s string) error {
	for _, l := range timeLayouts {
		if p, err := time.Parse(l, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("store.Time: cannot parse %q", s)
}

// Value implements driver.Valuer.
func (t Time) Value() (driver.Value, error) {
	if t.Time.IsZero() {
		return nil, nil
	}
	return t.Time.UTC(), nil
}

// ForUpdate returns " FOR UPDATE" on PostgreSQL and nothing on SQLite, whose transactions already
// hold the database's write lock from BEGIN (see _txlock=immediate in Open).
func ForUpdate(q Querier) string {
	if q.Dialect() == Postgres {
		return " FOR UPDATE"
	}
	return ""
}
