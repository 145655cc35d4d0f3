package docs

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The visible signatures are pictures: PDF readers draw a signature's appearance as it is, and a
// picture carries Vietnamese letters without a font in the appearance.

// stampScale is pixels per PDF point, so the stamp prints sharp.
const stampScale = 4

var (
	stampFontOnce sync.Once
	stampFont     *opentype.Font
	stampFontErr  error
)

func stampFace(sizePt float64) (font.Face, error) {
	stampFontOnce.Do(func() { stampFont, stampFontErr = opentype.Parse(dejaVuSans) })
	if stampFontErr != nil {
		return nil, stampFontErr
	}
	return opentype.NewFace(stampFont, &opentype.FaceOptions{Size: sizePt * stampScale, DPI: 72, Hinting: font.HintingFull})
}

var (
	stampBlue = color.NRGBA{0x1a, 0x3c, 0x9a, 0xff}
	stampRed  = color.NRGBA{0xd0, 0x10, 0x10, 0xff}
)

// SignatureStamp draws the signer's stamp for a w×h point rectangle: a frame and the lines
// (name, position, time, issuer), shrunk to fit, in ink blue on a transparent ground.
func SignatureStamp(w, h float64, lines []string) ([]byte, error) {
	W, H := int(w*stampScale), int(h*stampScale)
	img := image.NewNRGBA(image.Rect(0, 0, W, H))
	border := max(2, W/200)
	frame(img, stampBlue, border)
	size := math.Min(9, (h-6)/(float64(len(lines))*1.25))
	for ; size > 4; size -= 0.5 {
		if widest(lines, size) <= (w-8)*stampScale {
			break
		}
	}
	face, err := stampFace(size)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	lead := size * 1.25 * stampScale
	top := (float64(H)-lead*float64(len(lines)))/2 + size*stampScale
	d := font.Drawer{Dst: img, Src: image.NewUniform(stampBlue), Face: face}
	for i, l := range lines {
		d.Dot = fixed.P(int(4*stampScale), int(top+float64(i)*lead))
		d.DrawString(l)
	}
	return encodePNG(img)
}

// SealStamp draws the agency's seal for a side×side point square: a red ring with the agency's
// name across it and the words of the digital seal below.
func SealStamp(side float64, agency, note string) ([]byte, error) {
	S := int(side * stampScale)
	img := image.NewNRGBA(image.Rect(0, 0, S, S))
	c := float64(S) / 2
	for _, r := range []struct{ outer, inner float64 }{{c - 1, c - 1 - float64(S)/28}, {c * 0.78, c*0.78 - float64(S)/70}} {
		for y := 0; y < S; y++ {
			for x := 0; x < S; x++ {
				dx, dy := float64(x)+0.5-c, float64(y)+0.5-c
				if d := math.Hypot(dx, dy); d <= r.outer && d >= r.inner {
					img.SetNRGBA(x, y, stampRed)
				}
			}
		}
	}
	words := wrapWords(agency, 16)
	size := math.Min(side/6, (side*0.7)/(float64(len(words)+1)*1.3))
	for ; size > 3; size -= 0.5 {
		if widest(append(words, note), size) <= side*0.72*stampScale {
			break
		}
	}
	face, err := stampFace(size)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	lead := size * 1.3 * stampScale
	all := append(words, note)
	top := c - lead*float64(len(all))/2 + size*stampScale*0.9
	d := font.Drawer{Dst: img, Src: image.NewUniform(stampRed), Face: face}
	for i, l := range all {
		w := d.MeasureString(l).Round()
		d.Dot = fixed.P(int(c)-w/2, int(top+float64(i)*lead))
		d.DrawString(l)
	}
	return encodePNG(img)
}

func widest(lines []string, size float64) float64 {
	face, err := stampFace(size)
	if err != nil {
		return 0
	}
	defer face.Close()
	var m float64
	for _, l := range lines {
		m = math.Max(m, float64(font.MeasureString(face, l).Round()))
	}
	return m
}

// wrapWords breaks s into lines of at most n letters where it can.
func wrapWords(s string, n int) []string {
	var out []string
	line := ""
	for _, w := range bytes.Fields([]byte(s)) {
		switch {
		case line == "":
			line = string(w)
		case len([]rune(line))+1+len([]rune(string(w))) <= n:
			line += " " + string(w)
		default:
			out = append(out, line)
			line = string(w)
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

func frame(img *image.NRGBA, c color.NRGBA, t int) {
	b := img.Bounds()
	u := image.NewUniform(c)
	for _, r := range []image.Rectangle{{b.Min, image.Pt(b.Max.X, t)}, {image.Pt(0, b.Max.Y-t), b.Max}, {b.Min, image.Pt(t, b.Max.Y)}, {image.Pt(b.Max.X-t, 0), b.Max}} {
		draw.Draw(img, r, u, image.Point{}, draw.Src)
	}
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img)
	return b.Bytes(), err
}
