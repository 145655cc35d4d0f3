package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
)

// fileApproved files an approved minutes or conclusion notice: the register gives it its number,
// the approved version is rendered to PDF with that number, and the PDF is kept and its SHA-256
// written in the entry, all in the filing transaction.
func (s *Server) fileApproved(ctx context.Context, userID int64, mem rooms.Member, mt rooms.Meeting, a rooms.Approval, f register.Filing) (register.Entry, error) {
	rec, err := s.d.Rooms.RecordVersion(ctx, mem, a.SubjectKind, a.SubjectVersion)
	if err != nil {
		return register.Entry{}, err
	}
	org, err := s.d.Directory.Organization(ctx, mt.OrganizationID)
	if err != nil {
		return register.Entry{}, err
	}
	var parent string
	if org.ParentID != nil {
		if p, err := s.d.Directory.Organization(ctx, *org.ParentID); err == nil {
			parent = p.Name
		}
	}
	return s.d.Register.FileOnce(ctx, userID, f, func(tx *store.Tx, e register.Entry) error {
		doc, err := adminDocument(a.SubjectKind, rec.Content, e, org.Name, parent, f)
		if err != nil {
			return err
		}
		var pdf bytes.Buffer
		if s.d.Signer != nil {
			err = docs.WriteSignedAdminPDF(&pdf, doc, s.d.Signer, tx.Now())
		} else {
			err = docs.WriteAdminPDF(&pdf, doc)
		}
		if err != nil {
			return err
		}
		sum, err := s.d.Docs.KeepFile(ctx, tx, pdf.Bytes(), docs.TypePDF)
		if err != nil {
			return err
		}
		return register.AttachFile(ctx, tx, e.ID, sum)
	})
}

// placeOf is the place written before the date: the province's name for a province body.
func placeOf(orgName string) string {
	for _, p := range []string{"tỉnh ", "thành phố ", "huyện ", "xã ", "thị xã "} {
		if i := strings.LastIndex(strings.ToLower(orgName), p); i >= 0 {
			return strings.TrimSpace(orgName[i+len(p):])
		}
	}
	return orgName
}

// adminDocument turns an approved record into the administrative layout.
func adminDocument(kind string, content json.RawMessage, e register.Entry, agency, parent string, f register.Filing) (docs.AdminDocument, error) {
	date, _ := time.Parse("2006-01-02", e.DocDate)
	d := docs.AdminDocument{ParentAgency: parent, Agency: agency, Symbol: e.Symbol, Place: placeOf(agency), Date: date.Add(12 * time.Hour)}
	for _, r := range strings.Split(f.Recipients, "\n") {
		if r = strings.TrimSpace(r); r != "" {
			d.Recipients = append(d.Recipients, r)
		}
	}
	switch kind {
	case rooms.KindMinutes:
		var m rooms.Minutes
		if err := json.Unmarshal(content, &m); err != nil {
			return d, err
		}
		d.Kind, d.Summary = "Biên bản", upperFirst(strings.TrimPrefix(strings.TrimPrefix(m.Title, "Biên bản "), "biên bản "))
		d.Sections = append(d.Sections,
			docs.AdminSection{Heading: "I. THỜI GIAN, ĐỊA ĐIỂM, THÀNH PHẦN", Text: "Thời gian bắt đầu: " + m.StartedAt + "\nĐịa điểm: " + m.Place},
			docs.AdminSection{Text: "Chủ trì: " + m.Chair + "\nThư ký: " + m.Secretary},
			docs.AdminSection{Text: "Thành phần tham dự:\n" + m.Participants},
		)
		if strings.TrimSpace(m.Absent) != "" {
			d.Sections = append(d.Sections, docs.AdminSection{Text: "Vắng mặt:\n" + m.Absent})
		}
		d.Sections = append(d.Sections, docs.AdminSection{Heading: "II. NỘI DUNG CUỘC HỌP"})
		for i, it := range m.Items {
			var parts []string
			for _, p := range []struct{ label, text string }{{"", it.Proceedings}, {"Ý kiến phát biểu:\n", it.Speeches}, {"Kết quả biểu quyết:\n", it.Votes}, {"Kết luận: ", it.Conclusion}} {
				if strings.TrimSpace(p.text) != "" {
					parts = append(parts, p.label+p.text)
				}
			}
			d.Sections = append(d.Sections, docs.AdminSection{Heading: fmt.Sprintf("%d. %s", i+1, it.Title), Text: strings.Join(parts, "\n")})
		}
		d.Sections = append(d.Sections, docs.AdminSection{Text: "Cuộc họp kết thúc vào " + m.EndedAt + ". " + m.Closing})
		d.Signers = []docs.AdminSigner{{Title: "Thư ký", Name: nameOnly(m.Secretary)}, {Title: "Chủ tọa", Name: nameOnly(m.Chair)}}
	case rooms.KindConclusion:
		var c rooms.Conclusion
		if err := json.Unmarshal(content, &c); err != nil {
			return d, err
		}
		d.Kind, d.Summary = "Thông báo", upperFirst(strings.TrimPrefix(c.Title, "Thông báo "))
		d.Sections = append(d.Sections, docs.AdminSection{Text: c.Preamble})
		for i, it := range c.Items {
			d.Sections = append(d.Sections, docs.AdminSection{Heading: fmt.Sprintf("%d. %s", i+1, it.Title), Text: it.Conclusion})
		}
		name, title, _ := strings.Cut(f.Signer, ",")
		d.Signers = []docs.AdminSigner{{Title: strings.TrimSpace(title), Name: strings.TrimSpace(name)}}
	default:
		return d, fmt.Errorf("api: cannot render %q", kind)
	}
	return d, nil
}

func nameOnly(s string) string {
	name, _, _ := strings.Cut(s, ",")
	return strings.TrimSpace(name)
}

func upperFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	}
	return string(r)
}
