package main

import (
	"strings"
	"testing"
	"time"
)

func TestSSOConfig(t *testing.T) {
	c := defaultConfig()
	if err := c.Validate(); err != nil || c.SSO.LocalPasswords != "all" || len(c.SSO.Providers) != 0 {
		t.Fatalf("defaults: %v %+v", err, c.SSO)
	}
	env := []string{
		"PHONGHOP_OIDC_PROVIDERS=tinh, sogd",
		"PHONGHOP_OIDC_TINH_ISSUER=https://sso.thanhhoa.gov.vn",
		"PHONGHOP_OIDC_TINH_CLIENT_ID=phonghop",
		"PHONGHOP_OIDC_TINH_CLIENT_SECRET=bi-mat",
		"PHONGHOP_OIDC_TINH_REDIRECT_URL=https://phonghop.thanhhoa.gov.vn/api/auth/sso/tinh/callback",
		"PHONGHOP_OIDC_TINH_SCOPES=openid profile offline_access org",
		"PHONGHOP_OIDC_TINH_CLAIM_ORG=ma_don_vi",
		"PHONGHOP_OIDC_TINH_DISPLAY_NAME=Cổng dịch vụ công tỉnh",
		"PHONGHOP_OIDC_SOGD_ISSUER=https://id.sogd.example",
		"PHONGHOP_OIDC_SOGD_CLIENT_ID=ph",
		"PHONGHOP_OIDC_SOGD_REDIRECT_URL=https://phonghop.thanhhoa.gov.vn/api/auth/sso/sogd/callback",
		"PHONGHOP_OIDC_REFRESH_INTERVAL=5m",
		"PHONGHOP_OIDC_LOCAL_PASSWORDS=admins",
	}
	c = defaultConfig()
	if err := c.fromEnv(env); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	p := c.SSO.Providers
	if len(p) != 2 || p[0].Name != "tinh" || p[0].ClaimOrg != "ma_don_vi" || p[0].ClaimTitle != "title" || len(p[0].Scopes) != 4 ||
		p[0].DisplayName != "Cổng dịch vụ công tỉnh" || p[1].ClaimOrg != "org_code" || c.SSO.RefreshInterval != 5*time.Minute || c.SSO.LocalPasswords != "admins" {
		t.Fatalf("parsed %+v", c.SSO)
	}

	for _, bad := range []struct {
		env  []string
		want string
	}{
		{[]string{"PHONGHOP_OIDC_TINH_ISSUER=https://x"}, "PHONGHOP_OIDC_TINH_ISSUER"}, // provider not listed
		{append(env[:5:5], "PHONGHOP_OIDC_TINH_ISUER=https://x"), "PHONGHOP_OIDC_TINH_ISUER"},
		{[]string{"PHONGHOP_OIDC_PROVIDERS=Tỉnh"}, "lowercase"},
		{[]string{"PHONGHOP_OIDC_REFRESH_INTERVAL=soon"}, "REFRESH_INTERVAL"},
	} {
		c := defaultConfig()
		if err := c.fromEnv(bad.env); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: %v, want %s", bad.env, err, bad.want)
		}
	}
	for _, bad := range []struct {
		env  []string
		want string
	}{
		{[]string{"PHONGHOP_OIDC_PROVIDERS=tinh"}, "PHONGHOP_OIDC_TINH_ISSUER must be"},
		{append(env[:4:4], "PHONGHOP_OIDC_TINH_REDIRECT_URL=https://phonghop.example/callback"), "must end in /api/auth/sso/tinh/callback"},
		{[]string{"PHONGHOP_OIDC_LOCAL_PASSWORDS=none"}, "use all or admins"},
		{[]string{"PHONGHOP_OIDC_REFRESH_INTERVAL=10s"}, "at least 1m"},
	} {
		c := defaultConfig()
		if err := c.fromEnv(bad.env); err != nil {
			t.Fatalf("%v: %v", bad.env, err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: %v, want %s", bad.env, err, bad.want)
		}
	}
}
