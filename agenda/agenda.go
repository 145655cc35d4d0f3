// Package agenda owns a meeting's agenda (chương trình họp): ordered items with optional
// sub-items, presenter, planned time, status, the item under discussion and the time spent on
// each. It knows meetings only by ID: package rooms decides who may change the agenda and passes
// that decision in as an Actor.
package agenda

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the agenda's schema (after the meetings').
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "agenda", FS: sub}
}

// Item status.
const (
	Pending    = "pending"    // chưa thảo luận
	Discussing = "discussing" // đang thảo luận
	Done       = "done"       // đã xong
)

// EventAgenda is logged for every agenda change, with the whole agenda (it is small).
const EventAgenda = "agenda.changed"

// Item is one agenda item.
type Item struct {
	ID             int64     `json:"id"`
	MeetingID      int64     `json:"meeting_id"`
	ParentID       *int64    `json:"parent_id"`
	Position       int       `json:"position"`
	Title          string    `json:"title"`
	Presenter      string    `json:"presenter"`
	PlannedMinutes int       `json:"planned_minutes"`
	Status         string    `json:"status"`
	SpentSeconds   int       `json:"spent_seconds"`
	Current        bool      `json:"current"`
	CreatedAt      time.Time `json:"created_at"`
}

// Input is what the agenda editor sends for an item.
type Input struct {
	ParentID       *int64 `json:"parent_id"`
	Title          string `json:"title"`
	Presenter      string `json:"presenter"`
	PlannedMinutes int    `json:"planned_minutes"`
	Status         string `json:"status"`
}

func (in *Input) validate() error {
	in.Title, in.Presenter = strings.TrimSpace(in.Title), strings.TrimSpace(in.Presenter)
	if in.Title == "" {
		return errs.Fieldf("title", "Hãy nhập nội dung mục chương trình.", "Enter the item's title.")
	}
	if utf8.RuneCountInString(in.Title) > 1000 {
		return errs.Fieldf("title", "Nội dung tối đa 1000 ký tự.", "The title may have at most 1000 characters.")
	}
	if utf8.RuneCountInString(in.Presenter) > 300 {
		return errs.Fieldf("presenter", "Tên người trình bày tối đa 300 ký tự.", "The presenter may have at most 300 characters.")
	}
	if in.PlannedMinutes < 0 || in.PlannedMinutes > 24*60 {
		return errs.Fieldf("planned_minutes", "Thời gian dự kiến từ 0 đến 1440 phút.", "Planned time must be between 0 and 1440 minutes.")
	}
	switch in.Status {
	case "":
		in.Status = Pending
	case Pending, Discussing, Done:
	default:
		return errs.Fieldf("status", "Trạng thái không hợp lệ: %q.", "Unknown status %q.", in.Status)
	}
	return nil
}

// Actor is who changes the agenda, as rooms decided: Prepare for the organizers (edit items),
// Chair for the chair (set the item under discussion).
type Actor struct {
	UserID  int64
	Prepare bool
	Chair   bool
	// Over: the meeting has ended (or was archived or cancelled); its agenda is a record now.
	Over bool
}

var errOver = errs.E(errs.Conflict, "Cuộc họp đã kết thúc; chương trình không sửa được nữa.", "The meeting is over; its agenda can no longer change.")

// mayEdit says whether who may change the agenda now.
func (who Actor) mayEdit() error {
	if !who.Prepare {
		return errPrepareOnly
	}
	if who.Over {
		return errOver
	}
	return nil
}

var (
	errPrepareOnly  = errs.E(errs.Forbidden, "Chỉ người tổ chức cuộc họp được sửa chương trình.", "Only the meeting's organizers may change the agenda.")
	errItemNotFound = errs.E(errs.NotFound, "Không tìm thấy mục chương trình.", "Agenda item not found.")
)

// Agenda reads and changes agendas.
type Agenda struct {
	db     *store.DB
	events *events.Log
}

// New returns the agenda service.
func New(db *store.DB, log *events.Log) *Agenda { return &Agenda{db: db, events: log} }

// List returns a meeting's agenda: top-level items in order, each followed by its sub-items.
func (a *Agenda) List(ctx context.Context, meetingID int64) ([]Item, error) {
	return list(ctx, a.db.Reader(), meetingID)
}

