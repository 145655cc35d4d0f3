package api

import (
	"net/http"

	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/errs"
)

var errConfidentialStep = errs.E(errs.Conflict,
	"Đây là văn bản mật: không gửi đi dưới dạng edXML nếu chưa xác nhận. Hãy xác nhận việc chuyển văn bản mật (confirm_confidential=1); việc này được ghi vào nhật ký kiểm toán.",
	"This is a confidential document: it is not exported as edXML without confirmation. Confirm sending a confidential document (confirm_confidential=1); the confirmation is written to the audit log.")

// confidentialStep refuses to let a confidential (mật) entry leave the system unless the
// request confirms it explicitly; the audited export then carries the confirmation.
func confidentialStep(r *http.Request, e register.Entry) error {
	if e.Series == register.Confidential && r.URL.Query().Get("confirm_confidential") != "1" {
		return errConfidentialStep
	}
	return nil
}
