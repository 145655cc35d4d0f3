package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
)

// The file's layout. Everything that is only known at the end (the Segment's size, the SeekHead
// that points at the Cues, the Duration, the video size when no key frame came) has room
// reserved at a known offset and is written there on Close, so the recording itself streams to
// disk one Cluster at a time.
//
//	EBML header (DocType webm)
//	Segment (size patched on Close)
//	  Void → SeekHead (Info, Tracks, Cues), written on Close
//	  Info: TimecodeScale 1 ms, DateUTC, MuxingApp, WritingApp, Void → Duration
//	  Tracks: 1 V_VP8 (PixelWidth/PixelHeight patched at the first key frame), 2 A_OPUS
//	  Cluster, Cluster, ... (each starts at a video key frame or after clusterMS)
//	  Cues (one CuePoint per video key frame)

const (
	trackVideo = 1
	trackAudio = 2

	// clusterMS and clusterBytes bound a Cluster, which is held in memory until it is complete
	// (its size is then known, and it goes to disk in one write).
	clusterMS    = 5000
	clusterBytes = 4 << 20
	// interleaveMS is how long frames wait for the other track to catch up so that blocks go out
	// in time order; it bounds memory to that much media.
	interleaveMS = 500
	// seekHeadRoom is reserved for the SeekHead: three Seek entries of 21 bytes, its own header.
	seekHeadRoom = 96
	durationRoom = 11 // Duration: ID (2), size (1), float64 (8)
	// maxCues bounds the index in memory (a key frame every second for 27 hours).
	maxCues = 100_000
)

// frame is a frame on its way to a Cluster.
type frame struct {
	track int
	ms    int64
	key   bool
	data  []byte
	dur   int64 // ms, audio only
}

type cue struct {
	ms      int64
	track   int
	cluster int64 // Cluster offset from the Segment's data start
	rel     int64 // block offset from the Cluster's data start
}

// muxer writes WebM to w. It is not safe for concurrent use: the Recorder's writer goroutine
// owns it.
type muxer struct {
	w   io.WriteSeeker
	pos int64 // bytes written so far (the offset of the next write)
	err error

	segSizeAt, segData   int64 // offsets of the Segment's size field and of its data
	seekHeadAt           int64
	infoAt, tracksAt     int64
	durationAt, dateAt   int64
	widthAt, heightAt    int64 // offsets of the fixed 2-byte PixelWidth / PixelHeight values
	videoAt, videoLen    int64 // the video TrackEntry, voided on Close if it never got a frame
	audioAt, audioLen    int64
	width, height        int
	sizeSet              bool
	video, audio         bool // tracks declared
	videoUsed, audioUsed bool // tracks that received a block

	pending   []frame
	lastMS    [3]int64 // per track, the latest frame queued
	seen      [3]bool
	newest    int64
	written   int64 // timeline position of the last block written
	clampedMS int

	cluster     []byte // Timecode + blocks of the open Cluster
	clusterMS   int64
	clusterAt   int64
	clusterOpen bool
	cues        []cue
	videoCued   bool
	endMS       int64 // where the last block ends
	lastVideoMS int64
	videoStepMS int64
	videoFrames int
	keyFrames   int
	audioFrames int
}

func (m *muxer) write(b []byte) {
	if m.err != nil {
		return
	}
	n, err := m.w.Write(b)
	m.pos += int64(n)
	if err != nil {
		m.err = fmt.Errorf("record: write: %w", err)
	}
}

// writeAt overwrites bytes already written, then returns to the end.
func (m *muxer) writeAt(off int64, b []byte) {
	if m.err != nil {
		return
	}
	if _, err := m.w.Seek(off, io.SeekStart); err != nil {
		m.err = fmt.Errorf("record: seek: %w", err)
		return
	}
	if _, err := m.w.Write(b); err != nil {
		m.err = fmt.Errorf("record: write: %w", err)
		return
	}
	if _, err := m.w.Seek(m.pos, io.SeekStart); err != nil {
		m.err = fmt.Errorf("record: seek: %w", err)
	}
}

