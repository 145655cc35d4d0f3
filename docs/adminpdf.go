package docs

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
)

// AdminDocument is an administrative document laid out after Decree 30/2020/NĐ-CP, Appendix I:
// the agency and the national motto side by side, the number and symbol, place and date, the
// kind and summary, the body, the signature blocks and the recipients.
type AdminDocument struct {
	ParentAgency string // e.g. "UBND TỈNH THANH HÓA" (may be empty)
	Agency       string // the issuing body, e.g. "VĂN PHÒNG"
	Symbol       string // "Số: 01/BB-UBND" is written from it
	Place        string // "Thanh Hóa"
	Date         time.Time
	Kind         string // "BIÊN BẢN", "THÔNG BÁO"
	Summary      string // trích yếu, under the kind
	Sections     []AdminSection
	Signers      []AdminSigner // left to right (e.g. THƯ KÝ, CHỦ TỌA)
	Recipients   []string      // Nơi nhận
}

// AdminSection is a part of the body: an optional heading and its text.
type AdminSection struct {
	Heading string
	Text    string
}

// AdminSigner is a signature block: the capacity in capitals and the name.
type AdminSigner struct {
	Title string
	Name  string
}

// VietnameseDate writes the date line of a document: "Thanh Hóa, ngày 05 tháng 02 năm 2026"
// (Decree 30: days below 10 and the months January and February take a leading zero).
func VietnameseDate(place string, d time.Time) string {
	d = d.In(time.FixedZone("ICT", 7*3600))
	day := fmt.Sprintf("%d", d.Day())
	if d.Day() < 10 {
		day = "0" + day
	}
	month := fmt.Sprintf("%d", int(d.Month()))
	if d.Month() <= time.February {
		month = "0" + month
	}
	return fmt.Sprintf("%s, ngày %s tháng %s năm %d", place, day, month, d.Year())
}

// centered writes s centered between left and right at the current line, wrapping inside.
func (p *pdfDoc) centered(s string, size, left, right float64) {
	lead := size * 1.35
	words := strings.Fields(s)
	for len(words) > 0 {
		n := len(words)
		for n > 1 && p.widthOf(p.glyphs(strings.Join(words[:n], " ")), size) > right-left {
			n--
		}
		line := strings.Join(words[:n], " ")
		words = words[n:]
		if p.y-lead < margin {
			p.newPage()
		}
		p.y -= lead
		w := p.widthOf(p.glyphs(line), size)
		p.pages[len(p.pages)-1] = append(p.pages[len(p.pages)-1], pdfLine{size, left + (right-left-w)/2, p.y, p.glyphs(line)})
	}
}

// columns lays out two blocks side by side from the current line and continues below the
// longer one.
func (p *pdfDoc) columns(left, right func()) {
	top := p.y
	left()
	yl := p.y
	p.y = top
	right()
	p.y = min(yl, p.y)
}

// WriteAdminPDF renders an administrative document to PDF with Vietnamese text that prints and
// extracts (pdftotext) letter for letter.
func WriteAdminPDF(w io.Writer, d AdminDocument) error {
	p, err := renderAdmin(d)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.write(&buf, d.Kind+" "+d.Symbol); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// renderAdmin lays the document out on pages.
func renderAdmin(d AdminDocument) (*pdfDoc, error) {
	p, err := newPDFDoc()
	if err != nil {
		return nil, err
	}
	mid := float64(pageW) / 2
	p.columns(func() {
		if d.ParentAgency != "" {
			p.centered(strings.ToUpper(d.ParentAgency), 11, margin, mid-10)
		}
		p.centered(strings.ToUpper(d.Agency), 11, margin, mid-10)
		p.space(4)
		p.centered("Số: "+d.Symbol, 11, margin, mid-10)
	}, func() {
		p.centered("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 11, mid-20, pageW-margin)
		p.centered("Độc lập - Tự do - Hạnh phúc", 12, mid-20, pageW-margin)
		p.space(4)
		p.centered(VietnameseDate(d.Place, d.Date), 11, mid-20, pageW-margin)
	})
	p.space(18)
	p.centered(strings.ToUpper(d.Kind), 14, margin, pageW-margin)
	if d.Summary != "" {
		p.centered(d.Summary, 12, margin+40, pageW-margin-40)
	}
	p.space(12)
	for _, s := range d.Sections {
		if s.Heading != "" {
			p.space(4)
			p.text(s.Heading, 12, margin)
		}
		if strings.TrimSpace(s.Text) != "" {
			p.text(s.Text, 12, margin+indent)
		}
	}
	p.space(18)
	if p.y < margin+140 {
		p.newPage()
	}
	if n := len(d.Signers); n > 0 {
		width := float64(pageW-2*margin) / float64(n)
		top := p.y
		low := top
		for i, s := range d.Signers {
			p.y = top
			l := margin + float64(i)*width
			p.centered(strings.ToUpper(s.Title), 12, l, l+width)
			titleBase := p.y
			p.space(60) // room for the signature and seal
			p.centered(s.Name, 12, l, l+width)
			p.places = append(p.places, signaturePlace(s, len(p.pages), l, width, titleBase, p.y))
			low = min(low, p.y)
		}
		p.y = low
	}
	if len(d.Recipients) > 0 {
		p.space(16)
		p.text("Nơi nhận:", 10, margin)
		for _, r := range d.Recipients {
			p.text(r, 10, margin)
		}
	}
	return p, nil
}

// BookLine is one entry of the printed register book.
type BookLine struct {
	Symbol, Date, Summary, Signer, Recipients, ArchiveUnit, Notes string
	SentOn, ReceivedBy                                            string // ngày chuyển, ký nhận
	Copies                                                        int
}

// WriteRegisterBookPDF prints the register book (sổ văn bản đi): a title page heading, then for
// each entry the decree's columns, in register order.
func WriteRegisterBookPDF(w io.Writer, agency, title string, lines []BookLine) error {
	p, err := newPDFDoc()
	if err != nil {
		return err
	}
	p.centered(strings.ToUpper(agency), 12, margin, pageW-margin)
	p.space(8)
	p.centered(strings.ToUpper(title), 15, margin, pageW-margin)
	p.space(12)
	for i, l := range lines {
		if p.y < margin+90 {
			p.newPage()
		}
		p.text(fmt.Sprintf("%d. Số, ký hiệu: %s — Ngày: %s — Số lượng bản: %d", i+1, l.Symbol, l.Date, l.Copies), 10, margin)
		p.text("Tên loại và trích yếu: "+l.Summary, 10, margin+indent)
		p.text("Người ký: "+l.Signer, 10, margin+indent)
		if l.Recipients != "" {
			p.text("Nơi nhận: "+strings.ReplaceAll(l.Recipients, "\n", " "), 10, margin+indent)
		}
		if l.SentOn != "" {
			p.text("Ngày chuyển: "+l.SentOn+"   Ký nhận: "+l.ReceivedBy, 10, margin+indent)
		}
		if l.ArchiveUnit != "" || l.Notes != "" {
			p.text("Đơn vị, người nhận bản lưu: "+l.ArchiveUnit+"   Ghi chú: "+l.Notes, 10, margin+indent)
		}
		p.space(6)
	}
	var buf bytes.Buffer
	if err := p.write(&buf, title); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}
