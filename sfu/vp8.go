package sfu

// The VP8 RTP payload descriptor (RFC 7741 §4.2), read and rewritten without decoding. Switching
// a subscriber's slot to another layer or another point means the browser's decoder sees frames
// of a different stream; the picture ID and TL0PICIDX must go on counting from where the old
// stream stopped, or the browser's frame buffer would take the new key frame for an old frame and
// drop it.

// vp8Desc is where the interesting fields of one packet's descriptor are.
type vp8Desc struct {
	picIDAt  int // offset of the picture ID, or -1
	picID15  bool
	picID    uint16
	tl0At    int // offset of TL0PICIDX, or -1
	tl0      uint8
	headerAt int // offset of the VP8 payload (after the descriptor)
	start    bool
	keyframe bool // the first packet of a key frame
}

// parseVP8 reads a VP8 payload descriptor; ok is false if the payload is too short to be VP8.
func parseVP8(p []byte) (d vp8Desc, ok bool) {
	d.picIDAt, d.tl0At = -1, -1
	if len(p) < 1 {
		return d, false
	}
	i := 1
	x := p[0]&0x80 != 0
	d.start = p[0]&0x10 != 0 && p[0]&0x07 == 0
	if x {
		if len(p) < 2 {
			return d, false
		}
		ext := p[1]
		i = 2
		if ext&0x80 != 0 { // I: picture ID
			if len(p) < i+1 {
				return d, false
			}
			d.picIDAt = i
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
		if ext&0x40 != 0 { // L: TL0PICIDX
			if len(p) < i+1 {
				return d, false
			}
			d.tl0At = i
			d.tl0 = p[i]
			i++
		}
		if ext&0x30 != 0 { // T or K: TID/Y/KEYIDX
			if len(p) < i+1 {
				return d, false
			}
			i++
		}
	}
	d.headerAt = i
	if d.start && len(p) > i {
		d.keyframe = p[i]&0x01 == 0
	}
	return d, true
}

// picIDMask is the modulus of the picture ID as this packet carries it.
func (d *vp8Desc) picIDMask() uint16 {
	if d.picID15 {
		return 0x7fff
	}
	return 0x7f
}

// writePicID stores a picture ID in the descriptor at its original width.
func (d *vp8Desc) writePicID(p []byte, id uint16) {
	if d.picIDAt < 0 {
		return
	}
	if d.picID15 {
		p[d.picIDAt] = 0x80 | byte(id>>8)&0x7f
		p[d.picIDAt+1] = byte(id)
	} else {
		p[d.picIDAt] = byte(id) & 0x7f
	}
}
