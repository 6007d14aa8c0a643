package steward

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Webhooks (PRODUCT.md §7, API.md "Webhooks"): an account's endpoints receive its change events,
// signed the Standard Webhooks way. docs/API.md ("Webhooks") holds the decisions below.

const (
	// MaxWebhookURL is the longest endpoint URL, in bytes.
	MaxWebhookURL = 2048
	// MaxWebhooks is the most endpoints one account registers: every change of the account reads
	// them in its transaction.
	MaxWebhooks = 20
	// WebhookSecretOverlap is how long a rotated-out secret keeps signing beside the new one.
	WebhookSecretOverlap = 24 * time.Hour
)

// WebhookRetrySchedule is the delay before each attempt of a delivery (PRODUCT.md §7): the
// first at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the failure before it;
// a delivery whose last attempt fails is failed.
var WebhookRetrySchedule = []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Event type actions: what happened to the object, in the past tense.
const (
	EventCreated         = "created"
	EventUpdated         = "updated"
	EventArchived        = "archived"
	EventUnarchived      = "unarchived"
	EventDeleted         = "deleted"
	EventLocationChanged = "location_changed"
	EventShared          = "shared"
	EventUnshared        = "unshared"
	EventTransferred     = "transferred"
	EventMembersAdded    = "members_added"
	EventMembersRemoved  = "members_removed"
)

// eventActions maps the audit log's actions to the events' past tenses.
var eventActions = map[string]string{
	ActionCreate: EventCreated, ActionUpdate: EventUpdated, ActionArchive: EventArchived,
	ActionUnarchive: EventUnarchived, ActionDelete: EventDeleted, ActionShare: EventShared,
	ActionUnshare: EventUnshared, ActionTransfer: EventTransferred,
	ActionAddMembers: EventMembersAdded, ActionRemoveMembers: EventMembersRemoved,
}

// WebhookEventType is an event's type, "<object>.<action>" (customer.created…).
type WebhookEventType string

// Values lists every event type, object by object.
func (WebhookEventType) Values() []WebhookEventType {
	var out []WebhookEventType
	common := []string{EventCreated, EventUpdated, EventArchived, EventUnarchived, EventDeleted}
	for _, o := range []string{ObjectCustomer, ObjectContact, ObjectLocation, ObjectAsset, ObjectGroup} {
		acts := common
		switch o {
		case ObjectAsset:
			acts = append(slices.Clone(common), EventLocationChanged, EventShared, EventUnshared, EventTransferred)
		case ObjectGroup:
			acts = append(slices.Clone(common), EventMembersAdded, EventMembersRemoved)
		}
		for _, a := range acts {
			out = append(out, WebhookEventType(o+"."+a))
		}
	}
	return out
}

// Valid reports whether t is a known event type.
func (t WebhookEventType) Valid() bool { return isOneOf(t, t.Values()) }

var eventTypes = func() map[WebhookEventType]bool {
	m := map[WebhookEventType]bool{}
	for _, t := range WebhookEventType("").Values() {
		m[t] = true
	}
	return m
}()

// EventTypeOf is the event type of an audit event (its object type, action and changes), and
// false for a change that is no event (users, API keys, the account, webhooks themselves). An
// asset update that changes the location is asset.location_changed (its changes list every
// field it changed); any other update is <object>.updated.
func EventTypeOf(objectType, action string, changes []Change) (WebhookEventType, bool) {
	act, ok := eventActions[action]
	if !ok {
		return "", false
	}
	if objectType == ObjectAsset && action == ActionUpdate &&
		slices.ContainsFunc(changes, func(c Change) bool { return c.Field == "location_id" }) {
		act = EventLocationChanged
	}
	t := WebhookEventType(objectType + "." + act)
	return t, eventTypes[t]
}

// WebhookFields are what a caller sets on an endpoint.
type WebhookFields struct {
	URL         string             `json:"url"`
	Events      []WebhookEventType `json:"events"`
	Description string             `json:"description"`
}

// Normalize checks the fields: an absolute http or https URL without credentials, at most
// MaxWebhookURL bytes; 1 to len(types) known, distinct event types (each wrong one named by its
// index: events[2]); a description of at most MaxDescription characters. Where the URL's host
// points is checked by CheckWebhookAddress.
func (f *WebhookFields) Normalize() error {
	var v Violations
	f.URL = strings.TrimSpace(f.URL)
	checkWebhookURL(&v, f.URL)
	checkEventTypes(&v, f.Events, WebhookEventType("").Values(), "event type")
	cleanText(&v, "description", &f.Description, MaxDescription, true)
	if len(v) == 0 {
		refuseInvisible(&v, "description", f.Description)
	}
	return v.Err()
}

