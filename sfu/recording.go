package sfu

import (
	"errors"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/sfu/record"
)

// A room's recording is a subscriber without a connection: one video slot that follows the main
// screen at the high layer and one audio slot that carries the loudest speaker, written by the
// slots' own rewriting into sfu/record's WebM muxer, so a switch of the main screen or of the
// speaker lands in the file as one continuous stream, without transcoding.
type roomRecording struct {
	id           int64
	path         string
	rec          *record.Recorder
	video, audio *slot
}

// startRecording begins recording the room into the server's recording directory.
func (r *room) startRecording(id int64) {
	if r.s.opts.RecordDir == "" {
		r.s.publishEvent(r.name, record.Info{Started: time.Now()}.Finished(id, "", errors.New("this media server does not record (no recording directory)")))
		return
	}
	r.mu.Lock()
	if r.recording != nil || r.closed {
		busy := r.recording != nil && r.recording.id != id
		r.mu.Unlock()
		if busy {
			r.s.publishEvent(r.name, record.Info{Started: time.Now()}.Finished(id, "", errors.New("the room is already being recorded")))
		}
		return
	}
	rr := &roomRecording{id: id, path: record.Path(r.s.opts.RecordDir, r.name, id)}
	rr.video = newSlot(nil, webrtc.RTPCodecTypeVideo, 0)
	rr.audio = newSlot(nil, webrtc.RTPCodecTypeAudio, 0)
	askKey := func() {
		if cur, pending := rr.video.carried(); pending != nil {
			pending.requestKeyFrame()
		} else if cur != nil {
			cur.requestKeyFrame()
		}
	}
	rec, err := record.Create(rr.path, record.WithKeyFrameRequest(askKey, 10*time.Second))
	if err != nil {
		r.mu.Unlock()
		r.s.publishEvent(r.name, record.Info{Started: time.Now()}.Finished(id, rr.path, err))
		return
	}
	rr.rec = rec
	rr.video.writer, rr.video.pt, rr.video.ssrc = rec.VideoTrack(), 96, 1
	rr.video.want, rr.video.quality = binding{follow: "spotlight"}, qHigh
	rr.audio.writer, rr.audio.pt, rr.audio.ssrc = rec.AudioTrack(), 111, 2
	rr.audio.want, rr.audio.quality = binding{follow: "loudest"}, qHigh
	rr.audio.redCap.Store(0)
	r.recording = rr
	r.mu.Unlock()
	r.s.log.Info("sfu: recording", "room", r.name, "recording", id, "path", rr.path)
	r.rebindAll()
}

// stopRecording ends the room's recording (id 0: whichever runs) and reports the file.
func (r *room) stopRecording(id int64) {
	r.mu.Lock()
	rr := r.recording
	if rr == nil || id != 0 && rr.id != id {
		r.mu.Unlock()
		return
	}
	r.recording = nil
	r.mu.Unlock()
	rr.video.detach()
	rr.audio.detach()
	info, err := rr.rec.Close()
	r.s.log.Info("sfu: recording finished", "room", r.name, "recording", rr.id, "duration", info.Duration, "bytes", info.Bytes, "err", err)
	r.s.publishEvent(r.name, info.Finished(rr.id, rr.path, err))
}

// bindRecording points the recording's slots at the main screen and the loudest speaker.
func (r *room) bindRecording(loudest *source) {
	r.mu.Lock()
	rr := r.recording
	var main *source
	if rr != nil {
		main = r.resolveLocked(nil, binding{follow: "spotlight"})
	}
	r.mu.Unlock()
	if rr == nil {
		return
	}
	now := time.Now().UnixNano()
	for _, b := range []struct {
		s   *slot
		src *source
	}{{rr.video, main}, {rr.audio, loudest}} {
		b.s.mu.Lock()
		b.s.src = b.src
		b.s.mu.Unlock()
		b.s.retarget(now)
	}
}
