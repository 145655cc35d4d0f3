package edxml_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/phonghop/phonghop/docs/edxml"
)

func sample() edxml.Package {
	return edxml.Package{
		Header: edxml.Header{
			From:             edxml.Organ{OrganID: "000.00.01.H56", OrganName: "Ủy ban nhân dân tỉnh Thanh Hóa"},
			To:               []edxml.Organ{{OrganID: "000.00.02.H56", OrganName: "Sở Tài nguyên và Môi trường"}},
			Code:             edxml.Code{CodeNumber: "15", CodeNotation: "BB-UBND"},
			PromulgationInfo: edxml.PromulgationInfo{Place: "Thanh Hóa", PromulgationDate: "2026-11-22"},
			DocumentType:     edxml.DocumentType{Type: "BB", TypeName: "Biên bản"},
			Subject:          "Hội nghị giao ban trực tuyến tháng 11 năm 2026",
			SignerInfo:       edxml.SignerInfo{Position: "Chủ tịch", FullName: "Đỗ Minh Tuấn"},
			ToPlaces:         []string{"Thường trực Tỉnh ủy", "Lưu: VT"},
			OtherInfo:        edxml.OtherInfo{Priority: 0, PromulgationAmount: 2},
		},
		Attachments: []edxml.Attachment{{Name: "15-BB-UBND.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 ... %%EOF")}},
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := edxml.Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"`, "<edXML:CodeNumber>15</edXML:CodeNumber>",
		"<edXML:CodeNotation>BB-UBND</edXML:CodeNotation>", "<edXML:Subject>Hội nghị giao ban", "<edXML:Content>JVBERi0x"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("%q missing from:\n%s", want, buf.String())
		}
	}
	got, err := edxml.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sample()) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, sample())
	}
}

func TestRefusals(t *testing.T) {
	var good bytes.Buffer
	edxml.Write(&good, sample())
	cases := map[string]string{
		"not XML":          "xin chào",
		"wrong namespace":  strings.Replace(good.String(), edxml.Namespace, "urn:other", 1),
		"no subject":       strings.Replace(good.String(), "<edXML:Subject>Hội nghị giao ban trực tuyến tháng 11 năm 2026</edXML:Subject>", "", 1),
		"bad date":         strings.Replace(good.String(), "2026-11-22", "22/11/2026", 1),
		"bad base64":       strings.Replace(good.String(), "<edXML:Content>JVBERi0x", "<edXML:Content>@@@", 1),
		"path in name":     strings.Replace(good.String(), "15-BB-UBND.pdf", "../../etc/passwd", 1),
		"entity expansion": `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><edXML:edXMLEnvelope xmlns:edXML="` + edxml.Namespace + `">&a;</edXML:edXMLEnvelope>`,
		"no recipient":     strings.Replace(good.String(), "<edXML:To>", "<edXML:Other>", 1),
	}
	for name, in := range cases {
		_, err := edxml.Read(strings.NewReader(in))
		e, ok := edxml.IsError(err)
		if !ok || e.Vi == "" || e.En == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzRead: any input is either a valid package (that writes back and reads again the same) or
// a clear refusal; never a panic.
func FuzzRead(f *testing.F) {
	var good bytes.Buffer
	edxml.Write(&good, sample())
	f.Add(good.Bytes())
	f.Add([]byte("<edXML:edXMLEnvelope/>"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := edxml.Read(bytes.NewReader(in))
		if err != nil {
			if _, ok := edxml.IsError(err); !ok {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := edxml.Write(&out, p); err != nil {
			t.Fatalf("a read package does not write: %v", err)
		}
		if _, err := edxml.Read(&out); err != nil {
			t.Fatalf("a written package does not read: %v", err)
		}
	})
}
