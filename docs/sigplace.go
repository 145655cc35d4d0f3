package docs

// SignaturePlace is where a signature block of an administrative document was laid out, for the
// visible signatures (Decree 30/2020/NĐ-CP, Appendix I): the signer's signature over the name,
// between the capacity line and the name, and the agency's seal over the left third of it.
type SignaturePlace struct {
	Title, Name string
	Page        int        // 1-based
	Signature   [4]float64 // llx, lly, urx, ury in PDF points
	Seal        [4]float64
}

// signaturePlace computes a block's rectangles from the baselines of its capacity line and name.
func signaturePlace(s AdminSigner, page int, left, width, titleBase, nameBase float64) SignaturePlace {
	const pad = 4
	sig := [4]float64{left + width*0.12, nameBase + 12 + pad, left + width*0.88, titleBase - pad}
	return SignaturePlace{Title: s.Title, Name: s.Name, Page: page, Signature: sig, Seal: sealOver(sig)}
}

// sealOver is the seal's square for a signature rectangle: a little taller than the signature,
// its right edge a third into the signature and its top a little above it, so it sits over the
// upper left of the signature.
func sealOver(sig [4]float64) [4]float64 {
	h := sig[3] - sig[1]
	side := h * 1.15
	right := sig[0] + (sig[2]-sig[0])/3
	top := sig[3] + h*0.1
	return [4]float64{right - side, top - side, right, top}
}

// AdminSignaturePlaces lays d out as WriteAdminPDF does and returns where its signature blocks are.
func AdminSignaturePlaces(d AdminDocument) ([]SignaturePlace, error) {
	p, err := renderAdmin(d)
	if err != nil {
		return nil, err
	}
	return p.places, nil
}
