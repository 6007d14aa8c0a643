package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// fakeService is an in-memory stand-in for the store in the web layer's unit tests: just enough
// of steward.Service to drive the HTTP behaviour (authentication, idempotency, lists, objects).
// Any method it does not implement panics through the nil embedded interface, which the server
// answers as a 500. The full API scenarios run against the real store elsewhere.
type fakeService struct {
	steward.Service

	mu        sync.Mutex
	actors    map[string]steward.Actor // by secret key
	idem      map[fakeIdemKey]*steward.IdempotentResult
	customers map[string]*steward.Customer
	contacts  map[string]*steward.Contact
	locations map[string]*steward.Location
	assets    map[string]*steward.Asset
	apiKeys   map[string]*steward.APIKey
	audit     []steward.AuditEvent
	nextID    int

	creates   int   // successful and failed create calls
	createErr error // when set, every create fails with it
	// When set, CreateCustomer signals entered and then waits for gate before doing anything.
	entered, gate chan struct{}
	pingErr       error
	auditErr      error // EachAuditEvent fails with it after auditErrAfter events
	errAfter      int
	lastQuery     any            // the filter or params the last list received
	lastActor     *steward.Actor // the caller the last list saw
	lastMatch     int64          // the ifMatch the last write received
}

const (
	fakeAdminKey = "stw_admin_secret"
	fakeUserKey  = "stw_user_secret"
)

func newFakeService() *fakeService {
	return &fakeService{
		actors: map[string]steward.Actor{
			fakeAdminKey: {Type: steward.ActorAPIKey, ID: "key-admin", Name: "admin key", UserID: "user-1",
				AccountID: "acc-1", HomeAccount: "acc-1", Role: steward.RoleAdmin},
			fakeUserKey: {Type: steward.ActorAPIKey, ID: "key-user", Name: "user key", UserID: "user-2",
				AccountID: "acc-1", HomeAccount: "acc-1", Role: steward.RoleUser},
		},
		idem:      map[fakeIdemKey]*steward.IdempotentResult{},
		customers: map[string]*steward.Customer{},
		contacts:  map[string]*steward.Contact{},
		locations: map[string]*steward.Location{},
		assets:    map[string]*steward.Asset{},
		apiKeys:   map[string]*steward.APIKey{},
	}
}

func (f *fakeService) Authenticate(ctx context.Context, key string) (*steward.Actor, error) {
	a, ok := f.actors[key]
	if !ok {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "the API key is not valid")
	}
	return &a, nil
}

func (f *fakeService) Ping(ctx context.Context) error { return f.pingErr }

// fakeIdemKey indexes the fake's Idempotency-Key records.
type fakeIdemKey struct{ scope, key string }

// created runs the bookkeeping of every create: the Idempotency-Key check (a used key stops the
// create, as in the store), the failure switch, the id.
func (f *fakeService) created(ctx context.Context, objectType string) (string, error) {
	if claim := steward.IdempotencyFromContext(ctx); claim != nil {
		if r, ok := f.idem[fakeIdemKey{claim.Scope, claim.Key}]; ok {
			return "", &steward.IdempotentReplay{Prior: *r}
		}
	}
	f.creates++
	if f.createErr != nil {
		return "", f.createErr
	}
	f.nextID++
	return fmt.Sprintf("%s-%d", objectType, f.nextID), nil
}

// record ends a successful create as the store does in the create's transaction: under an
// Idempotency-Key, it records the response the claim renders.
func (f *fakeService) record(ctx context.Context, objectType, id string, obj any) error {
	claim := steward.IdempotencyFromContext(ctx)
	if claim == nil {
		return nil
	}
	body, err := claim.Render(obj)
	if err != nil {
		return err
	}
	f.idem[fakeIdemKey{claim.Scope, claim.Key}] = &steward.IdempotentResult{RequestHash: claim.RequestHash,
		Status: claim.Status, Body: body, ObjectType: objectType, ObjectID: id, CreatedAt: steward.Now()}
	return nil
}

func fakeMeta() steward.Meta {
	now := steward.Now()
	return steward.Meta{CreatedAt: now, UpdatedAt: now, Version: 1}
}

