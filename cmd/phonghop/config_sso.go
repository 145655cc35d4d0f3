package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/phonghop/phonghop/internal/auth"
)

// SSOConfig is single sign-on through the province's identity providers (OpenID Connect):
// PHONGHOP_OIDC_PROVIDERS names them, and each name's settings follow as
// PHONGHOP_OIDC_<NAME>_<SETTING>, so the strict check of PHONGHOP_* still catches a misspelling.
type SSOConfig struct {
	Providers       []auth.ProviderConfig
	RefreshInterval time.Duration
	// LocalPasswords is "all" (default) or "admins": local passwords for administrators only.
	LocalPasswords string
}

// providerSettings are the per-provider settings, with what each sets.
var providerSettings = []struct{ name, help string }{
	{"ISSUER", "the provider's issuer URL (discovery at <issuer>/.well-known/openid-configuration)"},
	{"CLIENT_ID", "phonghop's client id at the provider"},
	{"CLIENT_SECRET", "phonghop's client secret at the provider"},
	{"REDIRECT_URL", "https://<host>/api/auth/sso/<name>/callback, as registered at the provider"},
	{"SCOPES", "scopes asked for (default \"openid profile offline_access\")"},
	{"CLAIM_ORG", "claim holding the organization's code in the directory (default org_code)"},
	{"CLAIM_TITLE", "claim holding the person's title (default title)"},
	{"CLAIM_NAME", "claim holding the person's full name (default name)"},
	{"DISPLAY_NAME", "the provider's name as the login page shows it (default the name)"},
}

func init() {
	envVars = append(envVars,
		struct{ name, help string }{"PHONGHOP_OIDC_PROVIDERS", "province sign-in providers, comma-separated names (e.g. tinh)"},
		struct{ name, help string }{"PHONGHOP_OIDC_REFRESH_INTERVAL", "how often a provider is asked again whether a signed-in person may stay (default 15m)"},
		struct{ name, help string }{"PHONGHOP_OIDC_LOCAL_PASSWORDS", "all (default) or admins: local passwords for administrators only"})
	for _, s := range providerSettings {
		envVars = append(envVars, struct{ name, help string }{"PHONGHOP_OIDC_<NAME>_" + s.name, s.help})
	}
}

// ssoFromEnv reads the PHONGHOP_OIDC_* variables (given as KEY=value).
func (c *Config) ssoFromEnv(vars []string) error {
	values := map[string]string{}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		values[k] = v
	}
	used := map[string]bool{}
	take := func(k string) (string, bool) {
		v, ok := values[k]
		used[k] = true
		return v, ok
	}
	if v, ok := take("PHONGHOP_OIDC_REFRESH_INTERVAL"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("PHONGHOP_OIDC_REFRESH_INTERVAL=%q: %v", v, err)
		}
		c.SSO.RefreshInterval = d
	}
	if v, ok := take("PHONGHOP_OIDC_LOCAL_PASSWORDS"); ok {
		c.SSO.LocalPasswords = v
	}
	names, _ := take("PHONGHOP_OIDC_PROVIDERS")
	for _, name := range strings.Split(names, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
				return fmt.Errorf("PHONGHOP_OIDC_PROVIDERS: provider name %q: use lowercase letters and digits", name)
			}
		}
		prefix := "PHONGHOP_OIDC_" + strings.ToUpper(name) + "_"
		get := func(s string) string { v, _ := take(prefix + s); return strings.TrimSpace(v) }
		p := auth.ProviderConfig{Name: name, Issuer: get("ISSUER"), ClientID: get("CLIENT_ID"), ClientSecret: get("CLIENT_SECRET"),
			RedirectURL: get("REDIRECT_URL"), Scopes: strings.FieldsFunc(get("SCOPES"), func(r rune) bool { return r == ' ' || r == ',' }),
			ClaimOrg: get("CLAIM_ORG"), ClaimTitle: get("CLAIM_TITLE"), ClaimName: get("CLAIM_NAME"), DisplayName: get("DISPLAY_NAME")}
		if p.ClaimOrg == "" {
			p.ClaimOrg = "org_code"
		}
		if p.ClaimTitle == "" {
			p.ClaimTitle = "title"
		}
		c.SSO.Providers = append(c.SSO.Providers, p)
	}
	for k := range values {
		if !used[k] {
			return fmt.Errorf("unknown environment variable %s (is its provider listed in PHONGHOP_OIDC_PROVIDERS? see phonghop serve --help)", k)
		}
	}
	return nil
}

// validateSSO checks each provider's settings.
func (c *Config) validateSSO() []error {
	var problems []error
	if c.SSO.LocalPasswords == "" {
		c.SSO.LocalPasswords = "all"
	}
	if c.SSO.RefreshInterval == 0 {
		c.SSO.RefreshInterval = 15 * time.Minute
	}
	if c.SSO.LocalPasswords != "all" && c.SSO.LocalPasswords != "admins" {
		problems = append(problems, fmt.Errorf("PHONGHOP_OIDC_LOCAL_PASSWORDS %q: use all or admins", c.SSO.LocalPasswords))
	}
	if c.SSO.RefreshInterval < time.Minute {
		problems = append(problems, errors.New("PHONGHOP_OIDC_REFRESH_INTERVAL must be at least 1m"))
	}
	for _, p := range c.SSO.Providers {
		up := strings.ToUpper(p.Name)
		for _, u := range []struct{ setting, value string }{{"ISSUER", p.Issuer}, {"REDIRECT_URL", p.RedirectURL}} {
			if pu, err := url.Parse(u.value); u.value == "" || err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
				problems = append(problems, fmt.Errorf("PHONGHOP_OIDC_%s_%s must be an http(s) URL", up, u.setting))
			}
		}
		if p.ClientID == "" {
			problems = append(problems, fmt.Errorf("PHONGHOP_OIDC_%s_CLIENT_ID is required", up))
		}
		if want := "/api/auth/sso/" + p.Name + "/callback"; p.RedirectURL != "" && !strings.HasSuffix(p.RedirectURL, want) {
			problems = append(problems, fmt.Errorf("PHONGHOP_OIDC_%s_REDIRECT_URL must end in %s", up, want))
		}
	}
	return problems
}

// enableSSO turns province sign-in on when providers are configured (nil otherwise); local
// passwords may be kept for administrators even without a provider.
func enableSSO(a *auth.Service, c SSOConfig, log *slog.Logger) (*auth.SSO, error) {
	if len(c.Providers) == 0 && c.LocalPasswords != "admins" {
		return nil, nil
	}
	sso, err := a.EnableSSO(auth.SSOConfig{Providers: c.Providers, RefreshInterval: c.RefreshInterval,
		PasswordsAdminsOnly: c.LocalPasswords == "admins", Log: log})
	if err != nil || len(c.Providers) == 0 {
		return nil, err
	}
	return sso, nil
}
