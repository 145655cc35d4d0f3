package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/docs/pades/csc/csctest"
	"github.com/phonghop/phonghop/docs/pades/pkitest"
	"github.com/phonghop/phonghop/docs/pades/token"
	"github.com/phonghop/phonghop/docs/pades/token/softhsmtest"
	"github.com/phonghop/phonghop/internal/api"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms/opinions"
)

// TestOpinionAnswerSigned: a member signs their answer with a remote signing service, with the
// answer or afterwards, once; refusals store nothing; the secretary sees the signature checked.
func TestOpinionAnswerSigned(t *testing.T) {
	storetest.Each(t, betweenMigrations(), func(t *testing.T, db *store.DB) {
		e := newOpinionEnv(t, db)
		var f struct{ ID int64 }
		if st := e.sec.do("POST", e.path("/opinions"), e.form(nil), &f); st != 201 {
			t.Fatalf("create: %d", st)
		}
		fp := func(p string) string { return fmt.Sprintf("/api/opinions/%d%s", f.ID, p) }
		signed := func() int { return e.count("opinion_answer_signatures") }
		remote := func(user, otp string) map[string]any {
			return map[string]any{"method": "remote", "csc_user": user, "csc_password": "ky-so", "otp": otp}
		}
		withSign := func(sign map[string]any) map[string]any {
			b := answerBody(0, "agree", "other")
			b["sign"] = sign
			return b
		}
		var out apiError
		// Not configured: refused, nothing stored.
		if st := e.delegate.do("POST", fp("/answers"), withSign(remote("daibieu", "1")), &out); st < 400 || st >= 600 || out.Error.Message == "" || e.count("opinion_answers") != 0 {
			t.Fatalf("signing while not configured: %d %+v", st, out)
		}

		ca, stranger := pkitest.New(t, "CA Thử nghiệm Phonghop"), pkitest.New(t, "CA không được tin cậy")
		member := ca.Issue(t, "Người daibieu", pkitest.Options{})
		chair := ca.Issue(t, "Người chutich", pkitest.Options{})
		untrusted := stranger.Issue(t, "Người chutich", pkitest.Options{})
		svc := csctest.New()
		svc.AddUser("daibieu", "ky-so", member.Key, member.Chain())
		svc.AddUser("chutich", "ky-so", chair.Key, chair.Chain())
		svc.AddUser("chutich-la", "ky-so", untrusted.Key, untrusted.Chain())
		if err := svc.Listen("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = svc.Close() })
		trust, err := pades.LoadTrust(ca.WritePEM(t, t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		module, label := softhsmtest.Token(t, member, "246810")
		e.api.SetSigning(&api.Signing{Trust: trust, CSCURL: svc.URL, CSCTimeout: 2 * time.Second, Token: token.Config{Module: module, Label: label}}, nil)

		otp := func(c *client, user string) string {
			if st := c.do("POST", fp("/sign/otp"), map[string]any{"csc_user": user, "csc_password": "ky-so"}, &out); st != 204 {
				t.Fatalf("send OTP: %d %+v", st, out)
			}
			return svc.OTP(user)
		}
		// Refusals leave neither the answer nor a signature.
		for _, r := range []struct {
			name, field, text string
			c                 *client
			sign              map[string]any
			status            int
		}{
			{"wrong OTP", "otp", "OTP", e.delegate, remote("daibieu", "0000000"), 400},
			{"wrong PIN", "pin", "PIN", e.delegate, map[string]any{"method": "token", "pin": "111111"}, 400},
			{"untrusted certificate", "", "tin cậy", e.chair, remote("chutich-la", otp(e.chair, "chutich-la")), 400},
		} {
			if r.name == "wrong OTP" {
				otp(e.delegate, "daibieu")
			}
			out = apiError{}
			if st := r.c.do("POST", fp("/answers"), withSign(r.sign), &out); st != r.status || out.Error.Field != r.field || !strings.Contains(out.Error.Message, r.text) {
				t.Errorf("%s: %d %+v", r.name, st, out)
			}
		}
		if n, s := e.count("opinion_answers"), signed(); n != 0 || s != 0 {
			t.Fatalf("refused signings left %d answers, %d signatures", n, s)
		}

		// Signed with the answer, in one request.
		var a opinions.Answer
		if st := e.delegate.do("POST", fp("/answers"), withSign(remote("daibieu", otp(e.delegate, "daibieu"))), &a); st != 201 ||
			a.Signature == nil || !a.Signature.Verified || !a.Signature.Trusted || a.Signature.Signer != "Người daibieu" || a.Signature.Method != "remote" {
			t.Fatalf("answer signed: %d %+v", st, a.Signature)
		}
		if a.Signature.SHA256 != opinions.CanonicalSHA256(a) {
			t.Errorf("stored hash %s is not the answer's canonical hash", a.Signature.SHA256)
		}
		// Once only.
		if st := e.delegate.do("POST", fp(fmt.Sprintf("/answers/%d/sign", a.ID)), remote("daibieu", otp(e.delegate, "daibieu")), &out); st != 409 {
			t.Errorf("signed twice: %d %+v", st, out)
		}
		// The chair answers unsigned, then signs; nobody else may sign it.
		var c opinions.Answer
		if st := e.chair.do("POST", fp("/answers"), answerBody(0, "disagree", "agree"), &c); st != 201 || c.Signature != nil {
			t.Fatalf("chair answers: %d", st)
		}
		sign := fp(fmt.Sprintf("/answers/%d/sign", c.ID))
		if st := e.delegate.do("POST", sign, remote("daibieu", otp(e.delegate, "daibieu")), &out); st != 403 {
			t.Errorf("someone else signed the chair's answer: %d", st)
		}
		// A correction makes the old revision unsignable.
		var c2 opinions.Answer
		if st := e.chair.do("POST", fp("/answers"), answerBody(0, "agree", "agree"), &c2); st != 201 {
			t.Fatalf("correction: %d", st)
		}
		if st := e.chair.do("POST", sign, remote("chutich", otp(e.chair, "chutich")), &out); st != 409 {
			t.Errorf("old revision signed: %d %+v", st, out)
		}
		var s2 opinions.Answer
		if st := e.chair.do("POST", fp(fmt.Sprintf("/answers/%d/sign", c2.ID)), remote("chutich", otp(e.chair, "chutich")), &s2); st != 200 || s2.Signature == nil || !s2.Signature.Trusted {
			t.Fatalf("chair signs the latest: %d %+v", st, out)
		}
		if n := signed(); n != 2 {
			t.Fatalf("%d signatures stored, want 2", n)
		}

		// The secretary sees both signatures checked, with signer and issuer.
		view := func() map[int64]*opinions.Signature {
			var v formOut
			if st := e.sec.do("GET", fp(""), nil, &v); st != 200 {
				t.Fatalf("secretary view: %d", st)
			}
			m := map[int64]*opinions.Signature{}
			for _, x := range v.Answers {
				m[x.ID] = x.Signature
			}
			return m
		}
		got := view()
		if s := got[a.ID]; s == nil || !s.Verified || !s.Trusted || s.Issuer != "CA Thử nghiệm Phonghop" || s.SignedAt.IsZero() {
			t.Errorf("secretary's view of the member's signature: %+v", s)
		}
		if got[c.ID] != nil || got[c2.ID] == nil {
			t.Errorf("signatures on the wrong revisions: %+v", got)
		}
		// A signature that no longer matches its answer is shown as such.
		var raw []byte
		db.QueryRowContext(context.Background(), `SELECT cms FROM opinion_answer_signatures WHERE answer_id = ?`, c2.ID).Scan(&raw)
		if _, err := db.ExecContext(context.Background(), `UPDATE opinion_answer_signatures SET cms = ? WHERE answer_id = ?`, raw, a.ID); err != nil {
			t.Fatal(err)
		}
		if s := view()[a.ID]; s == nil || s.Verified || s.Problem == "" {
			t.Errorf("a signature of another answer passed: %+v", s)
		}
	})
}
