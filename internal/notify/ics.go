package notify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/store"
)

// CalendarEvent is a meeting as a calendar sees it.
type CalendarEvent struct {
	// UID is stable for the meeting across every update and the cancel (e.g. "meeting-12").
	// The outbox adds "@" and its domain.
	UID         string
	Title       string
	Place       string
	Description string
	Start, End  time.Time
	// Cancel sends METHOD:CANCEL (the meeting is called off) instead of METHOD:REQUEST.
	Cancel bool
	// OrganizerName is shown as the organizer (the organizing body); its address is the sender's.
	OrganizerName string
	// URL is a path in phonghop where the person answers the invitation.
	URL string
}

// Zone is the time zone every meeting is written in: Vietnam has kept UTC+7 without daylight
// saving since 1975, so one STANDARD rule describes it completely.
const Zone = "Asia/Ho_Chi_Minh"

var ict = time.FixedZone("ICT", 7*3600)

// calendarFor takes the event's next SEQUENCE and writes the iCalendar object sent to people.
func (o *Outbox) calendarFor(ctx context.Context, tx *store.Tx, ev *CalendarEvent, ids []int64, people map[int64]person) (string, error) {
	uid := ev.UID + "@" + o.opt.Domain
	var seq int
	err := tx.QueryRowContext(ctx, `INSERT INTO notify_calendar_sequences (uid, sequence, updated_at) VALUES (?, 0, ?)
		ON CONFLICT (uid) DO UPDATE SET sequence = notify_calendar_sequences.sequence + 1, updated_at = excluded.updated_at
		RETURNING sequence`, uid, tx.Now()).Scan(&seq)
	if err != nil {
		return "", fmt.Errorf("notify: calendar sequence of %s: %w", uid, err)
	}
	var att []attendee
	for _, id := range ids {
		if p := people[id]; p.Email != "" && p.EmailOn {
			att = append(att, attendee{Name: p.Name, Email: p.Email})
		}
	}
	method := "REQUEST"
	if ev.Cancel {
		method = "CANCEL"
	}
	var w icsWriter
	w.begin(method)
	w.event(*ev, uid, seq, tx.Now(), o.opt.Organizer, o.absolute(ev.URL), att)
	w.end()
	return w.String(), nil
}

// FeedEvent is a meeting in a person's calendar feed.
type FeedEvent struct {
	CalendarEvent
	// Sequence is the last SEQUENCE sent by e-mail for this UID, so feed and mail agree.
	Sequence int
}

// Feed writes a calendar (METHOD:PUBLISH) of the given meetings for a subscription URL.
func (o *Outbox) Feed(ctx context.Context, q store.Querier, name string, evs []CalendarEvent) (string, error) {
	seqs := map[string]int{}
	rows, err := q.QueryContext(ctx, `SELECT uid, sequence FROM notify_calendar_sequences WHERE uid LIKE ?`, "%@"+o.opt.Domain)
	if err != nil {
		return "", fmt.Errorf("notify: feed sequences: %w", err)
	}
	for rows.Next() {
		var uid string
		var s int
		if err := rows.Scan(&uid, &s); err != nil {
			rows.Close()
			return "", err
		}
		seqs[uid] = s
	}
	rows.Close()
	var w icsWriter
	w.begin("PUBLISH")
	w.line("X-WR-CALNAME:" + escapeText(name))
	w.line("X-WR-TIMEZONE:" + Zone)
	now := o.db.Now()
	for _, ev := range evs {
		uid := ev.UID + "@" + o.opt.Domain
		w.event(ev, uid, seqs[uid], now, o.opt.Organizer, o.absolute(ev.URL), nil)
	}
	w.end()
	return w.String(), nil
}

type attendee struct{ Name, Email string }

// icsWriter writes RFC 5545 content lines: CRLF endings, folded at 75 octets (never inside a
// UTF-8 sequence), text values escaped.
type icsWriter struct{ b strings.Builder }

func (w *icsWriter) String() string { return w.b.String() }

func (w *icsWriter) line(s string) {
	const max = 75
	first := true
	for len(s) > 0 {
		limit := max
		if !first {
			limit = max - 1 // the continuation's leading space counts
		}
		if len(s) <= limit {
			if !first {
				w.b.WriteByte(' ')
			}
			w.b.WriteString(s)
			break
		}
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if !first {
			w.b.WriteByte(' ')
		}
		w.b.WriteString(s[:cut])
		w.b.WriteString("\r\n")
		s, first = s[cut:], false
	}
	w.b.WriteString("\r\n")
}

func (w *icsWriter) begin(method string) {
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//phonghop//phonghop//VI")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + method)
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + Zone)
	w.line("BEGIN:STANDARD")
	w.line("DTSTART:19750613T000000")
	w.line("TZOFFSETFROM:+0700")
	w.line("TZOFFSETTO:+0700")
	w.line("TZNAME:ICT")
	w.line("END:STANDARD")
	w.line("END:VTIMEZONE")
}

func (w *icsWriter) end() { w.line("END:VCALENDAR") }

func (w *icsWriter) event(ev CalendarEvent, uid string, seq int, stamp time.Time, organizer, url string, att []attendee) {
	local := func(t time.Time) string { return t.In(ict).Format("20060102T150405") }
	w.line("BEGIN:VEVENT")
	w.line("UID:" + uid)
	w.line(fmt.Sprintf("SEQUENCE:%d", seq))
	w.line("DTSTAMP:" + stamp.UTC().Format("20060102T150405Z"))
	w.line("DTSTART;TZID=" + Zone + ":" + local(ev.Start))
	w.line("DTEND;TZID=" + Zone + ":" + local(ev.End))
	w.line("SUMMARY:" + escapeText(ev.Title))
	if ev.Place != "" {
		w.line("LOCATION:" + escapeText(ev.Place))
	}
	desc := ev.Description
	if url != "" {
		if desc != "" {
			desc += "\n\n"
		}
		desc += url
		w.line("URL:" + url)
	}
	if desc != "" {
		w.line("DESCRIPTION:" + escapeText(desc))
	}
	if organizer != "" {
		w.line("ORGANIZER;CN=" + paramValue(ev.OrganizerName) + ":mailto:" + organizer)
	}
	sort.Slice(att, func(i, j int) bool { return att[i].Email < att[j].Email })
	for _, a := range att {
		w.line("ATTENDEE;CN=" + paramValue(a.Name) + ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:" + a.Email)
	}
	if ev.Cancel {
		w.line("STATUS:CANCELLED")
	} else {
		w.line("STATUS:CONFIRMED")
	}
	w.line("TRANSP:OPAQUE")
	w.line("END:VEVENT")
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", "")
	return r.Replace(s)
}

// paramValue quotes a parameter value; a double quote cannot appear in one, so it is dropped.
func paramValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 {
			return -1
		}
		return r
	}, s)
	return `"` + s + `"`
}
