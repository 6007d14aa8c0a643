package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// Notifications (migration 0016): subscriptions to a customer's asset events, and the mail they
// make. (*tx).audit calls notify after the outbox, so the mail rows are written in the change's
// transaction; an account without subscriptions pays one prepared one-row read per asset change
// (cached for the transaction). The notifier (internal/jobs) claims pending mail with ClaimMail
// and records each attempt with FinishMail.

// serverKeys caches the installation's keys (server_keys), read or made once per process.
type serverKeys struct {
	mu sync.Mutex
	m  map[string][]byte
}

const unsubscribeKey = "unsubscribe"

// serverKey returns the named key, making it if no process did. A key this transaction made is
// cached only once it committed (Store.ServerKey), so a rollback cannot leave two keys in use.
func (t *tx) serverKey(ctx context.Context, name string) (key []byte, made bool, err error) {
	t.s.serverKeys.mu.Lock()
	k, ok := t.s.serverKeys.m[name]
	t.s.serverKeys.mu.Unlock()
	if ok {
		return k, false, nil
	}
	var secret string
	err = t.row(ctx, "SELECT secret FROM server_keys WHERE name = ?", name).Scan(&secret)
	if isNoRows(err) {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		if _, err := t.exec(ctx, "INSERT INTO server_keys (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name,
			hex.EncodeToString(b)); err != nil {
			return nil, false, err
		}
		if err := t.row(ctx, "SELECT secret FROM server_keys WHERE name = ?", name).Scan(&secret); err != nil {
			return nil, false, err
		}
		made = true
	} else if err != nil {
		return nil, false, err
	}
	k, err = hex.DecodeString(secret)
	if err != nil {
		return nil, false, fmt.Errorf("server key %s: %w", name, err)
	}
	if !made {
		t.s.cacheKey(name, k)
	}
	return k, made, nil
}

func (s *Store) cacheKey(name string, k []byte) {
	s.serverKeys.mu.Lock()
	defer s.serverKeys.mu.Unlock()
	if s.serverKeys.m == nil {
		s.serverKeys.m = map[string][]byte{}
	}
	s.serverKeys.m[name] = k
}

// serverKey returns the named key, outside any transaction.
func (s *Store) serverKey(ctx context.Context, name string) ([]byte, error) {
	var key []byte
	err := s.write(ctx, func(t *tx) (err error) {
		key, _, err = t.serverKey(ctx, name)
		return err
	})
	if err == nil {
		s.cacheKey(name, key)
	}
	return key, err
}

// maxUnsubscribeToken bounds the token read from a link.
const maxUnsubscribeToken = 300

// signUnsubscribe is the token of a contact's subscription: base64url(account:subscription),
// a dot, base64url(HMAC-SHA256(key, "unsubscribe:" + account:subscription)).
func signUnsubscribe(key []byte, accountID, subID string) string {
	payload := accountID + ":" + subID
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unsubscribe:" + payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ParseUnsubscribeToken checks a token's form and signature against key and returns the account
// and subscription it names; any fault is one error, saying nothing of which part was wrong.
func ParseUnsubscribeToken(key []byte, token string) (accountID, subID string, err error) {
	bad := steward.Invalid("token", "the unsubscribe link is not valid (copy the whole link from the mail)")
	if len(token) == 0 || len(token) > maxUnsubscribeToken {
		return "", "", bad
	}
	p64, s64, ok := strings.Cut(token, ".")
	if !ok {
		return "", "", bad
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(s64)
	if err1 != nil || err2 != nil {
		return "", "", bad
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unsubscribe:"))
	m.Write(payload)
	if subtle.ConstantTimeCompare(m.Sum(nil), sig) != 1 {
		return "", "", bad
	}
	accountID, subID, ok = strings.Cut(string(payload), ":")
	if !ok || !steward.IsID(accountID) || !steward.IsID(subID) {
		return "", "", bad
	}
	return accountID, subID, nil
}

// UnsubscribeToken is the token of a contact's subscription (tests and links).
func (s *Store) UnsubscribeToken(ctx context.Context, accountID, subID string) (string, error) {
	key, err := s.serverKey(ctx, unsubscribeKey)
	if err != nil {
		return "", err
	}
	return signUnsubscribe(key, accountID, subID), nil
}

// CheckUnsubscribe verifies token and says what it would end. No session: the signature is the
// authority.
func (s *Store) CheckUnsubscribe(ctx context.Context, token string) (*steward.UnsubscribeTarget, error) {
	key, err := s.serverKey(ctx, unsubscribeKey)
	if err != nil {
		return nil, err
	}
	acc, sub, err := ParseUnsubscribeToken(key, token)
	if err != nil {
		return nil, err
	}
	var out steward.UnsubscribeTarget
	err = s.reader().row(ctx, "SELECT COALESCE(c.email, ''), cu.name FROM subscriptions s "+
		"JOIN customers cu ON cu.account_id = s.account_id AND cu.id = s.customer_id "+
		"LEFT JOIN contacts c ON c.account_id = s.account_id AND c.id = s.contact_id "+
		"WHERE s.account_id = ? AND s.id = ?", acc, sub).Scan(&out.Email, &out.CustomerName)
	if isNoRows(err) {
		return &steward.UnsubscribeTarget{Gone: true}, nil
	}
	return &out, err
}

// Unsubscribe verifies token and deletes its subscription; a second time is no error.
func (s *Store) Unsubscribe(ctx context.Context, token string) error {
	key, err := s.serverKey(ctx, unsubscribeKey)
	if err != nil {
		return err
	}
	acc, sub, err := ParseUnsubscribeToken(key, token)
	if err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "DELETE FROM subscriptions WHERE account_id = ? AND id = ?", acc, sub)
		return err
	})
}

