package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/digitorus/pdfsign/revocation"
	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/pades"
	"github.com/phonghop/phonghop/docs/pades/csc"
	"github.com/phonghop/phonghop/docs/pades/token"
	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
)

// Signing is how leaders sign what they approve: with their PKCS#11 token or a remote signing
// service, checked against the trust anchors, time-stamped, then sealed with the agency's key
// (Deps.Signer).
type Signing struct {
	Trust      *pades.Trust
	TSA        *pades.TSA // nil: B-B signatures, no time-stamp
	CSCURL     string     // a CSC API v2 base ("…/csc/v2"); empty: no remote signing
	CSCTimeout time.Duration
	Token      token.Config // Module empty: no token signing
	// LeaderRequired: an approved minutes or notice is filed only by its leader's signing, never
	// by the secretary with the server key alone.
	LeaderRequired bool
}

// signRequest is the leader's signing: the method and what unlocks the key.
type signRequest struct {
	Method      string `json:"method"` // "remote" or "token"
	CSCUser     string `json:"csc_user"`
	CSCPassword string `json:"csc_password"`
	OTP         string `json:"otp"`
	PIN         string `json:"pin"`
	// SHA256 is the approved version's hash as the leader's screen showed it.
	SHA256     string `json:"sha256"`
	Signer     string `json:"signer"` // "Name, position" as written under the signature
	Recipients string `json:"recipients"`
	// DocType is an uploaded document's type in the register (QĐ, KH…); empty: read from its title.
	DocType string `json:"doc_type"`
}

func (s *Server) signingRoutes() {
	m := s.mux
	m.HandleFunc("GET /api/signing", s.authed(func(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
		sg := s.d.Signing
		writeJSON(w, http.StatusOK, map[string]bool{"remote": sg != nil && sg.CSCURL != "", "token": sg != nil && sg.Token.Module != "", "leader_required": sg != nil && sg.LeaderRequired})
	}))
	m.HandleFunc("POST /api/meetings/{id}/approvals/{approval}/sign/otp", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[signRequest](s, w, r)
		if err != nil {
			return nil, err
		}
		aid, err := pathID(r, "approval")
		if err != nil {
			return nil, err
		}
		if _, err := s.approvalToSign(r.Context(), mem, p, aid, in); err != nil {
			return nil, err
		}
		c, cred, err := s.cscCredential(r.Context(), in)
		if err == nil {
			err = c.SendOTP(r.Context(), cred.ID)
		}
		return nil, signingError(err)
	}))
	m.HandleFunc("POST /api/meetings/{id}/approvals/{approval}/sign", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		in, err := body[signRequest](s, w, r)
		if err != nil {
			return nil, err
		}
		aid, err := pathID(r, "approval")
		if err != nil {
			return nil, err
		}
		e, err := s.signApproval(r.Context(), mem, p, aid, in)
		if err != nil {
			return nil, signingError(err)
		}
		return created{e}, nil
	}))
	m.HandleFunc("GET /api/register/entries/{entry}/signatures", s.authed(s.entrySignatures))
}

var errSigningOff = errs.E(errs.Unsupported, "Máy chủ chưa được cấu hình để lãnh đạo ký số.", "Leader signing is not configured on this server.")

var errChangedSinceApproval = errs.E(errs.Conflict, "Văn bản đã thay đổi so với bản được phê duyệt; không ký. Thư ký cần trình duyệt lại.", "The text differs from the approved version; it is not signed. The secretary must send it for approval again.")

// subjectToSign is what a leader signs: an approved minutes or notice (rec), or an approved
// uploaded PDF (pdf).
type subjectToSign struct {
	a   rooms.Approval
	rec rooms.Record
	pdf []byte
}

