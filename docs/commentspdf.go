package docs

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// A4 in points, and the layout of the comments report.
const (
	pageW, pageH = 595, 842
	margin       = 50
	indent       = 16
)

// pdfLine is one line of text placed on a page.
type pdfLine struct {
	size   float64
	x, y   float64
	glyphs []uint16
}

// pdfDoc lays out lines on A4 pages in one embedded Unicode font, so the text reads (and
// copies, and extracts with pdftotext) in Vietnamese.
type pdfDoc struct {
	font  *ttFont
	pages [][]pdfLine
	y     float64
	used  map[uint16]rune
	// places are where the signature blocks were laid out (adminpdf.go).
	places []SignaturePlace
}

func newPDFDoc() (*pdfDoc, error) {
	f, err := sansFont()
	if err != nil {
		return nil, err
	}
	p := &pdfDoc{font: f, used: map[uint16]rune{}}
	p.newPage()
	return p, nil
}

func (p *pdfDoc) newPage() {
	p.pages = append(p.pages, nil)
	p.y = pageH - margin
}

// glyphs maps text (NFC, so each Vietnamese letter is one glyph) to the font's glyphs.
func (p *pdfDoc) glyphs(s string) []uint16 {
	var out []uint16
	for _, r := range norm.NFC.String(s) {
		if unicode.IsControl(r) {
			r = ' '
		}
		g := p.font.gid(r)
		if _, ok := p.used[g]; !ok {
			p.used[g] = r
		}
		out = append(out, g)
	}
	return out
}

func (p *pdfDoc) widthOf(gs []uint16, size float64) float64 {
	w := 0
	for _, g := range gs {
		w += p.font.width(g)
	}
	return float64(w) * size / 1000
}

// text writes a paragraph at x, wrapped at the right margin, starting new pages as needed.
func (p *pdfDoc) text(s string, size, x float64) {
	lead := size * 1.35
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line := ""
		flush := func() {
			if p.y-lead < margin {
				p.newPage()
			}
			p.y -= lead
			p.pages[len(p.pages)-1] = append(p.pages[len(p.pages)-1], pdfLine{size, x, p.y, p.glyphs(line)})
			line = ""
		}
		room := float64(pageW-margin) - x
		for _, word := range strings.Fields(para) {
			next := word
			if line != "" {
				next = line + " " + word
			}
			if p.widthOf(p.glyphs(next), size) <= room {
				line = next
				continue
			}
			if line != "" {
				flush()
			}
			// A word longer than the line is cut where it must be.
			for p.widthOf(p.glyphs(word), size) > room {
				rs := []rune(word)
				n := len(rs) - 1
				for n > 1 && p.widthOf(p.glyphs(string(rs[:n])), size) > room {
					n--
				}
				line = string(rs[:n])
				flush()
				word = string(rs[n:])
			}
			line = word
		}
		flush()
	}
}

func (p *pdfDoc) space(h float64) { p.y -= h }

// write assembles the file: catalog, pages, the Type0/CIDFontType2 font with its widths and
// ToUnicode map, the embedded font file, then each page and its content.
func (p *pdfDoc) write(w io.Writer, title string) error { return p.writeWith(w, title, nil) }

// sigField, when given to writeWith, adds an empty signature field (an AcroForm, a widget on the
// last page and a /Sig dictionary whose /ByteRange and /Contents are placeholders) for signPDF
// to fill in.
type sigField struct {
	name, reason string
	at           time.Time
}

// sigContentsLen is the room, in bytes, kept for the CMS signature (hex-encoded in the file).
const sigContentsLen = 16384

