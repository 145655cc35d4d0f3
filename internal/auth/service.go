package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/phonghop/phonghop/internal/audit"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is auth's schema; it refers to the directory's users and organizations.
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "auth", FS: sub}
}

// Session lifetimes.
const (
	SessionIdle    = 12 * time.Hour
	SessionMaximum = 7 * 24 * time.Hour
)

// Login throttling: failures counted over a window, per username and per client address.
const (
	FailureWindow      = 15 * time.Minute
	MaxFailuresPerUser = 5
	MaxFailuresPerAddr = 20
)

// Role is a system role.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleSecretary Role = "secretary"
	// RoleClerk (văn thư) keeps an organization's register of documents.
	RoleClerk Role = "clerk"
)

// RoleGrant is a role, held over one organization (nil for admin).
type RoleGrant struct {
	Role           Role   `json:"role"`
	OrganizationID *int64 `json:"organization_id"`
}

// Principal is who is making a request: the person, their roles and their session.
type Principal struct {
	directory.User
	Roles     []RoleGrant `json:"roles"`
	IsAdmin   bool        `json:"is_admin"`
	CSRFToken string      `json:"-"`
	sessionID string
}

// IsSecretaryOf reports whether p is a secretary of organization orgID (admins count as secretaries
// everywhere).
func (p *Principal) IsSecretaryOf(orgID int64) bool {
	if p.IsAdmin {
		return true
	}
	for _, r := range p.Roles {
		if r.Role == RoleSecretary && r.OrganizationID != nil && *r.OrganizationID == orgID {
			return true
		}
	}
	return false
}

// IsClerkOf reports whether p keeps organization orgID's register (administrators do everywhere).
func (p *Principal) IsClerkOf(orgID int64) bool {
	if p.IsAdmin {
		return true
	}
	for _, r := range p.Roles {
		if r.Role == RoleClerk && r.OrganizationID != nil && *r.OrganizationID == orgID {
			return true
		}
	}
	return false
}

// SecretaryOrganizations lists the organizations whose meetings p prepares.
func (p *Principal) SecretaryOrganizations() []int64 {
	var out []int64
	for _, r := range p.Roles {
		if r.Role == RoleSecretary && r.OrganizationID != nil {
			out = append(out, *r.OrganizationID)
		}
	}
	return out
}

// RoleOrganizations lists the organizations in which p holds a role.
func (p *Principal) RoleOrganizations() []int64 {
	var out []int64
	for _, r := range p.Roles {
		if r.OrganizationID != nil {
			out = append(out, *r.OrganizationID)
		}
	}
	return out
}

// Service manages accounts and sessions.
type Service struct {
	db *store.DB
	// sso is set by EnableSSO; passwordsAdminsOnly refuses local passwords to non-administrators.
	sso                 *SSO
	passwordsAdminsOnly bool
}

// NewService returns the auth service over db.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// NewAccount is what creating a user with a password needs.
type NewAccount struct {
	directory.User
	Password string      `json:"password"`
	Roles    []RoleGrant `json:"roles"`
}

// CreateAccount creates a person with a password and roles in one transaction.
// Errors: Invalid, Conflict (username taken).
func (s *Service) CreateAccount(ctx context.Context, a NewAccount) (directory.User, error) {
	if err := a.User.Validate(); err != nil {
		return a.User, err
	}
	if err := CheckPasswordPolicy("password", a.Password); err != nil {
		return a.User, err
	}
	for _, r := range a.Roles {
		if err := r.validate(); err != nil {
			return a.User, err
		}
	}
	hash, err := HashPassword(a.Password)
	if err != nil {
		return a.User, err
	}
	var u directory.User
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = directory.CreateUser(ctx, tx, a.User); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO credentials (user_id, password_hash, changed_at) VALUES (?, ?, ?)`, u.ID, hash, tx.Now()); err != nil {
			return err
		}
		for _, r := range a.Roles {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, organization_id) VALUES (?, ?, ?)`, u.ID, string(r.Role), r.OrganizationID); err != nil {
				if store.IsForeignKeyViolation(err) {
					return errs.Fieldf("roles", "Đơn vị của vai trò không tồn tại.", "The role's organization does not exist.")
				}
				if store.IsUniqueViolation(err) {
					return errs.Fieldf("roles", "Vai trò bị lặp.", "A role is listed twice.")
				}
				return err
			}
		}
		if u, err = directory.GetUser(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.AccountCreated, Object: "user:" + u.Username, Detail: map[string]any{"roles": a.Roles}})
	})
	return u, err
}

