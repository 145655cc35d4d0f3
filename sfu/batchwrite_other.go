//go:build !linux

package sfu

import (
	"errors"
	"net"
)

// roundWriter batches writes with sendmmsg, which only Linux has; elsewhere the media port
// keeps Pion's batching connection.
type roundWriter struct{ *net.UDPConn }

func newRoundWriter(*net.UDPConn, bool) (*roundWriter, error) {
	return nil, errors.New("sfu: round-batched writes need Linux")
}

func (w *roundWriter) Flush() {}

func (w *roundWriter) writeStats() (datagrams, calls, gsoMessages, gsoDatagrams uint64, gso bool) {
	return 0, 0, 0, 0, false
}
