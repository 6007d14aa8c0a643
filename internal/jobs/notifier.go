package jobs

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/steward-fleet/steward/internal/mail"
	"github.com/steward-fleet/steward/internal/steward"
)

// MailQueue is the store's queue of mail (notifications, invitations, password resets).
type MailQueue interface {
	ClaimMail(ctx context.Context, n int, lease time.Duration) ([]steward.MailMessage, error)
	FinishMail(ctx context.Context, done []steward.MailResult, schedule []time.Duration) error
}

// Notifier sends the queued mail through Sender, one at a time, with retries
// (steward.MailRetrySchedule). Without a Sender (no --smtp-url) each mail is marked kept, to be
// read in the web interface. Several processes may each run one on one PostgreSQL: a mail is
// claimed by one of them only.
type Notifier struct {
	Queue  MailQueue
	Sender mail.Sender // nil: keep the mail
	// PublicURL is the base of the unsubscribe links ("" leaves them relative).
	PublicURL string
	Wake      <-chan struct{}
	Schedule  []time.Duration
	Poll      time.Duration
	Batch     int
	Log       *slog.Logger
}

// Run works until ctx ends.
func (n *Notifier) Run(ctx context.Context) {
	if n.Schedule == nil {
		n.Schedule = steward.MailRetrySchedule
	}
	if n.Poll <= 0 {
		n.Poll = 5 * time.Second
	}
	if n.Batch <= 0 {
		n.Batch = 20
	}
	if n.Log == nil {
		n.Log = slog.New(slog.DiscardHandler)
	}
	// A claim lasts while its batch may still be sending: each mail at most the sender's
	// bounded conversation (mail.DefaultTimeout per step), and a margin.
	lease := time.Duration(n.Batch)*4*mail.DefaultTimeout + time.Minute
	drainLoop(ctx, n.Wake, n.Poll, func() bool {
		claimed, err := n.Queue.ClaimMail(ctx, n.Batch, lease)
		if err != nil {
			if ctx.Err() == nil {
				n.Log.Warn("mail: claiming", "err", err)
			}
			return false
		}
		done := make([]steward.MailResult, 0, len(claimed))
		for _, m := range claimed {
			if ctx.Err() != nil {
				return false // unrecorded: the lease ends and another claim sends them
			}
			done = append(done, n.send(ctx, m))
		}
		if err := n.Queue.FinishMail(ctx, done, n.Schedule); err != nil && ctx.Err() == nil {
			n.Log.Warn("mail: recording", "err", err)
		}
		return len(claimed) == n.Batch
	})
}

func (n *Notifier) send(ctx context.Context, m steward.MailMessage) steward.MailResult {
	r := steward.MailResult{AccountID: m.AccountID, ID: m.ID, Attempt: m.Attempts}
	if n.Sender == nil {
		r.Kept = true
		return r
	}
	body := m.Body
	if m.Unsubscribe != "" {
		body += "\n--\nTo receive no more of these messages: " + UnsubscribeLink(n.PublicURL, m.Unsubscribe) + "\n"
	}
	if err := n.Sender.Send(ctx, mail.Message{To: m.To, Subject: m.Subject, Body: body}); err != nil {
		r.Err = err.Error()
		n.Log.Warn("mail: sending", "id", m.ID, "attempt", m.Attempts, "err", err)
	}
	return r
}

// UnsubscribeLink is the public page that ends a contact's subscription.
func UnsubscribeLink(publicURL, token string) string {
	return publicURL + "/unsubscribe?token=" + url.QueryEscape(token)
}