func (r RoleGrant) validate() error {
	switch r.Role {
	case RoleAdmin:
		if r.OrganizationID != nil {
			return errs.Fieldf("roles", "Vai trò quản trị không gắn với đơn vị.", "The admin role has no organization.")
		}
	case RoleSecretary, RoleClerk:
		if r.OrganizationID == nil {
			return errs.Fieldf("roles", "Vai trò thư ký hoặc văn thư cần một đơn vị.", "The secretary and clerk roles need an organization.")
		}
	default:
		return errs.Fieldf("roles", "Vai trò không hợp lệ (admin, secretary, clerk).", "Invalid role (admin, secretary, clerk).")
	}
	return nil
}

// SetPassword replaces a user's password (and signs out their other sessions, keeping keepSession).
// Errors: Invalid, NotFound.
func (s *Service) SetPassword(ctx context.Context, userID int64, pw string, keepSession string) error {
	if err := CheckPasswordPolicy("new_password", pw); err != nil {
		return err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := directory.GetUser(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO credentials (user_id, password_hash, changed_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, changed_at = excluded.changed_at`, userID, hash, tx.Now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keepSession); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.PasswordSet, Object: "user:" + strconv.FormatInt(userID, 10)})
	})
}

// ChangeOwnPassword checks the current password before setting a new one. Errors: Invalid, Forbidden.
func (s *Service) ChangeOwnPassword(ctx context.Context, p *Principal, current, next string) error {
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM credentials WHERE user_id = ?`, p.ID).Scan(&hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if !VerifyPassword(hash, current) {
		return &errs.Error{Code: errs.Invalid, Field: "current_password", Message: "Mật khẩu hiện tại không đúng.", MessageEN: "The current password is wrong."}
	}
	return s.SetPassword(ctx, p.ID, next, p.sessionID)
}

// ErrBadCredentials is the one answer for a wrong username or password.
var ErrBadCredentials = errs.E(errs.Unauthenticated, "Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")

// ErrTooManyAttempts is returned while a username or address is throttled.
var ErrTooManyAttempts = errs.E(errs.RateLimited, "Đăng nhập sai quá nhiều lần. Hãy thử lại sau 15 phút.", "Too many failed sign-ins. Try again in 15 minutes.")

// Login checks a username and password and opens a session. It returns the cookie value (shown to
// the client once, stored only as a hash) and the principal. Errors: Unauthenticated, RateLimited.
func (s *Service) Login(ctx context.Context, username, password, remoteAddr, userAgent string) (string, *Principal, error) {
	now := s.db.Now()
	since := now.Add(-FailureWindow)
	var byUser, byAddr int
	if err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM login_failures WHERE username = ? AND at > ?),
		(SELECT COUNT(*) FROM login_failures WHERE remote_addr = ? AND at > ?)`,
		username, since, remoteAddr, since).Scan(&byUser, &byAddr); err != nil {
		return "", nil, err
	}
	if byUser >= MaxFailuresPerUser || byAddr >= MaxFailuresPerAddr {
		return "", nil, ErrTooManyAttempts
	}
	var userID int64
	var hash string
	var active bool
	err := s.db.QueryRowContext(ctx, `SELECT u.id, c.password_hash, u.active FROM users u JOIN credentials c ON c.user_id = u.id WHERE u.username = ?`,
		username).Scan(&userID, &hash, &active)
	if errors.Is(err, sql.ErrNoRows) {
		hash = dummyHash
	} else if err != nil {
		return "", nil, err
	}
	ok := VerifyPassword(hash, password) && userID != 0 && active
	if ok && s.passwordsAdminsOnly {
		if ok, err = s.isAdmin(ctx, userID); err != nil {
			return "", nil, err
		}
		if !ok {
			return "", nil, ErrPasswordsAdminsOnly
		}
	}
	if !ok {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO login_failures (username, remote_addr, at) VALUES (?, ?, ?)`, username, remoteAddr, now); err != nil {
			return "", nil, err
		}
		if err := audit.Write(ctx, s.db, audit.Entry{Action: audit.SignInFailed, Object: "user:" + username, ActorName: username}); err != nil {
			return "", nil, err
		}
		return "", nil, ErrBadCredentials
	}
	token, p, err := s.StartSession(ctx, userID, remoteAddr, userAgent)
	if err != nil {
		return "", nil, err
	}
	// A successful sign-in clears the username's failures; the address's stay.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE username = ?`, username); err != nil {
		return "", nil, err
	}
	return token, p, nil
}

// StartSession opens a session for a person whose identity is already established (by password
// in Login; by a province's single sign-on later). It returns the cookie value, shown once and
// stored only as a hash, and the principal.
func (s *Service) StartSession(ctx context.Context, userID int64, remoteAddr, userAgent string) (string, *Principal, error) {
	return s.startSession(ctx, userID, remoteAddr, userAgent, nil)
}

