package record_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// A small EBML reader for the tests: it parses what the muxer wrote back into tracks, blocks,
// cues and header fields, checking the structure on the way (sizes, nesting, positions). Its
// element IDs are written out here from the Matroska specification, apart from the muxer's.

const (
	idEBML                = 0x1A45DFA3
	idDocType             = 0x4282
	idVoid                = 0xEC
	idSegment             = 0x18538067
	idSeekHead            = 0x114D9B74
	idSeekID              = 0x53AB
	idSeekPosition        = 0x53AC
	idInfo                = 0x1549A966
	idTimecodeScale       = 0x2AD7B1
	idDuration            = 0x4489
	idDateUTC             = 0x4461
	idTracks              = 0x1654AE6B
	idTrackEntry          = 0xAE
	idTrackNumber         = 0xD7
	idTrackType           = 0x83
	idCodecID             = 0x86
	idCodecPrivate        = 0x63A2
	idVideo               = 0xE0
	idPixelWidth          = 0xB0
	idPixelHeight         = 0xBA
	idAudio               = 0xE1
	idSamplingFrequency   = 0xB5
	idChannels            = 0x9F
	idCluster             = 0x1F43B675
	idTimecode            = 0xE7
	idSimpleBlock         = 0xA3
	idCues                = 0x1C53BB6B
	idCueTime             = 0xB3
	idCueTrackPositions   = 0xB7
	idCueTrack            = 0xF7
	idCueClusterPosition  = 0xF1
	idCueRelativePosition = 0xF0
)

type ebmlElement struct {
	id         uint32
	off        int64 // where the element starts in the file
	dataOff    int64
	data       []byte
	headerSize int
}

func readVint(b []byte) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, io.ErrUnexpectedEOF
	}
	l := 1
	for l <= 8 && b[0]&(0x80>>(l-1)) == 0 {
		l++
	}
	if l > 8 || len(b) < l {
		return 0, 0, fmt.Errorf("bad vint %x", b[:min(len(b), 8)])
	}
	v := uint64(b[0] & (0xFF >> l))
	for i := 1; i < l; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, l, nil
}

func readID(b []byte) (uint32, int, error) {
	_, l, err := readVint(b)
	if err != nil || l > 4 {
		return 0, 0, fmt.Errorf("bad element ID: %v", err)
	}
	var id uint32
	for i := 0; i < l; i++ {
		id = id<<8 | uint32(b[i])
	}
	return id, l, nil
}

// children parses the elements in b, which starts at file offset base.
func children(b []byte, base int64) ([]ebmlElement, error) {
	var out []ebmlElement
	for off := 0; off < len(b); {
		id, il, err := readID(b[off:])
		if err != nil {
			return nil, fmt.Errorf("at %d: %w", base+int64(off), err)
		}
		size, sl, err := readVint(b[off+il:])
		if err != nil {
			return nil, fmt.Errorf("size at %d: %w", base+int64(off+il), err)
		}
		start := off + il + sl
		if size == 1<<(7*sl)-1 { // unknown size: to the end of the parent
			size = uint64(len(b) - start)
		}
		if uint64(len(b)-start) < size {
			return nil, fmt.Errorf("element %x at %d: size %d overruns its parent", id, base+int64(off), size)
		}
		out = append(out, ebmlElement{id: id, off: base + int64(off), dataOff: base + int64(start), data: b[start : start+int(size)], headerSize: il + sl})
		off = start + int(size)
	}
	return out, nil
}

func (e ebmlElement) uint() uint64 {
	var v uint64
	for _, c := range e.data {
		v = v<<8 | uint64(c)
	}
	return v
}

func (e ebmlElement) float() float64 {
	switch len(e.data) {
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(e.data)))
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(e.data))
	}
	return math.NaN()
}

type parsedTrack struct {
	number, kind  uint64
	codec         string
	private       []byte
	width, height uint64
	rate          float64
	channels      uint64
}

type parsedBlock struct {
	track     uint64
	ms        int64
	key       bool
	data      []byte
	cluster   int64 // Cluster offset from the Segment's data
	rel       int64 // block offset from the Cluster's data
	firstInCl bool
}

type parsedCue struct {
	ms                 int64
	track, cluster, at uint64
	rel                uint64
}

type parsedFile struct {
	docType       string
	segData       int64
	timecodeScale uint64
	duration      float64
	hasDuration   bool
	dateUTC       int64
	seek          map[uint32]uint64
	tracks        []parsedTrack
	blocks        []parsedBlock
	clusters      []int64
	cues          []parsedCue
	topLevel      []uint32 // IDs of the Segment's children, in order
}

