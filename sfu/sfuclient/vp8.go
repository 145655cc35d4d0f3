package sfuclient

// Synthetic VP8 that looks real to a forwarding server: every packet has an RFC 7741 payload
// descriptor with a 15-bit picture ID, TL0PICIDX and a temporal layer index (two temporal layers
// alternating), the first packet of a frame carries the VP8 frame tag (and on key frames the
// start code and dimensions), and the RTP marker ends each frame. The server's key-frame
// detection, layer switching and picture-ID rewriting therefore work on it as on a browser's
// stream, while no encoder runs.

const (
	vp8DescLen   = 6  // X, I|L|T, 15-bit picture ID, TL0PICIDX, TID|Y|KEYIDX
	vp8KeyHdrLen = 10 // frame tag, start code, width, height
	vp8InterLen  = 3  // frame tag
)

// vp8Desc is what a receiver needs from one packet's descriptor and header.
type vp8Desc struct {
	start    bool // S=1 and PartID 0: the first packet of a frame
	keyframe bool // the first packet of a key frame
	hasPicID bool
	picID    uint16 // 7 or 15 bits
	picID15  bool
	tl0      uint8
	hasTL0   bool
	tid      uint8
	hasTID   bool
	width    uint16 // key frames only
	height   uint16
	markerAt int // where the in-payload marker would start
}

// parseVP8 reads a VP8 payload descriptor and, on a frame's first packet, the frame header.
func parseVP8(p []byte) (d vp8Desc, ok bool) {
	if len(p) < 1 {
		return d, false
	}
	i := 1
	d.start = p[0]&0x10 != 0 && p[0]&0x0f == 0
	if p[0]&0x80 != 0 {
		if len(p) < 2 {
			return d, false
		}
		ext := p[1]
		i = 2
		if ext&0x80 != 0 {
			if len(p) < i+1 {
				return d, false
			}
			d.hasPicID = true
			if p[i]&0x80 != 0 {
				if len(p) < i+2 {
					return d, false
				}
				d.picID15 = true
				d.picID = uint16(p[i]&0x7f)<<8 | uint16(p[i+1])
				i += 2
			} else {
				d.picID = uint16(p[i] & 0x7f)
				i++
			}
		}
		if ext&0x40 != 0 {
			if len(p) < i+1 {
				return d, false
			}
			d.hasTL0, d.tl0 = true, p[i]
			i++
		}
		if ext&0x30 != 0 {
			if len(p) < i+1 {
				return d, false
			}
			if ext&0x20 != 0 {
				d.hasTID, d.tid = true, p[i]>>6
			}
			i++
		}
	}
	d.markerAt = i
	if d.start && len(p) > i {
		d.keyframe = p[i]&0x01 == 0
		if d.keyframe {
			if len(p) >= i+vp8KeyHdrLen && p[i+3] == 0x9d && p[i+4] == 0x01 && p[i+5] == 0x2a {
				d.width = (uint16(p[i+6]) | uint16(p[i+7])<<8) & 0x3fff
				d.height = (uint16(p[i+8]) | uint16(p[i+9])<<8) & 0x3fff
			}
			d.markerAt = i + vp8KeyHdrLen
		} else {
			d.markerAt = i + vp8InterLen
		}
	}
	return d, true
}

// vp8Stream produces the packets of one synthetic VP8 encoding (one simulcast layer, or the
// screen). It is used by one goroutine at a time.
type vp8Stream struct {
	layer         Layer
	source        uint32
	width, height uint16
	frameBytes    int // payload bytes of an inter frame (key frames are three times larger)
	maxPacket     int // payload bytes per packet at most, descriptor included

	seq     uint16
	picID   uint16 // 15 bits
	tl0     uint8
	frames  int // frames since the last key frame
	counter uint32
	buf     []byte
}

// vp8Packet is one packet of a frame; payload is only valid until the next frame.
type vp8Packet struct {
	seq     uint16
	marker  bool
	payload []byte
}