// start writes everything up to the first Cluster.
func (m *muxer) start(started time.Time, width, height, channels int) {
	var b []byte
	b = appendMaster(b, idEBML, func(b []byte) []byte {
		b = appendUint(b, idEBMLVersion, 1)
		b = appendUint(b, idEBMLReadVersion, 1)
		b = appendUint(b, idEBMLMaxIDLength, 4)
		b = appendUint(b, idEBMLMaxSizeLength, 8)
		b = appendString(b, idDocType, "webm")
		b = appendUint(b, idDocTypeVersion, 4)
		return appendUint(b, idDocTypeReadVersion, 2)
	})
	b = appendID(b, idSegment)
	m.segSizeAt = int64(len(b))
	b = append(b, unknownSize...)
	m.segData = int64(len(b))
	m.seekHeadAt = int64(len(b))
	b = append(b, voidElement(seekHeadRoom)...)

	m.infoAt = int64(len(b))
	var info []byte
	info = appendUint(info, idTimecodeScale, 1_000_000) // block timecodes in milliseconds
	dateOff := len(info) + 3                            // after DateUTC's 2-byte ID and 1-byte size
	info = appendInt(info, idDateUTC, dateUTC(started))
	info = appendString(info, idMuxingApp, "phonghop")
	info = appendString(info, idWritingApp, "phonghop")
	durationOff := len(info)
	info = append(info, voidElement(durationRoom)...)
	b = appendID(b, idInfo)
	b = appendSize(b, uint64(len(info)))
	m.durationAt, m.dateAt = int64(len(b)+durationOff), int64(len(b)+dateOff)
	b = append(b, info...)

	m.tracksAt = int64(len(b))
	body := m.tracksAt + 8 // Tracks: a 4-byte ID and a 4-byte size
	var tracks []byte
	if m.video {
		entry := []byte{}
		entry = appendUint(entry, idTrackNumber, trackVideo)
		entry = appendUint(entry, idTrackUID, trackVideo)
		entry = appendUint(entry, idTrackType, 1)
		entry = appendUint(entry, idFlagLacing, 0)
		entry = appendString(entry, idCodecID, "V_VP8")
		videoOff := len(entry)
		entry = appendMaster(entry, idVideo, func(v []byte) []byte {
			v = appendUintN(v, idPixelWidth, uint64(width), 2)
			return appendUintN(v, idPixelHeight, uint64(height), 2)
		})
		head := appendSize(appendID(nil, idTrackEntry), uint64(len(entry)))
		// Inside Video: ID (1) size (1) then PixelWidth = ID (1) size (1) value (2), PixelHeight alike.
		base := body + int64(len(tracks)) + int64(len(head)) + int64(videoOff)
		m.widthAt, m.heightAt = base+2+2, base+2+4+2
		m.videoAt, m.videoLen = body+int64(len(tracks)), int64(len(head)+len(entry))
		tracks = append(append(tracks, head...), entry...)
	}
	if m.audio {
		entry := []byte{}
		entry = appendUint(entry, idTrackNumber, trackAudio)
		entry = appendUint(entry, idTrackUID, trackAudio)
		entry = appendUint(entry, idTrackType, 2)
		entry = appendUint(entry, idFlagLacing, 0)
		entry = appendString(entry, idCodecID, "A_OPUS")
		entry = appendBytes(entry, idCodecPrivate, opusHead(channels))
		entry = appendUint(entry, idCodecDelay, 0)
		entry = appendUint(entry, idSeekPreRoll, 80_000_000) // 80 ms, as RFC 7845 advises
		entry = appendMaster(entry, idAudio, func(a []byte) []byte {
			a = appendFloat(a, idSamplingFrequency, 48000)
			return appendUint(a, idChannels, uint64(channels))
		})
		head := appendSize(appendID(nil, idTrackEntry), uint64(len(entry)))
		m.audioAt, m.audioLen = body+int64(len(tracks)), int64(len(head)+len(entry))
		tracks = append(append(tracks, head...), entry...)
	}
	// The Tracks size is written with a fixed 4 bytes so the offsets above hold.
	b = appendID(b, idTracks)
	b = appendSizeN(b, uint64(len(tracks)), 4)
	b = append(b, tracks...)
	m.width, m.height = width, height
	m.write(b)
}

