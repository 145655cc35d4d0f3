package auth_test

import (
	"context"
	"testing"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// With local passwords kept for administrators, a correct password of anyone else opens no
// session, and says why; administrators still sign in.
func TestPasswordsForAdministratorsOnly(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir, s := directory.New(db), auth.NewService(db)
		org, err := dir.CreateOrganization(ctx, directory.Organization{Code: "T", Name: "UBND tỉnh", Abbreviation: "UBND", Level: directory.Province})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []auth.NewAccount{
			{User: directory.User{Username: "quantri", FullName: "Quản trị", OrganizationID: org.ID}, Password: "mat-khau-quantri", Roles: []auth.RoleGrant{{Role: auth.RoleAdmin}}},
			{User: directory.User{Username: "chuyenvien", FullName: "Chuyên viên", OrganizationID: org.ID}, Password: "mat-khau-chuyenvien"},
		} {
			if _, err := s.CreateAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := s.Login(ctx, "chuyenvien", "mat-khau-chuyenvien", "10.0.0.1", ""); err != nil {
			t.Fatalf("before the setting: %v", err)
		}
		if _, err := s.EnableSSO(auth.SSOConfig{PasswordsAdminsOnly: true}); err != nil {
			t.Fatal(err)
		}
		var sessions int
		_ = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&sessions)
		_, _, err = s.Login(ctx, "chuyenvien", "mat-khau-chuyenvien", "10.0.0.1", "")
		if errs.CodeOf(err) != errs.Forbidden || err != auth.ErrPasswordsAdminsOnly {
			t.Fatalf("non-administrator's password: %v", err)
		}
		var after int
		_ = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&after)
		if after != sessions {
			t.Fatalf("sessions %d → %d", sessions, after)
		}
		// A wrong password is still the one answer for wrong credentials.
		if _, _, err := s.Login(ctx, "chuyenvien", "sai-mat-khau", "10.0.0.1", ""); err != auth.ErrBadCredentials {
			t.Fatalf("wrong password: %v", err)
		}
		if _, p, err := s.Login(ctx, "quantri", "mat-khau-quantri", "10.0.0.1", ""); err != nil || !p.IsAdmin {
			t.Fatalf("administrator: %v", err)
		}
		src, err := s.AccountSources(ctx)
		if err != nil || len(src) != 2 {
			t.Fatalf("sources %v %v", src, err)
		}
		for id, a := range src {
			if !a.LocalPassword || a.Provider != "" {
				t.Errorf("user %d: %+v", id, a)
			}
		}
	})
}

func TestSSOConfigRefused(t *testing.T) {
	db := storetest.OpenSQLite(t, migrations()...)
	s := auth.NewService(db)
	good := auth.ProviderConfig{Name: "tinh", Issuer: "https://sso.example", ClientID: "phonghop", RedirectURL: "https://phonghop.example/api/auth/sso/tinh/callback"}
	noIssuer := good
	noIssuer.Issuer = ""
	for name, ps := range map[string][]auth.ProviderConfig{"twice": {good, good}, "no issuer": {noIssuer}} {
		if _, err := s.EnableSSO(auth.SSOConfig{Providers: ps}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	x, err := s.EnableSSO(auth.SSOConfig{Providers: []auth.ProviderConfig{good}})
	if err != nil || len(x.Providers()) != 1 || x.Providers()[0].DisplayName != "tinh" {
		t.Fatalf("%v %+v", err, x)
	}
}
