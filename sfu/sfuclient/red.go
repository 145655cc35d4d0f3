package sfuclient

// redPacket is an RFC 2198 payload taken apart: the primary (the newest Opus packet) and up to
// four earlier ones, each known by how far its timestamp lies behind the primary's.
type redPacket struct {
	primary []byte
	n       int
	offset  [4]uint32 // timestamp offsets of the redundant blocks, oldest first
	block   [4][]byte
}

// parseRED splits a RED payload; ok is false if the headers do not fit the payload.
func parseRED(p []byte) (r redPacket, ok bool) {
	i := 0
	var lens [4]int
	for {
		if i >= len(p) {
			return r, false
		}
		if p[i]&0x80 == 0 { // the last header: just the primary's payload type
			i++
			break
		}
		if i+4 > len(p) || r.n == len(r.offset) {
			return r, false
		}
		r.offset[r.n] = uint32(p[i+1])<<6 | uint32(p[i+2])>>2
		lens[r.n] = int(p[i+2]&0x03)<<8 | int(p[i+3])
		r.n++
		i += 4
	}
	for k := 0; k < r.n; k++ {
		if i+lens[k] > len(p) {
			return r, false
		}
		r.block[k] = p[i : i+lens[k]]
		i += lens[k]
	}
	r.primary = p[i:]
	return r, true
}
