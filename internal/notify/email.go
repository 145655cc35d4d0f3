package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"html/template"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig is how e-mail leaves phonghop.
type SMTPConfig struct {
	Host string
	// Port defaults to 587 for STARTTLS, 465 for TLS and 25 without either.
	Port int
	// Security is "starttls" (the default: the server must offer it), "tls" (implicit TLS, port
	// 465) or "none" (a relay on a trusted network only).
	Security string
	Username string
	Password string
	// From is the sender, e.g. "Văn phòng UBND tỉnh <phonghop@thanhhoa.gov.vn>".
	From string
	// RootCAs trusts a private CA for the server's certificate; nil uses the system's.
	RootCAs *x509.CertPool
	// Timeout bounds one delivery [30s].
	Timeout time.Duration
}

// Validate checks the settings before the first mail is tried.
func (c *SMTPConfig) Validate() error {
	if c.Host == "" {
		return errors.New("smtp: a host is required")
	}
	switch c.Security {
	case "":
		c.Security = "starttls"
	case "starttls", "tls", "none":
	default:
		return fmt.Errorf("smtp: security must be starttls, tls or none (got %q)", c.Security)
	}
	if c.Port == 0 {
		c.Port = map[string]int{"starttls": 587, "tls": 465, "none": 25}[c.Security]
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("smtp: port %d is out of range", c.Port)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("smtp: the sender address %q is not valid: %w", c.From, err)
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("smtp: a password is set without a username")
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	return nil
}

// FromAddress is the sender's bare address (calendars show it as the organizer).
func (c *SMTPConfig) FromAddress() string {
	a, err := mail.ParseAddress(c.From)
	if err != nil {
		return ""
	}
	return a.Address
}

// SMTP is the e-mail channel: one message per SMTP transaction, so each accepted message is
// recorded before the next is tried.
type SMTP struct {
	cfg     SMTPConfig
	baseURL string
}

// NewSMTP returns the e-mail channel; baseURL makes the links in mail absolute.
func NewSMTP(cfg SMTPConfig, baseURL string) (*SMTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &SMTP{cfg: cfg, baseURL: strings.TrimSuffix(baseURL, "/")}, nil
}

func (s *SMTP) Name() string { return Email }

// Send builds the message and hands it to the server.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.cfg.Host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12})}
	switch s.cfg.Security {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

func (s *SMTP) link(path string) string {
	if path == "" || s.baseURL == "" {
		return ""
	}
	return s.baseURL + "/" + strings.TrimPrefix(path, "/")
}

// build writes the message: text and HTML alternatives, the calendar as a text/calendar
// alternative (which Outlook and Thunderbird show as an invitation) and the same object as an
// invite.ics attachment (which phone mail apps and web mail offer to add).
func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	to, err := mail.ParseAddress(m.Address)
	if err != nil {
		return nil, fmt.Errorf("the address %q is not valid: %w", m.Address, err)
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(s.cfg.From); err != nil {
		return nil, err
	}
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.Trim(m.MessageID, "<>"))
	msg.SetDateWithValue(m.CreatedAt)
	link := s.link(m.Link)
	text := m.Body
	if link != "" {
		text += "\n\nMở trong phonghop: " + link
	}
	text += "\n\n-- \n" + footer
	msg.SetBodyString(gomail.TypeTextPlain, text)
	var html bytes.Buffer
	if err := mailHTML.Execute(&html, map[string]any{"Subject": m.Subject, "Paragraphs": paragraphs(m.Body), "Link": link,
		"Action": actionText(m.Kind), "Footer": footer}); err != nil {
		return nil, err
	}
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	if m.Calendar != "" {
		msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+m.CalendarMethod), m.Calendar)
		if err := msg.AttachReader("invite.ics", strings.NewReader(m.Calendar),
			gomail.WithFileContentType(gomail.ContentType("application/ics"))); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

const footer = "Thư này được hệ thống phòng họp không giấy tờ gửi tự động; xin đừng trả lời thư này."

func actionText(kind string) string {
	switch kind {
	case KindInvitation, KindRescheduled, KindReminder:
		return "Xem giấy mời và trả lời"
	case KindVote:
		return "Vào biểu quyết"
	case KindApproval:
		return "Xem và phê duyệt"
	case KindDocument:
		return "Xem tài liệu"
	}
	return "Mở trong phonghop"
}

func paragraphs(body string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var mailHTML = template.Must(template.New("mail").Funcs(template.FuncMap{
	"lines": func(s string) []string { return strings.Split(s, "\n") },
}).Parse(`<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: Arial, sans-serif; font-size: 15px; color: #1a1a1a; line-height: 1.5">
<h2 style="font-size: 18px; color: #8b1a1a">{{.Subject}}</h2>
{{range .Paragraphs}}<p>{{range $i, $l := lines .}}{{if $i}}<br>{{end}}{{$l}}{{end}}</p>
{{end}}{{if .Link}}<p><a href="{{.Link}}" style="display: inline-block; padding: 8px 16px; background: #8b1a1a; color: #ffffff; text-decoration: none; border-radius: 4px">{{.Action}}</a></p>
<p style="font-size: 13px; color: #555">Hoặc mở địa chỉ: {{.Link}}</p>
{{end}}<hr style="border: none; border-top: 1px solid #ddd">
<p style="font-size: 12px; color: #777">{{.Footer}}</p>
</body></html>
`))
