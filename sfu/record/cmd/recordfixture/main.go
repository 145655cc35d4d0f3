// Command recordfixture writes a WebM recording of a synthetic conference with the real muxer
// (package record) and, when asked, announces it on the bus the way the SFU does when it finishes
// a recording. The browser tests use it to stand in for the SFU's side of a recording.
//
//	go run ./sfu/record/cmd/recordfixture -dir DATA/recordings -room meeting-3 -id 1 \
//	    -nats nats://127.0.0.1:4222 -duration 8s
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/sfu/record"
	"github.com/phonghop/phonghop/sfu/record/recordtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "recordfixture:", err)
		os.Exit(1)
	}
}

func run() error {
	out := flag.String("out", "", "the file to write (default: record.Path(dir, room, id))")
	dir := flag.String("dir", "", "the recordings directory")
	room := flag.String("room", "meeting-1", "the media room")
	id := flag.Int64("id", 1, "the recording's ID")
	duration := flag.Duration("duration", 8*time.Second, "length of the recording")
	fps := flag.Int("fps", 15, "video frames a second (0: no video track)")
	width := flag.Int("width", 320, "picture width")
	height := flag.Int("height", 240, "picture height")
	keyEvery := flag.Int("key-every", 15, "a key frame every n frames")
	audio := flag.Bool("audio", true, "record an audio track")
	natsURL := flag.String("nats", "", "publish the SFU's recording event on this NATS")
	flag.Parse()

	path := *out
	if path == "" {
		if *dir == "" {
			return fmt.Errorf("give -out or -dir")
		}
		path = record.Path(*dir, *room, *id)
	}
	info, err := recordtest.WriteFile(path, recordtest.Spec{Start: time.Now().UTC(), Duration: *duration, FPS: *fps,
		Width: *width, Height: *height, KeyEvery: *keyEvery, Audio: *audio})
	if err != nil {
		return err
	}
	ev := info.Finished(*id, path, nil)
	if *natsURL != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		b, err := bus.Open(ctx, bus.Config{URL: *natsURL, Name: "recordfixture"}, nil)
		if err != nil {
			return err
		}
		defer b.Close()
		if err := b.Publish(bus.MediaEvents(*room), ev); err != nil {
			return err
		}
		if err := b.Conn().FlushTimeout(5 * time.Second); err != nil {
			return err
		}
	}
	return json.NewEncoder(os.Stdout).Encode(ev)
}
