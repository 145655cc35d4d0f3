// Package edxml writes and reads edXML packages (QCVN 102:2016/BTTTT), the envelope Vietnamese
// agencies exchange documents in: a header (From, To, Code with CodeNumber and CodeNotation,
// PromulgationInfo, DocumentType, Subject, SignerInfo, ToPlaces, OtherInfo) and the files as
// base64 attachments. The reader is strict and bounded: it is fed files from outside.
package edxml

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Namespace of QCVN 102:2016.
const Namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

// Limits on what Read accepts.
const (
	MaxPackage     = 64 << 20 // bytes of XML
	MaxAttachments = 20
	maxText        = 4000
)

// Organ is a sending or receiving agency.
type Organ struct {
	OrganID   string `xml:"OrganId"`
	OrganName string `xml:"OrganName"`
	OrganAdd  string `xml:"OrganAdd,omitempty"`
	Email     string `xml:"Email,omitempty"`
}

// Code is the number and notation of a document: "15" and "BB-UBND" for 15/BB-UBND.
type Code struct {
	CodeNumber   string `xml:"CodeNumber"`
	CodeNotation string `xml:"CodeNotation"`
}

// PromulgationInfo is where and when the document was issued.
type PromulgationInfo struct {
	Place            string `xml:"Place"`
	PromulgationDate string `xml:"PromulgationDate"` // YYYY-MM-DD
}

// DocumentType names the kind of document.
type DocumentType struct {
	Type     string `xml:"Type"`
	TypeName string `xml:"TypeName"`
}

// SignerInfo is who signed.
type SignerInfo struct {
	Competence string `xml:"Competence,omitempty"`
	Position   string `xml:"Position,omitempty"`
	FullName   string `xml:"FullName"`
}

// OtherInfo carries the priority and the page and copy counts.
type OtherInfo struct {
	Priority           int `xml:"Priority"`
	PageAmount         int `xml:"PageAmount,omitempty"`
	PromulgationAmount int `xml:"PromulgationAmount,omitempty"`
}

// Header is the message header of the envelope.
type Header struct {
	From             Organ            `xml:"From"`
	To               []Organ          `xml:"To"`
	Code             Code             `xml:"Code"`
	PromulgationInfo PromulgationInfo `xml:"PromulgationInfo"`
	DocumentType     DocumentType     `xml:"DocumentType"`
	Subject          string           `xml:"Subject"`
	SignerInfo       SignerInfo       `xml:"SignerInfo"`
	ToPlaces         []string         `xml:"ToPlaces>Place"`
	OtherInfo        OtherInfo        `xml:"OtherInfo"`
}

// Attachment is a file sent with the document.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Package is a document and its files.
type Package struct {
	Header      Header
	Attachments []Attachment
}

type xmlAttachment struct {
	ContentID   string `xml:"ContentId"`
	ContentType string `xml:"ContentType"`
	Name        string `xml:"AttachmentName"`
	Content     string `xml:"Content"`
}

type envelope struct {
	XMLName     xml.Name        `xml:"edXMLEnvelope"`
	Header      Header          `xml:"edXMLHeader>MessageHeader"`
	Attachments []xmlAttachment `xml:"edXMLBody>Attachment"`
}

