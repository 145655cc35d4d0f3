package rooms

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

//go:embed sessionsql/*.sql
var sessionFS embed.FS

// Migrations is the schema of meetings, invitations and attendance.
func Migrations() store.Migrations {
	sub, _ := fs.Sub(migrationFS, "migrations")
	return store.Migrations{Component: "rooms", FS: sub}
}

// SessionMigrations is the schema of what happens during a session: votes, the floor, minutes
// and approvals. It runs after the agenda's and the documents' schemas, which it refers to.
func SessionMigrations() store.Migrations {
	sub, _ := fs.Sub(sessionFS, "sessionsql")
	return store.Migrations{Component: "session", FS: sub}
}

// Kind is how a meeting is held.
type Kind string

const (
	InPerson Kind = "in_person" // trực tiếp
	Online   Kind = "online"    // trực tuyến
	Hybrid   Kind = "hybrid"    // trực tiếp kết hợp trực tuyến
)

// Status is where a meeting is in its life.
type Status string

const (
	Draft     Status = "draft"      // being prepared, seen by its organizers only
	Scheduled Status = "scheduled"  // invitations sent
	InSession Status = "in_session" // đang họp
	Paused    Status = "paused"     // tạm dừng
	Ended     Status = "ended"      // kết thúc
	Archived  Status = "archived"   // lưu trữ
	Cancelled Status = "cancelled"  // hủy
)

// Meeting is a meeting's header.
type Meeting struct {
	ID               int64      `json:"id"`
	OrganizationID   int64      `json:"organization_id"`
	OrganizationName string     `json:"organization_name"`
	Title            string     `json:"title"`
	Kind             Kind       `json:"kind"`
	Place            string     `json:"place"`
	StartsAt         time.Time  `json:"starts_at"`
	EndsAt           time.Time  `json:"ends_at"`
	Status           Status     `json:"status"`
	CreatedBy        int64      `json:"created_by"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	StartedAt        *time.Time `json:"started_at,omitempty"`
	EndedAt          *time.Time `json:"ended_at,omitempty"`
}

// MeetingInput is what the secretary fills in on the meeting form.
type MeetingInput struct {
	OrganizationID int64     `json:"organization_id"`
	Title          string    `json:"title"`
	Kind           Kind      `json:"kind"`
	Place          string    `json:"place"`
	StartsAt       time.Time `json:"starts_at"`
	EndsAt         time.Time `json:"ends_at"`
	// ChairID and SecretaryID are invited with those roles when set.
	ChairID     *int64 `json:"chair_id"`
	SecretaryID *int64 `json:"secretary_id"`
}

// Validate normalises and checks the form.
func (in *MeetingInput) Validate() error {
	in.Title, in.Place = strings.TrimSpace(in.Title), strings.TrimSpace(in.Place)
	if in.Title == "" {
		return errs.Fieldf("title", "Hãy nhập tên cuộc họp.", "Enter the meeting's title.")
	}
	if utf8.RuneCountInString(in.Title) > 500 {
		return errs.Fieldf("title", "Tên cuộc họp tối đa 500 ký tự.", "The title may have at most 500 characters.")
	}
	if utf8.RuneCountInString(in.Place) > 500 {
		return errs.Fieldf("place", "Địa điểm tối đa 500 ký tự.", "The place may have at most 500 characters.")
	}
	switch in.Kind {
	case "":
		in.Kind = InPerson
	case InPerson, Online, Hybrid:
	default:
		return errs.Fieldf("kind", "Hình thức họp không hợp lệ.", "Unknown kind of meeting %q.", in.Kind)
	}
	if in.Kind != Online && in.Place == "" {
		return errs.Fieldf("place", "Cuộc họp trực tiếp cần có địa điểm.", "An in-person meeting needs a place.")
	}
	if in.StartsAt.IsZero() {
		return errs.Fieldf("starts_at", "Hãy chọn thời gian bắt đầu.", "Choose the start time.")
	}
	if in.EndsAt.IsZero() || !in.EndsAt.After(in.StartsAt) {
		return errs.Fieldf("ends_at", "Thời gian kết thúc dự kiến phải sau thời gian bắt đầu.", "The planned end must be after the start.")
	}
	if in.EndsAt.Sub(in.StartsAt) > 7*24*time.Hour {
		return errs.Fieldf("ends_at", "Một cuộc họp không kéo dài quá 7 ngày.", "A meeting lasts at most 7 days.")
	}
	if in.ChairID != nil && in.SecretaryID != nil && *in.ChairID == *in.SecretaryID {
		return errs.Fieldf("secretary_id", "Chủ trì và thư ký phải là hai người khác nhau.", "The chair and the secretary must be different people.")
	}
	in.StartsAt, in.EndsAt = in.StartsAt.UTC().Truncate(time.Second), in.EndsAt.UTC().Truncate(time.Second)
	return nil
}

// Service runs meetings: their lifecycle, invitations, attendance, and the session (floor, votes,
// minutes, approvals).
type Service struct {
	db      *store.DB
	events  *events.Log
	bus     *bus.Bus
	log     *slog.Logger
	turnout *turnoutNotifier
	notify  *notify.Outbox
	// pickShard chooses the counter shard of a secret ballot (random; tests make it repeatable).
	pickShard func() int
}

// New returns the meeting service. b may be nil (no live notices or media commands).
func New(db *store.DB, log *events.Log, b *bus.Bus, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Service{db: db, events: log, bus: b, log: logger, pickShard: func() int { return rand.IntN(tallyShards) }}
	if b != nil {
		s.turnout = &turnoutNotifier{interval: 250 * time.Millisecond, send: s.sendTurnout}
	}
	return s
}

func (s *Service) sendTurnout(meetingID, voteID int64) {
	var n int
	if err := s.db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM vote_voters WHERE vote_id = ?`, voteID).Scan(&n); err != nil {
		s.log.Warn("turnout", "vote", voteID, "err", err)
		return
	}
	if err := s.events.Notify(meetingID, NoticeVoteTurnout, events.Audience{}, voteEvent{VoteID: voteID, Status: VoteOpen, Turnout: n}); err != nil {
		s.log.Warn("turnout notice", "vote", voteID, "err", err)
	}
}