func list(ctx context.Context, q store.Querier, meetingID int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.meeting_id, i.parent_id, i.position, i.title, i.presenter, i.planned_minutes, i.status,
		i.spent_seconds, i.created_at, CASE WHEN c.item_id = i.id THEN 1 ELSE 0 END
		FROM agenda_items i LEFT JOIN agenda_current c ON c.meeting_id = i.meeting_id
		WHERE i.meeting_id = ? ORDER BY i.position, i.id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("agenda: list: %w", err)
	}
	defer rows.Close()
	var all []Item
	for rows.Next() {
		var it Item
		var created store.Time
		var current int
		if err := rows.Scan(&it.ID, &it.MeetingID, &it.ParentID, &it.Position, &it.Title, &it.Presenter, &it.PlannedMinutes, &it.Status,
			&it.SpentSeconds, &created, &current); err != nil {
			return nil, err
		}
		it.CreatedAt, it.Current = created.Time, current == 1
		all = append(all, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(all))
	for _, top := range all {
		if top.ParentID != nil {
			continue
		}
		out = append(out, top)
		for _, sub := range all {
			if sub.ParentID != nil && *sub.ParentID == top.ID {
				out = append(out, sub)
			}
		}
	}
	return out, nil
}

func load(ctx context.Context, q store.Querier, meetingID, id int64) (Item, error) {
	items, err := list(ctx, q, meetingID)
	if err != nil {
		return Item{}, err
	}
	for _, it := range items {
		if it.ID == id {
			return it, nil
		}
	}
	return Item{}, errItemNotFound
}

// CheckItem reports not_found unless the item belongs to the meeting.
func CheckItem(ctx context.Context, q store.Querier, meetingID, id int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM agenda_items WHERE id = ? AND meeting_id = ?`, id, meetingID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.Fieldf("agenda_item_id", "Mục chương trình không thuộc cuộc họp này.", "The agenda item is not part of this meeting.")
	}
	return nil
}

func (a *Agenda) changed(ctx context.Context, tx *store.Tx, meetingID int64) ([]Item, error) {
	items, err := list(ctx, tx, meetingID)
	if err != nil {
		return nil, err
	}
	_, err = a.events.Append(ctx, tx, meetingID, EventAgenda, events.Audience{}, map[string]any{"items": items})
	return items, err
}

func (a *Agenda) checkParent(ctx context.Context, tx *store.Tx, meetingID int64, parent *int64) error {
	if parent == nil {
		return nil
	}
	var pp sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT parent_id FROM agenda_items WHERE id = ? AND meeting_id = ?`, *parent, meetingID).Scan(&pp)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Fieldf("parent_id", "Mục cha không thuộc chương trình này.", "The parent item is not in this agenda.")
	}
	if err != nil {
		return err
	}
	if pp.Valid {
		return errs.Fieldf("parent_id", "Chương trình chỉ có hai cấp: mục và mục con.", "The agenda has two levels: items and sub-items.")
	}
	return nil
}

// Add appends an item at the end of its level.
func (a *Agenda) Add(ctx context.Context, who Actor, meetingID int64, in Input) (Item, []Item, error) {
	if err := who.mayEdit(); err != nil {
		return Item{}, nil, err
	}
	if err := in.validate(); err != nil {
		return Item{}, nil, err
	}
	var it Item
	var items []Item
	err := a.db.InTx(ctx, func(tx *store.Tx) error {
		if err := a.checkParent(ctx, tx, meetingID, in.ParentID); err != nil {
			return err
		}
		var pos int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM agenda_items WHERE meeting_id = ? AND `+parentIs(in.ParentID),
			parentArgs(meetingID, in.ParentID)...).Scan(&pos); err != nil {
			return err
		}
		now := tx.Now()
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO agenda_items (meeting_id, parent_id, position, title, presenter, planned_minutes, status,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, meetingID, in.ParentID, pos, in.Title, in.Presenter,
			in.PlannedMinutes, in.Status, now, now).Scan(&id); err != nil {
			return fmt.Errorf("agenda: add: %w", err)
		}
		var err error
		if items, err = a.changed(ctx, tx, meetingID); err != nil {
			return err
		}
		it, err = load(ctx, tx, meetingID, id)
		return err
	})
	return it, items, err
}

func parentIs(parent *int64) string {
	if parent == nil {
		return `parent_id IS NULL`
	}
	return `parent_id = ?`
}

func parentArgs(meetingID int64, parent *int64) []any {
	if parent == nil {
		return []any{meetingID}
	}
	return []any{meetingID, *parent}
}

// Update changes an item's title, presenter, planned time or status (its level stays).
func (a *Agenda) Update(ctx context.Context, who Actor, meetingID, id int64, in Input) (Item, []Item, error) {
	if err := who.mayEdit(); err != nil {
		return Item{}, nil, err
	}
	if err := in.validate(); err != nil {
		return Item{}, nil, err
	}
	var it Item
	var items []Item
	err := a.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agenda_items SET title = ?, presenter = ?, planned_minutes = ?, status = ?, updated_at = ?
			WHERE id = ? AND meeting_id = ?`, in.Title, in.Presenter, in.PlannedMinutes, in.Status, tx.Now(), id, meetingID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errItemNotFound
		}
		if items, err = a.changed(ctx, tx, meetingID); err != nil {
			return err
		}
		it, err = load(ctx, tx, meetingID, id)
		return err
	})
	return it, items, err
}
