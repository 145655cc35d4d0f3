package docs

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/digitorus/pdf"
)

// UploadedSignaturePlace is where the leader's signature goes on an uploaded PDF. The system did
// not lay that file out, so there is no signature block to find: the signature is put on the last
// page, lower right, just above the bottom margin (Decree 30 margins: 20 mm at the bottom and the
// right), where a signature block ends a Vietnamese administrative document; the seal sits over
// its upper left third as on the documents the system renders. The page's crop box (else its media
// box, inherited as PDF allows) gives the page's corner; a rotated page is not turned around.
func UploadedSignaturePlace(file []byte) (SignaturePlace, error) {
	r, err := pdf.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		return SignaturePlace{}, fmt.Errorf("docs: read the PDF: %w", err)
	}
	n := r.NumPage()
	if n < 1 {
		return SignaturePlace{}, errors.New("docs: the PDF has no pages")
	}
	page := r.Page(n)
	if page.V.IsNull() {
		return SignaturePlace{}, fmt.Errorf("docs: the PDF has no page %d", n)
	}
	box := inherited(page.V, "CropBox")
	if box.Len() != 4 {
		box = inherited(page.V, "MediaBox")
	}
	x0, y0, x1, y1 := 0.0, 0.0, 595.28, 841.89 // A4, when the file names no box
	if box.Len() == 4 {
		x0, y0, x1, y1 = min(box.Index(0).Float64(), box.Index(2).Float64()), min(box.Index(1).Float64(), box.Index(3).Float64()),
			max(box.Index(0).Float64(), box.Index(2).Float64()), max(box.Index(1).Float64(), box.Index(3).Float64())
	}
	const margin = 20 * 72 / 25.4 // 20 mm in points
	w := min(220, (x1-x0)*0.4)
	h := min(72, (y1-y0)*0.15)
	sig := [4]float64{x1 - margin - w, y0 + margin, x1 - margin, y0 + margin + h}
	return SignaturePlace{Page: n, Signature: sig, Seal: sealOver(sig)}, nil
}

// inherited is a page attribute, looked up through the page tree as PDF inherits it.
func inherited(v pdf.Value, key string) pdf.Value {
	for ; !v.IsNull(); v = v.Key("Parent") {
		if r := v.Key(key); !r.IsNull() {
			return r
		}
	}
	return pdf.Value{}
}
