package api_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/docs/pades/csc"
	"github.com/phonghop/phonghop/docs/pades/csc/csctest"
	"github.com/phonghop/phonghop/docs/pades/pkitest"
	"github.com/phonghop/phonghop/docs/pades/token"
	"github.com/phonghop/phonghop/docs/pades/token/softhsmtest"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// BenchmarkSignMinutes is the time from the leader's "sign" to the filed file, over the API on
// SQLite: chain and OCSP check, render, the leader's signature with a time-stamp, the seal, the
// verification and the filing. One op files one minutes (a new meeting each time).
func BenchmarkSignMinutes(b *testing.B) {
	for _, method := range []string{"token", "remote"} {
		b.Run(method, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := storetest.OpenSQLite(b, migrations()...)
				e := newSigningEnv(b, db)
				aid, sha := e.approved(b, "minutes")
				body := map[string]any{"method": "token", "pin": "246810", "sha256": sha}
				if method == "remote" {
					e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d/sign/otp", aid)), map[string]any{"csc_user": "chutich", "csc_password": "ky-so"}, nil)
					body = map[string]any{"method": "remote", "csc_user": "chutich", "csc_password": "ky-so", "otp": e.csc.OTP("chutich"), "sha256": sha}
				}
				b.StartTimer()
				if st := e.chair.do("POST", e.path(fmt.Sprintf("/approvals/%d/sign", aid)), body, nil); st != 201 {
					b.Fatalf("sign: %d", st)
				}
			}
		})
	}
}

// BenchmarkPAdES is the signature alone on a rendered minutes: token (SoftHSM2) and remote (CSC
// on loopback), with and without the time-stamp.
func BenchmarkPAdES(b *testing.B) {
	ca := pkitest.New(b, "CA")
	leader := ca.Issue(b, "Nguyễn Văn An", pkitest.Options{})
	module, label := softhsmtest.Token(b, leader, "1234")
	tok, err := token.Open(token.Config{Module: module, Label: label}, "1234")
	if err != nil {
		b.Fatal(err)
	}
	defer tok.Close()
	svc := csctest.New()
	svc.AddUser("an", "pw", leader.Key, leader.Chain())
	if err := svc.Listen("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	pdf := benchPDF(b)
	ctx := context.Background()
	for _, tsa := range []*pades.TSA{nil, {URL: ca.URL + "/tsa"}} {
		name := "B-B"
		if tsa != nil {
			name = "B-T"
		}
		b.Run("token/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := pades.Sign(ctx, pdf, pades.WithChain(tok, leader.Chain()), pades.Options{Name: "A", Time: time.Now(), TSA: tsa}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("remote/"+name, func(b *testing.B) {
			c := csc.NewClient(svc.URL, "an", "pw", 5*time.Second)
			if err := c.Login(ctx); err != nil {
				b.Fatal(err)
			}
			ids, _ := c.Credentials(ctx, "")
			cred, err := c.Info(ctx, ids[0])
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				_ = c.SendOTP(ctx, cred.ID)
				r := &csc.Remote{Client: c, Cred: cred, OTP: svc.OTP("an")}
				b.StartTimer()
				if _, err := pades.Sign(ctx, pdf, r, pades.Options{Name: "A", Time: time.Now(), TSA: tsa}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchPDF(b *testing.B) []byte {
	var buf bytes.Buffer
	if err := docs.WriteAdminPDF(&buf, docs.AdminDocument{Agency: "Văn phòng", Symbol: "01/BB-VP", Place: "Hà Nội", Date: time.Now(), Kind: "Biên bản",
		Sections: []docs.AdminSection{{Heading: "I. NỘI DUNG", Text: "Thống nhất kế hoạch công tác tháng tới."}},
		Signers:  []docs.AdminSigner{{Title: "Thư ký", Name: "Lê Văn Thư"}, {Title: "Chủ tọa", Name: "Nguyễn Văn An"}}}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