func (f *fakeService) CreateCustomer(ctx context.Context, a *steward.Actor, fl steward.CustomerFields) (*steward.Customer, error) {
	if f.gate != nil {
		f.entered <- struct{}{}
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := fl.Normalize(); err != nil {
		f.creates++
		return nil, err
	}
	if fl.Name == "panic" {
		panic("the fake was asked to panic")
	}
	id, err := f.created(ctx, steward.ObjectCustomer)
	if err != nil {
		return nil, err
	}
	c := &steward.Customer{ID: id, AccountID: a.AccountID, CustomerFields: fl, Meta: fakeMeta()}
	if err := f.record(ctx, steward.ObjectCustomer, id, c); err != nil {
		return nil, err
	}
	f.customers[id] = c
	return c, nil
}

func (f *fakeService) Customer(ctx context.Context, a *steward.Actor, id string) (*steward.Customer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == "panic" {
		panic("the fake was asked to panic")
	}
	c, ok := f.customers[id]
	if !ok {
		return nil, steward.NotFound("customer")
	}
	return c, nil
}

func (f *fakeService) Customers(ctx context.Context, a *steward.Actor, fl steward.CustomerFilter) (*steward.Page[steward.Customer], error) {
	f.lastQuery, f.lastActor = fl, a
	return &steward.Page[steward.Customer]{}, nil
}

func (f *fakeService) UpdateCustomer(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.CustomerFields) error) (*steward.Customer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastMatch = ifMatch
	c, ok := f.customers[id]
	if !ok {
		return nil, steward.NotFound("customer")
	}
	if ifMatch != 0 && ifMatch != c.Version {
		return nil, steward.Errorf(steward.EPRECONDITION, "the customer changed since version %d", ifMatch)
	}
	fl := c.CustomerFields
	if err := change(&fl); err != nil {
		return nil, err
	}
	if err := fl.Normalize(); err != nil {
		return nil, err
	}
	c.CustomerFields = fl
	c.Version++
	return c, nil
}

func (f *fakeService) DeleteCustomer(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastMatch = ifMatch
	if _, ok := f.customers[id]; !ok {
		return steward.NotFound("customer")
	}
	delete(f.customers, id)
	return nil
}

func (f *fakeService) CreateContact(ctx context.Context, a *steward.Actor, customerID string, fl steward.ContactFields) (*steward.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, err := f.created(ctx, steward.ObjectContact)
	if err != nil {
		return nil, err
	}
	c := &steward.Contact{ID: id, AccountID: a.AccountID, CustomerID: customerID, ContactFields: fl, Meta: fakeMeta()}
	if err := f.record(ctx, steward.ObjectContact, id, c); err != nil {
		return nil, err
	}
	f.contacts[id] = c
	return c, nil
}

func (f *fakeService) Contact(ctx context.Context, a *steward.Actor, id string) (*steward.Contact, error) {
	if c, ok := f.contacts[id]; ok {
		return c, nil
	}
	return nil, steward.NotFound("contact")
}

func (f *fakeService) Contacts(ctx context.Context, a *steward.Actor, fl steward.ContactFilter) (*steward.Page[steward.Contact], error) {
	f.lastQuery = fl
	return &steward.Page[steward.Contact]{}, nil
}

func (f *fakeService) CreateLocation(ctx context.Context, a *steward.Actor, fl steward.LocationFields) (*steward.Location, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, err := f.created(ctx, steward.ObjectLocation)
	if err != nil {
		return nil, err
	}
	l := &steward.Location{ID: id, AccountID: a.AccountID, LocationFields: fl, Meta: fakeMeta()}
	if err := f.record(ctx, steward.ObjectLocation, id, l); err != nil {
		return nil, err
	}
	f.locations[id] = l
	return l, nil
}

func (f *fakeService) Location(ctx context.Context, a *steward.Actor, id string) (*steward.Location, error) {
	if l, ok := f.locations[id]; ok {
		return l, nil
	}
	return nil, steward.NotFound("location")
}

func (f *fakeService) Locations(ctx context.Context, a *steward.Actor, fl steward.LocationFilter) (*steward.Page[steward.Location], error) {
	f.lastQuery = fl
	return &steward.Page[steward.Location]{}, nil
}

func (f *fakeService) CreateAsset(ctx context.Context, a *steward.Actor, fl steward.AssetFields) (*steward.Asset, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, err := f.created(ctx, steward.ObjectAsset)
	if err != nil {
		return nil, err
	}
	as := &steward.Asset{ID: id, OwnerAccountID: a.AccountID, AssetFields: fl, Meta: fakeMeta()}
	if err := f.record(ctx, steward.ObjectAsset, id, as); err != nil {
		return nil, err
	}
	f.assets[id] = as
	return as, nil
}

