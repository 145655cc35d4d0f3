package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/rooms"
)

// Notification routes: the bell (list, mark read, and a per-person WebSocket that pushes new
// ones live), each person's channel settings and calendar feed, the feed itself, and the
// per-recipient delivery status of a meeting for its organizers.
func (s *Server) notificationRoutes() {
	m := s.mux
	s.bells = newBells()
	m.HandleFunc("GET /api/me/notifications", s.authed(s.myNotifications))
	m.HandleFunc("POST /api/me/notifications/read", s.authed(s.markNotificationsRead))
	m.HandleFunc("GET /api/me/notifications/ws", s.authed(s.notificationSocket))
	m.HandleFunc("GET /api/me/notification-settings", s.authed(s.notificationSettings))
	m.HandleFunc("PUT /api/me/notification-settings", s.authed(s.saveNotificationSettings))
	m.HandleFunc("POST /api/me/calendar-feed", s.authed(s.newCalendarFeed))
	m.HandleFunc("DELETE /api/me/calendar-feed", s.authed(s.revokeCalendarFeed))
	m.HandleFunc("GET /api/calendar/{file}", s.calendarFeed)
	m.HandleFunc("GET /api/meetings/{id}/notifications", s.inMeeting(func(w http.ResponseWriter, r *http.Request, mem rooms.Member, p *auth.Principal) (any, error) {
		if !mem.Organizer {
			return nil, errs.E(errs.Forbidden, "Chỉ người tổ chức cuộc họp xem được tình trạng gửi thông báo.", "Only the meeting's organizers may see the delivery of notifications.")
		}
		ds, err := notify.Deliveries(r.Context(), s.d.DB.Reader(), mem.MeetingID)
		return items(ds), err
	}))
	if s.d.Bus != nil {
		if _, err := notify.SubscribeUsers(s.d.Bus, s.bells.deliver); err != nil {
			s.d.Log.Error("notifications: subscribe", "err", err)
		}
	}
}

// noteDocumentOpened records that an invitee opened a document, for the reminders (which go to
// those who have not read the documents). A failure only loses that note, so it is logged.
func (s *Server) noteDocumentOpened(ctx context.Context, mem rooms.Member, docID int64) {
	if mem.ParticipantID == 0 || s.d.Notify == nil {
		return
	}
	if err := notify.RecordOpened(ctx, s.d.DB, mem.MeetingID, docID, mem.UserID); err != nil {
		s.d.Log.Warn("note document opened", "meeting", mem.MeetingID, "document", docID, "err", err)
	}
}

type inbox struct {
	Items  []notify.Item `json:"items"`
	Unread int           `json:"unread"`
}

func (s *Server) myNotifications(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	its, unread, err := notify.Inbox(r.Context(), s.d.DB.Reader(), p.ID, 50)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, inbox{its, unread})
}

func (s *Server) markNotificationsRead(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	in, err := body[struct {
		IDs []int64 `json:"ids"`
	}](s, w, r)
	if err == nil {
		err = notify.MarkRead(r.Context(), s.d.DB, p.ID, in.IDs)
	}
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	s.myNotifications(w, r, p)
}

type notificationSettings struct {
	notify.Settings
	// EmailAvailable says whether this installation sends mail at all.
	EmailAvailable bool `json:"email_available"`
}

func (s *Server) notificationSettings(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	st, err := notify.GetSettings(r.Context(), s.d.DB.Reader(), p.ID)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, notificationSettings{st, s.d.Notify.HasChannel(notify.Email)})
}

func (s *Server) saveNotificationSettings(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	in, err := body[struct {
		Email   string `json:"email"`
		EmailOn bool   `json:"email_on"`
		InAppOn bool   `json:"inapp_on"`
	}](s, w, r)
	var st notify.Settings
	if err == nil {
		st, err = notify.SaveSettings(r.Context(), s.d.DB, p.ID, notify.Settings{Email: in.Email, EmailOn: in.EmailOn, InAppOn: in.InAppOn})
	}
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, notificationSettings{st, s.d.Notify.HasChannel(notify.Email)})
}

