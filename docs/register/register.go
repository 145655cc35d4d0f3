// Package register owns the register of outgoing documents (sổ văn bản đi) of Decree
// 30/2020/NĐ-CP: numbering per organization, year and series, symbols such as 15/BB-UBND, and
// entries that are never edited once filed.
package register

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/audit"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the register's schema (after organizations, users and meetings).
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "register", FS: sub}
}

// Types are the abbreviations of document types in Decree 30/2020/NĐ-CP, Appendix III.
// "CV" (công văn) has no abbreviation of its own in the symbol: see Symbol.
var Types = map[string]string{
	"NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế", "QYĐ": "Quy định",
	"TC": "Thông cáo", "TB": "Thông báo", "HD": "Hướng dẫn", "CTr": "Chương trình", "KH": "Kế hoạch",
	"PA": "Phương án", "ĐA": "Đề án", "DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản", "TTr": "Tờ trình",
	"HĐ": "Hợp đồng", "CĐ": "Công điện", "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận", "GUQ": "Giấy ủy quyền",
	"GM": "Giấy mời", "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép", "PG": "Phiếu gửi", "PC": "Phiếu chuyển",
	"PB": "Phiếu báo", "CV": "Công văn",
}

// Series of a register.
const (
	Regular      = "regular"
	Confidential = "confidential" // văn bản mật: a numbering of its own
)

// Symbol writes a document's number and symbol (số, ký hiệu): numbers below 10 take a leading
// zero; "15/BB-UBND" for a minutes of UBND; a công văn names the drafting unit instead of a type,
// "15/UBND-VP".
func Symbol(number int, docType, orgAbbr, unit string) string {
	if docType == "CV" {
		if unit == "" {
			return fmt.Sprintf("%02d/%s", number, orgAbbr)
		}
		return fmt.Sprintf("%02d/%s-%s", number, orgAbbr, unit)
	}
	return fmt.Sprintf("%02d/%s-%s", number, docType, orgAbbr)
}

// Entry is a line of the register book, with the columns of the decree's form.
type Entry struct {
	ID             int64     `json:"id"`
	OrganizationID int64     `json:"organization_id"`
	Year           int       `json:"year"`
	Series         string    `json:"series"`
	Number         int       `json:"number"`
	Symbol         string    `json:"symbol"`   // số và ký hiệu
	DocType        string    `json:"doc_type"` // tên loại (abbreviation)
	DocTypeName    string    `json:"doc_type_name"`
	DocDate        string    `json:"doc_date"`     // ngày văn bản, YYYY-MM-DD
	Summary        string    `json:"summary"`      // trích yếu
	Signer         string    `json:"signer"`       // người ký
	Recipients     string    `json:"recipients"`   // nơi nhận
	ArchiveUnit    string    `json:"archive_unit"` // đơn vị, người nhận bản lưu
	Copies         int       `json:"copies"`       // số lượng bản
	Notes          string    `json:"notes"`        // ghi chú
	SHA256         string    `json:"sha256"`
	MeetingID      *int64    `json:"meeting_id"`
	Source         string    `json:"source"`
	CorrectsID     *int64    `json:"corrects_id"`
	FiledBy        int64     `json:"filed_by"`
	FiledAt        time.Time `json:"filed_at"`
	// Deliveries (ngày chuyển, ký nhận) are filled by Search; they are not part of the entry's hash.
	Deliveries []Delivery `json:"deliveries,omitempty"`
}

