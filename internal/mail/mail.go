// Package mail sends the service's mail (notifications, invitations, password resets) through an
// SMTP server named by one URL (--smtp-url): smtp://user:pass@host:port uses STARTTLS when the
// server offers it, smtps:// connects with TLS at once (implicit TLS). It wraps
// github.com/wneessen/go-mail with a timeout on every connection.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail: one recipient, a subject and a plain-text body.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Sender sends messages. Send returns when the server accepted the message, or with why not.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// DefaultTimeout bounds a connection's dial and each of its commands.
const DefaultTimeout = 15 * time.Second

// SMTP sends through one SMTP server.
type SMTP struct {
	host        string
	port        int
	user, pass  string
	implicitTLS bool
	from        string
	// Timeout bounds the dial and each command (DefaultTimeout when zero).
	Timeout time.Duration
	// TLSConfig, when set, replaces the default TLS configuration (tests trust their own
	// certificate with it).
	TLSConfig *tls.Config
}

// New checks rawURL and from and returns their sender. The errors say what is wrong without
// repeating the password.
func New(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("is not a URL (smtp://user:password@host:port or smtps://…)")
	}
	s := &SMTP{host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicitTLS = 465, true
	default:
		return nil, fmt.Errorf("has scheme %q; want smtp:// (STARTTLS when offered) or smtps:// (implicit TLS)", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("names no host")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("must have no path, query or fragment")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("has port %q; want 1 to 65535", p)
		}
		s.port = n
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if from == "" {
		return nil, errors.New("needs a sender address (--mail-from)")
	}
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("--mail-from %q is not an address", from)
	}
	s.from = a.String()
	return s, nil
}

// Addr is host:port, for logs (never the credentials).
func (s *SMTP) Addr() string { return s.host + ":" + strconv.Itoa(s.port) }

// Send sends m in one connection.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := build(s.from, m)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(timeout)}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.TLSConfig))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.user),
			gomail.WithPassword(s.pass))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, 4*timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr(), err)
	}
	return nil
}

// build makes the message; a recipient that is not one address, or a subject with a line break,
// is refused rather than sent.
func build(from string, m Message) (*gomail.Msg, error) {
	to, err := netmail.ParseAddress(m.To)
	if err != nil || strings.ContainsAny(m.To, "\r\n,") {
		return nil, fmt.Errorf("recipient %q is not one address", m.To)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("subject has a line break")
	}
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, err
	}
	if err := msg.To(to.Address); err != nil {
		return nil, err
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}
