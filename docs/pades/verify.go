package pades

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// Signature is what checking one signature of a PDF found.
type Signature struct {
	Signer     string              `json:"signer"` // the signing certificate's common name
	Subject    string              `json:"subject"`
	Issuer     string              `json:"issuer"`
	SubFilter  string              `json:"sub_filter"`
	SigningAt  time.Time           `json:"signing_at"`             // the signing-time attribute
	StampedAt  time.Time           `json:"stamped_at,omitzero"`    // the time-stamp's time, when there is one
	Valid      bool                `json:"valid"`                  // the bytes it covers are unchanged and the signature matches
	Whole      bool                `json:"whole"`                  // it covers the whole file (the last one) or the file as it was
	Problem    string              `json:"problem,omitempty"`      // why it is not valid
	Revision   int                 `json:"revision"`               // 1 for the first signature
	CoversUpTo int                 `json:"covers_up_to,omitempty"` // bytes of the file it covers
	Cert       *x509.Certificate   `json:"-"`
	Chain      []*x509.Certificate `json:"-"`
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// Verify checks every signature of pdf, in the order they were made.
func Verify(pdf []byte) []Signature {
	var out []Signature
	for i, m := range byteRangeRE.FindAllSubmatchIndex(pdf, -1) {
		var r [4]int
		for j := range r {
			r[j], _ = strconv.Atoi(string(pdf[m[2+2*j]:m[3+2*j]]))
		}
		s := verifyOne(pdf, r, m[0])
		s.Revision = i + 1
		out = append(out, s)
	}
	return out
}

func verifyOne(pdf []byte, r [4]int, at int) Signature {
	var s Signature
	if k := bytes.LastIndex(pdf[:at], []byte("/SubFilter")); k >= 0 {
		f := bytes.Fields(pdf[k+len("/SubFilter") : min(len(pdf), k+60)])
		if len(f) > 0 {
			s.SubFilter = string(bytes.TrimPrefix(f[0], []byte("/")))
		}
	}
	if r[0] != 0 || r[1] <= 0 || r[2] <= r[1]+2 || r[3] < 0 || r[2]+r[3] > len(pdf) || pdf[r[1]] != '<' || pdf[r[2]-1] != '>' {
		s.Problem = "byte range does not fit the file"
		return s
	}
	s.CoversUpTo = r[2] + r[3]
	s.Whole = s.CoversUpTo == len(pdf) || bytes.HasPrefix(bytes.TrimLeft(pdf[s.CoversUpTo:], "\r\n"), nil) && isRevisionEnd(pdf, s.CoversUpTo)
	all, err := hex.DecodeString(string(pdf[r[1]+1 : r[2]-1]))
	if err != nil {
		s.Problem = "signature is not hexadecimal"
		return s
	}
	var der asn1.RawValue
	if _, err := asn1.Unmarshal(all, &der); err != nil {
		s.Problem = "signature unreadable: " + err.Error()
		return s
	}
	p7, err := pkcs7.Parse(der.FullBytes)
	if err != nil {
		s.Problem = "signature unreadable: " + err.Error()
		return s
	}
	p7.Content = append(append([]byte{}, pdf[:r[1]]...), pdf[r[2]:r[2]+r[3]]...)
	if c := p7.GetOnlySigner(); c != nil {
		s.Cert, s.Signer, s.Subject, s.Issuer = c, c.Subject.CommonName, c.Subject.String(), c.Issuer.String()
	}
	s.Chain = p7.Certificates
	var t time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &t); err == nil {
		s.SigningAt = t
	}
	if len(p7.Signers) == 1 {
		for _, a := range p7.Signers[0].UnauthenticatedAttributes {
			if a.Type.Equal(oidTimeStampToken) {
				var tok asn1.RawValue // the attribute's value is a SET of one token
				if _, err := asn1.Unmarshal(a.Value.Bytes, &tok); err != nil {
					continue
				}
				if ts, err := timestamp.Parse(tok.FullBytes); err == nil {
					s.StampedAt = ts.Time
				}
			}
		}
	}
	if err := p7.Verify(); err != nil {
		s.Problem = err.Error()
		return s
	}
	s.Valid = true
	return s
}

// isRevisionEnd says whether the n bytes signed end at a revision's %%EOF (an incremental update
// follows; the signature covers the file as it was when signed).
func isRevisionEnd(pdf []byte, n int) bool {
	head := bytes.TrimRight(pdf[:n], "\r\n ")
	return bytes.HasSuffix(head, []byte("%%EOF"))
}

// String is a one-line summary for logs and tests.
func (s Signature) String() string {
	return fmt.Sprintf("#%d %s (%s) valid=%v whole=%v %s", s.Revision, s.Signer, s.SubFilter, s.Valid, s.Whole, s.Problem)
}