// startSession opens a session; also, when not nil, runs in the same transaction (single sign-on
// records the provider's side of the session with it).
func (s *Service) startSession(ctx context.Context, userID int64, remoteAddr, userAgent string, also func(tx *store.Tx, sessionHash string) error) (string, *Principal, error) {
	token := randomToken(32)
	csrf := randomToken(24)
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		t := tx.Now()
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, user_agent, remote_addr)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hashToken(token), userID, csrf, t, t, t.Add(SessionMaximum), userAgent, remoteAddr)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: audit.SignIn, ActorID: userID, Object: "user:" + strconv.FormatInt(userID, 10)}); err != nil {
			return err
		}
		if also == nil {
			return nil
		}
		return also(tx, hashToken(token))
	})
	if err != nil {
		return "", nil, err
	}
	p, err := s.principal(ctx, s.db.Reader(), userID)
	if err != nil {
		return "", nil, err
	}
	p.CSRFToken, p.sessionID = csrf, hashToken(token)
	return token, p, nil
}

// Authenticate resolves a session cookie to its principal and slides the idle expiry.
// Errors: Unauthenticated (unknown, expired or for a deactivated user).
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" || len(token) > 128 {
		return nil, errs.ErrUnauthenticated
	}
	h := hashToken(token)
	var userID int64
	var csrf string
	var created, lastSeen, expires store.Time
	var provider, refresh sql.NullString
	var checked store.Time
	err := s.db.QueryRowContext(ctx, `SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, ps.provider, ps.refresh_token, ps.checked_at
		FROM sessions s LEFT JOIN provider_sessions ps ON ps.session_hash = s.token_hash WHERE s.token_hash = ?`, h).
		Scan(&userID, &csrf, &created, &lastSeen, &expires, &provider, &refresh, &checked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	if now.After(expires.Time) || now.Sub(lastSeen.Time) > SessionIdle {
		_, _ = s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, h)
		return nil, errs.E(errs.Unauthenticated, "Phiên làm việc đã hết hạn. Hãy đăng nhập lại.", "Your session has expired. Please sign in again.")
	}
	if provider.Valid {
		if err := s.checkProvider(ctx, h, provider.String, refresh.String, checked); err != nil {
			return nil, err
		}
	}
	// Writing last_seen on every request would make each read a write; once a minute is enough
	// for a 12-hour idle limit.
	if now.Sub(lastSeen.Time) > time.Minute {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, now, h); err != nil {
			return nil, err
		}
	}
	p, err := s.principal(ctx, s.db.Reader(), userID)
	if err != nil {
		return nil, err
	}
	if !p.Active {
		return nil, errs.ErrUnauthenticated
	}
	p.CSRFToken, p.sessionID = csrf, h
	return p, nil
}

// Logout ends the principal's session.
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, p.sessionID)
	return err
}

// PurgeExpired deletes expired sessions and old login failures; serve calls it periodically.
func (s *Service) PurgeExpired(ctx context.Context) error {
	now := s.db.Now()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, now, now.Add(-SessionIdle)); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sso_logins WHERE expires_at < ?`, now); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE at < ?`, now.Add(-FailureWindow))
	return err
}

func (s *Service) principal(ctx context.Context, q store.Querier, userID int64) (*Principal, error) {
	u, err := directory.GetUser(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	p := &Principal{User: u, Roles: []RoleGrant{}}
	rows, err := q.QueryContext(ctx, `SELECT role, organization_id FROM user_roles WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r RoleGrant
		var org sql.NullInt64
		if err := rows.Scan(&r.Role, &org); err != nil {
			return nil, err
		}
		if org.Valid {
			r.OrganizationID = &org.Int64
		}
		if r.Role == RoleAdmin {
			p.IsAdmin = true
		}
		p.Roles = append(p.Roles, r)
	}
	return p, rows.Err()
}

// Principal loads a user with their roles (no session); used by tools and other services.
func (s *Service) Principal(ctx context.Context, userID int64) (*Principal, error) {
	return s.principal(ctx, s.db.Reader(), userID)
}

// SecretKey returns the named key, creating a random one of n bytes the first time. Every node
// reads the same key from the database.
func (s *Service) SecretKey(ctx context.Context, name string, n int) ([]byte, error) {
	var key []byte
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&key)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		key = make([]byte, n)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, name, key, tx.Now())
		if err != nil {
			return err
		}
		// Another node may have won the race; read back whichever key was stored.
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&key)
	})
	if err != nil {
		return nil, fmt.Errorf("auth: secret %s: %w", name, err)
	}
	return key, nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // the OS has no entropy: nothing is safe
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}