// dateUTC is a Matroska date: nanoseconds from 2001-01-01T00:00:00 UTC.
func dateUTC(t time.Time) int64 {
	return t.Sub(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)).Nanoseconds()
}

// keySize records a key frame's size; the first one also goes into the track header, so a file
// cut off by a crash carries the size its first pictures have.
func (m *muxer) keySize(w, h int) {
	if m.sizeSet || !m.video {
		return
	}
	m.sizeSet, m.width, m.height = true, w, h
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], uint16(w))
	m.writeAt(m.widthAt, b[:])
	binary.BigEndian.PutUint16(b[:], uint16(h))
	m.writeAt(m.heightAt, b[:])
}

// add queues a frame and writes out those that can no longer be overtaken: frames at or before
// every track's latest (the tracks have moved past them), and any older than interleaveMS behind
// the newest (a track that went quiet, such as muted audio, holds nothing up for long).
func (m *muxer) add(f frame) {
	i := sort.Search(len(m.pending), func(i int) bool { return m.pending[i].ms > f.ms })
	m.pending = append(m.pending, frame{})
	copy(m.pending[i+1:], m.pending[i:])
	m.pending[i] = f
	if f.ms > m.lastMS[f.track] || !m.seen[f.track] {
		m.lastMS[f.track], m.seen[f.track] = f.ms, true
	}
	if f.ms > m.newest {
		m.newest = f.ms
	}
	bound := m.newest - interleaveMS
	floor := int64(-1 << 62)
	if m.seen[trackVideo] && m.seen[trackAudio] {
		floor = min(m.lastMS[trackVideo], m.lastMS[trackAudio])
	}
	n := 0
	for n < len(m.pending) && (m.pending[n].ms <= bound || m.pending[n].ms <= floor) {
		n++
	}
	for _, p := range m.pending[:n] {
		m.block(p)
	}
	m.pending = append(m.pending[:0], m.pending[n:]...)
}

// flush writes every queued frame and the open Cluster.
func (m *muxer) flush() {
	for _, p := range m.pending {
		m.block(p)
	}
	m.pending = m.pending[:0]
	m.closeCluster()
}

// block writes one frame as a SimpleBlock, opening a new Cluster when the frame is a video key
// frame (so every seek point starts a Cluster) or the open one is full.
func (m *muxer) block(f frame) {
	if f.ms < m.written {
		// Overtaken while waiting longer than the interleave window: kept in order rather than
		// dropped (a missing video frame would break the pictures after it).
		f.ms = m.written
		m.clampedMS++
	}
	m.written = f.ms
	if m.clusterOpen && (f.track == trackVideo && f.key || f.ms-m.clusterMS >= clusterMS || len(m.cluster) >= clusterBytes) {
		m.closeCluster()
	}
	if !m.clusterOpen {
		m.clusterOpen, m.clusterMS, m.clusterAt = true, f.ms, m.pos
		m.cluster = appendUint(m.cluster[:0], idTimecode, uint64(f.ms))
		if f.track == trackAudio && !m.videoCued && len(m.cues) < maxCues {
			// Without video so far, seeking goes by Clusters of audio.
			m.cues = append(m.cues, cue{ms: f.ms, track: trackAudio, cluster: m.clusterAt - m.segData, rel: int64(len(m.cluster))})
		}
	}
	if f.track == trackVideo && f.key && len(m.cues) < maxCues {
		m.cues = append(m.cues, cue{ms: f.ms, track: trackVideo, cluster: m.clusterAt - m.segData, rel: int64(len(m.cluster))})
		m.videoCued = true
	}
	flags := byte(0)
	if f.key || f.track == trackAudio {
		flags = 0x80 // every Opus packet decodes on its own
	}
	m.cluster = appendID(m.cluster, idSimpleBlock)
	m.cluster = appendSize(m.cluster, uint64(4+len(f.data)))
	m.cluster = append(m.cluster, 0x80|byte(f.track)) // track number as a 1-byte EBML integer
	m.cluster = binary.BigEndian.AppendUint16(m.cluster, uint16(int16(f.ms-m.clusterMS)))
	m.cluster = append(m.cluster, flags)
	m.cluster = append(m.cluster, f.data...)

	switch f.track {
	case trackVideo:
		m.videoUsed = true
		m.videoFrames++
		if f.key {
			m.keyFrames++
		}
		if m.videoFrames > 1 && f.ms > m.lastVideoMS {
			m.videoStepMS = f.ms - m.lastVideoMS
		}
		m.lastVideoMS = f.ms
		m.endMS = max(m.endMS, f.ms+max(m.videoStepMS, 1))
	case trackAudio:
		m.audioUsed = true
		m.audioFrames++
		m.endMS = max(m.endMS, f.ms+f.dur)
	}
}

