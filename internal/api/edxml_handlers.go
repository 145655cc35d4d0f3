package api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/phonghop/phonghop/docs/edxml"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
)

// exportEdXML packs a filed entry and its signed PDF as edXML (QCVN 102:2016) to send to another
// agency: from the filing organization to ?to=<organization id> (default: its parent body).
func (s *Server) exportEdXML(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	fail := func(err error) { writeError(w, r, s.d.Log, err) }
	id, err := pathID(r, "entry")
	if err != nil {
		fail(err)
		return
	}
	e, err := s.d.Register.Get(r.Context(), id)
	if err == nil && !keepsRegister(p, e.OrganizationID) {
		err = errRegisterForbidden
	}
	if err == nil {
		err = confidentialStep(r, e)
	}
	if err != nil {
		fail(err)
		return
	}
	from, err := s.d.Directory.Organization(r.Context(), e.OrganizationID)
	if err != nil {
		fail(err)
		return
	}
	toID, err := queryID(r, "to")
	if err != nil {
		fail(err)
		return
	}
	if toID == 0 {
		toID = from.ID
		if from.ParentID != nil {
			toID = *from.ParentID
		}
	}
	to, err := s.d.Directory.Organization(r.Context(), toID)
	if err != nil {
		fail(errs.Fieldf("to", "Không tìm thấy cơ quan nhận.", "No such receiving organization."))
		return
	}
	number, notation, _ := strings.Cut(e.Symbol, "/")
	pkg := edxml.Package{Header: edxml.Header{
		From:             edxml.Organ{OrganID: from.Code, OrganName: from.Name},
		To:               []edxml.Organ{{OrganID: to.Code, OrganName: to.Name}},
		Code:             edxml.Code{CodeNumber: number, CodeNotation: notation},
		PromulgationInfo: edxml.PromulgationInfo{Place: placeOf(from.Name), PromulgationDate: e.DocDate},
		DocumentType:     edxml.DocumentType{Type: e.DocType, TypeName: e.DocTypeName},
		Subject:          e.Summary,
		SignerInfo:       edxml.SignerInfo{FullName: nameOnly(e.Signer), Position: strings.TrimSpace(strings.TrimPrefix(e.Signer, nameOnly(e.Signer)+","))},
		OtherInfo:        edxml.OtherInfo{PromulgationAmount: e.Copies},
	}}
	for _, line := range strings.Split(e.Recipients, "\n") {
		if line = strings.Trim(strings.TrimSpace(line), "-;. "); line != "" {
			pkg.Header.ToPlaces = append(pkg.Header.ToPlaces, line)
		}
	}
	if e.SHA256 != "" && s.d.Docs != nil {
		f, err := s.d.Docs.OpenFile(e.SHA256)
		if err != nil {
			fail(err)
			return
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			fail(err)
			return
		}
		pkg.Attachments = append(pkg.Attachments, edxml.Attachment{Name: strings.ReplaceAll(e.Symbol, "/", "-") + ".pdf", ContentType: "application/pdf", Data: data})
	}
	var buf bytes.Buffer
	if err := edxml.Write(&buf, pkg); err != nil {
		fail(err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", contentDisposition("attachment", strings.ReplaceAll(e.Symbol, "/", "-")+".edxml"))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// incomingView is an imported package as the clerk sees it.
type incomingView struct {
	Header      edxml.Header `json:"header"`
	Attachments []struct {
		Name        string `json:"name"`
		ContentType string `json:"content_type"`
		Size        int    `json:"size"`
	} `json:"attachments"`
}

// importEdXML reads an incoming edXML package (the body is the XML) and shows what it holds.
func (s *Server) importEdXML(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if len(p.RoleOrganizations()) == 0 && !p.IsAdmin {
		writeError(w, r, s.d.Log, errRegisterForbidden)
		return
	}
	body, err := xmlBody(r, http.MaxBytesReader(w, r.Body, edxml.MaxPackage+1))
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	pkg, err := edxml.Read(body)
	if e, ok := edxml.IsError(err); ok {
		writeError(w, r, s.d.Log, errs.E(errs.Invalid, e.Vi, e.En))
		return
	}
	if err != nil {
		writeError(w, r, s.d.Log, decodeError(err))
		return
	}
	var v incomingView
	v.Header = pkg.Header
	for _, a := range pkg.Attachments {
		v.Attachments = append(v.Attachments, struct {
			Name        string `json:"name"`
			ContentType string `json:"content_type"`
			Size        int    `json:"size"`
		}{a.Name, a.ContentType, len(a.Data)})
	}
	writeJSON(w, http.StatusOK, v)
}
