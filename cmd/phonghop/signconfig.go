package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/docs/pades/token"
	"github.com/phonghop/phonghop/internal/api"
)

// SignConfig is how leaders sign what they approve (PHONGHOP_SIGN_*). Leader signing is on when
// trust anchors are configured and a remote signing service or a PKCS#11 module is.
type SignConfig struct {
	TrustAnchors      []string // PEM files: the national root CA and the licensed CAs
	TSAURL            string
	CSCURL            string
	CSCTimeout        time.Duration
	PKCS11Module      string
	PKCS11Token       string
	RequireRevocation bool
	LeaderRequired    bool
}

var signEnvVars = []struct{ name, help string }{
	{"PHONGHOP_SIGN_TRUST_ANCHORS", "comma-separated PEM files of the CAs leaders' certificates must chain to"},
	{"PHONGHOP_SIGN_TSA_URL", "RFC 3161 time-stamping service for the signatures (empty: no time-stamp)"},
	{"PHONGHOP_SIGN_CSC_URL", "remote signing service, CSC API v2 base URL ending in /csc/v2"},
	{"PHONGHOP_SIGN_CSC_TIMEOUT", "how long to wait for the remote signing service (default 20s)"},
	{"PHONGHOP_SIGN_PKCS11_MODULE", "PKCS#11 library of the leaders' USB tokens"},
	{"PHONGHOP_SIGN_PKCS11_TOKEN", "token label (empty: the first slot)"},
	{"PHONGHOP_SIGN_REQUIRE_REVOCATION", "true refuses a certificate whose OCSP and CRL do not answer"},
	{"PHONGHOP_SIGN_LEADER_REQUIRED", "false lets the secretary file approved minutes with the server key alone (default true)"},
}

func init() { envVars = append(envVars, signEnvVars...) }

// set applies one PHONGHOP_SIGN_* variable.
func (c *SignConfig) set(k, v string) error {
	var err error
	switch k {
	case "PHONGHOP_SIGN_TRUST_ANCHORS":
		c.TrustAnchors = nil
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				c.TrustAnchors = append(c.TrustAnchors, f)
			}
		}
	case "PHONGHOP_SIGN_TSA_URL":
		c.TSAURL = v
	case "PHONGHOP_SIGN_CSC_URL":
		c.CSCURL = v
	case "PHONGHOP_SIGN_CSC_TIMEOUT":
		c.CSCTimeout, err = time.ParseDuration(v)
	case "PHONGHOP_SIGN_PKCS11_MODULE":
		c.PKCS11Module = v
	case "PHONGHOP_SIGN_PKCS11_TOKEN":
		c.PKCS11Token = v
	case "PHONGHOP_SIGN_REQUIRE_REVOCATION":
		c.RequireRevocation, err = parseBool(v)
	case "PHONGHOP_SIGN_LEADER_REQUIRED":
		c.LeaderRequired, err = parseBool(v)
	}
	return err
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean")
}

// signing builds the API's signing settings; nil when leader signing is off.
func (c SignConfig) signing() (*api.Signing, error) {
	if len(c.TrustAnchors) == 0 {
		if c.CSCURL != "" || c.PKCS11Module != "" {
			return nil, fmt.Errorf("PHONGHOP_SIGN_TRUST_ANCHORS is needed for leader signing")
		}
		return nil, nil
	}
	if c.CSCURL == "" && c.PKCS11Module == "" {
		return nil, fmt.Errorf("leader signing needs PHONGHOP_SIGN_CSC_URL or PHONGHOP_SIGN_PKCS11_MODULE")
	}
	trust, err := pades.LoadTrust(c.TrustAnchors...)
	if err != nil {
		return nil, err
	}
	trust.RequireRevocation = c.RequireRevocation
	sg := &api.Signing{Trust: trust, CSCURL: c.CSCURL, CSCTimeout: c.CSCTimeout, LeaderRequired: c.LeaderRequired,
		Token: token.Config{Module: c.PKCS11Module, Label: c.PKCS11Token}}
	if sg.CSCTimeout <= 0 {
		sg.CSCTimeout = 20 * time.Second
	}
	if c.TSAURL != "" {
		sg.TSA = &pades.TSA{URL: c.TSAURL, Timeout: sg.CSCTimeout}
	}
	return sg, nil
}
