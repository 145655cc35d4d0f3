package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/rooms/opinions"
)

// A member signs their written answer with the same kinds of key leaders sign with (a remote
// signing service with an OTP, or a token with its PIN): a detached CAdES signature over the
// answer's canonical bytes (opinions.Canonical), checked against the trust anchors before it is
// made and again whenever the answer is read.

// answerIn is an answer as sent: optionally with the member's signing ("sign").
type answerIn struct {
	opinions.NewAnswer
	Sign *signRequest `json:"sign,omitempty"`
}

var errMemberSigningOff = errs.E(errs.Unsupported, "Máy chủ chưa được cấu hình để ký số ý kiến theo cách này.", "Signing answers this way is not configured on this server.")

func (s *Server) answerSigningRoutes() {
	m := s.mux
	m.HandleFunc("POST /api/opinions/{form}/sign/otp", s.inForm(func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
		in, err := body[signRequest](s, w, r)
		if err != nil {
			return nil, err
		}
		if len(v.Answers) == 0 {
			return nil, errs.E(errs.Forbidden, "Bạn không có tên trong danh sách được lấy ý kiến.", "You are not among the people asked for an opinion.")
		}
		if s.d.Signing == nil || s.d.Signing.CSCURL == "" {
			return nil, errMemberSigningOff
		}
		c, cred, err := s.cscCredential(r.Context(), in)
		if err == nil {
			err = c.SendOTP(r.Context(), cred.ID)
		}
		return nil, signingError(err)
	}))
	m.HandleFunc("POST /api/opinions/{form}/answers/{answer}/sign", s.inForm(func(w http.ResponseWriter, r *http.Request, f opinions.Form, v opinions.Viewer, p *auth.Principal) (any, error) {
		in, err := body[signRequest](s, w, r)
		if err != nil {
			return nil, err
		}
		id, err := pathID(r, "answer")
		if err != nil {
			return nil, err
		}
		sign, done, err := s.memberSigner(r.Context(), in)
		if err != nil {
			return nil, signingError(err)
		}
		defer done()
		a, err := s.opinions.Sign(r.Context(), f, v, id, sign)
		if err != nil {
			return nil, signingError(err)
		}
		s.checkAnswerSignatures([]opinions.Answer{a})
		return a, nil
	}))
}

// memberSigner opens the member's key and checks its certificate before anything is stored;
// the returned function makes the signature inside the storing transaction, done releases the key.
func (s *Server) memberSigner(ctx context.Context, in signRequest) (opinions.SignFunc, func(), error) {
	sg := s.d.Signing
	if sg == nil || (in.Method == "remote" && sg.CSCURL == "") || (in.Method == "token" && sg.Token.Module == "") {
		return nil, nil, errMemberSigningOff
	}
	key, method, closeKey, err := s.leaderKey(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	path, evidence, err := sg.Trust.Check(ctx, key.Chain())
	if err != nil {
		closeKey()
		return nil, nil, err
	}
	signer, c := pades.WithChain(key, path), path[0]
	return func(ctx context.Context, content []byte) (opinions.Signature, error) {
		cms, err := pades.SignDetached(ctx, content, signer, pades.Options{TSA: sg.TSA, Revocation: evidence})
		return opinions.Signature{Method: method, Signer: c.Subject.CommonName, Issuer: c.Issuer.CommonName,
			Serial: c.SerialNumber.Text(16), CMS: cms}, err
	}, closeKey, nil
}

// checkAnswerSignatures verifies each signed answer as it is now stored: the bytes signed are
// the answer's, the signature matches them, and its certificate chains to a trust anchor.
func (s *Server) checkAnswerSignatures(list []opinions.Answer) {
	var trust *pades.Trust
	if s.d.Signing != nil {
		trust = s.d.Signing.Trust
	}
	for i := range list {
		sig := list[i].Signature
		if sig == nil {
			continue
		}
		content := opinions.Canonical(list[i])
		sum := sha256.Sum256(content)
		if hex.EncodeToString(sum[:]) != sig.SHA256 {
			sig.Problem = "Nội dung ý kiến không còn khớp với bản đã ký."
			continue
		}
		d, err := pades.VerifyDetached(sig.CMS, content)
		if err != nil {
			sig.Problem = "Chữ ký số không khớp với nội dung ý kiến."
			continue
		}
		sig.Verified = true
		// Checked at the time the signature itself says, as a signed file's are.
		at := d.SigningAt
		if at.IsZero() {
			at = sig.SignedAt
		}
		if sig.Trusted = trust.Trusted(d.Cert, d.Chain, at); !sig.Trusted {
			sig.Problem = "Chứng thư số không do tổ chức chứng thực được tin cậy cấp."
		}
	}
}
