// Package record writes a media room's conference to a WebM file as the SFU forwards it: VP8
// frames and Opus packets go from RTP into Matroska blocks unchanged, with no decoding and no
// transcoding, so recording costs a copy and a disk write per packet, not an encoder.
//
// The SFU feeds a Recorder (a Sink) with one video stream and one audio stream, typically a slot
// that follows the main screen at the high layer and one that follows the loudest speaker. Such a
// slot switches sources on a key frame and rewrites sequence numbers and timestamps into one
// continuous stream; the picture size may change at that key frame. The WebM track header
// carries the size of the first key frame (written as soon as it arrives, so even a file cut off
// by a crash has it); later key frames carry their own size, which VP8 decoders and browsers
// follow, so a switch to a point with another camera plays on without a new track.
//
// The file streams to disk one Cluster (at most 5 s or 4 MiB) at a time. What is known only at
// the end — the Segment size, Duration, SeekHead and Cues — is written on Close into room
// reserved at the start, so a finished file is seekable in a browser and an unfinished one still
// plays up to its last complete Cluster.
package record

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// Sink is what the SFU writes a recording's packets to. WriteVideoRTP takes VP8 (RTP clock
// 90 kHz), WriteAudioRTP Opus (48 kHz). Both are safe to call from the forwarding goroutines
// concurrently; they copy what they keep and never block on the disk.
type Sink interface {
	WriteVideoRTP(pkt *rtp.Packet)
	WriteAudioRTP(pkt *rtp.Packet)
}

// Option configures a Recorder.
type Option func(*config) error

type config struct {
	now           func() time.Time
	keyFrame      func()
	keyFrameEvery time.Duration
	queue         int
	video, audio  bool
	width, height int
	channels      int
}

// WithClock sets the clock that stamps each packet's arrival (tests).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("record: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithKeyFrameRequest sets what the Recorder calls when it needs a video key frame: at the start,
// after packets were lost (frames are dropped until the next key frame), and, when every > 0,
// whenever the last key frame is older than that (a key frame is where a player can seek to).
// The SFU answers with a PLI to the publisher; fn is called at most once a second and must not
// block.
func WithKeyFrameRequest(fn func(), every time.Duration) Option {
	return func(c *config) error {
		if every < 0 {
			return errors.New("record: negative key frame interval")
		}
		c.keyFrame, c.keyFrameEvery = fn, every
		return nil
	}
}

// WithTracks says which tracks the file has (both by default). A track declared but never fed
// is taken out of the file on Close.
func WithTracks(video, audio bool) Option {
	return func(c *config) error {
		if !video && !audio {
			return errors.New("record: a recording needs audio or video")
		}
		c.video, c.audio = video, audio
		return nil
	}
}

// WithQueue sets how many packets may wait for the writer (default 2048, about ten seconds of a
// high layer and its audio): a disk that stalls longer loses packets, not the forwarding loop.
func WithQueue(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("record: queue must hold at least one packet")
		}
		c.queue = n
		return nil
	}
}

// Info describes a finished recording.
type Info struct {
	// Started is the wall-clock time of the recording's first frame (its timeline's zero), or
	// when the Recorder was made if nothing arrived.
	Started     time.Time
	Duration    time.Duration
	Bytes       int64
	VideoFrames int
	KeyFrames   int
	AudioFrames int
	// Width and Height are the size written in the video track header (the first key frame's).
	Width, Height int
	// DroppedFrames are video frames left out because packets were lost (a damaged frame, and
	// inter frames until the next key frame); LostPackets counts the video packets missing.
	DroppedFrames int
	LostPackets   int
	// Overflow counts packets dropped because the writer fell behind (a stalled disk).
	Overflow int64
}

// Recorder writes one WebM file. Make it with New or Create, feed it through its Sink methods,
// and Close it.
type Recorder struct {
	cfg      config
	in       chan rtpIn
	done     chan struct{}
	mu       sync.RWMutex // held shared to send on in, exclusively to close it
	closed   bool
	overflow atomic.Int64
	made     time.Time

	// Owned by the writer goroutine until done is closed.
	m         muxer
	vp8       *vp8Assembler
	vclock    trackClock
	aclock    trackClock
	aseq      seqWindow
	origin    time.Time
	hasOrigin bool
	lastKey   time.Time
	lastAsk   time.Time
	info      Info
	err       error

	file *os.File // when made by Create
	path string
}