func (f *fakeService) CreateGroup(ctx context.Context, a *steward.Actor, fl steward.GroupFields) (*steward.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, err := f.created(ctx, steward.ObjectGroup)
	if err != nil {
		return nil, err
	}
	g := &steward.Group{ID: id, AccountID: a.AccountID, GroupFields: fl, Meta: fakeMeta()}
	return g, f.record(ctx, steward.ObjectGroup, id, g)
}

func (f *fakeService) CreateWebhook(ctx context.Context, a *steward.Actor, fl steward.WebhookFields) (*steward.Webhook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, err := f.created(ctx, steward.ObjectWebhook)
	if err != nil {
		return nil, err
	}
	h := &steward.Webhook{ID: id, AccountID: a.AccountID, WebhookFields: fl, Version: 1, Secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}
	return h, f.record(ctx, steward.ObjectWebhook, id, h)
}

func (f *fakeService) CreateSubscription(ctx context.Context, a *steward.Actor, customerID string, fl steward.SubscriptionFields) (*steward.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, err := f.created(ctx, steward.ObjectSubscription)
	if err != nil {
		return nil, err
	}
	sub := &steward.Subscription{ID: id, CustomerID: customerID, SubscriptionFields: fl, Version: 1}
	return sub, f.record(ctx, steward.ObjectSubscription, id, sub)
}

func (f *fakeService) Asset(ctx context.Context, a *steward.Actor, id string) (*steward.Asset, error) {
	if as, ok := f.assets[id]; ok {
		return as, nil
	}
	return nil, steward.NotFound("asset")
}

func (f *fakeService) Assets(ctx context.Context, a *steward.Actor, fl steward.AssetFilter) (*steward.Page[steward.Asset], error) {
	f.lastQuery = fl
	return &steward.Page[steward.Asset]{}, nil
}

func (f *fakeService) AssetMovements(ctx context.Context, a *steward.Actor, id string, p steward.ListParams) (*steward.Page[steward.Movement], error) {
	f.lastQuery = p
	return &steward.Page[steward.Movement]{}, nil
}

func (f *fakeService) AuditEvents(ctx context.Context, a *steward.Actor, fl steward.AuditFilter) (*steward.Page[steward.AuditEvent], error) {
	f.lastQuery = fl
	return &steward.Page[steward.AuditEvent]{Data: f.audit}, nil
}

func (f *fakeService) EachAuditEvent(ctx context.Context, a *steward.Actor, fl steward.AuditFilter, fn func(*steward.AuditEvent) error) error {
	f.lastQuery = fl
	for i := range f.audit {
		if f.auditErr != nil && i == f.errAfter {
			return f.auditErr
		}
		if err := fn(&f.audit[i]); err != nil {
			return err
		}
	}
	if f.auditErr != nil && f.errAfter >= len(f.audit) {
		return f.auditErr
	}
	return nil
}

// InviteUser creates a user as the store would, with a token, under the same idempotency.
func (f *fakeService) InviteUser(ctx context.Context, a *steward.Actor, fl steward.UserFields) (*steward.User, *steward.UserToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := fl.Normalize(); err != nil {
		return nil, nil, err
	}
	id, err := f.created(ctx, steward.ObjectUser)
	if err != nil {
		return nil, nil, err
	}
	u := &steward.User{ID: id, AccountID: a.AccountID, Name: fl.Name, Email: fl.Email, Role: fl.Role,
		FleetVisibility: fl.FleetVisibility, Active: true, InvitePending: true, CreatedAt: steward.Now(), UpdatedAt: steward.Now(), Version: 1}
	if err := f.record(ctx, steward.ObjectUser, id, u); err != nil {
		return nil, nil, err
	}
	return u, &steward.UserToken{Token: "token-" + id, Purpose: steward.TokenInvite, UserID: id, ExpiresAt: steward.Now()}, nil
}

