package followup

import (
	"embed"
	"io/fs"

	"github.com/phonghop/phonghop/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the tasks' schema (after meetings and the session's records).
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "followup", FS: sub}
}