// checkEventTypes checks a list of event types (an endpoint's, a subscription's) against the
// allowed ones: at least one, each allowed (named a noun in the message), none twice; errors
// name events[i].
func checkEventTypes(v *Violations, events, allowed []WebhookEventType, noun string) {
	switch {
	case len(events) == 0:
		v.Add("events", "must list at least one event type, among %s", strings.Join(strs(allowed), ", "))
	case len(events) > len(allowed):
		v.Add("events", "must list at most %d event types", len(allowed))
	default:
		seen := map[WebhookEventType]bool{}
		for i, e := range events {
			field := fmt.Sprintf("events[%d]", i)
			switch {
			case !isOneOf(e, allowed):
				v.Add(field, "%s is no %s: %s", quoteShort(string(e)), noun, OneOf(allowed))
			case seen[e]:
				v.Add(field, "%s is listed twice", e)
			}
			seen[e] = true
		}
	}
}

// quoteShort quotes at most 40 bytes of s for a message, so a huge value is not echoed whole.
func quoteShort(s string) string {
	if len(s) > 40 {
		cut := 40
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// checkWebhookURL checks the form of an endpoint URL.
func checkWebhookURL(v *Violations, s string) {
	const field = "url"
	switch {
	case s == "":
		v.Add(field, "is required")
		return
	case len(s) > MaxWebhookURL:
		v.Add(field, "must be at most %d bytes", MaxWebhookURL)
		return
	case !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || IsInvisible(r) }) >= 0:
		v.Add(field, "must not contain spaces, control or invisible characters")
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || !u.IsAbs() || u.Opaque != "":
		v.Add(field, "must be an absolute http or https URL like https://example.com/hooks")
	case u.Scheme != "https" && u.Scheme != "http":
		v.Add(field, "must use http or https, not %s", quoteShort(u.Scheme))
	case u.User != nil:
		v.Add(field, "must not carry a user name or password; authenticate deliveries by their signature")
	case u.Hostname() == "":
		v.Add(field, "must name a host")
	case u.Fragment != "":
		v.Add(field, "must not have a #fragment")
	case u.Port() != "" && !validPort(u.Port()):
		v.Add(field, "has an invalid port")
	}
}

func validPort(p string) bool {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return false
		}
	}
	return n > 0
}

// PrivateAddress reports whether ip is one Steward does not deliver to unless the installation
// allows private addresses: loopback, private (RFC 1918, fc00::/7), link-local, unspecified,
// carrier-grade NAT (100.64.0.0/10) and multicast, also when written as IPv4 in IPv6.
func PrivateAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	return !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || cgnat.Contains(ip)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// CheckWebhookAddress refuses (EINVALID on url) an endpoint whose host is, or resolves to, a
// private address (PrivateAddress), unless allowPrivate; a host that does not resolve is refused
// too. Delivery checks again, at every connection (DNS may change).
func CheckWebhookAddress(ctx context.Context, rawURL string, allowPrivate bool, r *net.Resolver) error {
	if allowPrivate {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return Invalid("url", "must be an absolute http or https URL like https://example.com/hooks")
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if PrivateAddress(ip) {
			return Invalid("url", "points to a private, loopback or link-local address (%s); this server delivers to public addresses only", ip)
		}
		return nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return Invalid("url", "host %s does not resolve", quoteShort(host))
	}
	for _, ip := range addrs {
		if PrivateAddress(ip) {
			return Invalid("url", "host %s resolves to a private, loopback or link-local address (%s); this server delivers to public addresses only",
				quoteShort(host), ip.Unmap())
		}
	}
	return nil
}

// Webhook is an endpoint of an account. Secret is filled only in the responses that create it
// or rotate it; the secret is stored, since deliveries are signed with it.
type Webhook struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	WebhookFields
	// SecretRotatedAt is when the secret was last rotated; the one before still signs until
	// PreviousSecretExpiresAt.
	SecretRotatedAt         *Timestamp `json:"secret_rotated_at"`
	PreviousSecretExpiresAt *Timestamp `json:"previous_secret_expires_at"`
	CreatedAt               Timestamp  `json:"created_at"`
	UpdatedAt               Timestamp  `json:"updated_at"`
	Version                 int64      `json:"-"`
	Secret                  string     `json:"secret,omitempty"`
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliverySucceeded DeliveryStatus = "succeeded"
	DeliveryFailed    DeliveryStatus = "failed"
)

