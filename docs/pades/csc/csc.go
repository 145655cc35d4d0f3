// Package csc signs through a remote signing service over the Cloud Signature Consortium API v2:
// the server logs in (auth/login, or an OAuth2 access token it was given), finds the holder's
// credential (credentials/list, credentials/info), has the service send the holder a one-time
// password (credentials/sendOTP), and, once the holder has typed it, authorises the one hash to
// sign (credentials/authorize: with SCAL2 the authorisation is bound to that hash) and gets the
// signature (signatures/signHash). The private key stays in the service.
package csc

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Errors a caller tells the holder about.
var (
	ErrNoAnswer     = errors.New("csc: the signing service did not answer in time")
	ErrRefused      = errors.New("csc: the signing service refused")
	ErrBadOTP       = errors.New("csc: the one-time password is wrong or has expired")
	ErrNoCredential = errors.New("csc: the holder has no signing credential at the service")
)

// Client talks to one CSC service.
type Client struct {
	BaseURL  string // up to and including "/csc/v2"
	Username string // auth/login with HTTP Basic
	Password string
	Token    string // an OAuth2 access token instead of auth/login
	Timeout  time.Duration
	http     *http.Client
}

// NewClient makes a client whose every call gives up after timeout (0: 30 s).
func NewClient(base, user, pass string, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Client{BaseURL: strings.TrimRight(base, "/"), Username: user, Password: pass, Timeout: timeout, http: &http.Client{Timeout: timeout}}
}