// approvalToSign checks that p is the leader who approved and that the approved text is still
// the text that will be signed.
func (s *Server) approvalToSign(ctx context.Context, mem rooms.Member, p *auth.Principal, aid int64, in signRequest) (subjectToSign, error) {
	var sub subjectToSign
	if s.d.Signing == nil {
		return sub, errSigningOff
	}
	a, err := s.d.Rooms.Approval(ctx, mem, aid)
	if err != nil {
		return sub, err
	}
	sub.a = a
	if a.LeaderID != p.ID {
		return sub, errs.E(errs.Forbidden, "Chỉ lãnh đạo đã phê duyệt mới ký được văn bản này.", "Only the leader who approved may sign this.")
	}
	if a.Status != rooms.ApprovalApproved {
		return sub, errs.E(errs.Conflict, "Văn bản chưa được phê duyệt nên chưa ký được.", "The text is not approved, so it cannot be signed.")
	}
	if in.SHA256 != "" && in.SHA256 != a.SubjectSHA256 {
		return sub, errChangedSinceApproval
	}
	switch a.SubjectKind {
	case kindDocument:
		sub.pdf, err = s.approvedPDF(ctx, mem, a)
		return sub, err
	case rooms.KindMinutes, rooms.KindConclusion:
	default:
		return sub, errs.E(errs.Unsupported, "Không ký số được loại văn bản này.", "This kind of text cannot be signed.")
	}
	if sub.rec, err = s.d.Rooms.RecordVersion(ctx, mem, a.SubjectKind, a.SubjectVersion); err != nil {
		return sub, err
	}
	sum := sha256.Sum256(sub.rec.Content)
	if hex.EncodeToString(sum[:]) != a.SubjectSHA256 {
		return sub, errChangedSinceApproval
	}
	return sub, nil
}

// cscCredential logs in to the remote signing service and finds the leader's credential.
func (s *Server) cscCredential(ctx context.Context, in signRequest) (*csc.Client, csc.Credential, error) {
	sg := s.d.Signing
	if sg.CSCURL == "" {
		return nil, csc.Credential{}, errSigningOff
	}
	if strings.TrimSpace(in.CSCUser) == "" {
		return nil, csc.Credential{}, errs.Fieldf("csc_user", "Hãy nhập tài khoản ký số từ xa.", "Enter the remote signing account.")
	}
	c := csc.NewClient(sg.CSCURL, in.CSCUser, in.CSCPassword, sg.CSCTimeout)
	if err := c.Login(ctx); err != nil {
		return nil, csc.Credential{}, err
	}
	ids, err := c.Credentials(ctx, "")
	if err != nil {
		return nil, csc.Credential{}, err
	}
	if len(ids) == 0 {
		return nil, csc.Credential{}, csc.ErrNoCredential
	}
	cred, err := c.Info(ctx, ids[0])
	return c, cred, err
}

// leaderKey opens the leader's key: the token with the PIN, or the remote credential with the OTP.
// close releases it.
func (s *Server) leaderKey(ctx context.Context, in signRequest) (pades.Signer, string, func(), error) {
	switch in.Method {
	case "remote":
		if strings.TrimSpace(in.OTP) == "" {
			return nil, "", nil, errs.Fieldf("otp", "Hãy nhập mã OTP.", "Enter the OTP.")
		}
		c, cred, err := s.cscCredential(ctx, in)
		if err != nil {
			return nil, "", nil, err
		}
		return &csc.Remote{Client: c, Cred: cred, OTP: strings.TrimSpace(in.OTP)}, "remote", func() {}, nil
	case "token":
		if s.d.Signing.Token.Module == "" {
			return nil, "", nil, errSigningOff
		}
		if in.PIN == "" {
			return nil, "", nil, errs.Fieldf("pin", "Hãy nhập mã PIN của thiết bị ký số.", "Enter the token's PIN.")
		}
		t, err := token.Open(s.d.Signing.Token, in.PIN)
		if err != nil {
			return nil, "", nil, err
		}
		return t, "token", func() { _ = t.Close() }, nil
	}
	return nil, "", nil, errs.Fieldf("method", "Hãy chọn cách ký: ký từ xa hoặc thiết bị ký số.", "Choose remote signing or a token.")
}