// subscriptionPerm is what acting on a subscription needs: a user's own needs reading only; any
// other (another user's, a contact's) needs writing the fleet (Admin, Fleet Admin).
func subscriptionPerm(a *steward.Actor, userID string) steward.Permission {
	if userID != "" && userID == a.UserID {
		return steward.PermRead
	}
	return steward.PermWriteFleet
}

func (t *tx) customerExists(ctx context.Context, accountID, id string) error {
	if !steward.IsID(id) {
		return steward.NotFound("customer")
	}
	var one int
	err := t.row(ctx, "SELECT 1 FROM customers WHERE account_id = ? AND id = ?", accountID, id).Scan(&one)
	if isNoRows(err) {
		return steward.NotFound("customer")
	}
	return err
}

// CreateSubscription subscribes a user of the account or a contact of the customer to the asset
// events of the customer's assets.
func (s *Store) CreateSubscription(ctx context.Context, a *steward.Actor, customerID string, f steward.SubscriptionFields) (*steward.Subscription, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	// The customer first: another account's is not found, whatever the body says.
	if err := (&tx{q: s.reader(), s: s}).customerExists(ctx, a.AccountID, customerID); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	return writeAs(ctx, s, a, subscriptionPerm(a, f.UserID), func(t *tx) (*steward.Subscription, error) {
		if err := t.claimIdempotency(ctx); err != nil {
			return nil, err
		}
		// The customer's row, locked: two creates at once count one after the other.
		if _, err := t.exec(ctx, "SELECT id FROM customers WHERE account_id = ? AND id = ?"+t.d.lock(lockWrite), a.AccountID, customerID); err != nil {
			return nil, err
		}
		if err := t.customerExists(ctx, a.AccountID, customerID); err != nil {
			return nil, err
		}
		sub := &steward.Subscription{ID: newID(), CustomerID: customerID, SubscriptionFields: f, CreatedAt: t.now, Version: 1}
		var err error
		if f.UserID != "" {
			err = t.row(ctx, "SELECT email FROM users WHERE id = ? AND account_id = ?", f.UserID, a.AccountID).Scan(&sub.Email)
			if isNoRows(err) {
				return nil, steward.Invalid("user_id", "no user of this account has this id")
			}
		} else {
			err = t.row(ctx, "SELECT email FROM contacts WHERE account_id = ? AND id = ? AND customer_id = ?", a.AccountID,
				f.ContactID, customerID).Scan(&sub.Email)
			if isNoRows(err) {
				return nil, steward.Invalid("contact_id", "no contact of this customer has this id")
			}
			if err == nil && sub.Email == "" {
				return nil, steward.Invalid("contact_id", "the contact has no email address to notify")
			}
		}
		if err != nil {
			return nil, err
		}
		var n, same int
		if err := t.row(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN user_id = ? OR contact_id = ? THEN 1 ELSE 0 END), 0) "+
			"FROM subscriptions WHERE account_id = ? AND customer_id = ?", f.UserID, f.ContactID, a.AccountID, customerID).Scan(&n, &same); err != nil {
			return nil, err
		}
		if same > 0 {
			return nil, steward.Errorf(steward.ECONFLICT, "this subscriber already subscribes to this customer; delete that subscription first")
		}
		if n >= steward.MaxSubscriptions {
			return nil, steward.Errorf(steward.ECONFLICT, "a customer has at most %d subscriptions; delete one first", steward.MaxSubscriptions)
		}
		var user, contact *string
		if f.UserID != "" {
			user = &f.UserID
		} else {
			contact = &f.ContactID
		}
		if _, err := t.exec(ctx, "INSERT INTO subscriptions (account_id, id, customer_id, user_id, contact_id, events, created_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?)", a.AccountID, sub.ID, customerID, null(user), null(contact), joinEvents(f.Events), t.now); err != nil {
			return nil, err
		}
		return sub, t.recordIdempotency(ctx, steward.ObjectSubscription, sub.ID, sub)
	})
}

