package api

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/phonghop/phonghop/internal/errs"
)

var (
	errNotXMLType = errs.E(errs.Unsupported, "Gói edXML phải được gửi với kiểu nội dung XML (Content-Type: application/xml).",
		"An edXML package must be sent as XML (Content-Type: application/xml).")
	errNotXMLBody = errs.E(errs.Invalid, "Nội dung gửi lên không phải là XML; hãy chọn đúng tệp gói edXML (.edxml hoặc .xml).",
		"The body is not XML; choose the edXML package file (.edxml or .xml).")
)

// xmlBody accepts a body only when it is declared XML (application/xml, text/xml, or any
// +xml type; none declared is sniffed alone) and its first bytes are XML: a JSON or PDF body sent
// to an XML route must not reach the parser at all, whatever it says it is.
func xmlBody(r *http.Request, body io.Reader) (io.Reader, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/xml" && mt != "text/xml" && !strings.HasSuffix(mt, "+xml")) {
			return nil, errNotXMLType
		}
	}
	br := bufio.NewReaderSize(body, 512)
	head, _ := br.Peek(512)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) < 2 || head[0] != '<' || !(head[1] == '?' || head[1] == '!' || head[1] == '_' || head[1] >= 'A') {
		return nil, errNotXMLBody
	}
	return br, nil
}
