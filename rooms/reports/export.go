package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/phonghop/phonghop/docs"
)

var kindNames = map[string]string{"in_person": "trực tiếp", "online": "trực tuyến", "hybrid": "trực tiếp kết hợp trực tuyến"}

func date(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return t.Format("02/01/2006")
}

func itoa(n int) string { return strconv.Itoa(n) }

// WriteCSV writes the report as CSV in UTF-8 with a byte-order mark, so that Excel shows the
// Vietnamese letters: one block per table, separated by an empty line.
func WriteCSV(w io.Writer, r Report) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	rows := [][]string{
		{"Báo cáo tình hình tổ chức cuộc họp", r.OrganizationName, "Từ ngày " + date(r.From), "Đến ngày " + date(r.To)},
		{},
		{"Cuộc họp", "Thời gian", "Hình thức", "Trạng thái", "Thành phần", "Có mặt", "Tài liệu"},
	}
	for _, m := range r.Meetings {
		rows = append(rows, []string{m.Title, m.StartsAt.In(vietnam).Format("02/01/2006 15:04"), kindNames[m.Kind], m.Status, itoa(m.Members), itoa(m.Present), itoa(m.Documents)})
	}
	rows = append(rows, []string{}, attendanceHeader("Đơn vị"))
	for _, a := range r.ByUnit {
		rows = append(rows, attendanceRow(a.Name, a))
	}
	rows = append(rows, []string{}, append([]string{"Đại biểu"}, attendanceHeader("Đơn vị")...))
	for _, a := range r.ByPerson {
		rows = append(rows, append([]string{a.Name}, attendanceRow(a.Unit, a)...))
	}
	rows = append(rows, []string{},
		[]string{"Tài liệu phát hành", "Dự thảo", "Tham khảo", "Bản ghi hình", "Số phiên bản"},
		[]string{"", itoa(r.Documents["draft"]), itoa(r.Documents["reference"]), itoa(r.Documents["recording"]), itoa(r.Documents["versions"])},
		[]string{},
		[]string{"Nhiệm vụ", "Tổng số", "Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Quá hạn chưa hoàn thành", "Đang trong hạn"},
		[]string{"", itoa(r.Tasks.Total), itoa(r.Tasks.OnTime), itoa(r.Tasks.Late), itoa(r.Tasks.Overdue), itoa(r.Tasks.InProgress)},
	)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

func attendanceHeader(first string) []string {
	return []string{first, "Số lượt mời", "Có mặt trực tiếp", "Có mặt trực tuyến", "Vắng có lý do", "Vắng không lý do"}
}

func attendanceRow(first string, a Attendance) []string {
	return []string{first, itoa(a.Invited), itoa(a.InPerson), itoa(a.Online), itoa(a.Excused), itoa(a.Unexcused)}
}

// WritePDF writes the report in the administrative layout (a báo cáo of the organization).
func WritePDF(w io.Writer, r Report, abbreviation string) error {
	d := docs.AdminDocument{ParentAgency: r.ParentName, Agency: r.OrganizationName, Symbol: "      /BC-" + abbreviation,
		Place: docs.PlaceOf(r.OrganizationName), Date: r.GeneratedAt, Kind: "Báo cáo",
		Summary: fmt.Sprintf("Tình hình tổ chức cuộc họp từ ngày %s đến ngày %s", date(r.From), date(r.To))}
	if r.Scope == "chaired" {
		d.Summary += " (các cuộc họp do lãnh đạo chủ trì)"
	}
	var kinds []string
	for _, k := range []string{"in_person", "online", "hybrid"} {
		if n := r.ByKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d cuộc họp %s", n, kindNames[k]))
		}
	}
	intro := fmt.Sprintf("Trong kỳ, đã tổ chức %d cuộc họp", r.Held)
	if len(kinds) > 0 {
		intro += " (" + strings.Join(kinds, ", ") + ")"
	}
	d.Sections = append(d.Sections, docs.AdminSection{Heading: "I. CÁC CUỘC HỌP", Text: intro + "."})
	var lines []string
	for i, m := range r.Meetings {
		lines = append(lines, fmt.Sprintf("%d. %s — %s, %s; có mặt %d/%d; %d tài liệu.", i+1, m.Title, m.StartsAt.In(vietnam).Format("02/01/2006"),
			kindNames[m.Kind], m.Present, m.Members, m.Documents))
	}
	if len(lines) > 0 {
		d.Sections = append(d.Sections, docs.AdminSection{Text: strings.Join(lines, "\n")})
	}
	lines = nil
	for _, a := range r.ByUnit {
		lines = append(lines, fmt.Sprintf("- %s: %d lượt mời; trực tiếp %d, trực tuyến %d; vắng có lý do %d, vắng không lý do %d.",
			a.Name, a.Invited, a.InPerson, a.Online, a.Excused, a.Unexcused))
	}
	d.Sections = append(d.Sections, docs.AdminSection{Heading: "II. THÀNH PHẦN THAM DỰ THEO ĐƠN VỊ", Text: strings.Join(lines, "\n")})
	lines = nil
	for _, a := range r.ByPerson {
		if a.Excused+a.Unexcused > 0 {
			lines = append(lines, fmt.Sprintf("- %s (%s): vắng có lý do %d, vắng không lý do %d.", a.Name, a.Unit, a.Excused, a.Unexcused))
		}
	}
	if len(lines) == 0 {
		lines = []string{"Không có đại biểu vắng mặt."}
	}
	d.Sections = append(d.Sections, docs.AdminSection{Heading: "III. ĐẠI BIỂU VẮNG MẶT", Text: strings.Join(lines, "\n")})
	d.Sections = append(d.Sections,
		docs.AdminSection{Heading: "IV. TÀI LIỆU PHÁT HÀNH", Text: fmt.Sprintf("%d dự thảo, %d tài liệu tham khảo, %d bản ghi hình; tổng số %d phiên bản.",
			r.Documents["draft"], r.Documents["reference"], r.Documents["recording"], r.Documents["versions"])},
		docs.AdminSection{Heading: "V. THỰC HIỆN NHIỆM VỤ THEO KẾT LUẬN", Text: fmt.Sprintf("Tổng số %d nhiệm vụ: hoàn thành đúng hạn %d, hoàn thành quá hạn %d, quá hạn chưa hoàn thành %d, đang trong hạn %d.",
			r.Tasks.Total, r.Tasks.OnTime, r.Tasks.Late, r.Tasks.Overdue, r.Tasks.InProgress)})
	return docs.WriteAdminPDF(w, d)
}
