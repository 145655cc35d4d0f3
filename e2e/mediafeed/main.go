// Command mediafeed is the media side of the browser tests. It runs a NATS server on a loopback
// port that the phonghop server under test uses as its bus (PHONGHOP_NATS_URL), so the test sees
// what travels on it, and real meeting points (sfu/sfuclient: Pion, synthetic Opus and VP8
// simulcast, loopback only) that join the server's media room with tokens the test obtained, on
// links the test may shape. Lines in:
//
//	join <label> <ws-url> <token> <uploss> <downloss>  a point joins; answers joined <label> <identity> or joinfailed <label> <why>
//	link <label> <uploss> <downloss>                 change the point's random packet loss (fractions)
//	outage <label> <seconds>                         the point's link carries nothing for a while
//	leave <label>                                    the point leaves the room
//
// Lines out, besides the answers:
//
//	url <nats URL>                 once the bus is ready (first line)
//	cmd <subject> <json>           every media command the phonghop server sends
//	evt <subject> <json>           every media event the media server publishes
//	msg <label> <type>             a server message a point received (muted, audio_only, rejoin, removed, ended)
//
// It stops when its input closes, or after -timeout whatever happens.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/sfu"
	"github.com/phonghop/phonghop/sfu/sfuclient"
)

func main() {
	timeout := flag.Duration("timeout", 10*time.Minute, "stop after this long in any case")
	flag.Parse()
	if err := run(*timeout); err != nil {
		fmt.Fprintln(os.Stderr, "mediafeed:", err)
		os.Exit(1)
	}
}

// feed is the running helper: its meeting points by label.
type feed struct {
	out    sync.Mutex
	mu     sync.Mutex
	points map[string]*point
	joins  int // points joined, seeding each link's losses
}

type point struct {
	c    *sfuclient.Client
	link *sfuclient.Link
}

func (f *feed) say(format string, args ...any) {
	f.out.Lock()
	defer f.out.Unlock()
	fmt.Printf(format+"\n", args...)
}

func run(timeout time.Duration) error {
	dir, err := os.MkdirTemp("", "mediafeed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true})
	if err != nil {
		return err
	}
	srv.Start()
	defer srv.Shutdown()
	if !srv.ReadyForConnections(10 * time.Second) {
		return errors.New("NATS server not ready")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		return err
	}
	defer nc.Close()
	f := &feed{points: map[string]*point{}}
	defer f.closeAll()
	if _, err := nc.Subscribe(bus.AllMediaCommands, func(m *nats.Msg) { f.say("cmd %s %s", m.Subject, m.Data) }); err != nil {
		return err
	}
	if _, err := nc.Subscribe(bus.AllMediaEvents, func(m *nats.Msg) { f.say("evt %s %s", m.Subject, m.Data) }); err != nil {
		return err
	}
	if err := nc.Flush(); err != nil {
		return err
	}
	f.say("url %s", srv.ClientURL())

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	deadline := time.After(timeout)
	for {
		select {
		case <-deadline:
			return fmt.Errorf("stopped after %s", timeout)
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if err := f.do(strings.Fields(line)); err != nil {
				return fmt.Errorf("%q: %w", line, err)
			}
		}
	}
}

func (f *feed) do(w []string) error {
	if len(w) == 0 {
		return errors.New("empty line")
	}
	arg := func(i int) string {
		if i < len(w) {
			return w[i]
		}
		return ""
	}
	frac := func(i int) float64 {
		v, err := strconv.ParseFloat(arg(i), 64)
		if err != nil || v < 0 || v > 1 {
			return 0
		}
		return v
	}
	switch w[0] {
	case "join":
		go f.join(arg(1), arg(2), arg(3), frac(4), frac(5))
	case "link":
		if p := f.point(arg(1)); p != nil {
			p.link.Set(sfuclient.LinkConfig{UpLoss: frac(2), DownLoss: frac(3)})
		}
	case "outage":
		s, _ := strconv.Atoi(arg(2))
		if p := f.point(arg(1)); p != nil && s > 0 && s <= 120 {
			p.link.Outage(time.Duration(s) * time.Second)
		}
	case "leave":
		f.mu.Lock()
		p := f.points[arg(1)]
		delete(f.points, arg(1))
		f.mu.Unlock()
		if p != nil {
			p.c.Close()
			p.link.Close()
		}
	default:
		return errors.New("unknown verb")
	}
	return nil
}

func (f *feed) point(label string) *point {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.points[label]
}

// join connects one meeting point: camera and microphone out, the main screen and three audio
// slots in, every packet on loopback.
func (f *feed) join(label, url, token string, upLoss, downLoss float64) {
	f.mu.Lock()
	f.joins++
	seed := uint64(f.joins)
	f.mu.Unlock()
	link := sfuclient.NewLink(seed)
	link.Set(sfuclient.LinkConfig{UpLoss: upLoss, DownLoss: downLoss})
	c, err := sfuclient.Join(url, token, sfuclient.Options{LoopbackOnly: true, Link: link,
		Publish: []string{sfu.SourceMic, sfu.SourceCamera},
		Layout:  &sfuclient.Layout{Video: []sfu.Want{{Follow: "spotlight", Quality: sfu.QualityHigh}}, Audio: 3}})
	if err != nil {
		link.Close()
		f.say("joinfailed %s %s", label, strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	f.mu.Lock()
	old := f.points[label]
	f.points[label] = &point{c: c, link: link}
	f.mu.Unlock()
	if old != nil {
		old.c.Close()
		old.link.Close()
	}
	f.say("joined %s %s", label, c.Identity())
	for m := range c.Msgs {
		switch m.Type {
		case "muted", "audio_only", "rejoin", "removed", "ended":
			f.say("msg %s %s", label, m.Type)
		}
	}
}

func (f *feed) closeAll() {
	f.mu.Lock()
	ps := f.points
	f.points = map[string]*point{}
	f.mu.Unlock()
	for _, p := range ps {
		p.c.Close()
		p.link.Close()
	}
}
