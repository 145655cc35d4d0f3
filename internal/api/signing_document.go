package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/rooms"
)

// kindDocument is an approval of an uploaded document version.
const kindDocument = "document"

var errNotPDF = errs.E(errs.Unsupported, "Chỉ ký số được tệp PDF. Văn bản này không phải PDF: hãy chuyển sang PDF, tải lên phiên bản mới và trình duyệt lại.",
	"Only PDF files can be signed. Convert this document to PDF, upload it as a new version and send it for approval again.")

// approvedPDF reads the approved version of an uploaded document as the leader sees it and checks
// it is a PDF whose bytes still hash to what the leader approved.
func (s *Server) approvedPDF(ctx context.Context, mem rooms.Member, a rooms.Approval) ([]byte, error) {
	v, err := s.viewer(ctx, mem)
	if err != nil {
		return nil, err
	}
	_, ver, err := s.d.Docs.VersionByID(ctx, v, mem.MeetingID, a.SubjectID)
	if err != nil {
		return nil, err
	}
	if ver.ContentType != docs.TypePDF {
		return nil, errNotPDF
	}
	f, err := s.d.Docs.OpenFile(ver.SHA256)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	// Hashed again from the stored bytes: the file signed is the file approved, not merely a file
	// recorded under the same name.
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != a.SubjectSHA256 {
		return nil, errChangedSinceApproval
	}
	return data, nil
}

// isPDFDocument says whether an approved document is a PDF (the leader signs those when leader
// signing is required).
func (s *Server) isPDFDocument(ctx context.Context, mem rooms.Member, a rooms.Approval) (bool, error) {
	v, err := s.viewer(ctx, mem)
	if err != nil {
		return false, err
	}
	_, ver, err := s.d.Docs.VersionByID(ctx, v, mem.MeetingID, a.SubjectID)
	return err == nil && ver.ContentType == docs.TypePDF, err
}

// approvalFiling is the register entry of an approved result of a meeting, whoever files it.
func approvalFiling(mt rooms.Meeting, a rooms.Approval, f register.Filing) register.Filing {
	f.OrganizationID, f.MeetingID, f.SHA256 = mt.OrganizationID, &mt.ID, ""
	f.Source = fmt.Sprintf("approval:%d", a.ID)
	if f.DocType == "" {
		f.DocType = map[string]string{rooms.KindMinutes: "BB", rooms.KindConclusion: "TB"}[a.SubjectKind]
	}
	if f.DocType == "" && a.SubjectKind == kindDocument {
		f.DocType, f.Summary = typeOfTitle(a.Title, f.Summary)
	}
	if f.Summary == "" {
		f.Summary = mt.Title // the type name ("Biên bản") comes first in the book
	}
	return f
}

// typeOfTitle reads the type of a document from its title ("Kế hoạch phát triển…" is a KH) and
// gives the rest of the title as the summary, since the book writes the type name before it.
func typeOfTitle(title, summary string) (string, string) {
	title = strings.TrimSpace(title)
	best, name := "", ""
	for code, n := range register.Types {
		if len(n) > len(name) && len(title) > len(n) && strings.EqualFold(title[:len(n)], n) && title[len(n)] == ' ' {
			best, name = code, n
		}
	}
	if best != "" && summary == "" {
		summary = upperFirst(strings.TrimSpace(title[len(name):]))
	}
	return best, summary
}
