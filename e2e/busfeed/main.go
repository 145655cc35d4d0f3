// Command busfeed stands in for the media server on the bus in the browser tests while the SFU
// does not publish control-room stats itself. It runs a NATS server on a loopback port for the
// phonghop server under test (PHONGHOP_NATS_URL), then:
//
//	prints   url <nats URL>                   once the server is ready
//	reads    pub <subject> <json>             a line per message to publish; answers ok <n>
//	prints   cmd <subject> <json>             for every media command the phonghop server sends
//	prints   evt <subject> <json>             for every media event someone else (the SFU) publishes
//
// It stops when its input closes, or after -timeout whatever happens.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/phonghop/phonghop/internal/bus"
)

func main() {
	timeout := flag.Duration("timeout", 10*time.Minute, "stop after this long in any case")
	flag.Parse()
	if err := run(*timeout); err != nil {
		fmt.Fprintln(os.Stderr, "busfeed:", err)
		os.Exit(1)
	}
}

func run(timeout time.Duration) error {
	dir, err := os.MkdirTemp("", "busfeed-")
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
		return fmt.Errorf("NATS server not ready")
	}
	// NoEcho: what this command publishes is not reported back as "evt", so the test can tell
	// the SFU's own events from the ones it feeds.
	nc, err := nats.Connect(srv.ClientURL(), nats.NoEcho())
	if err != nil {
		return err
	}
	defer nc.Close()
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	if _, err := nc.Subscribe(bus.AllMediaCommands, func(m *nats.Msg) { say("cmd %s %s", m.Subject, m.Data) }); err != nil {
		return err
	}
	if _, err := nc.Subscribe(bus.AllMediaEvents, func(m *nats.Msg) { say("evt %s %s", m.Subject, m.Data) }); err != nil {
		return err
	}
	if err := nc.Flush(); err != nil {
		return err
	}
	say("url %s", srv.ClientURL())

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
	n := 0
	for {
		select {
		case <-deadline:
			return fmt.Errorf("stopped after %s", timeout)
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			verb, rest, _ := strings.Cut(line, " ")
			subject, data, _ := strings.Cut(rest, " ")
			if verb != "pub" || subject == "" {
				return fmt.Errorf("unknown line %q", line)
			}
			if err := nc.Publish(subject, []byte(data)); err != nil {
				return err
			}
			if err := nc.Flush(); err != nil {
				return err
			}
			n++
			say("ok %d", n)
		}
	}
}
