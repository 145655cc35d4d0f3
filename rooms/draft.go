package rooms

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/internal/errs"
)

// Vietnam keeps one time zone with no daylight saving; a fixed zone avoids depending on the
// machine's time zone database.
var vietnam = time.FixedZone("ICT", 7*3600)

// VietnameseTime writes a moment the way minutes do: "08 giờ 30 phút, ngày 23 tháng 11 năm 2026".
func VietnameseTime(t time.Time) string {
	t = t.In(vietnam)
	return fmt.Sprintf("%02d giờ %02d phút, ngày %02d tháng %02d năm %d", t.Hour(), t.Minute(), t.Day(), int(t.Month()), t.Year())
}

var roleNames = map[string]string{RoleChair: "chủ trì", RoleSecretary: "thư ký", RoleDelegate: "đại biểu", RoleGuest: "khách mời", RoleOperator: "kỹ thuật viên"}

// DraftRecord composes the minutes (or the conclusion notice) from what the system recorded:
// time and place, participants from attendance, chair and secretary, per agenda item the speeches
// and vote results, and the closing time. The secretary edits the draft and saves it; nothing is
// stored here. The conclusion notice is drafted from the saved minutes' conclusions.
func (s *Service) DraftRecord(ctx context.Context, m Member, kind string) (any, error) {
	q := s.db.Reader()
	mt, err := loadMeeting(ctx, q, m.MeetingID, "")
	if err != nil {
		return nil, err
	}
	switch kind {
	case KindMinutes:
	case KindConclusion:
		r, err := loadRecord(ctx, q, m.MeetingID, KindMinutes, "")
		if err != nil {
			return nil, errs.E(errs.Conflict, "Hãy lưu biên bản trước khi soạn thông báo kết luận.", "Save the minutes before drafting the conclusion notice.")
		}
		var mm Minutes
		if err := json.Unmarshal(r.Content, &mm); err != nil {
			return nil, err
		}
		c := Conclusion{
			Title:    "Thông báo kết luận của " + chairOrEmpty(mm.Chair) + " tại " + mt.Title,
			Preamble: fmt.Sprintf("Ngày %s, %s đã chủ trì %s. Sau khi nghe báo cáo và ý kiến của các đại biểu, %s kết luận như sau:", datePart(mt), mm.Chair, mt.Title, chairOrEmpty(mm.Chair)),
		}
		for _, it := range mm.Items {
			if strings.TrimSpace(it.Conclusion) != "" {
				c.Items = append(c.Items, ConclusionItem{Title: it.Title, Conclusion: it.Conclusion})
			}
		}
		return c, nil
	default:
		return nil, errRecordNotFound
	}

	parts, err := s.Participants(ctx, m)
	if err != nil {
		return nil, err
	}
	mm := Minutes{Title: "Biên bản " + lowerFirst(mt.Title), Place: mt.Place}
	start := mt.StartsAt
	if mt.StartedAt != nil {
		start = *mt.StartedAt
	}
	mm.StartedAt = VietnameseTime(start)
	if mt.EndedAt != nil {
		mm.EndedAt = VietnameseTime(*mt.EndedAt)
	}
	var present, absent []string
	labels := map[int64]string{} // user → "Name, title (unit)", for the speeches
	points := map[int64]string{} // meeting point → its name
	for _, p := range parts {
		label := p.Name
		if p.Title != "" {
			label += ", " + p.Title
		}
		if p.Organization != "" {
			label += " (" + p.Organization + ")"
		}
		if p.UserID != nil {
			labels[*p.UserID] = label
		}
		if p.MeetingPointID != nil {
			points[*p.MeetingPointID] = p.Name
		}
		switch p.Role {
		case RoleChair:
			mm.Chair = p.Name + titleSuffix(p.Title)
		case RoleSecretary:
			mm.Secretary = p.Name + titleSuffix(p.Title)
		}
		switch p.Attendance {
		case InPersonPresent:
			present = append(present, "- "+label+" — "+roleNames[p.Role]+", có mặt trực tiếp")
		case OnlinePresent:
			present = append(present, "- "+label+" — "+roleNames[p.Role]+", dự trực tuyến")
		case Absent:
			absent = append(absent, "- "+label+": vắng mặt, lý do: "+p.AttendanceReason)
		}
	}
	mm.Participants = strings.Join(present, "\n")
	mm.Absent = strings.Join(absent, "\n")

	items, err := agenda.New(s.db, s.events).List(ctx, m.MeetingID)
	if err != nil {
		return nil, err
	}
	floor, err := s.Floor(ctx, m)
	if err != nil {
		return nil, err
	}
	votes, err := s.ListVotes(ctx, Member{MeetingID: m.MeetingID, Role: RoleSecretary, Organizer: true})
	if err != nil {
		return nil, err
	}
	// Speeches and votes go under their agenda item; those under none (or an item since removed)
	// under "Các nội dung khác", so nothing recorded is left out of the draft.
	known := map[int64]bool{}
	for _, it := range items {
		known[it.ID] = true
	}
	key := func(id *int64) int64 {
		if id != nil && known[*id] {
			return *id
		}
		return 0
	}
	speeches, voteLines := map[int64][]string{}, map[int64][]string{}
	for _, f := range floor {
		if f.StartedAt == nil {
			continue
		}
		k := key(f.AgendaItemID)
		speeches[k] = append(speeches[k], speechLine(f, labels, points))
	}
	for _, v := range votes {
		if v.Tally != nil && v.Result != nil {
			k := key(v.AgendaItemID)
			voteLines[k] = append(voteLines[k], voteLine(v))
		}
	}
	for _, it := range items {
		id := it.ID
		mi := MinutesItem{AgendaItemID: &id, Title: it.Title}
		if it.Presenter != "" {
			mi.Proceedings = it.Presenter + " trình bày."
		}
		mi.Speeches, mi.Votes = strings.Join(speeches[id], "\n"), strings.Join(voteLines[id], "\n")
		mm.Items = append(mm.Items, mi)
	}
	if len(speeches[0]) > 0 || len(voteLines[0]) > 0 {
		mm.Items = append(mm.Items, MinutesItem{Title: "Các nội dung khác", Speeches: strings.Join(speeches[0], "\n"), Votes: strings.Join(voteLines[0], "\n")})
	}
	// The minutes are completed when the meeting ends (or now, for a draft made before that); the
	// secretary may correct the time, but no placeholder is left to reach the filed document.
	done := s.db.Now()
	if mt.EndedAt != nil {
		done = *mt.EndedAt
	}
	mm.Closing = "Biên bản được lập xong vào hồi " + VietnameseTime(done) + " và được thông qua trước các đại biểu dự họp."
	return mm, nil
}

