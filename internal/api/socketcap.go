package api

import (
	"crypto/sha256"
	"net/http"
	"sync"

	"github.com/phonghop/phonghop/internal/errs"
)

// defaultSocketsPerSession leaves room for a delegate's tablet tab, the projector view, the
// control room and a reconnect or two, while a stolen cookie or a runaway script cannot hold
// hundreds of sockets (each one a goroutine pair and a fan-out target) on a node.
const defaultSocketsPerSession = 8

var errTooManySockets = errs.E(errs.RateLimited,
	"Phiên đăng nhập này đã mở quá nhiều kết nối trực tiếp tới cuộc họp. Hãy đóng bớt các thẻ hoặc cửa sổ đang mở phòng họp rồi thử lại.",
	"This sign-in has too many live meeting connections open. Close some tabs or windows showing a meeting and try again.")

// socketCap counts the live meeting WebSockets of each sign-in on this node.
type socketCap struct {
	max int
	mu  sync.Mutex
	n   map[[32]byte]int
}

func newSocketCap(max int) *socketCap {
	if max <= 0 {
		max = defaultSocketsPerSession
	}
	return &socketCap{max: max, n: map[[32]byte]int{}}
}

// acquire takes a place for the request's session; release must follow when ok.
func (c *socketCap) acquire(r *http.Request) (release func(), ok bool) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, false
	}
	key := sha256.Sum256([]byte(ck.Value)) // the token itself is not kept in memory longer than needed
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= c.max {
		return nil, false
	}
	c.n[key]++
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.n[key]--; c.n[key] <= 0 {
			delete(c.n, key)
		}
	}, true
}
