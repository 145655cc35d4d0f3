package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/notify"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/rooms"
)

// NotifyConfig is how people are told of their meetings: mail, reminders, and the public
// address links point to.
type NotifyConfig struct {
	// PublicURL is where people reach phonghop (https://hop.example.gov.vn); links in mail and
	// calendar feeds use it. Empty leaves links out of mail.
	PublicURL string
	SMTP      notify.SMTPConfig
	// SMTPCAFile is a PEM file of the CA that signed the mail server's certificate (a private CA).
	SMTPCAFile string
	// RemindBefore lists how long before a meeting the invitees who have not answered are reminded.
	RemindBefore []time.Duration
	MaxAttempts  int
}

func init() {
	envVars = append(envVars, []struct{ name, help string }{
		{"PHONGHOP_PUBLIC_URL", "public address of phonghop (https://...), used in links in mail and calendars"},
		{"PHONGHOP_SMTP_HOST", "mail server for invitations and reminders; empty sends no mail"},
		{"PHONGHOP_SMTP_PORT", "mail server port (default 587 for starttls, 465 for tls, 25 for none)"},
		{"PHONGHOP_SMTP_SECURITY", "starttls (default), tls or none"},
		{"PHONGHOP_SMTP_USERNAME", "mail server login"},
		{"PHONGHOP_SMTP_PASSWORD", "mail server password (never logged)"},
		{"PHONGHOP_SMTP_FROM", "sender, e.g. \"Văn phòng UBND tỉnh <phonghop@example.gov.vn>\""},
		{"PHONGHOP_SMTP_CA_FILE", "PEM CA certificate that signed the mail server's certificate"},
		{"PHONGHOP_REMIND_BEFORE", "reminders before a meeting, e.g. 24h,1h (default; off = none)"},
		{"PHONGHOP_NOTIFY_MAX_ATTEMPTS", "tries before a notification is marked failed (default 8)"},
	}...)
}

func defaultNotifyConfig() NotifyConfig {
	return NotifyConfig{RemindBefore: []time.Duration{24 * time.Hour, time.Hour}, MaxAttempts: 8}
}

// fromEnv applies one variable if it is one of these settings (others are left alone).
func (n *NotifyConfig) fromEnv(k, v string) (err error) {
	switch k {
	case "PHONGHOP_PUBLIC_URL":
		n.PublicURL = strings.TrimSuffix(v, "/")
	case "PHONGHOP_SMTP_HOST":
		n.SMTP.Host = v
	case "PHONGHOP_SMTP_PORT":
		n.SMTP.Port, err = strconv.Atoi(v)
	case "PHONGHOP_SMTP_SECURITY":
		n.SMTP.Security = v
	case "PHONGHOP_SMTP_USERNAME":
		n.SMTP.Username = v
	case "PHONGHOP_SMTP_PASSWORD":
		n.SMTP.Password = v
	case "PHONGHOP_SMTP_FROM":
		n.SMTP.From = v
	case "PHONGHOP_SMTP_CA_FILE":
		n.SMTPCAFile = v
	case "PHONGHOP_REMIND_BEFORE":
		n.RemindBefore, err = parseOffsets(v)
	case "PHONGHOP_NOTIFY_MAX_ATTEMPTS":
		n.MaxAttempts, err = strconv.Atoi(v)
	}
	return err
}

func parseOffsets(v string) ([]time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "off" {
		return nil, nil
	}
	var out []time.Duration
	for _, p := range strings.Split(v, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil || d < time.Minute || d > 30*24*time.Hour {
			return nil, fmt.Errorf("%q: use durations between 1m and 720h, e.g. 24h,1h", p)
		}
		out = append(out, d)
	}
	return out, nil
}

func (n *NotifyConfig) validate() []error {
	var problems []error
	if n.PublicURL != "" {
		if u, err := url.Parse(n.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			problems = append(problems, fmt.Errorf("public URL %q: use https://host[/path]", n.PublicURL))
		}
	}
	if n.SMTP.Host != "" {
		if err := n.SMTP.Validate(); err != nil {
			problems = append(problems, err)
		}
		if n.SMTPCAFile != "" {
			pem, err := os.ReadFile(n.SMTPCAFile)
			pool := x509.NewCertPool()
			if err != nil || !pool.AppendCertsFromPEM(pem) {
				problems = append(problems, fmt.Errorf("smtp CA file %s: not a readable PEM certificate", n.SMTPCAFile))
			}
			n.SMTP.RootCAs = pool
		}
	} else if n.SMTP.From != "" || n.SMTP.Username != "" {
		problems = append(problems, errors.New("mail settings are given without PHONGHOP_SMTP_HOST"))
	}
	if n.MaxAttempts < 1 || n.MaxAttempts > 50 {
		problems = append(problems, fmt.Errorf("notify max attempts %d: use 1 to 50", n.MaxAttempts))
	}
	return problems
}

// newNotifications builds the outbox and ties it to the meeting and document services.
func newNotifications(cfg NotifyConfig, db *store.DB, b *bus.Bus, r *rooms.Service, d *docs.Service, log *slog.Logger) (*notify.Outbox, error) {
	opt := notify.Options{DB: db, Bus: b, Log: log, MaxAttempts: cfg.MaxAttempts, BaseURL: cfg.PublicURL}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Hostname() != "" {
		opt.Domain = u.Hostname()
	}
	if cfg.SMTP.Host != "" {
		smtp, err := notify.NewSMTP(cfg.SMTP, cfg.PublicURL)
		if err != nil {
			return nil, err
		}
		opt.Email, opt.Organizer = smtp, cfg.SMTP.FromAddress()
		log.Info("notifications: e-mail on", "smtp", cfg.SMTP.Host, "port", cfg.SMTP.Port, "security", cfg.SMTP.Security)
	}
	o := notify.New(opt)
	r.SetNotifier(o)
	d.OnAdded = r.NotifyDocumentAdded
	return o, nil
}

// runNotifications sends notifications and reminders until ctx ends.
func (s *Server) runNotifications(ctx context.Context, cfg NotifyConfig) {
	go s.Notify.Run(ctx)
	go s.Rooms.RunReminders(ctx, cfg.RemindBefore, time.Minute, s.Log)
}
