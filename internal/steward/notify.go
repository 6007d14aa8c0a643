package steward

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Notifications (issue 13, part 4; docs/API.md "Notifications"): a user of the account or a
// contact of a customer subscribes to the asset events of that customer's assets (an asset at
// one of its locations, or owned by it); each event makes one mail per subscriber.

// MaxSubscriptions is the most subscriptions one customer has: every asset change of the
// customer reads them in its transaction.
const MaxSubscriptions = 50

// NotificationEventTypes are the event types one subscribes to: the asset's.
func NotificationEventTypes() []WebhookEventType {
	var out []WebhookEventType
	for _, t := range WebhookEventType("").Values() {
		if strings.HasPrefix(string(t), ObjectAsset+".") {
			out = append(out, t)
		}
	}
	return out
}

// SubscriptionFields are what a subscription is made of: exactly one of UserID and ContactID,
// and the asset event types.
type SubscriptionFields struct {
	UserID    string             `json:"user_id,omitempty"`
	ContactID string             `json:"contact_id,omitempty"`
	Events    []WebhookEventType `json:"events"`
}

// Subscription is a stored subscription.
type Subscription struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	SubscriptionFields
	// Email is the subscriber's address (the user's or the contact's), as it stands.
	Email     string    `json:"email"`
	CreatedAt Timestamp `json:"created_at"`
	// Version is always 1 (the ETag): a subscription is not changed, only deleted (If-Match).
	Version int64 `json:"-"`
}

// ObjectSubscription names subscriptions in Idempotency-Key records.
const ObjectSubscription = "subscription"

// Normalize checks the fields: exactly one subscriber, 1 to all distinct asset event types
// (each wrong one named by its index).
func (f *SubscriptionFields) Normalize() error {
	var v Violations
	f.UserID, f.ContactID = strings.TrimSpace(f.UserID), strings.TrimSpace(f.ContactID)
	switch {
	case f.UserID == "" && f.ContactID == "":
		v.Add("user_id", "give user_id or contact_id: who is notified")
	case f.UserID != "" && f.ContactID != "":
		v.Add("contact_id", "give user_id or contact_id, not both")
	}
	for _, id := range []struct{ field, v string }{{"user_id", f.UserID}, {"contact_id", f.ContactID}} {
		if id.v != "" && !IsID(id.v) {
			v.Add(id.field, "%s is not an id", quoteShort(id.v))
		}
	}
	checkEventTypes(&v, f.Events, NotificationEventTypes(), "asset event type")
	return v.Err()
}

// MailStatus is where a mail stands.
type MailStatus string

const (
	MailPending MailStatus = "pending" // to be sent (again) by the notifier
	MailSent    MailStatus = "sent"    // the SMTP server accepted it
	MailKept    MailStatus = "kept"    // no SMTP server is configured: kept to be read in the UI
	MailFailed  MailStatus = "failed"  // every attempt failed
)

// Mail kinds.
const (
	MailNotification  = "notification"
	MailInvitation    = "invitation"
	MailPasswordReset = "password_reset"
)

// MailRetrySchedule is the delay before each attempt of a mail: at once, then 1 min, 10 min,
// 1 h and 6 h after the failure before it; a mail whose last attempt fails is failed.
var MailRetrySchedule = []time.Duration{0, time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour}

// MailMessage is one stored mail.
type MailMessage struct {
	ID             string     `json:"id"`
	AccountID      string     `json:"-"`
	Kind           string     `json:"kind"`
	To             string     `json:"to"`
	Subject        string     `json:"subject"`
	Body           string     `json:"body"`
	SubscriptionID string     `json:"subscription_id,omitempty"`
	Unsubscribe    string     `json:"-"`
	Status         MailStatus `json:"status"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error"`
	CreatedAt      Timestamp  `json:"created_at"`
	SentAt         *Timestamp `json:"sent_at"`
}

// MailResult is one attempt's outcome: sent, kept (no SMTP server configured), or an error.
type MailResult struct {
	AccountID, ID string
	Attempt       int
	Kept          bool
	Err           string
}

// UnsubscribeTarget is what an unsubscribe link names, for its confirmation page.
type UnsubscribeTarget struct {
	Email        string
	CustomerName string
	// Gone says the subscription no longer exists (already unsubscribed).
	Gone bool
}

// NotificationService is subscriptions, the account's mail and the contacts' unsubscribe links.
type NotificationService interface {
	// CreateSubscription subscribes a user of the account (one's own needs reading only) or a
	// contact of the customer (writing the fleet).
	CreateSubscription(ctx context.Context, a *Actor, customerID string, f SubscriptionFields) (*Subscription, error)
	Subscriptions(ctx context.Context, a *Actor, customerID string) ([]Subscription, error)
	DeleteSubscription(ctx context.Context, a *Actor, customerID, id string, ifMatch int64) error
	// MailMessages lists the account's newest mail (Admins).
	MailMessages(ctx context.Context, a *Actor, limit int) ([]MailMessage, error)
	// CheckUnsubscribe and Unsubscribe take a signed token: no session, no actor.
	CheckUnsubscribe(ctx context.Context, token string) (*UnsubscribeTarget, error)
	Unsubscribe(ctx context.Context, token string) error
	// MailLink queues the mail of a one-time link just issued to a user of the account
	// (an invitation or a password reset; Admins), when the server sends mail.
	MailLink(ctx context.Context, a *Actor, userID string, purpose TokenPurpose, link string, expires Timestamp) error
}

// LinkMail is the mail of a one-time link: its kind, subject and body.
func LinkMail(purpose TokenPurpose, name, account, link string, expires Timestamp) (kind, subject, body string) {
	when := expires.UTC().Format("2006-01-02 15:04 UTC")
	if purpose == TokenPasswordReset {
		return MailPasswordReset, "Set a new Steward password",
			fmt.Sprintf("Hello %s,\n\nan Admin of %s issued you a link to set a new password for Steward:\n\n%s\n\n"+
				"The link works once, until %s. If you did not expect it, ignore this mail.\n", name, account, link, when)
	}
	return MailInvitation, "You are invited to Steward (" + account + ")",
		fmt.Sprintf("Hello %s,\n\nyou are invited to %s on Steward. Choose your password here:\n\n%s\n\n"+
			"The link works once, until %s.\n", name, account, link, when)
}
