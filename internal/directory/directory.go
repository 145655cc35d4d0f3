// Package directory owns the organization tree (province, departments, districts, communes), the
// meeting points (điểm cầu) that belong to organizations, and the people who work in them.
// Accounts (passwords, sessions, roles) are internal/auth's; a person here may have none.
package directory

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the directory's schema.
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "directory", FS: sub}
}

// Level is an organization's place in the administrative tree.
type Level string

const (
	Province   Level = "province"
	Department Level = "department"
	District   Level = "district"
	Commune    Level = "commune"
)

func (l Level) valid() bool {
	switch l {
	case Province, Department, District, Commune:
		return true
	}
	return false
}

// Organization is a body that holds meetings and issues documents.
type Organization struct {
	ID           int64     `json:"id"`
	ParentID     *int64    `json:"parent_id"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	Abbreviation string    `json:"abbreviation"` // used in document symbols, e.g. UBND, HĐND, VP
	Level        Level     `json:"level"`
	CreatedAt    time.Time `json:"created_at"`
}

// MeetingPoint is a place that joins online meetings.
type MeetingPoint struct {
	ID             int64     `json:"id"`
	OrganizationID int64     `json:"organization_id"`
	Code           string    `json:"code"`
	Name           string    `json:"name"`
	Location       string    `json:"location"`
	CreatedAt      time.Time `json:"created_at"`
}

// User is a person in an organization.
type User struct {
	ID               int64     `json:"id"`
	Username         string    `json:"username"`
	FullName         string    `json:"full_name"`
	Title            string    `json:"title"`
	OrganizationID   int64     `json:"organization_id"`
	OrganizationName string    `json:"organization_name"`
	Active           bool      `json:"active"`
	CreatedAt        time.Time `json:"created_at"`
}

// Directory reads and writes organizations, meeting points and people.
type Directory struct{ db *store.DB }

// New returns a Directory over db.
func New(db *store.DB) *Directory { return &Directory{db: db} }

func required(field, value string, max int) error {
	if strings.TrimSpace(value) == "" {
		return errs.Fieldf(field, "Trường này là bắt buộc.", "This field is required.")
	}
	if utf8.RuneCountInString(value) > max {
		return errs.Fieldf(field, "Tối đa %d ký tự.", "At most %d characters.", max)
	}
	return nil
}

// codeOK accepts short identifiers: letters, digits, '-', '_' and '.'.
func codeOK(field, code string) error {
	if err := required(field, code, 64); err != nil {
		return err
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return errs.Fieldf(field, "Mã chỉ gồm chữ không dấu, chữ số và các ký tự - _ .", "Codes may contain only ASCII letters, digits and - _ .")
		}
	}
	return nil
}

// Validate checks an organization before it is created.
func (o *Organization) Validate() error {
	o.Code, o.Name, o.Abbreviation = strings.TrimSpace(o.Code), strings.TrimSpace(o.Name), strings.TrimSpace(o.Abbreviation)
	if err := codeOK("code", o.Code); err != nil {
		return err
	}
	if err := required("name", o.Name, 255); err != nil {
		return err
	}
	if err := required("abbreviation", o.Abbreviation, 32); err != nil {
		return err
	}
	if strings.ContainsAny(o.Abbreviation, "/ ") {
		return errs.Fieldf("abbreviation", "Chữ viết tắt không được chứa dấu cách hoặc '/'.", "The abbreviation may not contain spaces or '/'.")
	}
	if !o.Level.valid() {
		return errs.Fieldf("level", "Cấp không hợp lệ (province, department, district, commune).", "Invalid level (province, department, district, commune).")
	}
	if o.Level == Province && o.ParentID != nil {
		return errs.Fieldf("parent_id", "Cấp tỉnh không có đơn vị cấp trên.", "A province has no parent.")
	}
	if o.Level != Province && o.ParentID == nil {
		return errs.Fieldf("parent_id", "Hãy chọn đơn vị cấp trên.", "Choose the parent organization.")
	}
	return nil
}

var errDupCode = func(field string) error {
	return &errs.Error{Code: errs.Conflict, Field: field, Message: "Mã này đã được dùng.", MessageEN: "This code is already in use."}
}

// CreateOrganization adds an organization. Errors: Invalid, Conflict (duplicate code).
func (d *Directory) CreateOrganization(ctx context.Context, o Organization) (Organization, error) {
	if err := o.Validate(); err != nil {
		return Organization{}, err
	}
	err := d.db.InTx(ctx, func(tx *store.Tx) error {
		if o.ParentID != nil {
			if _, err := getOrganization(ctx, tx, *o.ParentID); err != nil {
				if errs.CodeOf(err) == errs.NotFound {
					return errs.Fieldf("parent_id", "Đơn vị cấp trên không tồn tại.", "The parent organization does not exist.")
				}
				return err
			}
		}
		o.CreatedAt = tx.Now()
		return tx.QueryRowContext(ctx, `INSERT INTO organizations (parent_id, code, name, abbreviation, level, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, o.ParentID, o.Code, o.Name, o.Abbreviation, string(o.Level), o.CreatedAt).Scan(&o.ID)
	})
	if store.IsUniqueViolation(err) {
		return Organization{}, errDupCode("code")
	}
	return o, err
}

