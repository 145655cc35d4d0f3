package record_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/sfu/record"
	"github.com/phonghop/phonghop/sfu/record/recordtest"
)

// recordPackets feeds pkts to a recorder on an in-memory file and parses the result.
func recordPackets(t *testing.T, pkts []recordtest.Packet, opts ...record.Option) (record.Info, *parsedFile, []byte) {
	t.Helper()
	var now time.Time
	f := &memFile{}
	r, err := record.New(f, append([]record.Option{record.WithClock(func() time.Time { return now }), record.WithQueue(len(pkts) + 1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	recordtest.Feed(r, &now, pkts)
	info, err := r.Close()
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	p, err := parseWebM(f.b)
	if err != nil {
		t.Fatalf("the file does not parse: %v", err)
	}
	return info, p, f.b
}

func isKeyFrame(b []byte) bool {
	return len(b) >= 10 && b[0]&1 == 0 && bytes.Equal(b[3:6], []byte{0x9d, 0x01, 0x2a})
}

// checkFile asserts what every recording must satisfy: the header, blocks in time order with
// key flags that match the frames, Cues that point at video key frames at Cluster starts, and a
// SeekHead that points at Info, Tracks and Cues.
func checkFile(t *testing.T, p *parsedFile, file []byte) {
	t.Helper()
	if p.docType != "webm" || p.timecodeScale != 1_000_000 || !p.hasDuration {
		t.Fatalf("header: doctype %q, timecode scale %d, duration present %v", p.docType, p.timecodeScale, p.hasDuration)
	}
	var last int64
	for i, b := range p.blocks {
		if b.ms < last {
			t.Fatalf("block %d at %d ms comes after one at %d ms", i, b.ms, last)
		}
		last = b.ms
		switch b.track {
		case 1:
			if b.key != isKeyFrame(b.data) {
				t.Fatalf("video block %d: key flag %v on a frame whose key bit says %v", i, b.key, isKeyFrame(b.data))
			}
			if b.key && !b.firstInCl {
				t.Fatalf("video key frame at %d ms does not start its Cluster", b.ms)
			}
		case 2:
			if !b.key || !bytes.Equal(b.data, recordtest.OpusSilence) {
				t.Fatalf("audio block %d: key %v, data %x", i, b.key, b.data)
			}
		default:
			t.Fatalf("block %d on track %d", i, b.track)
		}
	}
	for _, c := range p.cues {
		at := p.segData + int64(c.cluster)
		if at+4 > int64(len(file)) || !bytes.Equal(file[at:at+4], []byte{0x1F, 0x43, 0xB6, 0x75}) {
			t.Fatalf("cue at %d ms points at %d, which is not a Cluster", c.ms, c.cluster)
		}
		found := false
		for _, b := range p.blocks {
			if b.cluster == int64(c.cluster) && b.rel == int64(c.rel) && b.ms == c.ms && b.track == c.track && b.key {
				found = true
			}
		}
		if !found {
			t.Fatalf("cue %+v names no key block", c)
		}
	}
	want := map[uint32]int{idInfo: 0, idTracks: 0}
	if len(p.cues) > 0 {
		want[idCues] = 0
	}
	for id := range want {
		pos, ok := p.seek[id]
		at := p.segData + int64(pos)
		if !ok || at+4 > int64(len(file)) {
			t.Fatalf("SeekHead has no usable entry for %x", id)
		}
		got, _, _ := readID(file[at:])
		if got != id {
			t.Fatalf("SeekHead entry for %x points at element %x", id, got)
		}
	}
}

// count returns how many blocks a track has, and how many of them are key frames.
func count(p *parsedFile, track uint64) (n, keys int) {
	for _, b := range p.blocks {
		if b.track == track {
			n++
			if b.key {
				keys++
			}
		}
	}
	return n, keys
}

func TestRecordsConference(t *testing.T) {
	spec := recordtest.Spec{Duration: 10 * time.Second, FPS: 30, Width: 320, Height: 240, KeyEvery: 30, Audio: true}
	pkts := recordtest.Packets(spec)
	info, p, file := recordPackets(t, pkts)
	checkFile(t, p, file)

	if len(p.tracks) != 2 {
		t.Fatalf("tracks: %+v", p.tracks)
	}
	v, a := p.tracks[0], p.tracks[1]
	if v.number != 1 || v.kind != 1 || v.codec != "V_VP8" || v.width != 320 || v.height != 240 {
		t.Errorf("video track: %+v", v)
	}
	if a.number != 2 || a.kind != 2 || a.codec != "A_OPUS" || a.rate != 48000 || a.channels != 2 ||
		len(a.private) != 19 || string(a.private[:8]) != "OpusHead" || a.private[9] != 2 {
		t.Errorf("audio track: %+v", a)
	}
	videos, keys := count(p, 1)
	audios, _ := count(p, 2)
	if videos != 300 || keys != 10 || audios != 500 {
		t.Errorf("blocks: %d video (%d key), %d audio; want 300 (10), 500", videos, keys, audios)
	}
	if info.VideoFrames != 300 || info.KeyFrames != 10 || info.AudioFrames != 500 || info.DroppedFrames != 0 || info.Bytes != int64(len(file)) {
		t.Errorf("info: %+v (file %d bytes)", info, len(file))
	}
	// The frames are the ones sent, byte for byte: no transcoding.
	for _, b := range p.blocks {
		if b.track == 1 && b.key && !bytes.Equal(b.data, recordtest.VP8KeyFrame(320, 240)) {
			t.Fatal("a key frame changed on its way into the file")
		}
	}
	// Video frame i plays at i·33⅓ ms, audio packet j at j·20 ms.
	var vi, ai int
	for _, b := range p.blocks {
		switch b.track {
		case 1:
			if want := int64(vi) * 1000 / 30; b.ms < want-1 || b.ms > want+1 {
				t.Fatalf("video frame %d at %d ms, want %d", vi, b.ms, want)
			}
			vi++
		case 2:
			if want := int64(ai) * 20; b.ms != want {
				t.Fatalf("audio packet %d at %d ms, want %d", ai, b.ms, want)
			}
			ai++
		}
	}
	if math.Abs(p.duration-10000) > 40 || info.Duration < 9960*time.Millisecond || info.Duration > 10040*time.Millisecond {
		t.Errorf("duration %v ms in the file, %v in Info; want 10 s", p.duration, info.Duration)
	}
	if len(p.cues) != 10 || len(p.clusters) < 10 {
		t.Errorf("%d cues, %d clusters; want a cue per key frame", len(p.cues), len(p.clusters))
	}
	wantDate := pkts[0].At.Sub(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)).Nanoseconds()
	if p.dateUTC != wantDate || !info.Started.Equal(pkts[0].At) {
		t.Errorf("date %d, started %v; want the first frame's arrival %v", p.dateUTC, info.Started, pkts[0].At)
	}
	if p.topLevel[0] != idSeekHead || p.topLevel[len(p.topLevel)-1] != idCues {
		t.Errorf("segment layout %x", p.topLevel)
	}
}

func TestSizeChangesAtKeyFrame(t *testing.T) {
	spec := recordtest.Spec{Duration: 4 * time.Second, FPS: 25, Width: 320, Height: 240, KeyEvery: 25, Audio: true,
		SwitchAt: 2 * time.Second, SwitchWidth: 640, SwitchHeight: 360}
	info, p, file := recordPackets(t, recordtest.Packets(spec))
	checkFile(t, p, file)
	if p.tracks[0].width != 320 || p.tracks[0].height != 240 || info.Width != 320 || info.Height != 240 {
		t.Errorf("header size %dx%d (info %dx%d); want the first key frame's 320x240", p.tracks[0].width, p.tracks[0].height, info.Width, info.Height)
	}
	var sizes []string
	for _, b := range p.blocks {
		if b.track == 1 && b.key {
			w := int(b.data[6]) | int(b.data[7])<<8
			h := int(b.data[8]) | int(b.data[9])<<8
			sizes = append(sizes, fmt.Sprintf("%v=%dx%d", time.Duration(b.ms)*time.Millisecond, w, h))
		}
	}
	want := []string{"0s=320x240", "1s=320x240", "2s=640x360", "3s=640x360"}
	if len(sizes) != len(want) {
		t.Fatalf("key frames %v, want %v", sizes, want)
	}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("key frames %v, want %v", sizes, want)
		}
	}
}

// videoFrames returns, frame by frame, the indexes of each video frame's packets.
func videoFrames(pkts []recordtest.Packet) [][]int {
	var out [][]int
	var ts uint32
	for i, p := range pkts {
		if !p.Video {
			continue
		}
		if len(out) == 0 || p.RTP.Timestamp != ts {
			out = append(out, nil)
			ts = p.RTP.Timestamp
		}
		out[len(out)-1] = append(out[len(out)-1], i)
	}
	return out
}

func without(pkts []recordtest.Packet, drop ...int) []recordtest.Packet {
	skip := map[int]bool{}
	for _, d := range drop {
		skip[d] = true
	}
	var out []recordtest.Packet
	for i, p := range pkts {
		if !skip[i] {
			out = append(out, p)
		}
	}
	return out
}

func TestLossWaitsForKeyFrame(t *testing.T) {
	spec := recordtest.Spec{Duration: 3 * time.Second, FPS: 30, Width: 320, Height: 240, KeyEvery: 30, Audio: true}
	pkts := recordtest.Packets(spec)
	frames := videoFrames(pkts)
	if len(frames[45]) < 3 {
		t.Fatalf("frame 45 has %d packets; the test needs one from its middle", len(frames[45]))
	}
	asked := 0
	info, p, file := recordPackets(t, without(pkts, frames[45][1]), record.WithKeyFrameRequest(func() { asked++ }, 0))
	checkFile(t, p, file)
	videos, keys := count(p, 1)
	// Frames 45–59 are lost (45 is damaged, the rest depend on it); frame 60 is a key frame.
	if videos != 90-15 || keys != 3 || info.DroppedFrames != 15 || info.LostPackets != 1 {
		t.Errorf("%d video blocks (%d key), info %+v; want 75 (3), 15 dropped, 1 lost packet", videos, keys, info)
	}
	for _, b := range p.blocks {
		if b.track == 1 && b.ms > 1480 && b.ms < 2000 {
			t.Fatalf("a video frame at %d ms was kept between the loss and the next key frame", b.ms)
		}
	}
	// Asked at the start (no key frame yet) and after the loss.
	if asked != 2 {
		t.Errorf("key frame asked %d times, want 2", asked)
	}
}

func TestReorderedAndDuplicatedPackets(t *testing.T) {
	spec := recordtest.Spec{Duration: 2 * time.Second, FPS: 30, Width: 320, Height: 240, KeyEvery: 30, Audio: true}
	pkts := recordtest.Packets(spec)
	var mixed []recordtest.Packet
	for i := 0; i < len(pkts); i++ {
		// Swap every pair of neighbours after the first frame, and send every fifth packet twice.
		if i > 8 && i%2 == 1 && i+1 < len(pkts) {
			mixed = append(mixed, pkts[i+1], pkts[i])
			i++
		} else {
			mixed = append(mixed, pkts[i])
		}
		if i%5 == 0 {
			mixed = append(mixed, pkts[i])
		}
	}
	info, p, file := recordPackets(t, mixed)
	checkFile(t, p, file)
	videos, _ := count(p, 1)
	audios, _ := count(p, 2)
	if videos != 60 || audios != 100 || info.DroppedFrames != 0 {
		t.Errorf("%d video and %d audio blocks, %d dropped; want 60, 100, 0", videos, audios, info.DroppedFrames)
	}
}

func TestOneTrackOnly(t *testing.T) {
	t.Run("audio", func(t *testing.T) {
		_, p, file := recordPackets(t, recordtest.Packets(recordtest.Spec{Duration: 12 * time.Second, Audio: true}))
		checkFile(t, p, file)
		if len(p.tracks) != 1 || p.tracks[0].codec != "A_OPUS" {
			t.Fatalf("tracks %+v; the video track must be taken out", p.tracks)
		}
		// Without video, seeking goes by audio Clusters (at most 5 s each).
		if len(p.cues) < 3 || p.cues[0].track != 2 {
			t.Errorf("cues %+v", p.cues)
		}
	})
	t.Run("video", func(t *testing.T) {
		_, p, file := recordPackets(t, recordtest.Packets(recordtest.Spec{Duration: 2 * time.Second, FPS: 15, Width: 160, Height: 120, KeyEvery: 15}))
		checkFile(t, p, file)
		if len(p.tracks) != 1 || p.tracks[0].codec != "V_VP8" || len(p.cues) != 2 {
			t.Fatalf("tracks %+v, %d cues", p.tracks, len(p.cues))
		}
	})
}

func TestAudioArrivingLateStaysInterleaved(t *testing.T) {
	spec := recordtest.Spec{Duration: 3 * time.Second, FPS: 30, Width: 160, Height: 120, KeyEvery: 30, Audio: true, AudioLead: 300 * time.Millisecond}
	_, p, file := recordPackets(t, recordtest.Packets(spec))
	checkFile(t, p, file) // blocks in time order across tracks
	if p.blocks[0].track != 1 || p.blocks[0].ms != 0 {
		t.Errorf("first block %+v; the video arrived first", p.blocks[0])
	}
}

func TestNothingRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rooms", record.Path("", "meeting-7", 3))
	r, err := record.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Packets that never make a frame: the middle of a frame, and an empty Opus payload.
	r.WriteVideoRTP(&rtp.Packet{Header: rtp.Header{SequenceNumber: 1, Timestamp: 1}, Payload: []byte{0x00, 0x01, 0x02}})
	r.WriteAudioRTP(&rtp.Packet{Header: rtp.Header{SequenceNumber: 1, Timestamp: 1}})
	if _, err := r.Close(); !errors.Is(err, record.ErrNoMedia) {
		t.Fatalf("Close: %v, want ErrNoMedia", err)
	}
	if recordtest.Exists(path) {
		t.Error("an empty recording's file was left behind")
	}
	if _, err := r.Close(); err == nil {
		t.Error("a second Close succeeded")
	}
	r.WriteAudioRTP(&rtp.Packet{Payload: recordtest.OpusSilence}) // after Close: ignored, no panic
}

