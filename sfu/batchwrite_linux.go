package sfu

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// roundWriter is the media port's sending side: writes are copied into a preallocated batch
// and sent by the forwarding loop itself at the end of a round (a frame forwarded to every
// slot, or an audio packet) with one sendmmsg, no goroutine or channel between them. In the
// batch, the packets for one destination are sent together, and a run of equal-sized ones
// (the packets of one video frame) goes as one UDP GSO message (UDP_SEGMENT) that the kernel
// cuts into datagrams. GSO is tried when the kernel offers it and given up for good the first
// time a send with it is refused (EIO, EINVAL). Writes that no round flushes (RTCP, ICE, DTLS,
// retransmissions) go out at most flushAfter later.
type roundWriter struct {
	*net.UDPConn
	rc syscall.RawConn

	mu    sync.Mutex // the batch being filled
	fill  *writeBatch
	spare *writeBatch // the one being sent, or idle
	armed bool
	timer *time.Timer

	sendMu sync.Mutex // one send at a time; held while a batch is sent
	// The system call's arguments and results (sendMu held).
	writeFn  func(fd uintptr) bool
	callMsgs []unix.Mmsghdr
	callN    int
	callErr  syscall.Errno

	gso     atomic.Bool
	sent    atomic.Uint64 // datagrams
	calls   atomic.Uint64 // sendmmsg system calls
	gsoMsgs atomic.Uint64 // messages sent with UDP_SEGMENT
	gsoDgs  atomic.Uint64 // datagrams in them
}

const (
	batchPackets = 1024 // at most this many datagrams a batch (the kernel's UIO_MAXIOV)
	batchSlot    = 1500 // bytes kept per datagram; longer ones are sent on their own
	flushAfter   = 500 * time.Microsecond
	gsoMaxSegs   = 64 // the kernel's UDP_MAX_SEGMENTS
	gsoMaxBytes  = 65000
	cmsgSpace    = 24 // CMSG_SPACE(sizeof(uint16)) on 64-bit
)

// writeBatch is one batch of datagrams and the structures one sendmmsg needs for it, all
// preallocated: nothing is allocated per packet or per send.
type writeBatch struct {
	n     int
	data  []byte // batchPackets × batchSlot
	size  [batchPackets]uint16
	dst   [batchPackets]unix.RawSockaddrInet4
	key   [batchPackets]uint64
	next  [batchPackets]int32 // the next datagram for the same destination, -1 at the end
	order [batchPackets]int32 // datagrams grouped by destination, in their order
	heads map[uint64]int32    // destination → first and last datagram (in first, last)
	last  map[uint64]int32
	msgs  [batchPackets]unix.Mmsghdr
	iovs  [batchPackets]unix.Iovec
	cmsg  [batchPackets][cmsgSpace]byte
	first [batchPackets]int32 // the first datagram (index into order) of each message
	nmsg  int
}

func newWriteBatch() *writeBatch {
	return &writeBatch{data: make([]byte, batchPackets*batchSlot), heads: make(map[uint64]int32, batchPackets), last: make(map[uint64]int32, batchPackets)}
}

// newRoundWriter wraps the media port. gso false keeps to plain sendmmsg.
func newRoundWriter(conn *net.UDPConn, gso bool) (*roundWriter, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	w := &roundWriter{UDPConn: conn, rc: rc, fill: newWriteBatch(), spare: newWriteBatch()}
	w.writeFn = w.write
	w.timer = time.AfterFunc(time.Hour, w.Flush)
	w.timer.Stop()
	if gso {
		w.gso.Store(gsoOffered(rc))
	}
	return w, nil
}

// gsoOffered tells whether the kernel knows UDP_SEGMENT on this socket (Linux 4.18 and later).
func gsoOffered(rc syscall.RawConn) bool {
	ok := false
	_ = rc.Control(func(fd uintptr) {
		_, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT)
		ok = err == nil
	})
	return ok
}

// WriteTo queues b for addr (ICE writes through here when it cannot use WriteToAddrPort).
func (w *roundWriter) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return w.UDPConn.WriteTo(b, addr)
	}
	return w.WriteToAddrPort(b, ua.AddrPort())
}

// ReadFromAddrPort and WriteToAddrPort let ICE read and write without an address allocated per
// packet.
func (w *roundWriter) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	return w.UDPConn.ReadFromUDPAddrPort(b)
}

func (w *roundWriter) WriteToAddrPort(b []byte, ap netip.AddrPort) (int, error) {
	a := ap.Addr().Unmap()
	if len(b) > batchSlot || !a.Is4() {
		return w.UDPConn.WriteToUDPAddrPort(b, ap)
	}
	w.mu.Lock()
	if w.fill.n == batchPackets {
		w.sendLocked()
	}
	bt := w.fill
	i := bt.n
	bt.n++
	copy(bt.data[i*batchSlot:], b)
	bt.size[i] = uint16(len(b))
	ip := a.As4()
	port := ap.Port()
	bt.dst[i] = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ip}
	p := (*[2]byte)(unsafe.Pointer(&bt.dst[i].Port))
	p[0], p[1] = byte(port>>8), byte(port)
	bt.key[i] = uint64(ip[0])<<40 | uint64(ip[1])<<32 | uint64(ip[2])<<24 | uint64(ip[3])<<16 | uint64(port)
	if !w.armed {
		w.armed = true
		w.timer.Reset(flushAfter)
	}
	w.mu.Unlock()
	return len(b), nil
}

