package auth_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

func migrations() []store.Migrations {
	return []store.Migrations{directory.Migrations(), auth.Migrations()}
}

func TestAccountsAndSessions(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		dir := directory.New(db)
		s := auth.NewService(db)
		org, err := dir.CreateOrganization(ctx, directory.Organization{Code: "T", Name: "UBND tỉnh", Abbreviation: "UBND", Level: directory.Province})
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.CreateAccount(ctx, auth.NewAccount{
			User:     directory.User{Username: "ThuKy", FullName: "Nguyễn Thị Lan", Title: "Thư ký", OrganizationID: org.ID},
			Password: "mat-khau-dai-1",
			Roles:    []auth.RoleGrant{{Role: auth.RoleSecretary, OrganizationID: &org.ID}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "thuky" || u.OrganizationName != "UBND tỉnh" {
			t.Fatalf("created user %+v", u)
		}

		// Bad input changes nothing.
		bad := []auth.NewAccount{
			{User: directory.User{Username: "thuky", FullName: "X", OrganizationID: org.ID}, Password: "mat-khau-dai-1"},                                          // duplicate
			{User: directory.User{Username: "short", FullName: "X", OrganizationID: org.ID}, Password: "ngan"},                                                    // short password
			{User: directory.User{Username: "Có dấu", FullName: "X", OrganizationID: org.ID}, Password: "mat-khau-dai-1"},                                         // bad username
			{User: directory.User{Username: "norole", FullName: "X", OrganizationID: org.ID}, Password: "mat-khau-dai-1", Roles: []auth.RoleGrant{{Role: "god"}}}, // bad role
			{User: directory.User{Username: "noorg", FullName: "X", OrganizationID: 999}, Password: "mat-khau-dai-1"},                                             // unknown org
		}
		wantCodes := []errs.Code{errs.Conflict, errs.Invalid, errs.Invalid, errs.Invalid, errs.Invalid}
		for i, a := range bad {
			if _, err := s.CreateAccount(ctx, a); errs.CodeOf(err) != wantCodes[i] {
				t.Errorf("bad account %d: err = %v, want code %s", i, err, wantCodes[i])
			}
		}
		users, err := dir.Users(ctx, nil)
		if err != nil || len(users) != 1 {
			t.Fatalf("after bad input there are %d users (%v), want 1", len(users), err)
		}

		if _, _, err := s.Login(ctx, "thuky", "sai-mat-khau", "10.0.0.1", "test"); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, "khongco", "sai-mat-khau", "10.0.0.1", "test"); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("unknown user: %v", err)
		}
		token, p, err := s.Login(ctx, "thuky", "mat-khau-dai-1", "10.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		if p.IsAdmin || !p.IsSecretaryOf(org.ID) || p.IsSecretaryOf(org.ID+1) || p.CSRFToken == "" {
			t.Fatalf("principal %+v", p)
		}
		p2, err := s.Authenticate(ctx, token)
		if err != nil || p2.ID != u.ID || p2.CSRFToken != p.CSRFToken {
			t.Fatalf("Authenticate: %+v %v", p2, err)
		}
		if _, err := s.Authenticate(ctx, token+"x"); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("forged token: %v", err)
		}

		// Idle expiry: 11 hours is fine (and slides), then 13 hours idle is not.
		clock = clock.Add(11 * time.Hour)
		if _, err := s.Authenticate(ctx, token); err != nil {
			t.Fatalf("after 11h: %v", err)
		}
		clock = clock.Add(13 * time.Hour)
		if _, err := s.Authenticate(ctx, token); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("after 13h idle: %v", err)
		}

		// Changing the password signs out other sessions but keeps the current one.
		t1, _, _ := s.Login(ctx, "thuky", "mat-khau-dai-1", "10.0.0.1", "a")
		t2, p3, _ := s.Login(ctx, "thuky", "mat-khau-dai-1", "10.0.0.1", "b")
		if err := s.ChangeOwnPassword(ctx, p3, "sai", "mat-khau-moi-22"); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("wrong current password: %v", err)
		}
		if err := s.ChangeOwnPassword(ctx, p3, "mat-khau-dai-1", "mat-khau-moi-22"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, t1); err == nil {
			t.Fatal("other session survived a password change")
		}
		if _, err := s.Authenticate(ctx, t2); err != nil {
			t.Fatalf("current session ended by its own password change: %v", err)
		}
		if err := s.Logout(ctx, p3); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, t2); err == nil {
			t.Fatal("session survived logout")
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		org, _ := directory.New(db).CreateOrganization(ctx, directory.Organization{Code: "T", Name: "UBND", Abbreviation: "UBND", Level: directory.Province})
		s := auth.NewService(db)
		if _, err := s.CreateAccount(ctx, auth.NewAccount{User: directory.User{Username: "a", FullName: "A", OrganizationID: org.ID}, Password: "mat-khau-dai-1"}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < auth.MaxFailuresPerUser; i++ {
			if _, _, err := s.Login(ctx, "a", "wrong-password", "10.0.0.2", ""); errs.CodeOf(err) != errs.Unauthenticated {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		// Now even the right password is refused until the window passes.
		if _, _, err := s.Login(ctx, "a", "mat-khau-dai-1", "10.0.0.3", ""); errs.CodeOf(err) != errs.RateLimited {
			t.Fatalf("throttled login: %v", err)
		}
		clock = clock.Add(auth.FailureWindow + time.Second)
		if _, _, err := s.Login(ctx, "a", "mat-khau-dai-1", "10.0.0.3", ""); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestSecretKeyIsStable(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		s := auth.NewService(db)
		k1, err := s.SecretKey(context.Background(), "media", 32)
		if err != nil || len(k1) != 32 {
			t.Fatalf("%v %d", err, len(k1))
		}
		k2, _ := s.SecretKey(context.Background(), "media", 32)
		if !bytes.Equal(k1, k2) {
			t.Fatal("second read made a new key")
		}
	})
}

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("Mật khẩu tiếng Việt")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.VerifyPassword(h, "Mật khẩu tiếng Việt") || auth.VerifyPassword(h, "Mat khau tieng Viet") {
		t.Fatal("verify disagrees with hash")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", h[:len(h)-3]} {
		if auth.VerifyPassword(bad, "x") {
			t.Fatalf("malformed hash %q verified", bad)
		}
	}
}
