package register

import (
	"regexp"
	"time"

	"github.com/phonghop/phonghop/internal/errs"
)

// A filing's document date must lie in a window around today. Late filings of the past year are
// normal (a document signed in December and filed in January); a clerk may also take a number a
// few weeks before a scheduled signing (lấy số trước). Dates decades away are typing mistakes
// (2062 for 2026) or attempts to plant an entry in another year's numbering, and the register
// never lets an entry be edited, so they are refused at the door.
const (
	DefaultDaysBack  = 365
	DefaultDaysAhead = 30
)

// Option configures a Register.
type Option func(*Register)

// DateWindow sets how many days before and after today a document date may be (0 or negative
// keeps the default for that side).
func DateWindow(back, ahead int) Option {
	return func(r *Register) {
		if back > 0 {
			r.daysBack = back
		}
		if ahead > 0 {
			r.daysAhead = ahead
		}
	}
}

// unitAbbr is a drafting unit's abbreviation as Decree 30 writes it inside a symbol: letters
// (Vietnamese ones such as Đ included) and digits, in parts joined by "-" ("VP", "TCCB",
// "P2-KT"). A "/" would split the symbol's number from its notation, so "V/X" is refused.
var unitAbbr = regexp.MustCompile(`^[\p{L}\p{Nd}]+(-[\p{L}\p{Nd}]+)*$`)

func checkUnit(unit string) error {
	if unit == "" || unitAbbr.MatchString(unit) {
		return nil
	}
	return errs.Fieldf("unit", "Chữ viết tắt của đơn vị soạn thảo chỉ gồm chữ cái, chữ số và dấu gạch nối (ví dụ: VP, TCCB); không được có “/”, dấu cách hay ký tự khác: %q.",
		"The drafting unit's abbreviation may hold only letters, digits and hyphens (e.g. VP, TCCB): %q.", unit)
}

func (r *Register) checkDate(d, now time.Time) error {
	today := now.In(vietnam)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, vietnam)
	earliest, latest := today.AddDate(0, 0, -r.daysBack), today.AddDate(0, 0, r.daysAhead)
	if d.Before(earliest) || d.After(latest) {
		return errs.Fieldf("doc_date", "Ngày văn bản %s nằm ngoài khoảng cho phép vào sổ (từ %s đến %s).",
			"The document date %s is outside the window the register accepts (%s to %s).",
			d.Format("02/01/2006"), earliest.Format("02/01/2006"), latest.Format("02/01/2006"))
	}
	return nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