// newCalendarFeed makes a new feed secret (the old URL stops working) and answers with the URL,
// which is shown this once.
func (s *Server) newCalendarFeed(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	token, err := notify.NewFeedToken(r.Context(), s.d.DB, p.ID)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"path": "/api/calendar/" + token + ".ics"})
}

func (s *Server) revokeCalendarFeed(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if err := notify.RevokeFeedToken(r.Context(), s.d.DB, p.ID); err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// calendarFeed serves a person's meetings to calendar programs, which cannot sign in: the secret
// in the URL is the credential. Drafts are left out; cancelled meetings stay, marked cancelled,
// so calendars that had them remove them.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		writeError(w, r, s.d.Log, errRouteNotFound)
		return
	}
	uid, err := notify.FeedOwner(r.Context(), s.d.DB.Reader(), token)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	p, err := s.d.Auth.Principal(r.Context(), uid)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	ms, err := s.d.Rooms.Mine(r.Context(), p)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	since := time.Now().Add(-90 * 24 * time.Hour)
	var evs []notify.CalendarEvent
	for _, m := range ms {
		if m.Status == rooms.Draft || m.EndsAt.Before(since) || (m.MyRole == "" && !m.Organizing) {
			continue
		}
		evs = append(evs, *rooms.CalendarEvent(m.Meeting, m.Status == rooms.Cancelled))
	}
	out := s.d.Notify
	if out == nil {
		out = notify.New(notify.Options{DB: s.d.DB, Log: s.d.Log})
	}
	ics, err := out.Feed(r.Context(), s.d.DB.Reader(), "Lịch họp – "+p.FullName, evs)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = w.Write([]byte(ics))
}

// bells fans pushed notifications out to this node's notification sockets, per person.
type bells struct {
	mu    sync.Mutex
	users map[int64]map[chan notify.Item]struct{}
}

func newBells() *bells { return &bells{users: map[int64]map[chan notify.Item]struct{}{}} }

func (b *bells) deliver(it notify.Item) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.users[it.UserID] {
		select {
		case ch <- it:
		default: // a page that cannot keep up reads the list again on its next load
		}
	}
}

func (b *bells) add(user int64, ch chan notify.Item) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.users[user] == nil {
		b.users[user] = map[chan notify.Item]struct{}{}
	}
	b.users[user][ch] = struct{}{}
}

func (b *bells) remove(user int64, ch chan notify.Item) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.users[user], ch)
	if len(b.users[user]) == 0 {
		delete(b.users, user)
	}
}

// notificationSocket (GET /api/me/notifications/ws) sends {"type":"notification","item":...,
// "unread":N} for each new in-app notification of the signed-in person, first
// {"type":"ready","unread":N}. A page that reconnects reloads the list (GET /api/me/notifications).
func (s *Server) notificationSocket(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if !sameOrigin(r) {
		writeError(w, r, s.d.Log, errOrigin)
		return
	}
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096, CheckOrigin: sameOrigin}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	ch := make(chan notify.Item, 32)
	s.bells.add(p.ID, ch)
	defer s.bells.remove(p.ID, ch)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer cancel()
		conn.SetReadLimit(socketReadLimit)
		_ = conn.SetReadDeadline(time.Now().Add(2 * socketPing))
		conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(2 * socketPing)) })
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	send := func(v any) bool {
		data, _ := json.Marshal(v)
		_ = conn.SetWriteDeadline(time.Now().Add(socketWriteWait))
		return conn.WriteMessage(websocket.TextMessage, data) == nil
	}
	unread := func() int {
		_, n, err := notify.Inbox(ctx, s.d.DB.Reader(), p.ID, 1)
		if err != nil {
			s.d.Log.Warn("notification socket", "user", p.ID, "err", err)
		}
		return n
	}
	if !send(map[string]any{"type": "ready", "unread": unread()}) {
		return
	}
	ping := time.NewTicker(socketPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(socketWriteWait)) != nil {
				return
			}
		case it := <-ch:
			if !send(map[string]any{"type": "notification", "item": it, "unread": unread()}) {
				return
			}
		}
	}
}
