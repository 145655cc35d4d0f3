package sfuclient

import "time"

// Talk says when a client's microphone carries speech, as the audio level header extension
// (RFC 6464) tells the server: silent is level 127 (−127 dBov) without the voice bit; speaking
// is about Level dBov (lower is louder) with the voice bit set. The zero value is silent.
type Talk struct {
	// Level while speaking, in −dBov (default 30; 20–40 is normal speech).
	Level int
	// Always speaking; otherwise only during Spans.
	Always bool
	// Spans of speech, measured from Epoch (or from when publishing started, if Epoch is zero).
	Spans []Span
	Epoch time.Time
}

// Span is a stretch of speech.
type Span struct{ From, To time.Duration }

// Silent is a microphone that never speaks.
func Silent() Talk { return Talk{} }

// Speaking is a microphone that always speaks at about level dBov.
func Speaking(level int) Talk { return Talk{Level: level, Always: true} }

// level is the audio level and voice flag at now; n varies the level a little, as speech does.
func (t *Talk) level(now, started time.Time, n uint32) (uint8, bool) {
	speaking := t.Always
	if !speaking && len(t.Spans) > 0 {
		epoch := t.Epoch
		if epoch.IsZero() {
			epoch = started
		}
		at := now.Sub(epoch)
		for _, s := range t.Spans {
			if at >= s.From && at < s.To {
				speaking = true
				break
			}
		}
	}
	if !speaking {
		return 127, false
	}
	l := t.Level
	if l <= 0 {
		l = 30
	}
	l += int(n%7) - 3
	return uint8(max(0, min(127, l))), true
}
