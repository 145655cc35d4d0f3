package main

import (
	"fmt"
	"io"
	"net"
)

// Listener is one address the server accepts connections on.
type Listener struct {
	Name, Network, Addr string
}

// Listeners are every address the running server accepts connections on, so an operator sees
// at start exactly what is exposed (the embedded NATS server listens on none).
func (s *Server) Listeners() []Listener {
	var out []Listener
	add := func(name string, a net.Addr) {
		if a != nil {
			out = append(out, Listener{name, a.Network(), a.String()})
		}
	}
	if s.listener != nil {
		add("http", s.listener.Addr())
	}
	if s.SFU != nil {
		add("media", s.SFU.UDPAddr())
		add("media", s.SFU.TCPAddr())
	}
	if s.TURN != nil {
		for _, a := range s.TURN.Addrs() {
			add("turn", a)
		}
	}
	return out
}

func printListeners(w io.Writer, ls []Listener) {
	for _, l := range ls {
		fmt.Fprintf(w, "phonghop: lắng nghe / listening: %-5s %-4s %s\n", l.Name, l.Network, l.Addr)
	}
}