func (f *fakeService) CreateAPIKey(ctx context.Context, a *steward.Actor, userID string, fl steward.APIKeyFields) (*steward.APIKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, err := f.created(ctx, steward.ObjectAPIKey)
	if err != nil {
		return nil, err
	}
	k := &steward.APIKey{ID: id, AccountID: a.AccountID, UserID: userID, Name: fl.Name, Prefix: "stw_" + id,
		Role: a.Role, CreatedAt: steward.Now()}
	withSecret := *k
	withSecret.Key = "stw_" + id + "_secret"
	if err := f.record(ctx, steward.ObjectAPIKey, id, &withSecret); err != nil {
		return nil, err
	}
	f.apiKeys[id] = k
	return &withSecret, nil
}

func (f *fakeService) APIKeys(ctx context.Context, a *steward.Actor) ([]steward.APIKey, error) {
	var keys []steward.APIKey
	for _, k := range f.apiKeys {
		keys = append(keys, *k)
	}
	return keys, nil
}

// testLog collects the server's log output.
type testLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// fakeServer is a Server over a fakeService, with its logs captured.
type fakeServer struct {
	t   *testing.T
	srv *Server
	svc *fakeService
	log *testLog
}

func newFakeServer(t *testing.T, opts Options) *fakeServer {
	t.Helper()
	svc := newFakeService()
	l := &testLog{}
	logger := slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &fakeServer{t: t, srv: New(svc, logger, opts), svc: svc, log: l}
}

// do sends a request as the admin key, unless headers set Authorization ("" removes it);
// headers are name, value pairs.
func (fs *fakeServer) do(method, path, body string, headers ...string) *httptest.ResponseRecorder {
	fs.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Authorization", "Bearer "+fakeAdminKey)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Authorization" && headers[i+1] == "" {
			req.Header.Del("Authorization")
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	fs.srv.ServeHTTP(rec, req)
	return rec
}

// readProblem checks that rec is a problem response with the given status, as a client would
// read it, and returns it.
func readProblem(t *testing.T, rec *httptest.ResponseRecorder, status int) problem {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("problem body is not JSON: %v: %s", err, rec.Body)
	}
	for _, k := range []string{"type", "title", "status", "detail", "request_id", "errors"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("problem lacks %q: %s", k, rec.Body)
		}
	}
	if e := string(raw["errors"]); !strings.HasPrefix(e, "[") {
		t.Errorf("errors is %s, want an array", e)
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != status {
		t.Errorf("problem status %d, want %d", p.Status, status)
	}
	if id := rec.Header().Get("X-Request-Id"); id == "" || p.RequestID != id {
		t.Errorf("problem request_id %q, header X-Request-Id %q: want the same, non-empty", p.RequestID, id)
	}
	return p
}

// hasFieldError reports whether p names field.
func hasFieldError(p problem, field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

func (f *fakeService) Account(ctx context.Context, a *steward.Actor) (*steward.Account, error) {
	return &steward.Account{ID: a.AccountID, RootID: a.AccountID,
		AccountFields: steward.AccountFields{Name: "Org", Email: "ops@example.com", Country: "DE"},
		Meta:          steward.Meta{Version: 3}}, nil
}

func (f *fakeService) UpdateAccount(ctx context.Context, a *steward.Actor, ifMatch int64, change func(*steward.AccountFields) error) (*steward.Account, error) {
	f.lastMatch = ifMatch
	acc, _ := f.Account(ctx, a)
	if err := change(&acc.AccountFields); err != nil {
		return nil, err
	}
	acc.Version++
	return acc, nil
}

func (f *fakeService) Me(ctx context.Context, a *steward.Actor) (*steward.Me, error) {
	acc, _ := f.Account(ctx, a)
	return &steward.Me{User: steward.User{ID: a.UserID, AccountID: a.AccountID, Role: a.Role},
		Account: *acc, Role: a.Role, APIKey: &steward.APIKey{ID: a.ID, Prefix: "stw_x"}}, nil
}

func (f *fakeService) CreateSubAccount(ctx context.Context, a *steward.Actor, fl steward.SubAccountFields) (*steward.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, err := f.created(ctx, steward.ObjectAccount)
	if err != nil {
		return nil, err
	}
	parent := a.AccountID
	acc := &steward.Account{ID: id, ParentID: &parent, RootID: a.AccountID, AccountFields: steward.AccountFields(fl), Meta: fakeMeta()}
	if err := f.record(ctx, steward.ObjectAccount, id, acc); err != nil {
		return nil, err
	}
	return acc, nil
}