// Write encodes p as an edXML envelope.
func Write(w io.Writer, p Package) error {
	if err := p.Header.validate(); err != nil {
		return err
	}
	env := envelope{Header: p.Header}
	for i, a := range p.Attachments {
		env.Attachments = append(env.Attachments, xmlAttachment{ContentID: fmt.Sprintf("att%d", i+1), ContentType: a.ContentType, Name: a.Name,
			Content: base64.StdEncoding.EncodeToString(a.Data)})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	start := xml.StartElement{Name: xml.Name{Local: "edXML:edXMLEnvelope"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns:edXML"}, Value: Namespace}}}
	if err := enc.EncodeElement(prefixed(env), start); err != nil {
		return fmt.Errorf("edxml: encode: %w", err)
	}
	buf.WriteString("\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// prefixed is the envelope with every element in the edXML: prefix, as the standard writes it.
func prefixed(env envelope) any {
	type organ struct {
		OrganID   string `xml:"edXML:OrganId"`
		OrganName string `xml:"edXML:OrganName"`
		OrganAdd  string `xml:"edXML:OrganAdd,omitempty"`
		Email     string `xml:"edXML:Email,omitempty"`
	}
	type att struct {
		ContentID   string `xml:"edXML:ContentId"`
		ContentType string `xml:"edXML:ContentType"`
		Name        string `xml:"edXML:AttachmentName"`
		Content     string `xml:"edXML:Content"`
	}
	type header struct {
		From organ   `xml:"edXML:From"`
		To   []organ `xml:"edXML:To"`
		Code struct {
			CodeNumber   string `xml:"edXML:CodeNumber"`
			CodeNotation string `xml:"edXML:CodeNotation"`
		} `xml:"edXML:Code"`
		PromulgationInfo struct {
			Place            string `xml:"edXML:Place"`
			PromulgationDate string `xml:"edXML:PromulgationDate"`
		} `xml:"edXML:PromulgationInfo"`
		DocumentType struct {
			Type     string `xml:"edXML:Type"`
			TypeName string `xml:"edXML:TypeName"`
		} `xml:"edXML:DocumentType"`
		Subject    string `xml:"edXML:Subject"`
		SignerInfo struct {
			Competence string `xml:"edXML:Competence,omitempty"`
			Position   string `xml:"edXML:Position,omitempty"`
			FullName   string `xml:"edXML:FullName"`
		} `xml:"edXML:SignerInfo"`
		ToPlaces  []string `xml:"edXML:ToPlaces>edXML:Place"`
		OtherInfo struct {
			Priority           int `xml:"edXML:Priority"`
			PageAmount         int `xml:"edXML:PageAmount,omitempty"`
			PromulgationAmount int `xml:"edXML:PromulgationAmount,omitempty"`
		} `xml:"edXML:OtherInfo"`
	}
	var out struct {
		Header      header `xml:"edXML:edXMLHeader>edXML:MessageHeader"`
		Attachments []att  `xml:"edXML:edXMLBody>edXML:Attachment"`
	}
	h := env.Header
	out.Header.From = organ(h.From)
	for _, t := range h.To {
		out.Header.To = append(out.Header.To, organ(t))
	}
	out.Header.Code.CodeNumber, out.Header.Code.CodeNotation = h.Code.CodeNumber, h.Code.CodeNotation
	out.Header.PromulgationInfo.Place, out.Header.PromulgationInfo.PromulgationDate = h.PromulgationInfo.Place, h.PromulgationInfo.PromulgationDate
	out.Header.DocumentType.Type, out.Header.DocumentType.TypeName = h.DocumentType.Type, h.DocumentType.TypeName
	out.Header.Subject = h.Subject
	out.Header.SignerInfo.Competence, out.Header.SignerInfo.Position, out.Header.SignerInfo.FullName = h.SignerInfo.Competence, h.SignerInfo.Position, h.SignerInfo.FullName
	out.Header.ToPlaces = h.ToPlaces
	out.Header.OtherInfo.Priority, out.Header.OtherInfo.PageAmount, out.Header.OtherInfo.PromulgationAmount = h.OtherInfo.Priority, h.OtherInfo.PageAmount, h.OtherInfo.PromulgationAmount
	for _, a := range env.Attachments {
		out.Attachments = append(out.Attachments, att(a))
	}
	return out
}

// Error is what is wrong with a package, said in Vietnamese and English.
type Error struct{ Vi, En string }

func (e *Error) Error() string { return "edxml: " + e.En }

func bad(vi, en string, args ...any) error {
	return &Error{Vi: fmt.Sprintf(vi, args...), En: fmt.Sprintf(en, args...)}
}

func (h *Header) validate() error {
	for _, f := range []struct{ name, value string }{
		{"From/OrganId", h.From.OrganID}, {"From/OrganName", h.From.OrganName}, {"Code/CodeNumber", h.Code.CodeNumber},
		{"Code/CodeNotation", h.Code.CodeNotation}, {"PromulgationInfo/PromulgationDate", h.PromulgationInfo.PromulgationDate},
		{"DocumentType/TypeName", h.DocumentType.TypeName}, {"Subject", h.Subject}, {"SignerInfo/FullName", h.SignerInfo.FullName},
	} {
		v := strings.TrimSpace(f.value)
		if v == "" {
			return bad("Thiếu trường bắt buộc %s.", "The required field %s is missing.", f.name)
		}
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxText {
			return bad("Trường %s không hợp lệ hoặc quá dài.", "The field %s is invalid or too long.", f.name)
		}
	}
	if len(h.To) == 0 {
		return bad("Thiếu nơi nhận (To).", "No recipient (To).")
	}
	if _, err := time.Parse("2006-01-02", h.PromulgationInfo.PromulgationDate); err != nil {
		return bad("Ngày ban hành phải có dạng YYYY-MM-DD.", "PromulgationDate must be YYYY-MM-DD.")
	}
	return nil
}

// Read parses and checks an edXML package. Anything malformed, missing or oversized is refused
// with an *Error that says what.
func Read(r io.Reader) (Package, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPackage+1))
	if err != nil {
		return Package{}, err
	}
	if len(data) > MaxPackage {
		return Package{}, bad("Gói edXML quá lớn (tối đa %d MB).", "The edXML package is too large (at most %d MB).", MaxPackage>>20)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.Entity = nil // no custom entities: nothing expands
	var env envelope
	if err := dec.Decode(&env); err != nil {
		return Package{}, bad("Tệp không phải edXML hợp lệ: %v.", "Not a valid edXML file: %v.", err)
	}
	if env.XMLName.Space != Namespace {
		return Package{}, bad("Sai không gian tên edXML (cần %s).", "Wrong edXML namespace (want %s).", Namespace)
	}
	if err := env.Header.validate(); err != nil {
		return Package{}, err
	}
	if len(env.Attachments) > MaxAttachments {
		return Package{}, bad("Quá nhiều tệp đính kèm (tối đa %d).", "Too many attachments (at most %d).", MaxAttachments)
	}
	p := Package{Header: env.Header}
	for i, a := range env.Attachments {
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(a.Content), ""))
		if err != nil {
			return Package{}, bad("Tệp đính kèm %d không phải base64 hợp lệ.", "Attachment %d is not valid base64.", i+1)
		}
		name := strings.TrimSpace(a.Name)
		if name == "" || strings.ContainsAny(name, `/\`) || !utf8.ValidString(name) || len(name) > 255 {
			return Package{}, bad("Tên tệp đính kèm %d không hợp lệ.", "Attachment %d has an invalid name.", i+1)
		}
		p.Attachments = append(p.Attachments, Attachment{Name: name, ContentType: strings.TrimSpace(a.ContentType), Data: raw})
	}
	return p, nil
}

// IsError reports whether err is a refusal of the package's content (not an I/O failure).
func IsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