func (p *pdfDoc) writeWith(w io.Writer, title string, sig *sigField) error {
	bw := bufio.NewWriter(w)
	var offsets []int
	pos := 0
	out := func(s string) {
		n, _ := bw.WriteString(s)
		pos += n
	}
	obj := func(body string) {
		offsets = append(offsets, pos)
		out(fmt.Sprintf("%d 0 obj\n%s\nendobj\n", len(offsets), body))
	}
	stream := func(dict string, data []byte) {
		offsets = append(offsets, pos)
		out(fmt.Sprintf("%d 0 obj\n<< %s /Length %d >>\nstream\n", len(offsets), dict, len(data)))
		n, _ := bw.Write(data)
		pos += n
		out("\nendstream\nendobj\n")
	}
	f := p.font
	gids := make([]uint16, 0, len(p.used))
	for g := range p.used {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	var widths, bfchar strings.Builder
	for i, g := range gids {
		fmt.Fprintf(&widths, "%d [%d] ", g, f.width(g))
		if i%100 == 0 {
			n := min(100, len(gids)-i)
			if i > 0 {
				bfchar.WriteString("endbfchar\n")
			}
			fmt.Fprintf(&bfchar, "%d beginbfchar\n", n)
		}
		fmt.Fprintf(&bfchar, "<%04X> <%s>\n", g, utf16Hex(string(p.used[g])))
	}
	if len(gids) > 0 {
		bfchar.WriteString("endbfchar\n")
	}
	cmap := "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" + bfchar.String() +
		"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"

	out("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	firstPage := 9
	kids := make([]string, len(p.pages))
	for i := range p.pages {
		kids[i] = fmt.Sprintf("%d 0 R", firstPage+2*i)
	}
	sigObj := firstPage + 2*len(p.pages) // the signature dictionary, then its field
	if sig == nil {
		obj("<< /Type /Catalog /Pages 2 0 R >>") // 1
	} else {
		obj(fmt.Sprintf("<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [%d 0 R] /SigFlags 3 >> >>", sigObj+1)) // 1
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(p.pages)))                             // 2
	obj("<< /Type /Font /Subtype /Type0 /BaseFont /DejaVuSans /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>") // 3
	obj(fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DejaVuSans /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "+
		"/FontDescriptor 5 0 R /CIDToGIDMap /Identity /DW %d /W [%s] >>", f.width(f.missing), widths.String())) // 4
	obj(fmt.Sprintf("<< /Type /FontDescriptor /FontName /DejaVuSans /Flags 32 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d "+
		"/CapHeight %d /StemV 80 /FontFile2 7 0 R >>", f.scale(f.bbox[0]), f.scale(f.bbox[1]), f.scale(f.bbox[2]), f.scale(f.bbox[3]),
		f.scale(f.ascent), f.scale(f.descent), f.scale(f.ascent))) // 5
	stream("", []byte(cmap))                                                           // 6
	stream(fmt.Sprintf("/Filter /FlateDecode /Length1 %d", f.size), f.compressed)      // 7
	obj(fmt.Sprintf("<< /Title <%s> /Producer (phonghop) >>", "FEFF"+utf16Hex(title))) // 8
	for i, lines := range p.pages {
		var c strings.Builder
		for _, l := range lines {
			fmt.Fprintf(&c, "BT /F1 %s Tf %s %s Td <", num(l.size), num(l.x), num(l.y))
			for _, g := range l.glyphs {
				fmt.Fprintf(&c, "%04X", g)
			}
			c.WriteString("> Tj ET\n")
		}
		footer := p.glyphs(fmt.Sprintf("Trang %d/%d", i+1, len(p.pages)))
		fmt.Fprintf(&c, "BT /F1 9 Tf %s %d Td <", num(float64(pageW)/2-p.widthOf(footer, 9)/2), margin/2)
		for _, g := range footer {
			fmt.Fprintf(&c, "%04X", g)
		}
		c.WriteString("> Tj ET\n")
		annots := ""
		if sig != nil && i == len(p.pages)-1 {
			annots = fmt.Sprintf(" /Annots [%d 0 R]", sigObj+1)
		}
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R%s >>",
			pageW, pageH, firstPage+2*i+1, annots))
		stream("", []byte(c.String()))
	}
	if sig != nil {
		at := sig.at.In(time.FixedZone("ICT", 7*3600)).Format("20060102150405")
		obj(fmt.Sprintf("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Name <FEFF%s> /Reason <FEFF%s> /M (D:%s+07'00') "+
			"/ByteRange [0 %010d %010d %010d] /Contents <%s> >>", utf16Hex(sig.name), utf16Hex(sig.reason), at, 0, 0, 0,
			strings.Repeat("0", 2*sigContentsLen)))
		obj(fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V %d 0 R /Rect [0 0 0 0] /F 132 /P %d 0 R >>",
			sigObj, firstPage+2*(len(p.pages)-1)))
	}
	xref := pos
	out(fmt.Sprintf("xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1))
	for _, o := range offsets {
		out(fmt.Sprintf("%010d 00000 n \n", o))
	}
	out(fmt.Sprintf("trailer\n<< /Size %d /Root 1 0 R /Info 8 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref))
	return bw.Flush()
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// utf16Hex is s in UTF-16BE as hex digits (ToUnicode targets and text strings).
func utf16Hex(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			fmt.Fprintf(&b, "%04X%04X", 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			continue
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

// WriteCommentsPDF writes a draft's comments as the secretary's summary (tổng hợp góp ý), an
// A4 PDF in Vietnamese with the font embedded, so it prints and extracts the same everywhere.
func WriteCommentsPDF(w io.Writer, d Document, comments []Comment, at time.Time) error {
	p, err := newPDFDoc()
	if err != nil {
		return err
	}
	ict := time.FixedZone("ICT", 7*3600)
	p.text("TỔNG HỢP Ý KIẾN GÓP Ý DỰ THẢO", 15, margin)
	p.space(4)
	p.text("Dự thảo: "+d.Title, 12, margin)
	p.text(fmt.Sprintf("Số ý kiến: %d. Xuất lúc %s.", len(comments), at.In(ict).Format("15:04 02/01/2006")), 10, margin)
	for i, c := range comments {
		p.space(10)
		head := fmt.Sprintf("%d. %s · Phiên bản %d", i+1, c.UserName, c.Version)
		if c.Page != nil {
			head += fmt.Sprintf(" · Trang %d", *c.Page)
		}
		head += " · " + c.CreatedAt.In(ict).Format("15:04 02/01/2006") + " · " + statusVi[c.Status]
		p.text(head, 10, margin)
		p.text(c.Text, 11, margin+indent)
	}
	if len(comments) == 0 {
		p.space(10)
		p.text("Chưa có ý kiến góp ý.", 11, margin)
	}
	return p.write(w, "Tổng hợp góp ý: "+d.Title)
}