func (m *muxer) closeCluster() {
	if !m.clusterOpen {
		return
	}
	m.clusterOpen = false
	b := appendID(nil, idCluster)
	b = appendSize(b, uint64(len(m.cluster)))
	m.write(b)
	m.write(m.cluster)
	if cap(m.cluster) > 2*clusterBytes {
		m.cluster = nil // one oversized Cluster does not pin its buffer for the rest of the recording
	}
}

// ErrNoMedia is returned by Close when not a single frame was recorded.
var ErrNoMedia = errors.New("record: no audio or video was received")

// finish writes the Cues and fills in what was reserved: origin is the wall-clock time of the
// timeline's zero (the first frame). It returns the file's size.
func (m *muxer) finish(origin time.Time) (int64, error) {
	m.flush()
	if !m.videoUsed && !m.audioUsed {
		return m.pos, ErrNoMedia
	}
	cuesAt := m.pos
	if len(m.cues) > 0 {
		b := appendMaster(nil, idCues, func(b []byte) []byte {
			for _, c := range m.cues {
				b = appendMaster(b, idCuePoint, func(b []byte) []byte {
					b = appendUint(b, idCueTime, uint64(c.ms))
					return appendMaster(b, idCueTrackPositions, func(b []byte) []byte {
						b = appendUint(b, idCueTrack, uint64(c.track))
						b = appendUint(b, idCueClusterPosition, uint64(c.cluster))
						return appendUint(b, idCueRelativePosition, uint64(c.rel))
					})
				})
			}
			return b
		})
		m.write(b)
	}
	end := m.pos

	m.writeAt(m.segSizeAt, appendSizeN(nil, uint64(end-m.segData), 8))
	seek := appendMaster(nil, idSeekHead, func(b []byte) []byte {
		entry := func(b []byte, id uint32, at int64) []byte {
			return appendMaster(b, idSeek, func(b []byte) []byte {
				b = appendBytes(b, idSeekID, appendID(nil, id))
				return appendUintN(b, idSeekPosition, uint64(at-m.segData), 8)
			})
		}
		b = entry(b, idInfo, m.infoAt)
		b = entry(b, idTracks, m.tracksAt)
		if len(m.cues) > 0 {
			b = entry(b, idCues, cuesAt)
		}
		return b
	})
	m.writeAt(m.seekHeadAt, append(seek, voidElement(seekHeadRoom-len(seek))...))
	m.writeAt(m.durationAt, appendFloat(nil, idDuration, float64(m.endMS)))
	m.writeAt(m.dateAt, binary.BigEndian.AppendUint64(nil, uint64(dateUTC(origin))))
	// A track that never received a frame is taken out, so players do not wait for it.
	if m.video && !m.videoUsed {
		m.writeAt(m.videoAt, voidElement(int(m.videoLen)))
	}
	if m.audio && !m.audioUsed {
		m.writeAt(m.audioAt, voidElement(int(m.audioLen)))
	}
	return end, m.err
}