func TestCreateKeepsExistingFiles(t *testing.T) {
	path := record.Path(t.TempDir(), "meeting-1", 1)
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := record.Create(path); err == nil {
		t.Fatal("Create overwrote an existing file")
	}
}

func TestPath(t *testing.T) {
	if got := record.Path("/data/recordings", "meeting-12", 7); got != "/data/recordings/meeting-12-7.webm" {
		t.Errorf("Path = %q", got)
	}
	if got := record.Path("/d", "../etc/x", 1); got != "/d/___etc_x-1.webm" {
		t.Errorf("a room name with separators gave %q", got)
	}
}

func TestFinishedEvent(t *testing.T) {
	started := time.Date(2026, 11, 23, 8, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	ev := record.Info{Started: started, Duration: 1500 * time.Millisecond, Bytes: 1234}.Finished(9, "/r/meeting-1-9.webm", nil)
	if ev.Type != "recording" || ev.RecordingID != 9 || ev.DurationMS != 1500 || ev.Bytes != 1234 || ev.Error != "" || ev.Started.Location() != time.UTC {
		t.Errorf("event %+v", ev)
	}
	if ev := (record.Info{}).Finished(9, "", record.ErrNoMedia); ev.Error == "" {
		t.Error("an error was not carried")
	}
}

// A slot can write into a recording as into a subscriber's track: header and payload, or a whole
// marshalled packet.
var _ webrtc.TrackLocalWriter = record.TrackWriter{}

func TestTrackWriter(t *testing.T) {
	pkts := recordtest.Packets(recordtest.Spec{Duration: time.Second, FPS: 10, Width: 160, Height: 120, KeyEvery: 10, Audio: true})
	var now time.Time
	f := &memFile{}
	r, err := record.New(f, record.WithClock(func() time.Time { return now }), record.WithQueue(len(pkts)+1))
	if err != nil {
		t.Fatal(err)
	}
	video, audio := r.VideoTrack(), r.AudioTrack()
	for i, p := range pkts {
		now = p.At
		w := audio
		if p.Video {
			w = video
		}
		if i%2 == 0 {
			if _, err := w.WriteRTP(&p.RTP.Header, p.RTP.Payload); err != nil {
				t.Fatal(err)
			}
			continue
		}
		raw, err := p.RTP.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(raw); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := video.Write([]byte{1, 2}); err == nil {
		t.Error("a malformed packet was accepted")
	}
	info, err := r.Close()
	if err != nil || info.VideoFrames != 10 || info.AudioFrames != 50 {
		t.Fatalf("info %+v, %v", info, err)
	}
	p, err := parseWebM(f.b)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, p, f.b)
}
