package main

import (
	"context"
	"fmt"
	"io"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// DemoPassword is every demo account's password. Demo data is for trying the product, never for
// a real deployment.
const DemoPassword = "phonghop-demo"

type demoOrg struct {
	code, name, abbr string
	level            directory.Level
	parent           string
	point            string // meeting point name
	location         string
}

// The demo province: its People's Committee and Council, two departments and the committee's
// office, three districts with four or five communes each, and a meeting point per body.
var demoOrgs = []demoOrg{
	{"UBND-TH", "UBND tỉnh Thanh Hóa", "UBND", directory.Province, "", "Hội trường UBND tỉnh", "35 Đại lộ Lê Lợi, TP Thanh Hóa"},
	{"HDND-TH", "HĐND tỉnh Thanh Hóa", "HĐND", directory.Province, "", "Hội trường HĐND tỉnh", "35 Đại lộ Lê Lợi, TP Thanh Hóa"},
	{"VP-UBND-TH", "Văn phòng UBND tỉnh", "VP", directory.Department, "UBND-TH", "Phòng họp trực tuyến Văn phòng", "Tầng 3, trụ sở UBND tỉnh"},
	{"STNMT-TH", "Sở Tài nguyên và Môi trường", "STNMT", directory.Department, "UBND-TH", "Phòng họp Sở TN&MT", "14 Hạc Thành, TP Thanh Hóa"},
	{"SKHDT-TH", "Sở Kế hoạch và Đầu tư", "SKHĐT", directory.Department, "UBND-TH", "Phòng họp Sở KH&ĐT", "45B Lê Lợi, TP Thanh Hóa"},
	{"H-DS", "UBND huyện Đông Sơn", "UBND", directory.District, "UBND-TH", "Điểm cầu huyện Đông Sơn", "Thị trấn Rừng Thông"},
	{"X-DS-DH", "UBND xã Đông Hòa", "UBND", directory.Commune, "H-DS", "Điểm cầu xã Đông Hòa", ""},
	{"X-DS-DM", "UBND xã Đông Minh", "UBND", directory.Commune, "H-DS", "Điểm cầu xã Đông Minh", ""},
	{"X-DS-DT", "UBND xã Đông Tiến", "UBND", directory.Commune, "H-DS", "Điểm cầu xã Đông Tiến", ""},
	{"X-DS-DTH", "UBND xã Đông Thanh", "UBND", directory.Commune, "H-DS", "Điểm cầu xã Đông Thanh", ""},
	{"X-DS-DV", "UBND xã Đông Văn", "UBND", directory.Commune, "H-DS", "Điểm cầu xã Đông Văn", ""},
	{"H-HH", "UBND huyện Hoằng Hóa", "UBND", directory.District, "UBND-TH", "Điểm cầu huyện Hoằng Hóa", "Thị trấn Bút Sơn"},
	{"X-HH-HD", "UBND xã Hoằng Đạt", "UBND", directory.Commune, "H-HH", "Điểm cầu xã Hoằng Đạt", ""},
	{"X-HH-HQ", "UBND xã Hoằng Quỳ", "UBND", directory.Commune, "H-HH", "Điểm cầu xã Hoằng Quỳ", ""},
	{"X-HH-HT", "UBND xã Hoằng Trinh", "UBND", directory.Commune, "H-HH", "Điểm cầu xã Hoằng Trinh", ""},
	{"X-HH-HX", "UBND xã Hoằng Xuân", "UBND", directory.Commune, "H-HH", "Điểm cầu xã Hoằng Xuân", ""},
	{"H-QX", "UBND huyện Quảng Xương", "UBND", directory.District, "UBND-TH", "Điểm cầu huyện Quảng Xương", "Thị trấn Tân Phong"},
	{"X-QX-QN", "UBND xã Quảng Ngọc", "UBND", directory.Commune, "H-QX", "Điểm cầu xã Quảng Ngọc", ""},
	{"X-QX-QT", "UBND xã Quảng Trạch", "UBND", directory.Commune, "H-QX", "Điểm cầu xã Quảng Trạch", ""},
	{"X-QX-QD", "UBND xã Quảng Định", "UBND", directory.Commune, "H-QX", "Điểm cầu xã Quảng Định", ""},
	{"X-QX-QNH", "UBND xã Quảng Nhân", "UBND", directory.Commune, "H-QX", "Điểm cầu xã Quảng Nhân", ""},
	{"X-QX-QH", "UBND xã Quảng Hòa", "UBND", directory.Commune, "H-QX", "Điểm cầu xã Quảng Hòa", ""},
}

type demoUser struct {
	username, fullName, title, org string
	admin                          bool
	secretaryOf                    []string
	role                           string // what the person does in a meeting, for the printed list
}

var demoUsers = []demoUser{
	{"admin", "Quản trị hệ thống", "Quản trị viên", "VP-UBND-TH", true, nil, "quản trị / administrator"},
	{"chutich", "Đỗ Minh Tuấn", "Chủ tịch UBND tỉnh", "UBND-TH", false, nil, "chủ trì / chair"},
	{"thuky", "Nguyễn Thị Lan", "Chánh Văn phòng UBND tỉnh", "VP-UBND-TH", false, []string{"UBND-TH", "VP-UBND-TH"}, "thư ký / secretary"},
	{"giamdoc.stnmt", "Trần Quốc Bảo", "Giám đốc Sở Tài nguyên và Môi trường", "STNMT-TH", false, nil, "đại biểu cấp tỉnh / province delegate"},
	{"chutich.dongson", "Lê Thị Hoa", "Chủ tịch UBND huyện Đông Sơn", "H-DS", false, nil, "đại biểu cấp huyện / district delegate"},
	{"thuky.dongson", "Vũ Thanh Hương", "Chánh Văn phòng HĐND và UBND huyện Đông Sơn", "H-DS", false, []string{"H-DS"}, "thư ký huyện / district secretary"},
	{"chutich.donghoa", "Phạm Văn Nam", "Chủ tịch UBND xã Đông Hòa", "X-DS-DH", false, nil, "đại biểu cấp xã / commune delegate"},
	{"kythuat", "Hoàng Văn Đức", "Kỹ thuật viên Trung tâm Thông tin", "VP-UBND-TH", false, nil, "kỹ thuật viên / operator"},
}

// seedDemo fills an empty database with the demo province. It does nothing (and reports false)
// when the province is already there.
func seedDemo(ctx context.Context, db *store.DB, a *auth.Service, d *directory.Directory) (bool, error) {
	if _, err := d.OrganizationByCode(ctx, demoOrgs[0].code); err == nil {
		return false, nil
	} else if errs.CodeOf(err) != errs.NotFound {
		return false, err
	}
	ids := map[string]int64{}
	for _, o := range demoOrgs {
		org := directory.Organization{Code: o.code, Name: o.name, Abbreviation: o.abbr, Level: o.level}
		if o.parent != "" {
			p := ids[o.parent]
			org.ParentID = &p
		}
		created, err := d.CreateOrganization(ctx, org)
		if err != nil {
			return false, fmt.Errorf("organization %s: %w", o.code, err)
		}
		ids[o.code] = created.ID
		if _, err := d.CreateMeetingPoint(ctx, directory.MeetingPoint{OrganizationID: created.ID, Code: "DC-" + o.code, Name: o.point, Location: o.location}); err != nil {
			return false, fmt.Errorf("meeting point of %s: %w", o.code, err)
		}
	}
	for _, u := range demoUsers {
		acc := auth.NewAccount{User: directory.User{Username: u.username, FullName: u.fullName, Title: u.title, OrganizationID: ids[u.org]}, Password: DemoPassword}
		if u.admin {
			acc.Roles = append(acc.Roles, auth.RoleGrant{Role: auth.RoleAdmin})
		}
		for _, code := range u.secretaryOf {
			id := ids[code]
			acc.Roles = append(acc.Roles, auth.RoleGrant{Role: auth.RoleSecretary, OrganizationID: &id})
		}
		if _, err := a.CreateAccount(ctx, acc); err != nil {
			return false, fmt.Errorf("user %s: %w", u.username, err)
		}
	}
	if err := seedDemoMeeting(ctx, db, a, d, ids); err != nil {
		return false, fmt.Errorf("demo meeting: %w", err)
	}
	return true, nil
}

func printDemoLogins(w io.Writer) {
	fmt.Fprintf(w, "\nDữ liệu mẫu / demo data: tỉnh Thanh Hóa, %d đơn vị và điểm cầu.\n", len(demoOrgs))
	fmt.Fprintf(w, "Tài khoản mẫu / demo logins (mật khẩu / password: %s):\n", DemoPassword)
	for _, u := range demoUsers {
		fmt.Fprintf(w, "  %-17s %-22s %s\n", u.username, u.fullName, u.role)
	}
	fmt.Fprintln(w)
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, db, err := storageCommand(ctx, args, stderr, "demo [flags]", "Seeds the demo province (organizations, meeting points, users) into the database.\n"+
		"Does nothing when the demo province is already there.")
	if err != nil {
		return err
	}
	defer db.Close()
	seeded, err := seedDemo(ctx, db, auth.NewService(db), directory.New(db))
	if err != nil {
		return err
	}
	if !seeded {
		fmt.Fprintln(stdout, "phonghop: the demo province is already there")
	}
	printDemoLogins(stdout)
	return nil
}