// Subscriptions lists the customer's subscriptions, oldest first (at most MaxSubscriptions).
func (s *Store) Subscriptions(ctx context.Context, a *steward.Actor, customerID string) ([]steward.Subscription, error) {
	return readAs(ctx, s, a, steward.PermRead, func(t *tx) ([]steward.Subscription, error) {
		if err := t.customerExists(ctx, a.AccountID, customerID); err != nil {
			return nil, err
		}
		return t.subscriptions(ctx, a.AccountID, customerID, "")
	})
}

func (t *tx) subscriptions(ctx context.Context, accountID, customerID, id string) ([]steward.Subscription, error) {
	subs, err := t.subscriberRows(ctx, accountID, customerID, id)
	out := make([]steward.Subscription, len(subs))
	for i, x := range subs {
		out[i] = x.Subscription
	}
	return out, err
}

// subscriberRow is a subscription with whether its subscriber is mailed now: an active user, a
// contact not archived.
type subscriberRow struct {
	steward.Subscription
	live bool
}

func (t *tx) subscriberRows(ctx context.Context, accountID, customerID, id string) ([]subscriberRow, error) {
	q := "SELECT s.id, s.customer_id, COALESCE(s.user_id, ''), COALESCE(s.contact_id, ''), s.events, " +
		"COALESCE(u.email, c.email, ''), s.created_at, " +
		"CASE WHEN u.active OR (c.id IS NOT NULL AND c.archived_at IS NULL) THEN 1 ELSE 0 END " +
		"FROM subscriptions s LEFT JOIN users u ON u.id = s.user_id " +
		"LEFT JOIN contacts c ON c.account_id = s.account_id AND c.id = s.contact_id " +
		"WHERE s.account_id = ? AND s.customer_id = ?"
	args := []any{accountID, customerID}
	if id != "" {
		q += " AND s.id = ?"
		args = append(args, id)
	}
	rows, err := t.query(ctx, q+" ORDER BY s.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []subscriberRow{}
	for rows.Next() {
		var x subscriberRow
		var events string
		var live int
		if err := rows.Scan(&x.ID, &x.CustomerID, &x.UserID, &x.ContactID, &events, &x.Email, &x.CreatedAt, &live); err != nil {
			return nil, err
		}
		x.Events, x.Version, x.live = parseEvents(events), 1, live == 1
		out = append(out, x)
	}
	return out, rows.Err()
}

// DeleteSubscription ends a subscription: one's own with reading rights, any other with
// writing the fleet.
func (s *Store) DeleteSubscription(ctx context.Context, a *steward.Actor, customerID, id string, ifMatch int64) error {
	_, err := writeAs(ctx, s, a, steward.PermRead, func(t *tx) (struct{}, error) {
		if err := t.customerExists(ctx, a.AccountID, customerID); err != nil {
			return struct{}{}, err
		}
		if !steward.IsID(id) {
			return struct{}{}, steward.NotFound("subscription")
		}
		subs, err := t.subscriptions(ctx, a.AccountID, customerID, id)
		if err != nil {
			return struct{}{}, err
		}
		if len(subs) == 0 {
			return struct{}{}, steward.NotFound("subscription")
		}
		if err := a.Require(subscriptionPerm(a, subs[0].UserID)); err != nil {
			return struct{}{}, err
		}
		if err := checkIfMatch(ifMatch, 1); err != nil {
			return struct{}{}, err
		}
		_, err = t.exec(ctx, "DELETE FROM subscriptions WHERE account_id = ? AND id = ?", a.AccountID, id)
		return struct{}{}, err
	})
	return err
}

// notify writes the mail of asset audit event e for the subscribers of the customers it
// concerns: the customers of the locations it left and arrived at, its owner (before and
// after) and the customer the audit event names.
func (t *tx) notify(ctx context.Context, e *steward.AuditEvent, changes []steward.Change) error {
	if e.ObjectType != steward.ObjectAsset {
		return nil
	}
	typ, ok := steward.EventTypeOf(e.ObjectType, e.Action, changes)
	if !ok {
		return nil
	}
	has, cached := t.notified[e.AccountID]
	if !cached {
		var one int
		err := t.row(ctx, "SELECT 1 FROM subscriptions WHERE account_id = ? LIMIT 1", e.AccountID).Scan(&one)
		if err != nil && !isNoRows(err) {
			return err
		}
		has = err == nil
		if t.notified == nil {
			t.notified = map[string]bool{}
		}
		t.notified[e.AccountID] = has
	}
	if !has {
		return nil
	}
	// Each concerned customer, with the sentence its subscribers read.
	type concern struct{ customer, text string }
	var concerns []concern
	add := func(customer, text string) {
		if customer == "" {
			return
		}
		for _, c := range concerns {
			if c.customer == customer {
				return
			}
		}
		concerns = append(concerns, concern{customer, text})
	}
	label := func(l *string) string {
		if l == nil {
			return "no location"
		}
		return *l
	}
	locCustomer := func(v any) (string, error) {
		id, _ := v.(string)
		if id == "" {
			return "", nil
		}
		var c *string
		err := t.row(ctx, "SELECT customer_id FROM locations WHERE account_id = ? AND id = ?", e.AccountID, id).Scan(nullable[string]{&c})
		if isNoRows(err) || c == nil {
			return "", nil
		}
		return *c, err
	}
	what := fmt.Sprintf("Asset %s: %s", e.ObjectName, strings.ReplaceAll(strings.TrimPrefix(string(typ), "asset."), "_", " "))
	for _, ch := range changes {
		switch ch.Field {
		case "location_id":
			if typ != steward.WebhookEventType(steward.ObjectAsset+"."+steward.EventLocationChanged) {
				continue
			}
			to, err := locCustomer(ch.New)
			if err != nil {
				return err
			}
			from, err := locCustomer(ch.Old)
			if err != nil {
				return err
			}
			add(to, fmt.Sprintf("Asset %s arrived at %s (from %s)", e.ObjectName, label(ch.NewLabel), label(ch.OldLabel)))
			add(from, fmt.Sprintf("Asset %s left %s (now at %s)", e.ObjectName, label(ch.OldLabel), label(ch.NewLabel)))
		case "owner_customer_id":
			for _, v := range []any{ch.Old, ch.New} {
				id, _ := v.(string)
				add(id, what)
			}
		}
	}
	var owner, at *string
	err := t.row(ctx, "SELECT owner_customer_id, location_customer_id FROM assets WHERE account_id = ? AND id = ?", e.AccountID,
		e.ObjectID).Scan(nullable[string]{&owner}, nullable[string]{&at})
	if err != nil && !isNoRows(err) {
		return err
	}
	for _, c := range []*string{owner, at, e.CustomerID} {
		if c != nil {
			add(*c, what)
		}
	}
	var key []byte
	for _, c := range concerns {
		subs, err := t.subscriberRows(ctx, e.AccountID, c.customer, "")
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if !sub.live || sub.Email == "" || !containsEvent(sub.Events, typ) {
				continue
			}
			m := steward.MailMessage{ID: newID(), AccountID: e.AccountID, Kind: steward.MailNotification, To: sub.Email,
				Subject: truncate(c.text, 200), SubscriptionID: sub.ID, Status: steward.MailPending, CreatedAt: t.now,
				Body: fmt.Sprintf("%s.\n\nWhen: %s\nBy: %s\nEvent: %s\n", c.text, e.At.Time.UTC().Format(time.RFC1123), e.Actor.Name, typ)}
			if sub.ContactID != "" {
				if key == nil {
					if key, _, err = t.serverKey(ctx, unsubscribeKey); err != nil {
						return err
					}
				}
				m.Unsubscribe = signUnsubscribe(key, e.AccountID, sub.ID)
			}
			if err := t.insertMail(ctx, &m); err != nil {
				return err
			}
		}
	}
	return nil
}