// signApproval files an approved minutes, notice or uploaded PDF with its leader's signature and
// the agency's seal. The number is taken, the PDF rendered with it (an uploaded PDF is signed as
// it is) and signed twice inside the filing transaction: if either signature fails, nothing is
// filed and no number is used.
func (s *Server) signApproval(ctx context.Context, mem rooms.Member, p *auth.Principal, aid int64, in signRequest) (register.Entry, error) {
	sub, err := s.approvalToSign(ctx, mem, p, aid, in)
	if err != nil {
		return register.Entry{}, err
	}
	a := sub.a
	sg := s.d.Signing
	if s.d.Signer == nil {
		return register.Entry{}, errs.E(errs.Unsupported, "Máy chủ chưa có khóa ký số của cơ quan.", "The agency's seal key is not configured.")
	}
	key, method, closeKey, err := s.leaderKey(ctx, in)
	if err != nil {
		return register.Entry{}, err
	}
	defer closeKey()
	path, evidence, err := sg.Trust.Check(ctx, key.Chain())
	if err != nil {
		return register.Entry{}, err
	}
	leader := pades.WithChain(key, path)
	seal, sealEvidence, err := s.sealKey(ctx)
	if err != nil {
		return register.Entry{}, err
	}
	mt, err := s.d.Rooms.Get(ctx, mem.MeetingID)
	if err != nil {
		return register.Entry{}, err
	}
	org, parent, err := s.orgNames(ctx, mt.OrganizationID)
	if err != nil {
		return register.Entry{}, err
	}
	name := strings.TrimSpace(p.FullName)
	f := approvalFiling(mt, a, register.Filing{DocType: in.DocType, Signer: strings.TrimSpace(in.Signer), Recipients: in.Recipients})
	if f.DocType == "" {
		return register.Entry{}, errs.Fieldf("doc_type", "Hãy chọn tên loại văn bản để vào sổ (ví dụ QĐ, KH, TTr).", "Choose the document type for the register (e.g. QĐ, KH, TTr).")
	}
	if f.Signer == "" {
		f.Signer = strings.TrimSuffix(name+", "+strings.TrimSpace(p.Title), ", ")
	}
	if strings.TrimSpace(f.Recipients) == "" {
		f.Recipients = "- Như trên;\n- Lưu: VT."
	}
	return s.d.Register.FileOnce(ctx, p.ID, f, func(tx *store.Tx, e register.Entry) error {
		file, place, kindName, err := s.fileToSign(sub, e, org, parent, f, name)
		if err != nil {
			return err
		}
		before := len(pades.Verify(file)) // an uploaded PDF may come signed already
		at := tx.Now()
		leaderCert := path[0]
		one, err := pades.Sign(ctx, file, leader, pades.Options{
			Name: leaderCert.Subject.CommonName, Reason: "Ký duyệt " + kindName + " số " + e.Symbol, Location: org, Time: at,
			TSA: sg.TSA, Revocation: evidence, Appearance: leaderStamp(place, leaderCert, p.Title, at),
		})
		if err != nil {
			return err
		}
		sealCert := seal.Chain()[0]
		two, err := pades.Sign(ctx, one, seal, pades.Options{
			Name: sealCert.Subject.CommonName, Reason: "Chữ ký số của cơ quan, tổ chức", Location: org, Time: at,
			TSA: sg.TSA, Revocation: sealEvidence, Appearance: sealStamp(place, sealCert, org),
		})
		if err != nil {
			return err
		}
		// What is filed is checked as a reader will check it.
		vs := pades.Verify(two)
		if len(vs) != before+2 {
			return fmt.Errorf("api: the signed file has %d signatures, not %d", len(vs), before+2)
		}
		for _, v := range vs[before:] {
			if !v.Valid || !v.Whole {
				return fmt.Errorf("api: the signed file does not verify: %v", v)
			}
		}
		sum, err := s.d.Docs.KeepFile(ctx, tx, two, docs.TypePDF)
		if err != nil {
			return err
		}
		if err := register.AttachFile(ctx, tx, e.ID, sum); err != nil {
			return err
		}
		return register.AddSignatures(ctx, tx, e.ID, []register.Signature{
			sigRecord(before+1, register.RoleLeader, method, key.Where(), leaderCert, &p.ID, at),
			sigRecord(before+2, register.RoleSeal, "server", seal.Where(), sealCert, nil, at),
		})
	})
}

func sigRecord(rev int, role, method, where string, c *x509.Certificate, by *int64, at time.Time) register.Signature {
	return register.Signature{Revision: rev, Role: role, Method: method, KeyLocation: where, Signer: c.Subject.CommonName,
		CertSerial: c.SerialNumber.Text(16), CertIssuer: c.Issuer.CommonName, SignedBy: by, SignedAt: at}
}

// sealKey is the agency's key, checked like a leader's; a self-signed demo key signs without a
// chain (readers will say no authority vouches for it).
func (s *Server) sealKey(ctx context.Context) (pades.Signer, revocation.InfoArchival, error) {
	k := pades.KeyPair{Signer: s.d.Signer.Key, Certs: append([]*x509.Certificate{s.d.Signer.Cert}, s.d.Signer.Chain...), Place: "khóa của cơ quan trên máy chủ"}
	path, ev, err := s.d.Signing.Trust.Check(ctx, k.Certs)
	switch {
	case err == nil:
		k.Certs = path
		return k, ev, nil
	case errors.Is(err, pades.ErrUntrusted) && bytes.Equal(k.Certs[0].RawIssuer, k.Certs[0].RawSubject):
		s.d.Log.Warn("signing: the agency's seal certificate is self-signed; no authority vouches for it")
		return k, ev, nil
	}
	return nil, ev, errs.E(errs.Unavailable, "Chứng thư số của cơ quan không dùng được: "+signingError(err).Error(), "The agency's seal certificate cannot be used.").Wrap(err)
}

