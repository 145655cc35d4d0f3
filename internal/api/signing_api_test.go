package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/docs/pades/csc/csctest"
	"github.com/phonghop/phonghop/docs/pades/pkitest"
	"github.com/phonghop/phonghop/docs/pades/token"
	"github.com/phonghop/phonghop/docs/pades/token/softhsmtest"
	"github.com/phonghop/phonghop/internal/api"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// signingEnv is a meeting whose chair signs with a remote service or a token, sealed by the
// agency's key, all issued by one test CA with its OCSP, CRL and TSA.
type signingEnv struct {
	*meetingEnv
	ca  *pkitest.CA
	csc *csctest.Service
	sg  *api.Signing
}

func newSigningEnv(t testing.TB, db *store.DB) *signingEnv {
	e := &signingEnv{meetingEnv: newMeetingEnvOn(t, newEnvOn(t, db, bus.Config{DataDir: t.TempDir()})), ca: pkitest.New(t, "CA Thử nghiệm Phonghop")}
	leader := e.ca.Issue(t, "Người chutich", pkitest.Options{Title: "Chủ tịch"})
	sealLeaf := e.ca.Issue(t, "UBND tỉnh", pkitest.Options{ECDSA: true})
	seal, err := docs.LoadSigner(sealLeaf.CertPEM(), sealLeaf.KeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	e.csc = csctest.New()
	e.csc.AddUser("chutich", "ky-so", leader.Key, leader.Chain())
	if err := e.csc.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.csc.Close() })
	module, label := softhsmtest.Token(t, leader, "246810")
	trust, err := pades.LoadTrust(e.ca.WritePEM(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	trust.RequireRevocation = true
	e.sg = &api.Signing{Trust: trust, TSA: &pades.TSA{URL: e.ca.URL + "/tsa"}, CSCURL: e.csc.URL, CSCTimeout: 2 * time.Second,
		Token: token.Config{Module: module, Label: label}, LeaderRequired: true}
	e.api.SetSigning(e.sg, seal)
	e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
	e.chair.do("POST", e.path("/transition"), map[string]string{"action": "start"}, nil)
	return e
}

// approved has the secretary write kind from its draft and the chair approve it.
func (e *signingEnv) approved(t testing.TB, kind string) (id int64, sha string) {
	var draft map[string]any
	if st := e.sec.do("GET", e.path("/records/"+kind+"/draft"), nil, &draft); st != 200 {
		t.Fatalf("draft: %d", st)
	}
	if st := e.sec.do("PUT", e.path("/records/"+kind), map[string]any{"base_version": 0, "content": draft}, nil); st != 200 {
		t.Fatalf("save: %d", st)
	}
	var a struct {
		ID     int64
		SHA256 string `json:"subject_sha256"`
	}
	if st := e.sec.do("POST", e.path("/approvals"), map[string]any{"subject_kind": kind, "leader_id": e.ids["chutich"]}, &a); st != 201 {
		t.Fatalf("request approval: %d", st)
	}
	if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d", a.ID)), map[string]any{"approve": true}, nil); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	return a.ID, a.SHA256
}

// signedFileText reads an entry's filed file, has pdfsig check that both its signatures (the
// leader's and the seal) are valid and trusted, and returns its text.
func (e *signingEnv) signedFileText(t *testing.T, entry int64) string {
	t.Helper()
	st, pdf := e.sec.raw("GET", fmt.Sprintf("/api/register/entries/%d/file", entry), "", nil, nil)
	if st != 200 {
		t.Fatalf("file: %d", st)
	}
	res := pkitest.Pdfsig(t, pdf, e.ca.NSSDB(t))
	if strings.Count(res, "Signature is Valid") != 2 || strings.Count(res, "Certificate is Trusted") != 2 {
		t.Fatalf("pdfsig:\n%s", res)
	}
	return pdfText(t, pdf)
}

func TestLeaderSignsApprovedMinutes(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newSigningEnv(t, db)
		aid, sha := e.approved(t, "minutes")
		sign := e.path(fmt.Sprintf("/approvals/%d/sign", aid))
		var out apiError
		// Filed only through the leader's signature.
		if st := e.sec.do("POST", e.path(fmt.Sprintf("/approvals/%d/file", aid)), map[string]any{"signer": "x"}, &out); st != 409 {
			t.Fatalf("secretary filed without the leader's signature: %d %+v", st, out)
		}
		if st := e.sec.do("POST", sign, map[string]any{"method": "token", "pin": "246810"}, &out); st != 403 {
			t.Fatalf("the secretary signed for the leader: %d", st)
		}
		refusals := []struct {
			name   string
			body   map[string]any
			status int
			field  string
			text   string
		}{
			{"wrong PIN", map[string]any{"method": "token", "pin": "111111"}, 400, "pin", "PIN"},
			{"changed text", map[string]any{"method": "token", "pin": "246810", "sha256": strings.Repeat("0", 64)}, 409, "", "thay đổi"},
			{"wrong OTP", map[string]any{"method": "remote", "csc_user": "chutich", "csc_password": "ky-so", "otp": "999999x"}, 400, "otp", "OTP"},
			{"wrong password", map[string]any{"method": "remote", "csc_user": "chutich", "csc_password": "sai", "otp": "1"}, 400, "", "từ chối"},
		}
		for _, r := range refusals {
			out = apiError{}
			if st := e.chair.do("POST", sign, r.body, &out); st != r.status || out.Error.Field != r.field || !strings.Contains(out.Error.Message, r.text) {
				t.Errorf("%s: %d %+v", r.name, st, out)
			}
		}
		// A remote service that never answers: refused within the timeout, nothing filed.
		otp := func() string {
			if st := e.chair.do("POST", sign+"/otp", map[string]any{"csc_user": "chutich", "csc_password": "ky-so"}, &out); st != 204 {
				t.Fatalf("send OTP: %d %+v", st, out)
			}
			return e.csc.OTP("chutich")
		}
		code := otp()
		e.csc.SetDelay(10 * time.Second)
		start := time.Now()
		if st := e.chair.do("POST", sign, map[string]any{"method": "remote", "csc_user": "chutich", "csc_password": "ky-so", "otp": code}, &out); st != 503 || !strings.Contains(out.Error.Message, "không phản hồi") {
			t.Fatalf("no answer: %d %+v", st, out)
		}
		if d := time.Since(start); d > 8*time.Second {
			t.Fatalf("waited %v for a silent service", d)
		}
		e.csc.SetDelay(0)

		var entry struct {
			ID     int64
			Symbol string
			SHA256 string
		}
		if st := e.chair.do("POST", sign, map[string]any{"method": "remote", "csc_user": "chutich", "csc_password": "ky-so", "otp": otp(), "sha256": sha}, &entry); st != 201 || entry.Symbol != "01/BB-UBND" {
			t.Fatalf("sign: %d %+v", st, entry)
		}
		if st := e.chair.do("POST", sign, map[string]any{"method": "token", "pin": "246810"}, &out); st != 409 {
			t.Fatalf("signed twice: %d", st)
		}
		if text := e.signedFileText(t, entry.ID); !strings.Contains(text, "Số: 01/BB-UBND") {
			t.Fatalf("signed minutes:\n%s", text)
		}
		var sigs struct {
			Signatures []struct {
				Signer    string
				Valid     bool
				Whole     bool
				Trusted   bool
				StampedAt string `json:"stamped_at"`
				Record    struct{ Role, Method string }
			}
		}
		if st := e.sec.do("GET", fmt.Sprintf("/api/register/entries/%d/signatures", entry.ID), nil, &sigs); st != 200 || len(sigs.Signatures) != 2 {
			t.Fatalf("signatures: %d %+v", st, sigs)
		}
		l, s := sigs.Signatures[0], sigs.Signatures[1]
		if l.Signer != "Người chutich" || !l.Valid || !l.Trusted || l.StampedAt == "" || l.Record.Role != "leader" || l.Record.Method != "remote" ||
			s.Signer != "UBND tỉnh" || !s.Valid || !s.Whole || !s.Trusted || s.Record.Role != "seal" {
			t.Fatalf("signatures: %+v", sigs)
		}

		// The notice, signed with the token: the next number of the register (the refused attempts
		// used none: the minutes got 01).
		aid, _ = e.approved(t, "conclusion")
		if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d/sign", aid)), map[string]any{"method": "token", "pin": "246810", "signer": "Người chutich, Chủ tịch"}, &entry); st != 201 || entry.Symbol != "02/TB-UBND" {
			t.Fatalf("token sign: %d %+v", st, entry)
		}
		if st := e.delegate.do("GET", fmt.Sprintf("/api/register/entries/%d/signatures", entry.ID), nil, nil); st != 403 {
			t.Fatalf("a delegate read the signatures: %d", st)
		}
	})
}