func containsEvent(evs []steward.WebhookEventType, typ steward.WebhookEventType) bool {
	for _, e := range evs {
		if e == typ {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

func (t *tx) insertMail(ctx context.Context, m *steward.MailMessage) error {
	var sub *string
	if m.SubscriptionID != "" {
		sub = &m.SubscriptionID
	}
	if _, err := t.exec(ctx, "INSERT INTO mail_messages (account_id, id, kind, recipient, subject, body, subscription_id, "+
		"unsubscribe, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", m.AccountID, m.ID, m.Kind,
		m.To, m.Subject, m.Body, null(sub), m.Unsubscribe, string(m.Status), t.now, t.now); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	t.mailed = true
	return nil
}

// MailLink queues the mail of a one-time link issued to a user of the account (Admins).
func (s *Store) MailLink(ctx context.Context, a *steward.Actor, userID string, purpose steward.TokenPurpose, link string,
	expires steward.Timestamp) error {
	_, err := writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (struct{}, error) {
		u, err := getUser(ctx, t.q, userInAccount(a.AccountID, userID))
		if err != nil {
			return struct{}{}, err
		}
		var account string
		if err := t.row(ctx, "SELECT name FROM accounts WHERE id = ?", a.AccountID).Scan(&account); err != nil {
			return struct{}{}, err
		}
		kind, subject, body := steward.LinkMail(purpose, u.Name, account, link, expires)
		return struct{}{}, t.insertMail(ctx, &steward.MailMessage{ID: newID(), AccountID: a.AccountID, Kind: kind, To: u.Email,
			Subject: truncate(subject, 200), Body: body, Status: steward.MailPending, CreatedAt: t.now})
	})
	return err
}

// MailWake receives a value after a transaction queued mail.
func (s *Store) MailWake() <-chan struct{} { return s.mailWake }

// ClaimMail claims up to n pending mails due now, oldest due first, across accounts; each counts
// an attempt and is due again when lease ends (should this process die before recording it).
func (s *Store) ClaimMail(ctx context.Context, n int, lease time.Duration) ([]steward.MailMessage, error) {
	var out []steward.MailMessage
	err := s.write(ctx, func(t *tx) error {
		out = out[:0]
		until := steward.TimestampOf(t.now.Add(lease))
		rows, err := t.query(ctx, "UPDATE mail_messages SET attempts = attempts + 1, next_attempt_at = ? "+
			"WHERE (account_id, id) IN (SELECT account_id, id FROM mail_messages "+
			"WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?"+t.d.skipLocked()+") "+
			"RETURNING account_id, id, kind, recipient, subject, body, COALESCE(subscription_id, ''), unsubscribe, attempts, created_at",
			until, t.now, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m := steward.MailMessage{Status: steward.MailPending}
			if err := rows.Scan(&m.AccountID, &m.ID, &m.Kind, &m.To, &m.Subject, &m.Body, &m.SubscriptionID, &m.Unsubscribe,
				&m.Attempts, &m.CreatedAt); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// FinishMail records attempts: sent or kept; pending again after schedule[attempt] when it
// failed and the schedule goes on; failed otherwise. An attempt another claim took over since
// records nothing.
func (s *Store) FinishMail(ctx context.Context, done []steward.MailResult, schedule []time.Duration) error {
	if len(done) == 0 {
		return nil
	}
	return s.write(ctx, func(t *tx) error {
		for _, r := range done {
			status, next, sent := steward.MailSent, (*steward.Timestamp)(nil), &t.now
			if r.Kept {
				status, sent = steward.MailKept, nil
			}
			if r.Err != "" {
				status, sent = steward.MailFailed, nil
				if r.Attempt < len(schedule) {
					status = steward.MailPending
					at := steward.TimestampOf(t.now.Add(schedule[r.Attempt]))
					next = &at
				}
			}
			if _, err := t.exec(ctx, "UPDATE mail_messages SET status = ?, next_attempt_at = ?, sent_at = ?, last_error = ? "+
				"WHERE account_id = ? AND id = ? AND attempts = ? AND status = 'pending'", string(status), null(next), null(sent),
				truncate(r.Err, 500), r.AccountID, r.ID, r.Attempt); err != nil {
				return err
			}
		}
		return nil
	})
}

// MailMessages lists the account's newest mails (Admin only), at most limit.
func (s *Store) MailMessages(ctx context.Context, a *steward.Actor, limit int) ([]steward.MailMessage, error) {
	return readAs(ctx, s, a, steward.PermAdminister, func(t *tx) ([]steward.MailMessage, error) {
		rows, err := t.query(ctx, "SELECT id, kind, recipient, subject, body, COALESCE(subscription_id, ''), status, attempts, "+
			"last_error, created_at, sent_at FROM mail_messages WHERE account_id = ? ORDER BY id DESC LIMIT ?", a.AccountID, limit)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []steward.MailMessage{}
		for rows.Next() {
			var m steward.MailMessage
			var status string
			if err := rows.Scan(&m.ID, &m.Kind, &m.To, &m.Subject, &m.Body, &m.SubscriptionID, &status, &m.Attempts,
				&m.LastError, &m.CreatedAt, nullable[steward.Timestamp]{&m.SentAt}); err != nil {
				return nil, err
			}
			m.Status = steward.MailStatus(status)
			out = append(out, m)
		}
		return out, rows.Err()
	})
}