// Values lists the delivery statuses.
func (DeliveryStatus) Values() []DeliveryStatus {
	return []DeliveryStatus{DeliveryPending, DeliverySucceeded, DeliveryFailed}
}

// WebhookDelivery is one event sent (or to send) to one endpoint, with its last attempt.
type WebhookDelivery struct {
	ID            string           `json:"id"`
	WebhookID     string           `json:"webhook_id"`
	EventID       string           `json:"event_id"`
	EventType     WebhookEventType `json:"event_type"`
	Status        DeliveryStatus   `json:"status"`
	Attempts      int              `json:"attempts"`
	NextAttemptAt *Timestamp       `json:"next_attempt_at"`
	LastAttemptAt *Timestamp       `json:"last_attempt_at"`
	// ResponseCode is the last attempt's HTTP status; null when it got none (a refused
	// connection, a timeout).
	ResponseCode *int `json:"response_code"`
	// DurationMS is how long the last attempt took, in milliseconds.
	DurationMS *int64 `json:"duration_ms"`
	// Error says why the last attempt failed, when it did.
	Error string `json:"error"`
	// RedeliveryOf is the delivery a manual redelivery repeats.
	RedeliveryOf *string   `json:"redelivery_of"`
	CreatedAt    Timestamp `json:"created_at"`
}

// DeliveryFilter selects an endpoint's deliveries, newest first.
type DeliveryFilter struct {
	Status DeliveryStatus
	Limit  int
	Cursor string
}

// Check adds a violation for a status the list does not know.
func (f DeliveryFilter) Check(v *Violations) {
	CheckOneOf(v, "status", f.Status, f.Status.Values())
}

// WebhookService manages an account's endpoints and their deliveries: Admins only
// (PermAdminister); another account's endpoint is ENOTFOUND.
type WebhookService interface {
	Webhooks(ctx context.Context, a *Actor) ([]Webhook, error)
	Webhook(ctx context.Context, a *Actor, id string) (*Webhook, error)
	// CreateWebhook registers an endpoint; the returned one carries its secret, once. EINVALID
	// (url, events[i], description), ECONFLICT past MaxWebhooks.
	CreateWebhook(ctx context.Context, a *Actor, f WebhookFields) (*Webhook, error)
	// UpdateWebhook applies change to the stored fields under ifMatch (0: none).
	UpdateWebhook(ctx context.Context, a *Actor, id string, ifMatch int64, change func(*WebhookFields) error) (*Webhook, error)
	// DeleteWebhook removes an endpoint and its deliveries.
	DeleteWebhook(ctx context.Context, a *Actor, id string, ifMatch int64) error
	// RotateWebhookSecret gives the endpoint a new secret (returned once); the previous one
	// keeps signing beside it for WebhookSecretOverlap.
	RotateWebhookSecret(ctx context.Context, a *Actor, id string) (*Webhook, error)
	WebhookDeliveries(ctx context.Context, a *Actor, webhookID string, f DeliveryFilter) (*Page[WebhookDelivery], error)
	// Redeliver queues the delivery's event to its endpoint again, as a new delivery.
	Redeliver(ctx context.Context, a *Actor, webhookID, deliveryID string) (*WebhookDelivery, error)
}

// OutboxDelivery is a claimed delivery, with what sending it needs.
type OutboxDelivery struct {
	ID        string
	AccountID string
	WebhookID string
	EventID   string
	URL       string
	// Secrets sign the body: the current one first, then the previous one while it overlaps.
	Secrets []string
	Payload []byte
	// Attempt is this attempt's number, from 1.
	Attempt int
}

// DeliveryResult is how an attempt went.
type DeliveryResult struct {
	At           Timestamp
	ResponseCode int // 0: no response
	Duration     time.Duration
	Err          string // "" when it succeeded (a 2xx)
}

// FinishedDelivery is one attempt made: the claimed delivery and how it went.
type FinishedDelivery struct {
	OutboxDelivery
	Result DeliveryResult
}

// WebhookOutbox is what the dispatcher asks of the store: it works across accounts, as the
// system.
type WebhookOutbox interface {
	// ClaimDeliveries claims up to n pending deliveries due now, each for lease (no other
	// dispatcher takes them until it ends); several processes never claim one twice.
	ClaimDeliveries(ctx context.Context, n int, lease time.Duration) ([]OutboxDelivery, error)
	// FinishDeliveries records attempts of claimed deliveries, in one transaction: each
	// succeeded, retried after schedule[attempt], or failed when the schedule is done.
	FinishDeliveries(ctx context.Context, done []FinishedDelivery, schedule []time.Duration) error
}