// frame packetizes the next frame; sent is stamped into every packet's marker. The returned
// packets share a buffer that the next call reuses.
func (v *vp8Stream) frame(key bool, sent int64, out []vp8Packet) []vp8Packet {
	if key {
		v.frames = 0
	}
	tid := uint8(v.frames % 2)
	if tid == 0 && !key {
		v.tl0++
	}
	total := v.frameBytes
	if key {
		total *= 3
	}
	hdr := vp8InterLen
	if key {
		hdr = vp8KeyHdrLen
	}
	room := v.maxPacket - vp8DescLen
	if room < hdr+MarkerLen {
		room = hdr + MarkerLen
	}
	if total < hdr+MarkerLen {
		total = hdr + MarkerLen
	}
	n := (total + room - 1) / room
	if size := n * (vp8DescLen + room); cap(v.buf) < size {
		v.buf = make([]byte, size)
	}
	out = out[:0]
	off := 0
	for k := 0; k < n; k++ {
		part := total / n
		if k == n-1 {
			part = total - part*(n-1)
		}
		if part < MarkerLen {
			part = MarkerLen
		}
		p := v.buf[off : off+vp8DescLen+part]
		off += len(p)
		clear(p)
		p[0] = 0x80 // X
		if k == 0 {
			p[0] |= 0x10 // S, PartID 0
		}
		if tid > 0 {
			p[0] |= 0x20 // N: nobody references a TID 1 frame
		}
		p[1] = 0x80 | 0x40 | 0x20 // I, L, T
		p[2] = 0x80 | byte(v.picID>>8)&0x7f
		p[3] = byte(v.picID)
		p[4] = v.tl0
		p[5] = tid << 6
		if key || tid > 0 {
			p[5] |= 0x20 // Y: decodable from the last TL0 frame
		}
		at := vp8DescLen
		if k == 0 {
			// Frame tag: P (0 on key frames), version 0, show_frame, first partition size.
			first := uint32(part - hdr)
			tag := first<<5 | 1<<4
			if !key {
				tag |= 1
			}
			p[at], p[at+1], p[at+2] = byte(tag), byte(tag>>8), byte(tag>>16)
			if key {
				p[at+3], p[at+4], p[at+5] = 0x9d, 0x01, 0x2a
				p[at+6], p[at+7] = byte(v.width), byte(v.width>>8)
				p[at+8], p[at+9] = byte(v.height), byte(v.height>>8)
			}
			at += hdr
		}
		Marker{Source: v.source, Layer: v.layer, Key: key && k == 0, Counter: v.counter, Sent: sent}.put(p[at:])
		v.counter++
		out = append(out, vp8Packet{seq: v.seq, marker: k == n-1, payload: p})
		v.seq++
	}
	v.picID = (v.picID + 1) & 0x7fff
	v.frames++
	return out
}

// layerSpec is how large and how frequent each encoding's frames are: about 150 kbit/s,
// 500 kbit/s and 1.5 Mbit/s for the camera's layers.
type layerSpec struct {
	width, height uint16
	fps           int
	kbps          int
}

var layerSpecs = [numLayers]layerSpec{
	LayerLow:    {320, 180, 15, 150},
	LayerMid:    {640, 360, 30, 500},
	LayerHigh:   {1280, 720, 30, 1500},
	LayerScreen: {1920, 1080, 15, 800},
}

// newVP8Stream prepares a layer's stream with the given first sequence number and picture ID.
func newVP8Stream(l Layer, source uint32, seq, picID uint16, maxPacket int) *vp8Stream {
	s := layerSpecs[l]
	return &vp8Stream{layer: l, source: source, width: s.width, height: s.height,
		frameBytes: s.kbps * 1000 / 8 / s.fps, maxPacket: maxPacket, seq: seq, picID: picID & 0x7fff}
}