// leaderStamp is the leader's visible signature over the name in their signature block: name,
// position, time and the certificate's issuer.
func leaderStamp(place *docs.SignaturePlace, c *x509.Certificate, title string, at time.Time) *pades.Appearance {
	if place == nil {
		return nil
	}
	r := place.Signature
	lines := []string{"Ký bởi: " + c.Subject.CommonName}
	if title = strings.TrimSpace(title); title != "" {
		lines = append(lines, "Chức vụ: "+title)
	}
	lines = append(lines, "Thời gian: "+at.In(time.FixedZone("ICT", 7*3600)).Format("15:04 02/01/2006"), "Cấp bởi: "+c.Issuer.CommonName)
	img, err := docs.SignatureStamp(r[2]-r[0], r[3]-r[1], lines)
	if err != nil {
		return nil
	}
	return &pades.Appearance{Page: uint32(place.Page), Rect: r, Image: img}
}

// sealStamp is the agency's seal over the upper left third of the leader's signature.
func sealStamp(place *docs.SignaturePlace, c *x509.Certificate, org string) *pades.Appearance {
	if place == nil {
		return nil
	}
	r := place.Seal
	img, err := docs.SealStamp(r[2]-r[0], org, "Đã ký số")
	if err != nil {
		return nil
	}
	return &pades.Appearance{Page: uint32(place.Page), Rect: r, Image: img}
}

// fileToSign is the file the leader signs with where the signature goes: the minutes or notice
// rendered with its number, or the approved uploaded PDF as it is (see UploadedSignaturePlace).
func (s *Server) fileToSign(sub subjectToSign, e register.Entry, org, parent string, f register.Filing, name string) ([]byte, *docs.SignaturePlace, string, error) {
	if sub.a.SubjectKind == kindDocument {
		place, err := docs.UploadedSignaturePlace(sub.pdf)
		if err != nil {
			return nil, nil, "", errs.E(errs.Invalid, "Không đọc được tệp PDF để đặt chữ ký.", "The PDF cannot be read to place the signature.").Wrap(err)
		}
		return sub.pdf, &place, register.Types[f.DocType], nil
	}
	doc, err := adminDocument(sub.a.SubjectKind, sub.rec.Content, e, org, parent, f)
	if err != nil {
		return nil, nil, "", err
	}
	var pdf bytes.Buffer
	if err := docs.WriteAdminPDF(&pdf, doc); err != nil {
		return nil, nil, "", err
	}
	places, err := docs.AdminSignaturePlaces(doc)
	if err != nil {
		return nil, nil, "", err
	}
	return pdf.Bytes(), placeOfSigner(places, name), doc.Kind, nil
}

// placeOfSigner picks the signature block of the leader: the one with their name, else the last
// (the right-hand block, where the head signs).
func placeOfSigner(places []docs.SignaturePlace, name string) *docs.SignaturePlace {
	for i := range places {
		if strings.EqualFold(strings.TrimSpace(places[i].Name), name) {
			return &places[i]
		}
	}
	if len(places) == 0 {
		return nil
	}
	return &places[len(places)-1]
}

// orgNames are the issuing body's name and its parent's.
func (s *Server) orgNames(ctx context.Context, id int64) (string, string, error) {
	org, err := s.d.Directory.Organization(ctx, id)
	if err != nil {
		return "", "", err
	}
	var parent string
	if org.ParentID != nil {
		if p, err := s.d.Directory.Organization(ctx, *org.ParentID); err == nil {
			parent = p.Name
		}
	}
	return org.Name, parent, nil
}