type apiError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func (c *Client) call(ctx context.Context, method string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/"+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	switch {
	case method == "auth/login":
		req.SetBasicAuth(c.Username, c.Password)
	case c.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.http
	if hc == nil {
		hc = &http.Client{Timeout: c.Timeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			return fmt.Errorf("%w (%s, %s)", ErrNoAnswer, method, c.Timeout)
		}
		return fmt.Errorf("%w (%s): %v", ErrNoAnswer, method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%w (%s): %v", ErrNoAnswer, method, err)
	}
	if resp.StatusCode/100 != 2 {
		var e apiError
		_ = json.Unmarshal(raw, &e)
		if method == "credentials/authorize" && (e.Error == "invalid_otp" || e.Error == "invalid_request" && strings.Contains(strings.ToLower(e.Description), "otp")) {
			return fmt.Errorf("%w: %s", ErrBadOTP, e.Description)
		}
		return fmt.Errorf("%w %s: %s %s", ErrRefused, method, e.Error, e.Description)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	return json.Unmarshal(raw, out)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Login gets an access token with auth/login, unless the client was given one.
func (c *Client) Login(ctx context.Context) error {
	if c.Token != "" {
		return nil
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.call(ctx, "auth/login", map[string]any{"rememberMe": false}, &out); err != nil {
		return err
	}
	c.Token = out.AccessToken
	return nil
}

// Credentials lists the credential identifiers of userID (empty: the logged-in user).
func (c *Client) Credentials(ctx context.Context, userID string) ([]string, error) {
	in := map[string]any{}
	if userID != "" {
		in["userID"] = userID
	}
	var out struct {
		CredentialIDs []string `json:"credentialIDs"`
	}
	err := c.call(ctx, "credentials/list", in, &out)
	return out.CredentialIDs, err
}

// Credential is what credentials/info tells of one.
type Credential struct {
	ID       string
	Chain    []*x509.Certificate
	AuthMode string // "explicit" (OTP or PIN), "oauth2code"
	SCAL     string // "2": the authorisation is bound to the hashes
}

// Info reads a credential's certificate chain and how it is authorised.
func (c *Client) Info(ctx context.Context, id string) (Credential, error) {
	var out struct {
		Key struct {
			Status string `json:"status"`
		} `json:"key"`
		Cert struct {
			Status       string   `json:"status"`
			Certificates []string `json:"certificates"`
		} `json:"cert"`
		AuthMode string `json:"authMode"`
		SCAL     string `json:"SCAL"`
	}
	cr := Credential{ID: id}
	if err := c.call(ctx, "credentials/info", map[string]any{"credentialID": id, "certificates": "chain", "certInfo": true, "authInfo": true}, &out); err != nil {
		return cr, err
	}
	if out.Key.Status != "" && out.Key.Status != "enabled" {
		return cr, fmt.Errorf("%w: the key is %s", ErrRefused, out.Key.Status)
	}
	for _, b := range out.Cert.Certificates {
		der, err := base64.StdEncoding.DecodeString(b)
		if err != nil {
			return cr, fmt.Errorf("csc: certificate: %w", err)
		}
		x, err := x509.ParseCertificate(der)
		if err != nil {
			return cr, fmt.Errorf("csc: certificate: %w", err)
		}
		cr.Chain = append(cr.Chain, x)
	}
	if len(cr.Chain) == 0 {
		return cr, fmt.Errorf("%w: no certificate", ErrNoCredential)
	}
	cr.AuthMode, cr.SCAL = out.AuthMode, out.SCAL
	return cr, nil
}

// SendOTP has the service send the holder a one-time password (by SMS or its app).
func (c *Client) SendOTP(ctx context.Context, id string) error {
	return c.call(ctx, "credentials/sendOTP", map[string]any{"credentialID": id}, nil)
}

// Authorize gets the signature activation data for exactly these hashes.
func (c *Client) Authorize(ctx context.Context, id, otp string, hashes ...[]byte) (string, error) {
	var out struct {
		SAD string `json:"SAD"`
	}
	err := c.call(ctx, "credentials/authorize", map[string]any{"credentialID": id, "numSignatures": len(hashes), "hashes": b64(hashes), "hashAlgorithmOID": oidSHA256, "OTP": otp}, &out)
	return out.SAD, err
}

// SignHash signs the hashes the SAD was issued for.
func (c *Client) SignHash(ctx context.Context, id, sad, signAlgo string, hashes ...[]byte) ([][]byte, error) {
	var out struct {
		Signatures []string `json:"signatures"`
	}
	if err := c.call(ctx, "signatures/signHash", map[string]any{"credentialID": id, "SAD": sad, "hashes": b64(hashes), "hashAlgorithmOID": oidSHA256, "signAlgo": signAlgo}, &out); err != nil {
		return nil, err
	}
	if len(out.Signatures) != len(hashes) {
		return nil, fmt.Errorf("%w: %d signatures for %d hashes", ErrRefused, len(out.Signatures), len(hashes))
	}
	sigs := make([][]byte, len(hashes))
	for i, s := range out.Signatures {
		var err error
		if sigs[i], err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("csc: signature: %w", err)
		}
	}
	return sigs, nil
}

const (
	oidSHA256   = "2.16.840.1.101.3.4.2.1"
	OIDRSA      = "1.2.840.113549.1.1.1" // rsaEncryption: PKCS#1 v1.5 over the DigestInfo
	OIDECDSA256 = "1.2.840.10045.4.3.2"  // ecdsa-with-SHA256
)

func b64(hs [][]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h)
	}
	return out
}

// Remote is a credential authorised with an OTP the holder typed: it signs one hash.
type Remote struct {
	Client *Client
	Cred   Credential
	OTP    string
}

func (r *Remote) Public() crypto.PublicKey { return r.Cred.Chain[0].PublicKey }

func (r *Remote) Chain() []*x509.Certificate { return r.Cred.Chain }

func (r *Remote) Where() string {
	return "dịch vụ ký số từ xa " + r.Client.BaseURL + " (" + r.Cred.ID + ")"
}

func (r *Remote) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return r.SignContext(context.Background(), digest, opts)
}

// SignContext authorises the digest with the OTP and has the service sign it.
func (r *Remote) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts.HashFunc() != crypto.SHA256 {
		return nil, fmt.Errorf("csc: only SHA-256 is asked for, not %v", opts.HashFunc())
	}
	var algo string
	switch r.Public().(type) {
	case *rsa.PublicKey:
		if _, pss := opts.(*rsa.PSSOptions); pss {
			return nil, errors.New("csc: RSA-PSS is not asked for")
		}
		algo = OIDRSA
	case *ecdsa.PublicKey:
		algo = OIDECDSA256
	default:
		return nil, fmt.Errorf("csc: unsupported key %T", r.Public())
	}
	sad, err := r.Client.Authorize(ctx, r.Cred.ID, r.OTP, digest)
	if err != nil {
		return nil, err
	}
	sigs, err := r.Client.SignHash(ctx, r.Cred.ID, sad, algo, digest)
	if err != nil {
		return nil, err
	}
	return sigs[0], nil
}