// Filing is what the clerk or secretary files.
type Filing struct {
	OrganizationID int64  `json:"organization_id"`
	Series         string `json:"series"`
	DocType        string `json:"doc_type"`
	// Unit is the drafting unit's abbreviation, used by công văn symbols.
	Unit        string `json:"unit"`
	DocDate     string `json:"doc_date"`
	Summary     string `json:"summary"`
	Signer      string `json:"signer"`
	Recipients  string `json:"recipients"`
	ArchiveUnit string `json:"archive_unit"`
	Copies      int    `json:"copies"`
	Notes       string `json:"notes"`
	SHA256      string `json:"sha256"`
	MeetingID   *int64 `json:"meeting_id"`
	// Source names what was filed, e.g. "approval:12" for an approved minutes.
	Source     string `json:"source"`
	CorrectsID *int64 `json:"corrects_id"`
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// vietnam is the time zone dates of documents are written in.
var vietnam = time.FixedZone("ICT", 7*3600)

func (f *Filing) validate(now time.Time) (time.Time, error) {
	if f.Series == "" {
		f.Series = Regular
	}
	if f.Series != Regular && f.Series != Confidential {
		return time.Time{}, errs.Fieldf("series", "Loại sổ không hợp lệ.", "Unknown series %q.", f.Series)
	}
	if _, ok := Types[f.DocType]; !ok {
		return time.Time{}, errs.Fieldf("doc_type", "Tên loại văn bản không hợp lệ: %q.", "Unknown document type %q.", f.DocType)
	}
	if f.DocDate == "" {
		f.DocDate = now.In(vietnam).Format("2006-01-02")
	}
	d, err := time.ParseInLocation("2006-01-02", f.DocDate, vietnam)
	if err != nil {
		return time.Time{}, errs.Fieldf("doc_date", "Ngày văn bản phải có dạng YYYY-MM-DD.", "The document date must be YYYY-MM-DD.")
	}
	for _, c := range []struct {
		field, value string
		max          int
		required     bool
	}{{"summary", f.Summary, 2000, true}, {"signer", f.Signer, 300, true}, {"recipients", f.Recipients, 4000, false},
		{"archive_unit", f.ArchiveUnit, 300, false}, {"notes", f.Notes, 2000, false}, {"unit", f.Unit, 30, false}} {
		v := strings.TrimSpace(c.value)
		if c.required && v == "" {
			return time.Time{}, errs.Fieldf(c.field, "Trường này là bắt buộc.", "This field is required.")
		}
		if utf8.RuneCountInString(v) > c.max {
			return time.Time{}, errs.Fieldf(c.field, "Tối đa %d ký tự.", "At most %d characters.", c.max)
		}
	}
	if f.Copies == 0 {
		f.Copies = 1
	}
	if f.Copies < 1 || f.Copies > 10000 {
		return time.Time{}, errs.Fieldf("copies", "Số lượng bản không hợp lệ.", "Invalid number of copies.")
	}
	if f.SHA256 != "" && !sha256Hex.MatchString(f.SHA256) {
		return time.Time{}, errs.Fieldf("sha256", "Mã băm SHA-256 không hợp lệ.", "Invalid SHA-256.")
	}
	return d, nil
}

// Register files entries.
type Register struct {
	db                  *store.DB
	daysBack, daysAhead int // the document date window (see DateWindow)
}

// New returns the register over db.
func New(db *store.DB, opts ...Option) *Register {
	r := &Register{db: db, daysBack: DefaultDaysBack, daysAhead: DefaultDaysAhead}
	for _, o := range opts {
		o(r)
	}
	return r
}

// File takes the next number of the organization's register for the document's year and series
// and records the entry, in one transaction (fn, if given, runs inside it and may fail the
// filing, which then leaves no gap). Errors: invalid, not_found (organization, corrected entry).
func (r *Register) File(ctx context.Context, userID int64, f Filing, fn func(tx *store.Tx, e Entry) error) (Entry, error) {
	date, err := f.validate(r.db.Now())
	if err == nil {
		err = errors.Join(r.checkDate(date, r.db.Now()), checkUnit(strings.TrimSpace(f.Unit)))
	}
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	err = r.db.InTx(ctx, func(tx *store.Tx) error {
		var abbr string
		if err := tx.QueryRowContext(ctx, `SELECT abbreviation FROM organizations WHERE id = ?`, f.OrganizationID).Scan(&abbr); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errs.Fieldf("organization_id", "Cơ quan không tồn tại.", "No such organization.")
			}
			return err
		}
		if f.CorrectsID != nil {
			var org int64
			err := tx.QueryRowContext(ctx, `SELECT g.organization_id FROM register_entries e JOIN registers g ON g.id = e.register_id WHERE e.id = ?`, *f.CorrectsID).Scan(&org)
			if err != nil || org != f.OrganizationID {
				return errs.Fieldf("corrects_id", "Văn bản được đính chính không có trong sổ của cơ quan.", "The corrected entry is not in this organization's register.")
			}
		}
		year := date.Year()
		if _, err := tx.ExecContext(ctx, `INSERT INTO registers (organization_id, year, series, last_number) VALUES (?, ?, ?, 0)
			ON CONFLICT (organization_id, year, series) DO NOTHING`, f.OrganizationID, year, f.Series); err != nil {
			return err
		}
		// The register row is the lock: filings in one register take numbers in turn.
		var regID int64
		var number int
		if err := tx.QueryRowContext(ctx, `UPDATE registers SET last_number = last_number + 1
			WHERE organization_id = ? AND year = ? AND series = ? RETURNING id, last_number`, f.OrganizationID, year, f.Series).Scan(&regID, &number); err != nil {
			return fmt.Errorf("register: next number: %w", err)
		}
		symbol := Symbol(number, f.DocType, abbr, strings.TrimSpace(f.Unit))
		if err := tx.QueryRowContext(ctx, `INSERT INTO register_entries (register_id, number, symbol, doc_type, doc_date, summary, signer,
			recipients, archive_unit, copies, notes, sha256, meeting_id, source, corrects_id, filed_by, filed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			regID, number, symbol, f.DocType, f.DocDate, strings.TrimSpace(f.Summary), strings.TrimSpace(f.Signer), strings.TrimSpace(f.Recipients),
			strings.TrimSpace(f.ArchiveUnit), f.Copies, strings.TrimSpace(f.Notes), f.SHA256, f.MeetingID, f.Source, f.CorrectsID, userID, tx.Now()).Scan(&e.ID); err != nil {
			return fmt.Errorf("register: file: %w", err)
		}
		var err error
		if e, err = get(ctx, tx, e.ID); err != nil {
			return err
		}
		if fn != nil {
			if err := fn(tx, e); err != nil {
				return err
			}
		}
		// Sealed last, once fn may have attached the file.
		if err := seal(ctx, tx, e.ID); err != nil {
			return err
		}
		if e, err = get(ctx, tx, e.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.Filing, Object: "register_entry:" + strconv.FormatInt(e.ID, 10), MeetingID: deref(e.MeetingID), Detail: map[string]any{"symbol": e.Symbol, "series": e.Series, "sha256": e.SHA256}})
	})
	return e, err
}

const entryColumns = `e.id, g.organization_id, g.year, g.series, e.number, e.symbol, e.doc_type, e.doc_date, e.summary, e.signer,
	e.recipients, e.archive_unit, e.copies, e.notes, e.sha256, e.meeting_id, e.source, e.corrects_id, e.filed_by, e.filed_at`

func scan(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at store.Time
	err := row.Scan(&e.ID, &e.OrganizationID, &e.Year, &e.Series, &e.Number, &e.Symbol, &e.DocType, &e.DocDate, &e.Summary, &e.Signer,
		&e.Recipients, &e.ArchiveUnit, &e.Copies, &e.Notes, &e.SHA256, &e.MeetingID, &e.Source, &e.CorrectsID, &e.FiledBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, errs.E(errs.NotFound, "Không tìm thấy văn bản trong sổ.", "No such register entry.")
	}
	e.FiledAt, e.DocTypeName = at.Time, Types[e.DocType]
	return e, err
}

func get(ctx context.Context, q store.Querier, id int64) (Entry, error) {
	return scan(q.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM register_entries e JOIN registers g ON g.id = e.register_id WHERE e.id = ?`, id))
}

