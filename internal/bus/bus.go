// Package bus is phonghop's message bus: NATS, either an in-process server (the default, with
// JetStream stored under the data directory) or an external server or cluster given by URL.
// Both are reached through nats.go, so the code path is the same.
//
// Subjects are named in subjects.go; messages are JSON.
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Config says which NATS to use.
type Config struct {
	// URL of an external NATS (nats://host:4222); empty starts an embedded server.
	URL string
	// DataDir holds the embedded server's JetStream store (DataDir/nats).
	DataDir string
	// Name identifies this node's connection on the server.
	Name string
}

// Bus is a connection to NATS and, when embedded, the server it runs.
type Bus struct {
	nc       *nats.Conn
	srv      *server.Server // nil when external
	embedded bool
	log      *slog.Logger
}

// Open starts the embedded server when cfg.URL is empty, then connects.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Bus, error) {
	if log == nil {
		log = slog.Default()
	}
	name := cfg.Name
	if name == "" {
		name = "phonghop"
	}
	b := &Bus{log: log}
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("bus disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("bus reconnected") }),
	}
	url := cfg.URL
	if url == "" {
		if cfg.DataDir == "" {
			return nil, errors.New("bus: a data directory is required for the embedded NATS server")
		}
		srv, err := server.NewServer(&server.Options{
			ServerName: name,
			DontListen: true, // reached in-process only; an external NATS serves several nodes
			JetStream:  true,
			StoreDir:   filepath.Join(cfg.DataDir, "nats"),
			NoSigs:     true,
			NoLog:      true,
		})
		if err != nil {
			return nil, fmt.Errorf("bus: embedded server: %w", err)
		}
		srv.Start()
		if !srv.ReadyForConnections(10 * time.Second) {
			srv.Shutdown()
			return nil, errors.New("bus: embedded NATS server did not start within 10s")
		}
		b.srv, b.embedded = srv, true
		opts = append(opts, nats.InProcessServer(srv))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		if b.srv != nil {
			b.srv.Shutdown()
		}
		return nil, fmt.Errorf("bus: connect %s: %w", redactURL(url), err)
	}
	b.nc = nc
	return b, nil
}

func redactURL(u string) string {
	if u == "" {
		return "(embedded)"
	}
	// Credentials may sit in the URL; never log them.
	for i := 0; i < len(u); i++ {
		if u[i] == '@' {
			return "nats://***@" + u[i+1:]
		}
	}
	return u
}

// Embedded reports whether this bus runs its own NATS server.
func (b *Bus) Embedded() bool { return b.embedded }

// Conn is the NATS connection, for JetStream or subscriptions that need more than this package offers.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Ready checks the connection round-trips to the server; /readyz uses it.
func (b *Bus) Ready(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return fmt.Errorf("bus: not connected (%s)", b.nc.Status())
	}
	d := 2 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl)
	}
	return b.nc.FlushTimeout(d)
}

// Publish sends v as JSON on subject.
func (b *Bus) Publish(subject string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("bus: encode %s: %w", subject, err)
	}
	return b.nc.Publish(subject, data)
}

// Subscribe calls fn with each message's data on subject (wildcards allowed). fn runs on the
// subscription's own goroutine, one message at a time, in order.
func (b *Bus) Subscribe(subject string, fn func(subject string, data []byte)) (*nats.Subscription, error) {
	return b.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Subject, m.Data) })
}

// Request sends v and waits for one reply, decoding it into out.
func (b *Bus) Request(ctx context.Context, subject string, v, out any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	msg, err := b.nc.RequestWithContext(ctx, subject, data)
	if err != nil {
		return fmt.Errorf("bus: request %s: %w", subject, err)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(msg.Data, out)
}

// Close drains the connection and stops the embedded server.
func (b *Bus) Close() {
	if b.nc != nil {
		_ = b.nc.Drain()
		// Drain is asynchronous; wait briefly so pending messages leave before the server stops.
		for i := 0; i < 100 && !b.nc.IsClosed(); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		b.nc.Close()
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}
