package record

// trackClock maps a track's RTP timestamps onto the recording's timeline in milliseconds.
//
// RTP timestamps of audio and video start at unrelated random values, and without the sender's
// RTCP reports nothing in RTP says which instants coincide. So each track is anchored where its
// first frame arrived (the wall clock since the recording's first frame) and runs on its own RTP
// clock from there, which keeps frame spacing exact. Should a track's timestamps drift more than
// resyncMS from the wall clock (a source that paused, a sender that restarted its clock), the
// track is anchored again.
type trackClock struct {
	rate    int64 // RTP clock rate: 90000 for video, 48000 for Opus
	started bool
	highest uint32 // the highest RTP timestamp seen
	highExt int64  // its unwrapped value
	baseExt int64  // the unwrapped timestamp anchored at baseMS
	baseMS  int64
	resyncs int
}

const resyncMS = 2000

// ms returns the timeline position of RTP timestamp ts, for a frame that arrived wallMS after
// the recording's origin.
func (c *trackClock) ms(ts uint32, wallMS int64) int64 {
	if !c.started {
		c.started, c.highest, c.highExt, c.baseExt, c.baseMS = true, ts, int64(ts), int64(ts), wallMS
		return wallMS
	}
	ext := c.highExt + int64(int32(ts-c.highest))
	if ext > c.highExt {
		c.highest, c.highExt = ts, ext
	}
	at := c.baseMS + (ext-c.baseExt)*1000/c.rate
	if d := at - wallMS; d > resyncMS || d < -resyncMS {
		c.baseExt, c.baseMS, at = ext, wallMS, wallMS
		c.resyncs++
	}
	return at
}