// Get returns an entry.
func (r *Register) Get(ctx context.Context, id int64) (Entry, error) {
	return get(ctx, r.db.Reader(), id)
}

// Query selects entries of the register book.
type Query struct {
	OrganizationIDs []int64
	Year            int
	Series          string
	DocType         string
	Text            string // in the symbol or the summary
	From, To        string // document dates, YYYY-MM-DD
	MeetingID       int64
	Limit           int
}

// Search lists entries in register order (year, series, number).
func (r *Register) Search(ctx context.Context, q Query) ([]Entry, error) {
	where, args := []string{"1 = 1"}, []any{}
	if len(q.OrganizationIDs) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(q.OrganizationIDs)), ",")
		where = append(where, "g.organization_id IN ("+ph+")")
		for _, id := range q.OrganizationIDs {
			args = append(args, id)
		}
	}
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if q.Year > 0 {
		add("g.year = ?", q.Year)
	}
	if q.Series != "" {
		add("g.series = ?", q.Series)
	}
	if q.DocType != "" {
		add("e.doc_type = ?", q.DocType)
	}
	if q.From != "" {
		add("e.doc_date >= ?", q.From)
	}
	if q.To != "" {
		add("e.doc_date <= ?", q.To)
	}
	if q.MeetingID > 0 {
		add("e.meeting_id = ?", q.MeetingID)
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		like := "%" + strings.ToLower(t) + "%"
		where, args = append(where, "(LOWER(e.symbol) LIKE ? OR LOWER(e.summary) LIKE ?)"), append(args, like, like)
	}
	if q.Limit <= 0 || q.Limit > 5000 {
		q.Limit = 5000
	}
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT `+entryColumns+` FROM register_entries e JOIN registers g ON g.id = e.register_id
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY g.year, g.series, e.number LIMIT %d`, q.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("register: search: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, r.attachDeliveries(ctx, out)
}

// attachDeliveries loads the hand-overs of many entries with one query per 500 entries.
func (r *Register) attachDeliveries(ctx context.Context, entries []Entry) error {
	at := map[int64]int{}
	for i, e := range entries {
		at[e.ID] = i
	}
	for start := 0; start < len(entries); start += 500 {
		chunk := entries[start:min(len(entries), start+500)]
		args := make([]any, len(chunk))
		for i, e := range chunk {
			args[i] = e.ID
		}
		rows, err := r.db.Reader().QueryContext(ctx, `SELECT id, entry_id, sent_on, received_by, recorded_by, recorded_at FROM register_deliveries
			WHERE entry_id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`) ORDER BY id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d Delivery
			var t store.Time
			if err := rows.Scan(&d.ID, &d.EntryID, &d.SentOn, &d.ReceivedBy, &d.RecordedBy, &t); err != nil {
				rows.Close()
				return err
			}
			d.RecordedAt = t.Time
			e := &entries[at[d.EntryID]]
			e.Deliveries = append(e.Deliveries, d)
		}
		rows.Close()
	}
	return nil
}

// FileOnce files an entry unless one with the same source is already in the register (filing an
// approved result twice returns a conflict naming the existing symbol);
// then runs inside the filing transaction (e.g. to render and attach the numbered file).
func (r *Register) FileOnce(ctx context.Context, userID int64, f Filing, then func(tx *store.Tx, e Entry) error) (Entry, error) {
	return r.File(ctx, userID, f, func(tx *store.Tx, e Entry) error {
		var symbol string
		err := tx.QueryRowContext(ctx, `SELECT symbol FROM register_entries WHERE source = ? AND id <> ? ORDER BY id LIMIT 1`, f.Source, e.ID).Scan(&symbol)
		if err == nil {
			return errs.E(errs.Conflict, "Văn bản này đã được vào sổ với số "+symbol+".", "This was already filed as "+symbol+".")
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if then != nil {
			return then(tx, e)
		}
		return nil
	})
}

// AttachFile records the filed file's SHA-256 on an entry while it is being filed (inside the
// filing transaction, once its number is known). An entry's file is set once and never changed.
func AttachFile(ctx context.Context, tx *store.Tx, entryID int64, sum string) error {
	if !sha256Hex.MatchString(sum) {
		return fmt.Errorf("register: bad file hash %q", sum)
	}
	res, err := tx.ExecContext(ctx, `UPDATE register_entries SET sha256 = ? WHERE id = ? AND sha256 = ''`, sum, entryID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "Văn bản đã có tệp trong sổ; không thay đổi được.", "The entry already has its file; it cannot change.")
	}
	return nil
}