// New starts a recording written to w, which must be empty at its current offset 0.
func New(w io.WriteSeeker, opts ...Option) (*Recorder, error) {
	cfg := config{now: time.Now, queue: 2048, video: true, audio: true, width: 640, height: 360, channels: 2}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	r := &Recorder{cfg: cfg, in: make(chan rtpIn, cfg.queue), done: make(chan struct{}), made: cfg.now()}
	r.m = muxer{w: w, video: cfg.video, audio: cfg.audio}
	r.vclock.rate, r.aclock.rate = 90000, 48000
	r.vp8 = newVP8Assembler()
	// The header is written before any frame: the video size is a placeholder until the first
	// key frame, and Opus is declared stereo (mono packets decode to two equal channels).
	r.m.start(r.made, cfg.width, cfg.height, cfg.channels)
	if r.m.err != nil {
		return nil, r.m.err
	}
	go r.run()
	return r, nil
}

// Create starts a recording in a new file at path (its directory is made if needed). An existing
// file is never overwritten. If Close finds that nothing was recorded, the file is removed.
func Create(path string, opts ...Option) (*Recorder, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r, err := New(f, opts...)
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	r.file, r.path = f, path
	return r, nil
}

// Path names the file of recording id of a media room under dir: <dir>/<room>-<id>.webm. The
// SFU writes there and the room service imports only files named so.
func Path(dir, room string, id int64) string {
	safe := strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, room)
	return filepath.Join(dir, safe+"-"+strconv.FormatInt(id, 10)+".webm")
}

// WriteVideoRTP queues a VP8 packet. It never blocks; a packet that finds the queue full is
// dropped (the loss is then handled like network loss).
func (r *Recorder) WriteVideoRTP(pkt *rtp.Packet) { r.put(pkt, true) }

// WriteAudioRTP queues an Opus packet, like WriteVideoRTP.
func (r *Recorder) WriteAudioRTP(pkt *rtp.Packet) { r.put(pkt, false) }

func (r *Recorder) put(pkt *rtp.Packet, video bool) {
	if pkt == nil {
		return
	}
	r.putRaw(&pkt.Header, pkt.Payload, video)
}

func (r *Recorder) putRaw(h *rtp.Header, payload []byte, video bool) {
	// The packet's buffer belongs to the caller (the SFU reuses it), so the payload is copied.
	p := rtpIn{video: video, seq: h.SequenceNumber, ts: h.Timestamp, marker: h.Marker,
		payload: append([]byte(nil), payload...), at: r.cfg.now()}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return
	}
	select {
	case r.in <- p:
	default:
		r.overflow.Add(1)
	}
}

// TrackWriter feeds one track of a Recorder through the interface a forwarding slot writes to
// (webrtc.TrackLocalWriter): the SFU can give a recording the same slots a subscriber has, and
// their rewriting makes each a continuous stream across source switches. The slot must not
// send RED (no RED payload type for a recording's audio slot).
type TrackWriter struct {
	r     *Recorder
	video bool
}

// VideoTrack is the writer of the recording's VP8 track.
func (r *Recorder) VideoTrack() TrackWriter { return TrackWriter{r: r, video: true} }

// AudioTrack is the writer of the recording's Opus track.
func (r *Recorder) AudioTrack() TrackWriter { return TrackWriter{r: r} }

// WriteRTP queues a packet given as header and payload; it never blocks.
func (w TrackWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.r.putRaw(h, payload, w.video)
	return len(payload), nil
}

// Write queues a whole marshalled RTP packet.
func (w TrackWriter) Write(b []byte) (int, error) {
	var p rtp.Packet
	if err := p.Unmarshal(b); err != nil {
		return 0, fmt.Errorf("record: %w", err)
	}
	w.r.putRaw(&p.Header, p.Payload, w.video)
	return len(b), nil
}

