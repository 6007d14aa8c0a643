// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp) in the test's process,
// on 127.0.0.1:0, and keeps what it receives. Only tests import it.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message as received.
type Mail struct {
	From string
	To   []string
	Data string
	// Auth is the user that authenticated, "" for none.
	Auth string
	// TLS says whether the connection was encrypted (STARTTLS or implicit).
	TLS bool
}

// Options shape the server.
type Options struct {
	// User and Password, when set, are required (AUTH PLAIN).
	User, Password string
	// TLS offers STARTTLS (or, with Implicit, listens with TLS at once).
	TLS, Implicit bool
	// Reject makes every DATA fail with this permanent error text.
	Reject string
}

// Server is a running server.
type Server struct {
	Addr string
	// ClientTLS trusts the server's certificate.
	ClientTLS *tls.Config
	mu        sync.Mutex
	mails     []Mail
	opts      Options
	received  chan struct{}
}

// Start starts a server closed at the test's end.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{opts: o, received: make(chan struct{}, 100)}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = !o.TLS
	var l net.Listener
	var err error
	if o.TLS {
		cert, pool := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.ClientTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	}
	if o.TLS && o.Implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close(); _ = l.Close(); <-done })
	return s
}

// Mails returns what the server received so far.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Wait waits until n mails were received or d passed, and returns them.
func (s *Server) Wait(n int, d time.Duration) []Mail {
	deadline := time.After(d)
	for len(s.Mails()) < n {
		select {
		case <-s.received:
		case <-deadline:
			return s.Mails()
		}
	}
	return s.Mails()
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *Server
	conn *smtp.Conn
	m    Mail
}

func (x *session) AuthMechanisms() []string {
	if x.s.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != x.s.opts.User || pass != x.s.opts.Password {
			return errors.New("invalid credentials")
		}
		x.m.Auth = user
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opts.User != "" && x.m.Auth == "" {
		return smtp.ErrAuthRequired
	}
	x.m.From = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.m.To = append(x.m.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	if x.s.opts.Reject != "" {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: x.s.opts.Reject}
	}
	_, x.m.TLS = x.conn.TLSConnectionState()
	x.m.Data = strings.ReplaceAll(b.String(), "\r\n", "\n")
	x.s.mu.Lock()
	x.s.mails = append(x.s.mails, x.m)
	x.s.mu.Unlock()
	select {
	case x.s.received <- struct{}{}:
	default:
	}
	x.m = Mail{Auth: x.m.Auth}
	return nil
}

func (x *session) Reset()        { x.m = Mail{Auth: x.m.Auth} }
func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
