package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/store"
)

var errNoRows = sql.ErrNoRows

func claimString(claims map[string]any, name string) string {
	if name == "" {
		return ""
	}
	s, _ := claims[name].(string)
	return strings.TrimSpace(s)
}

// account finds the person the provider vouched for by (issuer, subject), creating them on their
// first sign-in, and brings their name, title and organization up to the provider's claims. The
// organization claim must name an organization of the directory by its code.
func (x *SSO) account(ctx context.Context, cfg ProviderConfig, issuer, subject string, claims map[string]any) (int64, error) {
	orgCode := claimString(claims, cfg.ClaimOrg)
	var orgID int64
	if cfg.ClaimOrg != "" {
		if orgCode == "" {
			return 0, ssoErr("organization", "the provider sent no %s claim for subject %q", cfg.ClaimOrg, subject)
		}
		err := x.svc.db.QueryRowContext(ctx, `SELECT id FROM organizations WHERE code = ?`, orgCode).Scan(&orgID)
		if errors.Is(err, errNoRows) {
			return 0, ssoErr("organization", "claim %s=%q names no organization of the directory", cfg.ClaimOrg, orgCode)
		}
		if err != nil {
			return 0, err
		}
	}
	name := claimString(claims, cfg.ClaimName)
	if name == "" {
		name = claimString(claims, "preferred_username")
	}
	if name == "" {
		return 0, ssoErr("userinfo", "the provider sent no %s claim for subject %q", cfg.ClaimName, subject)
	}
	title := claimString(claims, cfg.ClaimTitle)
	var userID int64
	err := x.svc.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM external_identities WHERE issuer = ? AND subject = ?`, issuer, subject).Scan(&userID)
		if err == nil {
			u, err := directory.GetUser(ctx, tx, userID)
			if err != nil {
				return err
			}
			if !u.Active {
				return ssoErr("account", "user %d (subject %q) is deactivated in phonghop", userID, subject)
			}
			u.FullName, u.Title = name, title
			if orgID != 0 {
				u.OrganizationID = orgID
			}
			if err := directory.UpdateProfile(ctx, tx, u); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE external_identities SET last_login_at = ? WHERE user_id = ? AND issuer = ?`, tx.Now(), userID, issuer)
			return err
		}
		if !errors.Is(err, errNoRows) {
			return err
		}
		if orgID == 0 {
			return ssoErr("organization", "no organization claim is configured, so subject %q cannot be given an organization", subject)
		}
		username, err := freeUsername(ctx, tx, cfg.Name, claimString(claims, "preferred_username"), issuer, subject)
		if err != nil {
			return err
		}
		u, err := directory.CreateUser(ctx, tx, directory.User{Username: username, FullName: name, Title: title, OrganizationID: orgID})
		if err != nil {
			return err
		}
		userID = u.ID
		_, err = tx.ExecContext(ctx, `INSERT INTO external_identities (user_id, provider, issuer, subject, created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?)`,
			userID, cfg.Name, issuer, subject, tx.Now(), tx.Now())
		return err
	})
	return userID, err
}

// freeUsername makes a username for a provider account: the provider's name and the person's
// preferred username ("tinh.nguyenvana"), so it never takes a local account's name; when that is
// unusable or taken, a digest of the subject stands in for the preferred username.
func freeUsername(ctx context.Context, tx *store.Tx, provider, preferred, issuer, subject string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToLower(preferred) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	sum := sha256.Sum256([]byte(issuer + "\x00" + subject))
	candidates := []string{strings.ToLower(provider) + "." + b.String(), strings.ToLower(provider) + "." + hex.EncodeToString(sum[:6])}
	if b.Len() == 0 || len(candidates[0]) > 64 {
		candidates = candidates[1:]
	}
	for _, c := range candidates {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username = ?`, c).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return c, nil
		}
	}
	return "", fmt.Errorf("auth: no free username for subject %q of %s", subject, issuer)
}

// AccountSource says how a person signs in: with a local password, through a provider, both or
// neither (a person invited to meetings without an account).
type AccountSource struct {
	LocalPassword bool   `json:"local_password"`
	Provider      string `json:"provider"` // configured provider name; "" for none
}

// AccountSources returns how each person with an account signs in, by user id.
func (s *Service) AccountSources(ctx context.Context) (map[int64]AccountSource, error) {
	out := map[int64]AccountSource{}
	rows, err := s.db.QueryContext(ctx, `SELECT user_id, '' FROM credentials UNION ALL SELECT user_id, provider FROM external_identities`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var prov string
		if err := rows.Scan(&id, &prov); err != nil {
			return nil, err
		}
		a := out[id]
		if prov == "" {
			a.LocalPassword = true
		} else {
			a.Provider = prov
		}
		out[id] = a
	}
	return out, rows.Err()
}
