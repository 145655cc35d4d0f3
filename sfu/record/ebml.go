package record

import (
	"encoding/binary"
	"math"
)

// Matroska/WebM element IDs this muxer writes (the WebM subset of the Matroska specification).
const (
	idEBML               = 0x1A45DFA3
	idEBMLVersion        = 0x4286
	idEBMLReadVersion    = 0x42F7
	idEBMLMaxIDLength    = 0x42F2
	idEBMLMaxSizeLength  = 0x42F3
	idDocType            = 0x4282
	idDocTypeVersion     = 0x4287
	idDocTypeReadVersion = 0x4285
	idVoid               = 0xEC

	idSegment      = 0x18538067
	idSeekHead     = 0x114D9B74
	idSeek         = 0x4DBB
	idSeekID       = 0x53AB
	idSeekPosition = 0x53AC

	idInfo          = 0x1549A966
	idTimecodeScale = 0x2AD7B1
	idDuration      = 0x4489
	idDateUTC       = 0x4461
	idMuxingApp     = 0x4D80
	idWritingApp    = 0x5741

	idTracks            = 0x1654AE6B
	idTrackEntry        = 0xAE
	idTrackNumber       = 0xD7
	idTrackUID          = 0x73C5
	idTrackType         = 0x83
	idFlagLacing        = 0x9C
	idCodecID           = 0x86
	idCodecPrivate      = 0x63A2
	idCodecDelay        = 0x56AA
	idSeekPreRoll       = 0x56BB
	idVideo             = 0xE0
	idPixelWidth        = 0xB0
	idPixelHeight       = 0xBA
	idAudio             = 0xE1
	idSamplingFrequency = 0xB5
	idChannels          = 0x9F

	idCluster     = 0x1F43B675
	idTimecode    = 0xE7
	idSimpleBlock = 0xA3

	idCues                = 0x1C53BB6B
	idCuePoint            = 0xBB
	idCueTime             = 0xB3
	idCueTrackPositions   = 0xB7
	idCueTrack            = 0xF7
	idCueClusterPosition  = 0xF1
	idCueRelativePosition = 0xF0
)

// unknownSize is the 8-byte "size unknown" marker; the Segment starts with it so that a file cut
// off by a crash still parses up to its last complete Cluster.
var unknownSize = []byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}

// appendID appends an element ID; IDs carry their own length marker, so their bytes are written
// as they are, without leading zero bytes.
func appendID(b []byte, id uint32) []byte {
	switch {
	case id >= 1<<24:
		return append(b, byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
	case id >= 1<<16:
		return append(b, byte(id>>16), byte(id>>8), byte(id))
	case id >= 1<<8:
		return append(b, byte(id>>8), byte(id))
	}
	return append(b, byte(id))
}

// appendSize appends a data size as an EBML variable-length integer of the shortest length.
// (All ones in a length is reserved for "unknown", hence the -1 in each bound.)
func appendSize(b []byte, n uint64) []byte {
	l := 1
	for l < 8 && n >= 1<<(7*l)-1 {
		l++
	}
	return appendSizeN(b, n, l)
}

// appendSizeN appends a data size as an EBML variable-length integer of exactly l bytes, so a
// value can later be patched in place without moving what follows.
func appendSizeN(b []byte, n uint64, l int) []byte {
	v := n | 1<<(7*l)
	for i := l - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

func appendUint(b []byte, id uint32, v uint64) []byte {
	l := 1
	for l < 8 && v >= 1<<(8*l) {
		l++
	}
	return appendUintN(b, id, v, l)
}

// appendUintN writes an unsigned integer element with a fixed l-byte value (patchable later).
func appendUintN(b []byte, id uint32, v uint64, l int) []byte {
	b = appendID(b, id)
	b = appendSize(b, uint64(l))
	for i := l - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

func appendInt(b []byte, id uint32, v int64) []byte {
	b = appendID(b, id)
	b = appendSize(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

func appendFloat(b []byte, id uint32, v float64) []byte {
	b = appendID(b, id)
	b = appendSize(b, 8)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(v))
}

func appendBytes(b []byte, id uint32, v []byte) []byte {
	b = appendID(b, id)
	b = appendSize(b, uint64(len(v)))
	return append(b, v...)
}

func appendString(b []byte, id uint32, v string) []byte { return appendBytes(b, id, []byte(v)) }

// appendMaster appends a master element around the body that fill appends.
func appendMaster(b []byte, id uint32, fill func([]byte) []byte) []byte {
	body := fill(nil)
	b = appendID(b, id)
	b = appendSize(b, uint64(len(body)))
	return append(b, body...)
}

// voidElement is a Void element of exactly n bytes in all (n >= 2): room kept for something
// written at Close (the SeekHead, the Duration) or the trace of something taken out (a track
// that never received a frame). Readers skip Void elements wherever they appear.
func voidElement(n int) []byte {
	b := make([]byte, 0, n)
	b = appendID(b, idVoid)
	if n-2 <= 126 {
		b = appendSizeN(b, uint64(n-2), 1)
	} else {
		b = appendSizeN(b, uint64(n-9), 8)
	}
	return append(b, make([]byte, n-len(b))...)
}
