package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/mail"
	"github.com/steward-fleet/steward/internal/mail/mailtest"
)

func send(t *testing.T, rawURL string, srv *mailtest.Server, m mail.Message) error {
	t.Helper()
	s, err := mail.New(rawURL, "Steward <steward@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	s.Timeout = 5 * time.Second
	s.TLSConfig = srv.ClientTLS
	return s.Send(context.Background(), m)
}

func TestSendPlain(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	err := send(t, "smtp://"+srv.Addr, srv, mail.Message{To: "ann@example.com", Subject: "Asset ✓ arrived", Body: "Hello\nthere"})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Mails()
	if len(got) != 1 || got[0].From != "steward@example.com" || len(got[0].To) != 1 || got[0].To[0] != "ann@example.com" {
		t.Fatalf("got %+v", got)
	}
	if !strings.Contains(got[0].Data, "Hello") || !strings.Contains(got[0].Data, "Subject:") || got[0].TLS {
		t.Fatalf("data %q", got[0].Data)
	}
}

func TestSendSTARTTLSAndAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{TLS: true, User: "u@x", Password: "p:w/d"})
	if err := send(t, "smtp://u%40x:p%3Aw%2Fd@"+srv.Addr, srv, mail.Message{To: "bob@example.com", Subject: "s", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	got := srv.Mails()
	if len(got) != 1 || !got[0].TLS || got[0].Auth != "u@x" {
		t.Fatalf("got %+v", got)
	}
	// A wrong password is an error naming the server, not the password.
	err := send(t, "smtp://u%40x:wrong-secret@"+srv.Addr, srv, mail.Message{To: "bob@example.com", Subject: "s", Body: "b"})
	if err == nil || strings.Contains(err.Error(), "wrong-secret") || !strings.Contains(err.Error(), srv.Addr) {
		t.Fatalf("err %v", err)
	}
}

func TestSendImplicitTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{TLS: true, Implicit: true})
	if err := send(t, "smtps://"+srv.Addr, srv, mail.Message{To: "c@example.com", Subject: "s", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Mails(); len(got) != 1 || !got[0].TLS {
		t.Fatalf("got %+v", got)
	}
}

func TestSendRejected(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Reject: "no such mailbox"})
	err := send(t, "smtp://"+srv.Addr, srv, mail.Message{To: "c@example.com", Subject: "s", Body: "b"})
	if err == nil || !strings.Contains(err.Error(), "no such mailbox") {
		t.Fatalf("err %v", err)
	}
}

func TestSendRefusesHostileMessages(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	for _, m := range []mail.Message{
		{To: "a@example.com\r\nBcc: evil@example.com", Subject: "s"},
		{To: "a@example.com, b@example.com", Subject: "s"},
		{To: "not an address", Subject: "s"},
		{To: "a@example.com", Subject: "s\r\nBcc: evil@example.com"},
	} {
		if err := send(t, "smtp://"+srv.Addr, srv, m); err == nil {
			t.Errorf("%q: sent", m)
		}
	}
	if n := len(srv.Mails()); n != 0 {
		t.Fatalf("%d mails sent", n)
	}
}

func TestSendUnreachable(t *testing.T) {
	s, err := mail.New("smtp://127.0.0.1:1", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	s.Timeout = time.Second
	if err := s.Send(context.Background(), mail.Message{To: "b@example.com", Subject: "s"}); err == nil {
		t.Fatal("sent to a closed port")
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct{ url, from, want string }{
		{"http://host", "a@b.c", "scheme"},
		{"smtp://", "a@b.c", "host"},
		{"smtp://host:99999", "a@b.c", "port"},
		{"smtp://host/path", "a@b.c", "path"},
		{"smtp://host", "", "--mail-from"},
		{"smtp://host", "not an address", "--mail-from"},
		{"smtp://user:secretpw@host:x", "a@b.c", ""},
	} {
		_, err := mail.New(c.url, c.from)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "secretpw") {
			t.Errorf("%q %q: %v", c.url, c.from, err)
		}
	}
	s, err := mail.New("smtps://u:p@mail.example.com", "a@b.c")
	if err != nil || s.Addr() != "mail.example.com:465" {
		t.Fatalf("%v %v", s, err)
	}
}
