package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/rooms"
)

// The meeting WebSocket (GET /api/meetings/{id}/ws?after=SEQ). The server sends one JSON
// event per text message, {meeting_id, seq, type, data, at}: first every event after SEQ that the
// member may see, read from the database, then {"type":"ready","seq":N}, then live events as they
// are committed. Notices (turnout, timers) have seq 0 and are never replayed. A page that loses
// the connection reconnects with the last seq it saw and misses nothing. The client sends nothing
// but pongs; a client too slow to keep up is disconnected and catches up on reconnecting.
const (
	socketInbox     = 512
	socketPing      = 25 * time.Second
	socketReadLimit = 4096
	socketWriteWait = 10 * time.Second
)

// hub fans committed meeting events out to this node's sockets.
type hub struct {
	mu    sync.Mutex
	rooms map[int64]map[*socket]struct{}
	log   *slog.Logger
}

// outgoing is an event with its JSON encoded once for every socket.
type outgoing struct {
	ev   events.Event
	data []byte
}

type socket struct {
	conn  *websocket.Conn
	mem   rooms.Member
	inbox chan outgoing
	once  sync.Once
	done  chan struct{}
}

func newHub(log *slog.Logger) *hub { return &hub{rooms: map[int64]map[*socket]struct{}{}, log: log} }

func (h *hub) deliver(e events.Event) {
	data, err := json.Marshal(e)
	if err != nil {
		h.log.Warn("encode meeting event", "err", err)
		return
	}
	out := outgoing{e, data}
	h.mu.Lock()
	defer h.mu.Unlock()
	for sk := range h.rooms[e.MeetingID] {
		select {
		case sk.inbox <- out:
		default:
			sk.close() // too slow: it will reconnect and catch up from the database
		}
	}
}

func (h *hub) add(sk *socket) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms[sk.mem.MeetingID] == nil {
		h.rooms[sk.mem.MeetingID] = map[*socket]struct{}{}
	}
	h.rooms[sk.mem.MeetingID][sk] = struct{}{}
}

func (h *hub) remove(sk *socket) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.rooms[sk.mem.MeetingID], sk)
	if len(h.rooms[sk.mem.MeetingID]) == 0 {
		delete(h.rooms, sk.mem.MeetingID)
	}
}

func (sk *socket) close() { sk.once.Do(func() { close(sk.done); sk.conn.Close() }) }

func (s *Server) meetingSocket(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	id, err := pathID(r, "id")
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	mem, err := s.d.Rooms.Member(r.Context(), s.d.DB.Reader(), id, p)
	if err != nil {
		writeError(w, r, s.d.Log, err)
		return
	}
	if !sameOrigin(r) {
		writeError(w, r, s.d.Log, errOrigin)
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if after < 0 {
		after = 0
	}
	release, ok := s.sockets.acquire(r)
	if !ok {
		writeError(w, r, s.d.Log, errTooManySockets)
		return
	}
	defer release()
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 8192, CheckOrigin: sameOrigin}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	sk := &socket{conn: conn, mem: mem, inbox: make(chan outgoing, socketInbox), done: make(chan struct{})}
	// Register before catching up, so nothing committed meanwhile is missed; the writer drops
	// what the catch-up already sent.
	s.hub.add(sk)
	defer s.hub.remove(sk)
	defer sk.close()
	go s.readSocket(sk)
	s.writeSocket(sk, after)
}

// readSocket keeps the read deadline moving with pongs and notices a closed connection.
func (s *Server) readSocket(sk *socket) {
	defer sk.close()
	sk.conn.SetReadLimit(socketReadLimit)
	_ = sk.conn.SetReadDeadline(time.Now().Add(2 * socketPing))
	sk.conn.SetPongHandler(func(string) error { return sk.conn.SetReadDeadline(time.Now().Add(2 * socketPing)) })
	for {
		if _, _, err := sk.conn.ReadMessage(); err != nil {
			return
		}
	}
}

func (s *Server) writeSocket(sk *socket, after int64) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-sk.done
		cancel()
	}()
	last := after
	send := func(data []byte) bool {
		_ = sk.conn.SetWriteDeadline(time.Now().Add(socketWriteWait))
		return sk.conn.WriteMessage(websocket.TextMessage, data) == nil
	}
	// catchUp sends every logged event after last up to (and including) upto, 0 meaning all.
	catchUp := func(upto int64) bool {
		for {
			evs, err := events.Since(ctx, s.d.DB.Reader(), sk.mem.MeetingID, last, events.MaxBatch)
			if err != nil {
				s.d.Log.Warn("meeting socket catch-up", "meeting", sk.mem.MeetingID, "err", err)
				return false
			}
			for _, e := range evs {
				if upto > 0 && e.Seq > upto {
					return true
				}
				last = e.Seq
				if !e.Audience.Admits(sk.mem.UserID, audienceRole(sk.mem)) {
					continue
				}
				data, _ := json.Marshal(e)
				if !send(data) {
					return false
				}
			}
			if len(evs) < events.MaxBatch {
				return true
			}
		}
	}
	if !catchUp(0) {
		return
	}
	ready, _ := json.Marshal(map[string]any{"type": "ready", "seq": last})
	if !send(ready) {
		return
	}
	ping := time.NewTicker(socketPing)
	defer ping.Stop()
	for {
		select {
		case <-sk.done:
			return
		case <-ping.C:
			if sk.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(socketWriteWait)) != nil {
				return
			}
		case out := <-sk.inbox:
			e := out.ev
			if e.Transient() {
				if e.Audience.Admits(sk.mem.UserID, audienceRole(sk.mem)) && !send(out.data) {
					return
				}
				continue
			}
			if e.Seq <= last {
				continue // already sent by the catch-up
			}
			if e.Seq > last+1 {
				// Events can arrive out of order from several nodes, or a publish may have been
				// lost: read the gap from the database, in order.
				if !catchUp(e.Seq - 1) {
					return
				}
			}
			last = e.Seq
			if e.Audience.Admits(sk.mem.UserID, audienceRole(sk.mem)) && !send(out.data) {
				return
			}
		}
	}
}