// Flush sends what is queued: the forwarding loop calls it at the end of each round. A nil
// writer (the legacy path) has nothing to flush.
func (w *roundWriter) Flush() {
	if w == nil {
		return
	}
	w.mu.Lock()
	if w.fill.n == 0 {
		w.mu.Unlock()
		return
	}
	w.sendLocked()
	w.mu.Unlock()
}

// sendLocked swaps the full batch out and sends it (w.mu held on entry and on return; it is
// released during the send so that other rounds can fill the other batch).
func (w *roundWriter) sendLocked() {
	bt := w.fill
	w.sendMu.Lock() // the spare batch is free once the previous send is done
	w.fill, w.spare = w.spare, bt
	if w.armed {
		w.armed = false
		w.timer.Stop()
	}
	w.mu.Unlock()
	w.send(bt)
	bt.n = 0
	w.sendMu.Unlock()
	w.mu.Lock()
}

// send groups the batch by destination and writes it with as few sendmmsg calls as it can.
func (w *roundWriter) send(bt *writeBatch) {
	clear(bt.heads)
	clear(bt.last)
	for i := range bt.n {
		k := bt.key[i]
		bt.next[i] = -1
		if t, ok := bt.last[k]; ok {
			bt.next[t] = int32(i)
		} else {
			bt.heads[k] = int32(i)
		}
		bt.last[k] = int32(i)
	}
	// Destinations in the order of their first datagram, each one's datagrams in order.
	o := 0
	for i := range bt.n {
		if h, ok := bt.heads[bt.key[i]]; ok && h == int32(i) {
			for j := int32(i); j >= 0; j = bt.next[j] {
				bt.order[o] = j
				o++
			}
		}
	}
	w.build(bt, 0, w.gso.Load())
	for m := 0; m < bt.nmsg; {
		n, errno := w.sendmmsg(bt.msgs[m:bt.nmsg])
		switch {
		case errno == 0:
			m += n
		case (errno == unix.EIO || errno == unix.EINVAL) && w.gso.Load() && w.gso.CompareAndSwap(true, false):
			// The kernel or the device refuses segmentation: plain datagrams from here on.
			w.sent.Add(^uint64(bt.n - int(bt.first[m]) - 1)) // counted again by build
			w.build(bt, bt.first[m], false)
			m = 0
		default:
			// This datagram's destination is gone (ECONNREFUSED from an earlier ICMP, …):
			// skip it, not the rest of the batch.
			m++
		}
	}
}

// build fills the messages for the grouped datagrams from order[from:], with GSO runs when gso.
func (w *roundWriter) build(bt *writeBatch, from int32, gso bool) {
	bt.nmsg = 0
	for o := int(from); o < bt.n; {
		i := bt.order[o]
		segLen := int(bt.size[i])
		run := 1
		if gso {
			total := segLen
			for o+run < bt.n && run < gsoMaxSegs {
				j := bt.order[o+run]
				sz := int(bt.size[j])
				if bt.key[j] != bt.key[i] || sz > segLen || total+sz > gsoMaxBytes {
					break
				}
				run++
				total += sz
				if sz < segLen {
					break // a shorter one can only end the run
				}
			}
		}
		m := &bt.msgs[bt.nmsg]
		bt.first[bt.nmsg] = int32(o)
		*m = unix.Mmsghdr{}
		m.Hdr.Name = (*byte)(unsafe.Pointer(&bt.dst[i]))
		m.Hdr.Namelen = unix.SizeofSockaddrInet4
		m.Hdr.Iov = &bt.iovs[o]
		m.Hdr.SetIovlen(run)
		for k := range run {
			j := bt.order[o+k]
			v := &bt.iovs[o+k]
			v.Base = &bt.data[int(j)*batchSlot]
			v.SetLen(int(bt.size[j]))
		}
		if run > 1 {
			c := &bt.cmsg[bt.nmsg]
			h := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
			h.Level, h.Type = unix.IPPROTO_UDP, unix.UDP_SEGMENT
			h.SetLen(unix.CmsgLen(2))
			*(*uint16)(unsafe.Pointer(&c[unix.CmsgLen(0)])) = uint16(segLen)
			m.Hdr.Control = &c[0]
			m.Hdr.SetControllen(unix.CmsgSpace(2))
			w.gsoMsgs.Add(1)
			w.gsoDgs.Add(uint64(run))
		}
		w.sent.Add(uint64(run))
		bt.nmsg++
		o += run
	}
}

// sendmmsg writes msgs, waiting while the socket's buffer is full; it returns how many
// messages went and the error of the first that did not. The call's arguments and results are
// in w (sends are serialized by sendMu) so that no closure is allocated per call.
func (w *roundWriter) sendmmsg(msgs []unix.Mmsghdr) (int, syscall.Errno) {
	w.callMsgs, w.callN, w.callErr = msgs, 0, 0
	if err := w.rc.Write(w.writeFn); err != nil && w.callErr == 0 {
		return 0, unix.EBADF // closed
	}
	return w.callN, w.callErr
}

func (w *roundWriter) write(fd uintptr) bool {
	r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&w.callMsgs[0])), uintptr(len(w.callMsgs)), 0, 0, 0)
	w.calls.Add(1)
	if e == unix.EAGAIN {
		return false
	}
	w.callN, w.callErr = int(r), e
	return true
}

// Close stops the flush timer and closes the port.
func (w *roundWriter) Close() error {
	w.timer.Stop()
	return w.UDPConn.Close()
}

// writeStats are the writer's counters, for the load test's comparison.
func (w *roundWriter) writeStats() (datagrams, calls, gsoMessages, gsoDatagrams uint64, gso bool) {
	return w.sent.Load(), w.calls.Load(), w.gsoMsgs.Load(), w.gsoDgs.Load(), w.gso.Load()
}