const orgColumns = `id, parent_id, code, name, abbreviation, level, created_at`

func scanOrganization(row interface{ Scan(...any) error }) (Organization, error) {
	var o Organization
	var parent sql.NullInt64
	var created store.Time
	var level string
	if err := row.Scan(&o.ID, &parent, &o.Code, &o.Name, &o.Abbreviation, &level, &created); err != nil {
		return o, err
	}
	if parent.Valid {
		o.ParentID = &parent.Int64
	}
	o.Level, o.CreatedAt = Level(level), created.Time
	return o, nil
}

func getOrganization(ctx context.Context, q store.Querier, id int64) (Organization, error) {
	o, err := scanOrganization(q.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, errs.E(errs.NotFound, "Không tìm thấy đơn vị.", "Organization not found.")
	}
	return o, err
}

// Organization returns one organization. Errors: NotFound.
func (d *Directory) Organization(ctx context.Context, id int64) (Organization, error) {
	return getOrganization(ctx, d.db.Reader(), id)
}

// OrganizationByCode returns the organization with the given code. Errors: NotFound.
func (d *Directory) OrganizationByCode(ctx context.Context, code string) (Organization, error) {
	o, err := scanOrganization(d.db.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organizations WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return o, errs.E(errs.NotFound, "Không tìm thấy đơn vị.", "Organization not found.")
	}
	return o, err
}

// Organizations lists every organization as a tree, depth first, siblings by level then name.
func (d *Directory) Organizations(ctx context.Context) ([]Organization, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+orgColumns+` FROM organizations ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []Organization
	for rows.Next() {
		o, err := scanOrganization(rows)
		if err != nil {
			return nil, err
		}
		all = append(all, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return depthFirst(all), nil
}

// depthFirst orders organizations as a tree walk: each parent before its children.
func depthFirst(all []Organization) []Organization {
	children := map[int64][]Organization{}
	known := map[int64]bool{}
	for _, o := range all {
		known[o.ID] = true
	}
	var roots []Organization
	for _, o := range all {
		if o.ParentID == nil || !known[*o.ParentID] {
			roots = append(roots, o)
		} else {
			children[*o.ParentID] = append(children[*o.ParentID], o)
		}
	}
	// Siblings: province bodies, then departments, districts and communes, each by Vietnamese
	// collation (byte order would put "Văn phòng" after every "UBND").
	coll := collate.New(language.Vietnamese)
	rank := map[Level]int{Province: 0, Department: 1, District: 2, Commune: 3}
	byLevelAndName := func(list []Organization) {
		sort.SliceStable(list, func(i, j int) bool {
			if rank[list[i].Level] != rank[list[j].Level] {
				return rank[list[i].Level] < rank[list[j].Level]
			}
			return coll.CompareString(list[i].Name, list[j].Name) < 0
		})
	}
	byLevelAndName(roots)
	for id := range children {
		byLevelAndName(children[id])
	}
	out := make([]Organization, 0, len(all))
	var walk func(o Organization)
	walk = func(o Organization) {
		out = append(out, o)
		for _, c := range children[o.ID] {
			walk(c)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return out
}

// OrganizationsByID returns the organizations with the given IDs (unknown ones are left out).
func (d *Directory) OrganizationsByID(ctx context.Context, ids []int64) ([]Organization, error) {
	all, err := d.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []Organization
	for _, o := range all {
		if want[o.ID] {
			out = append(out, o)
		}
	}
	return out, nil
}

// Validate checks a meeting point before it is created.
func (p *MeetingPoint) Validate() error {
	p.Code, p.Name, p.Location = strings.TrimSpace(p.Code), strings.TrimSpace(p.Name), strings.TrimSpace(p.Location)
	if err := codeOK("code", p.Code); err != nil {
		return err
	}
	if err := required("name", p.Name, 255); err != nil {
		return err
	}
	if utf8.RuneCountInString(p.Location) > 500 {
		return errs.Fieldf("location", "Tối đa %d ký tự.", "At most %d characters.", 500)
	}
	if p.OrganizationID <= 0 {
		return errs.Fieldf("organization_id", "Hãy chọn đơn vị.", "Choose an organization.")
	}
	return nil
}

// CreateMeetingPoint adds a meeting point. Errors: Invalid, Conflict (duplicate code).
func (d *Directory) CreateMeetingPoint(ctx context.Context, p MeetingPoint) (MeetingPoint, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := d.db.InTx(ctx, func(tx *store.Tx) error {
		p.CreatedAt = tx.Now()
		return tx.QueryRowContext(ctx, `INSERT INTO meeting_points (organization_id, code, name, location, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, p.OrganizationID, p.Code, p.Name, p.Location, p.CreatedAt).Scan(&p.ID)
	})
	switch {
	case store.IsUniqueViolation(err):
		return p, errDupCode("code")
	case store.IsForeignKeyViolation(err):
		return p, errs.Fieldf("organization_id", "Đơn vị không tồn tại.", "The organization does not exist.")
	}
	return p, err
}