// signingError words the reasons a signing is refused for the leader; nothing was filed.
func signingError(err error) error {
	if err == nil || errs.As(err) != nil {
		return err
	}
	for _, m := range []struct {
		target error
		e      *errs.Error
	}{
		{token.ErrWrongPIN, errs.Fieldf("pin", "Mã PIN của thiết bị ký số không đúng.", "The token's PIN is wrong.")},
		{token.ErrLocked, errs.E(errs.Forbidden, "Thiết bị ký số đã bị khóa do nhập sai mã PIN quá số lần cho phép.", "The token is locked after too many wrong PINs.")},
		{token.ErrNoToken, errs.E(errs.Invalid, "Không tìm thấy thiết bị ký số. Hãy cắm thiết bị vào máy và thử lại.", "No token found. Plug it in and try again.")},
		{token.ErrNoKey, errs.E(errs.Invalid, "Thiết bị ký số không có khóa kèm chứng thư số.", "The token holds no key with a certificate.")},
		{csc.ErrNoAnswer, errs.E(errs.Unavailable, "Dịch vụ ký số từ xa không phản hồi. Văn bản chưa được ký và chưa vào sổ; hãy thử lại sau.", "The remote signing service did not answer. Nothing was signed or filed; try again later.")},
		{csc.ErrBadOTP, errs.Fieldf("otp", "Mã OTP không đúng hoặc đã hết hạn. Hãy lấy mã mới.", "The OTP is wrong or expired. Ask for a new one.")},
		{csc.ErrNoCredential, errs.E(errs.Invalid, "Tài khoản ký số từ xa chưa có chứng thư số.", "The remote signing account has no certificate.")},
		{csc.ErrRefused, errs.E(errs.Invalid, "Dịch vụ ký số từ xa từ chối yêu cầu (sai tài khoản hoặc mật khẩu?).", "The remote signing service refused (wrong account or password?).")},
		{pades.ErrExpired, errs.E(errs.Invalid, "Chứng thư số đã hết hạn hoặc chưa có hiệu lực; không ký được.", "The certificate has expired or is not yet valid.")},
		{pades.ErrRevoked, errs.E(errs.Invalid, "Chứng thư số đã bị thu hồi; không ký được.", "The certificate has been revoked.")},
		{pades.ErrUntrusted, errs.E(errs.Invalid, "Chứng thư số không do tổ chức chứng thực được tin cậy cấp.", "The certificate is not issued by a trusted authority.")},
		{pades.ErrRevocationUnknown, errs.E(errs.Unavailable, "Không kiểm tra được tình trạng thu hồi của chứng thư số; hãy thử lại sau.", "The certificate's revocation status could not be checked; try again later.")},
		{pades.ErrTSA, errs.E(errs.Unavailable, "Dịch vụ cấp dấu thời gian không phản hồi; văn bản chưa được ký.", "The time-stamping service did not answer; nothing was signed.")},
	} {
		if errors.Is(err, m.target) {
			return m.e.Wrap(err)
		}
	}
	return err
}

// entrySignature is one signature of a filed file as the entry page shows it: what the file
// says (checked now) and how it was made.
type entrySignature struct {
	pades.Signature
	Trusted bool                `json:"trusted"`
	Record  *register.Signature `json:"record,omitempty"`
}

// entrySignatures checks every signature in an entry's file.
func (s *Server) entrySignatures(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r, "entry")
	var e register.Entry
	if err == nil {
		e, err = s.d.Register.Get(r.Context(), id)
	}
	if err == nil && !keepsRegister(p, e.OrganizationID) {
		err = errRegisterForbidden
	}
	var recs []register.Signature
	if err == nil {
		recs, err = s.d.Register.Signatures(r.Context(), id)
	}
	var data []byte
	if err == nil && e.SHA256 != "" {
		f, ferr := s.d.Docs.OpenFile(e.SHA256)
		if ferr != nil {
			err = ferr
		} else {
			data, err = io.ReadAll(f)
			f.Close()
		}
	}
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	var trust *pades.Trust
	if s.d.Signing != nil {
		trust = s.d.Signing.Trust
	}
	out := []entrySignature{}
	for _, v := range pades.Verify(data) {
		es := entrySignature{Signature: v}
		at := v.StampedAt
		if at.IsZero() {
			at = v.SigningAt
		}
		es.Trusted = v.Valid && trust.Trusted(v.Cert, v.Chain, at)
		for i := range recs {
			if recs[i].Revision == v.Revision {
				es.Record = &recs[i]
			}
		}
		out = append(out, es)
	}
	writeJSON(w, http.StatusOK, map[string]any{"signatures": out})
}

var errLeaderSigns = errs.E(errs.Conflict, "Văn bản này được vào sổ khi lãnh đạo ký số; hãy đề nghị lãnh đạo ký.", "This is filed when the leader signs it; ask the leader to sign.")

// SetSigning turns leader signing on (before the server takes requests); a non-nil seal replaces
// the agency's key.
func (s *Server) SetSigning(sg *Signing, seal *docs.Signer) {
	s.d.Signing = sg
	if seal != nil {
		s.d.Signer = seal
	}
}
