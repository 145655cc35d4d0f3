package docs

import (
	"bytes"
	"compress/zlib"
	_ "embed"
	"encoding/binary"
	"errors"
	"sync"
)

// DejaVu Sans covers every Vietnamese letter (Bitstream Vera licence, see fonts/LICENSE-DejaVu.txt).
//
//go:embed fonts/DejaVuSans.ttf
var dejaVuSans []byte

// ttFont is what a PDF needs of a TrueType font: glyphs by character, their advances, the
// metrics for the font descriptor, and the file itself, compressed once.
type ttFont struct {
	glyph           map[rune]uint16
	advance         []uint16 // per glyph, in font units
	unitsPerEm      int
	ascent, descent int
	bbox            [4]int
	compressed      []byte // the font file, zlib-compressed (FlateDecode)
	size            int    // the font file's length
	missing         uint16 // the question mark, for characters the font lacks
}

var (
	pdfFontOnce sync.Once
	pdfFont     *ttFont
	pdfFontErr  error
)

// sansFont parses the embedded font the first time a PDF is written.
func sansFont() (*ttFont, error) {
	pdfFontOnce.Do(func() { pdfFont, pdfFontErr = parseTTF(dejaVuSans) })
	return pdfFont, pdfFontErr
}

var errBadFont = errors.New("docs: unreadable TrueType font")

// parseTTF reads the tables a PDF's CID font needs: head, hhea, hmtx and the Unicode BMP cmap
// (format 4, enough for Vietnamese).
func parseTTF(b []byte) (*ttFont, error) {
	u16 := func(o int) int {
		if o < 0 || o+2 > len(b) {
			return 0
		}
		return int(binary.BigEndian.Uint16(b[o:]))
	}
	i16 := func(o int) int { return int(int16(u16(o))) }
	if len(b) < 12 {
		return nil, errBadFont
	}
	tables := map[string]int{}
	for i, n := 0, u16(4); i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(b) {
			return nil, errBadFont
		}
		tables[string(b[rec:rec+4])] = int(binary.BigEndian.Uint32(b[rec+8:]))
	}
	head, hhea, hmtx, cmap := tables["head"], tables["hhea"], tables["hmtx"], tables["cmap"]
	if head == 0 || hhea == 0 || hmtx == 0 || cmap == 0 {
		return nil, errBadFont
	}
	f := &ttFont{glyph: map[rune]uint16{}, unitsPerEm: u16(head + 18), ascent: i16(hhea + 4), descent: i16(hhea + 6), size: len(b)}
	f.bbox = [4]int{i16(head + 36), i16(head + 38), i16(head + 40), i16(head + 42)}
	if f.unitsPerEm == 0 {
		return nil, errBadFont
	}
	metrics := u16(hhea + 34)
	for i := 0; i < metrics; i++ {
		f.advance = append(f.advance, uint16(u16(hmtx+4*i)))
	}
	// Find the Windows Unicode BMP subtable (3,1) or the Unicode one (0,3).
	sub := 0
	for i, n := 0, u16(cmap+2); i < n; i++ {
		rec := cmap + 4 + 8*i
		pid, eid := u16(rec), u16(rec+2)
		if (pid == 3 && eid == 1) || (pid == 0 && eid == 3) {
			sub = cmap + int(binary.BigEndian.Uint32(b[rec+4:]))
			break
		}
	}
	if sub == 0 || u16(sub) != 4 {
		return nil, errBadFont
	}
	segs := u16(sub+6) / 2
	ends, starts, deltas, ranges := sub+14, sub+16+2*segs, sub+16+4*segs, sub+16+6*segs
	for s := 0; s < segs; s++ {
		end, start, delta, ro := u16(ends+2*s), u16(starts+2*s), u16(deltas+2*s), u16(ranges+2*s)
		for c := start; c <= end && c != 0xFFFF; c++ {
			g := 0
			if ro == 0 {
				g = (c + delta) & 0xFFFF
			} else if g = u16(ranges + 2*s + ro + 2*(c-start)); g != 0 {
				g = (g + delta) & 0xFFFF
			}
			if g != 0 {
				f.glyph[rune(c)] = uint16(g)
			}
		}
	}
	f.missing = f.glyph['?']
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	f.compressed = z.Bytes()
	return f, nil
}

// gid returns the glyph of r, or the question mark's when the font lacks it.
func (f *ttFont) gid(r rune) uint16 {
	if g, ok := f.glyph[r]; ok {
		return g
	}
	return f.missing
}

// width is a glyph's advance in thousandths of the font size (PDF text space).
func (f *ttFont) width(g uint16) int {
	a := f.advance[len(f.advance)-1]
	if int(g) < len(f.advance) {
		a = f.advance[g]
	}
	return int(a) * 1000 / f.unitsPerEm
}

// scale turns font units into thousandths of the font size.
func (f *ttFont) scale(v int) int { return v * 1000 / f.unitsPerEm }