func (r *Recorder) run() {
	defer close(r.done)
	for p := range r.in {
		r.handle(p)
	}
	r.vp8.flush(r.videoFrame)
	origin := r.made
	if r.hasOrigin {
		origin = r.origin
	}
	size, err := r.m.finish(origin)
	r.err = err
	r.info = Info{
		Started: origin, Duration: time.Duration(r.m.endMS) * time.Millisecond, Bytes: size,
		VideoFrames: r.m.videoFrames, KeyFrames: r.m.keyFrames, AudioFrames: r.m.audioFrames,
		Width: r.m.width, Height: r.m.height,
		DroppedFrames: r.vp8.droppedFrames, LostPackets: r.vp8.lostPackets,
	}
}

// wallMS is where an arrival falls on the timeline, whose zero is the first frame's arrival.
func (r *Recorder) wallMS(at time.Time) int64 {
	if !r.hasOrigin {
		r.origin, r.hasOrigin = at, true
	}
	return max(at.Sub(r.origin).Milliseconds(), 0)
}

func (r *Recorder) handle(p rtpIn) {
	if r.m.err != nil {
		return // the disk failed; Close reports it
	}
	if p.video {
		if !r.cfg.video {
			return
		}
		r.vp8.push(p, r.videoFrame)
		r.askKeyFrame(p.at)
		return
	}
	if !r.cfg.audio || !r.aseq.fresh(p.seq) {
		return
	}
	samples := opusDuration(p.payload)
	if samples == 0 {
		return // empty or malformed: nothing to play
	}
	ms := r.aclock.ms(p.ts, r.wallMS(p.at))
	r.m.add(frame{track: trackAudio, ms: ms, key: true, data: p.payload, dur: int64(samples) / 48})
}

func (r *Recorder) videoFrame(f vp8Frame) {
	if f.key {
		w, h, _ := vp8KeyFrame(f.data)
		r.m.keySize(w, h)
		r.lastKey = f.at
	}
	ms := r.vclock.ms(f.ts, r.wallMS(f.at))
	r.m.add(frame{track: trackVideo, ms: ms, key: f.key, data: f.data})
}

// askKeyFrame asks the SFU for a key frame when the recording waits for one, or when the last
// one is older than the configured interval; at most once a second.
func (r *Recorder) askKeyFrame(now time.Time) {
	if r.cfg.keyFrame == nil || now.Sub(r.lastAsk) < time.Second {
		return
	}
	stale := r.cfg.keyFrameEvery > 0 && !r.lastKey.IsZero() && now.Sub(r.lastKey) >= r.cfg.keyFrameEvery
	if r.vp8.needKey || stale {
		r.lastAsk = now
		r.cfg.keyFrame()
	}
}

// Close ends the recording: what is queued is written, then the Cues, and the header fields
// kept for the end are filled in. A file made by Create is synced and closed, and removed if it
// holds no frame at all (ErrNoMedia). Close may be called once; later calls return an error.
func (r *Recorder) Close() (Info, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return Info{}, errors.New("record: already closed")
	}
	r.closed = true
	close(r.in)
	r.mu.Unlock()
	<-r.done
	info, err := r.info, r.err
	info.Overflow = r.overflow.Load()
	if r.file != nil {
		if serr := r.file.Sync(); serr != nil && err == nil {
			err = fmt.Errorf("record: sync: %w", serr)
		}
		if cerr := r.file.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("record: close: %w", cerr)
		}
		if errors.Is(err, ErrNoMedia) {
			os.Remove(r.path)
			info.Bytes = 0
		}
	}
	return info, err
}

// Finished is the media event the SFU publishes on bus.MediaEvents(room) when a recording file
// is complete (or failed): the room service imports the file at Path into the meeting's
// documents and then removes it.
type Finished struct {
	Type        string    `json:"type"` // always "recording"
	RecordingID int64     `json:"recording_id"`
	Path        string    `json:"path"`
	Bytes       int64     `json:"bytes"`
	DurationMS  int64     `json:"duration_ms"`
	Started     time.Time `json:"started"`
	// Error is empty for a usable file; otherwise what went wrong, and there is no file to import.
	Error string `json:"error"`
}

// Finished makes the event for a recording closed with err (Close's error).
func (i Info) Finished(recordingID int64, path string, err error) Finished {
	f := Finished{Type: "recording", RecordingID: recordingID, Path: path, Bytes: i.Bytes,
		DurationMS: i.Duration.Milliseconds(), Started: i.Started.UTC()}
	if err != nil {
		f.Error = err.Error()
	}
	return f
}