// parseWebM parses a whole file.
func parseWebM(b []byte) (*parsedFile, error) {
	top, err := children(b, 0)
	if err != nil {
		return nil, err
	}
	if len(top) != 2 || top[0].id != idEBML || top[1].id != idSegment {
		return nil, errors.New("want an EBML header and one Segment")
	}
	p := &parsedFile{seek: map[uint32]uint64{}, segData: top[1].dataOff}
	head, err := children(top[0].data, top[0].dataOff)
	if err != nil {
		return nil, err
	}
	for _, e := range head {
		if e.id == idDocType {
			p.docType = string(e.data)
		}
	}
	seg, err := children(top[1].data, top[1].dataOff)
	if err != nil {
		return nil, err
	}
	for _, e := range seg {
		p.topLevel = append(p.topLevel, e.id)
		kids, err := children(e.data, e.dataOff)
		if err != nil && e.id != idVoid {
			return nil, fmt.Errorf("in %x: %w", e.id, err)
		}
		switch e.id {
		case idSeekHead:
			for _, s := range kids {
				f, err := children(s.data, s.dataOff)
				if err != nil {
					return nil, err
				}
				var id uint32
				var pos uint64
				for _, x := range f {
					switch x.id {
					case idSeekID:
						id = uint32(x.uint())
					case idSeekPosition:
						pos = x.uint()
					}
				}
				p.seek[id] = pos
			}
		case idInfo:
			for _, x := range kids {
				switch x.id {
				case idTimecodeScale:
					p.timecodeScale = x.uint()
				case idDuration:
					p.duration, p.hasDuration = x.float(), true
				case idDateUTC:
					p.dateUTC = int64(x.uint())
				}
			}
		case idTracks:
			for _, te := range kids {
				if te.id != idTrackEntry {
					continue // a Void left by a track without frames
				}
				f, err := children(te.data, te.dataOff)
				if err != nil {
					return nil, err
				}
				var tr parsedTrack
				for _, x := range f {
					switch x.id {
					case idTrackNumber:
						tr.number = x.uint()
					case idTrackType:
						tr.kind = x.uint()
					case idCodecID:
						tr.codec = string(x.data)
					case idCodecPrivate:
						tr.private = x.data
					case idVideo, idAudio:
						g, err := children(x.data, x.dataOff)
						if err != nil {
							return nil, err
						}
						for _, y := range g {
							switch y.id {
							case idPixelWidth:
								tr.width = y.uint()
							case idPixelHeight:
								tr.height = y.uint()
							case idSamplingFrequency:
								tr.rate = y.float()
							case idChannels:
								tr.channels = y.uint()
							}
						}
					}
				}
				p.tracks = append(p.tracks, tr)
			}
		case idCluster:
			clOff := e.off - p.segData
			p.clusters = append(p.clusters, clOff)
			var tc int64 = -1
			first := true
			for _, x := range kids {
				switch x.id {
				case idTimecode:
					tc = int64(x.uint())
				case idSimpleBlock:
					if tc < 0 {
						return nil, errors.New("SimpleBlock before the Cluster's Timecode")
					}
					track, l, err := readVint(x.data)
					if err != nil || len(x.data) < l+3 {
						return nil, errors.New("short SimpleBlock")
					}
					rel := int16(binary.BigEndian.Uint16(x.data[l:]))
					flags := x.data[l+2]
					p.blocks = append(p.blocks, parsedBlock{track: track, ms: tc + int64(rel), key: flags&0x80 != 0,
						data: x.data[l+3:], cluster: clOff, rel: x.off - e.dataOff, firstInCl: first})
					first = false
				}
			}
		case idCues:
			for _, cp := range kids {
				f, err := children(cp.data, cp.dataOff)
				if err != nil {
					return nil, err
				}
				var c parsedCue
				for _, x := range f {
					switch x.id {
					case idCueTime:
						c.ms = int64(x.uint())
					case idCueTrackPositions:
						g, err := children(x.data, x.dataOff)
						if err != nil {
							return nil, err
						}
						for _, y := range g {
							switch y.id {
							case idCueTrack:
								c.track = y.uint()
							case idCueClusterPosition:
								c.cluster = y.uint()
							case idCueRelativePosition:
								c.rel = y.uint()
							}
						}
					}
				}
				p.cues = append(p.cues, c)
			}
		}
	}
	return p, nil
}

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	b   []byte
	off int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := m.off + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	copy(m.b[m.off:], p)
	m.off += int64(len(p))
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		m.off = off
	case io.SeekCurrent:
		m.off += off
	case io.SeekEnd:
		m.off = int64(len(m.b)) + off
	}
	if m.off < 0 {
		return 0, errors.New("negative offset")
	}
	return m.off, nil
}