// MeetingPoints lists meeting points, of one organization when orgID > 0.
func (d *Directory) MeetingPoints(ctx context.Context, orgID int64) ([]MeetingPoint, error) {
	q := `SELECT id, organization_id, code, name, location, created_at FROM meeting_points`
	var args []any
	if orgID > 0 {
		q += ` WHERE organization_id = ?`
		args = append(args, orgID)
	}
	rows, err := d.db.QueryContext(ctx, q+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MeetingPoint
	for rows.Next() {
		var p MeetingPoint
		var created store.Time
		if err := rows.Scan(&p.ID, &p.OrganizationID, &p.Code, &p.Name, &p.Location, &created); err != nil {
			return nil, err
		}
		p.CreatedAt = created.Time
		out = append(out, p)
	}
	return out, rows.Err()
}

// Validate checks a person before they are created.
func (u *User) Validate() error {
	u.Username, u.FullName, u.Title = strings.ToLower(strings.TrimSpace(u.Username)), strings.TrimSpace(u.FullName), strings.TrimSpace(u.Title)
	if err := required("username", u.Username, 64); err != nil {
		return err
	}
	for _, r := range u.Username {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return errs.Fieldf("username", "Tên đăng nhập chỉ gồm chữ thường không dấu, chữ số và . _ -", "Usernames may contain only lowercase ASCII letters, digits and . _ -")
		}
	}
	if err := required("full_name", u.FullName, 255); err != nil {
		return err
	}
	if utf8.RuneCountInString(u.Title) > 255 {
		return errs.Fieldf("title", "Tối đa %d ký tự.", "At most %d characters.", 255)
	}
	if u.OrganizationID <= 0 {
		return errs.Fieldf("organization_id", "Hãy chọn đơn vị.", "Choose an organization.")
	}
	return nil
}

// CreateUser adds a person inside tx (so an account can be created with them atomically).
// Errors: Invalid, Conflict (username taken).
func CreateUser(ctx context.Context, tx *store.Tx, u User) (User, error) {
	if err := u.Validate(); err != nil {
		return u, err
	}
	u.Active, u.CreatedAt = true, tx.Now()
	err := tx.QueryRowContext(ctx, `INSERT INTO users (username, full_name, title, organization_id, active, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, u.Username, u.FullName, u.Title, u.OrganizationID, u.Active, u.CreatedAt).Scan(&u.ID)
	switch {
	case store.IsUniqueViolation(err):
		return u, &errs.Error{Code: errs.Conflict, Field: "username", Message: "Tên đăng nhập đã được dùng.", MessageEN: "This username is taken."}
	case store.IsForeignKeyViolation(err):
		return u, errs.Fieldf("organization_id", "Đơn vị không tồn tại.", "The organization does not exist.")
	case err != nil:
		return u, fmt.Errorf("directory: create user: %w", err)
	}
	return u, nil
}

const userColumns = `u.id, u.username, u.full_name, u.title, u.organization_id, o.name, u.active, u.created_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var created store.Time
	err := row.Scan(&u.ID, &u.Username, &u.FullName, &u.Title, &u.OrganizationID, &u.OrganizationName, &u.Active, &created)
	u.CreatedAt = created.Time
	return u, err
}

// UserByID returns a person. Errors: NotFound.
func (d *Directory) UserByID(ctx context.Context, id int64) (User, error) {
	return GetUser(ctx, d.db.Reader(), id)
}

// GetUser returns a person through q (a DB or a transaction). Errors: NotFound.
func GetUser(ctx context.Context, q store.Querier, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, errs.E(errs.NotFound, "Không tìm thấy người dùng.", "User not found.")
	}
	return u, err
}

// Users lists people, of the given organizations when orgIDs is not nil.
func (d *Directory) Users(ctx context.Context, orgIDs []int64) ([]User, error) {
	q := `SELECT ` + userColumns + ` FROM users u JOIN organizations o ON o.id = u.organization_id`
	var args []any
	if orgIDs != nil {
		if len(orgIDs) == 0 {
			return []User{}, nil
		}
		q += ` WHERE u.organization_id IN (?` + strings.Repeat(",?", len(orgIDs)-1) + `)`
		for _, id := range orgIDs {
			args = append(args, id)
		}
	}
	rows, err := d.db.QueryContext(ctx, q+` ORDER BY o.name, u.full_name, u.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