// speechLine names the speaker as the minutes do, with title and unit, and the meeting point
// they spoke from.
func speechLine(f FloorRequest, labels, points map[int64]string) string {
	who := labels[f.UserID]
	if who == "" {
		who = f.UserName
	}
	if f.MeetingPointID != nil && points[*f.MeetingPointID] != "" {
		who += " — tại điểm cầu " + points[*f.MeetingPointID]
	}
	line := "- " + who
	if f.Topic != "" {
		line += ": " + f.Topic
	}
	return line
}

func voteLine(v Vote) string {
	var parts []string
	for i, o := range v.Options {
		n := 0
		if i < len(v.Counts) {
			n = v.Counts[i]
		}
		pct := 0.0
		if v.Tally.Members > 0 {
			pct = 100 * float64(n) / float64(v.Tally.Members)
		}
		parts = append(parts, fmt.Sprintf("%s: %d/%d (%.2f%%)", o, n, v.Tally.Members, pct))
	}
	outcome := "không được thông qua"
	switch {
	case v.Kind == ChoiceVote && v.Result.Chosen != nil && *v.Result.Chosen < len(v.Options):
		outcome = fmt.Sprintf("phương án \"%s\" được lựa chọn", v.Options[*v.Result.Chosen])
	case v.Kind == ChoiceVote:
		outcome = "không có phương án nào đạt tỷ lệ quy định"
	case v.Result.Passed:
		outcome = "được thông qua"
	}
	kind := "công khai"
	if v.Secret {
		kind = "kín"
	}
	return fmt.Sprintf("- Biểu quyết %s \"%s\": %s. Kết quả: %s.", kind, v.Question, strings.Join(parts, "; "), outcome)
}

func titleSuffix(t string) string {
	if t == "" {
		return ""
	}
	return ", " + t
}

func chairOrEmpty(c string) string {
	if c == "" {
		return "chủ trì cuộc họp"
	}
	if i := strings.Index(c, ","); i > 0 {
		return "đồng chí " + c[:i]
	}
	return "đồng chí " + c
}

func datePart(m Meeting) string {
	t := m.StartsAt.In(vietnam)
	return fmt.Sprintf("%02d/%02d/%d", t.Day(), int(t.Month()), t.Year())
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = []rune(strings.ToLower(string(r[0])))[0]
	}
	return string(r)
}