var errMeetingNotFound = errs.E(errs.NotFound, "Không tìm thấy cuộc họp.", "Meeting not found.")

const meetingColumns = `m.id, m.organization_id, o.name, m.title, m.kind, m.place, m.starts_at, m.ends_at, m.status, m.created_by,
	m.created_at, m.updated_at, m.started_at, m.ended_at`

func scanMeeting(row interface{ Scan(...any) error }) (Meeting, error) {
	var m Meeting
	var kind, status string
	var starts, ends, created, updated, started, ended store.Time
	err := row.Scan(&m.ID, &m.OrganizationID, &m.OrganizationName, &m.Title, &kind, &m.Place, &starts, &ends, &status, &m.CreatedBy,
		&created, &updated, &started, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return Meeting{}, errMeetingNotFound
	}
	if err != nil {
		return Meeting{}, fmt.Errorf("rooms: scan meeting: %w", err)
	}
	m.Kind, m.Status = Kind(kind), Status(status)
	m.StartsAt, m.EndsAt, m.CreatedAt, m.UpdatedAt = starts.Time, ends.Time, created.Time, updated.Time
	m.StartedAt, m.EndedAt = timePtr(started), timePtr(ended)
	return m, nil
}

func loadMeeting(ctx context.Context, q store.Querier, id int64, lock string) (Meeting, error) {
	return scanMeeting(q.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM meetings m JOIN organizations o ON o.id = m.organization_id
		WHERE m.id = ?`+lock, id))
}

// Get returns a meeting's header; callers check access with Member first.
func (s *Service) Get(ctx context.Context, id int64) (Meeting, error) {
	return loadMeeting(ctx, s.db.Reader(), id, "")
}
