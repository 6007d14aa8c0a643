package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

var ctx = context.Background()

// The tests share one migrated database per engine (storetest.Shared): every test works in
// organizations of its own (newOrg). Tests that need an empty database (migrations) get a fresh
// one from storetest.Open. raws holds a plain connection to each shared database.
var (
	rawMu sync.Mutex
	raws  = map[string]*rawDB{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	rawMu.Lock()
	for _, r := range raws {
		r.db.Close()
	}
	rawMu.Unlock()
	storetest.CloseShared()
	os.Exit(code)
}

// sharedStore returns the engine's shared, migrated store and a raw connection to it; the
// PostgreSQL one is skipped unless STEWARD_TEST_POSTGRES is set.
func sharedStore(t *testing.T, engine string) (*store.Store, *rawDB) {
	t.Helper()
	s, dsn := storetest.Shared(t, engine)
	rawMu.Lock()
	defer rawMu.Unlock()
	r := raws[engine]
	if r == nil {
		var err error
		if r, err = openRawDB(engine, dsn); err != nil {
			t.Fatalf("raw %s connection: %v", engine, err)
		}
		raws[engine] = r
	}
	return s, r
}

// eachEngine runs fn as a parallel subtest per engine on that engine's shared, migrated database.
func eachEngine(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	eachEngineRaw(t, func(t *testing.T, s *store.Store, _ *rawDB) { fn(t, s) })
}

// eachEngineRaw is eachEngine that also hands fn a raw connection to the same database.
func eachEngineRaw(t *testing.T, fn func(t *testing.T, s *store.Store, raw *rawDB)) {
	t.Helper()
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			s, raw := sharedStore(t, engine)
			defer catchMust(t)
			fn(t, s, raw)
		})
	}
}

// rawDB is a second, plain connection to a test database, for arranging states the API cannot
// reach (a non-admin user, an old idempotency claim, corrupted counts) and for checking the
// schema. It never replaces asserting through the store.
type rawDB struct {
	db     *sql.DB
	engine string
}

func (r *rawDB) rebind(q string) string {
	if r.engine != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r *rawDB) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := r.db.ExecContext(ctx, r.rebind(q), args...); err != nil {
		t.Fatalf("raw %q: %v", q, err)
	}
}

func (r *rawDB) int(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := r.db.QueryRowContext(ctx, r.rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("raw %q: %v", q, err)
	}
	return n
}

// openRaw opens a plain database/sql connection to dsn, closed at the end of the test.
func openRaw(t *testing.T, engine, dsn string) *rawDB {
	t.Helper()
	r, err := openRawDB(engine, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.db.Close() })
	return r
}

func openRawDB(engine, dsn string) (*rawDB, error) {
	var db *sql.DB
	var err error
	if engine == "postgres" {
		db, err = sql.Open("pgx", dsn)
	} else {
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	}
	if err != nil {
		return nil, err
	}
	return &rawDB{db: db, engine: engine}, nil
}

// org is one organization of the installation, with an admin API key actor.
type org struct {
	acc   *steward.Account
	user  *steward.User
	admin *steward.Actor
	email string
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newOrg creates a fresh organization and returns it with an actor acting as its first Admin
// through an API key, as a script would.
func newOrg(t *testing.T, s *store.Store) *org {
	t.Helper()
	email := "admin-" + randHex(4) + "@example.com"
	acc, u, err := s.CreateOrganization(ctx, steward.Organization{Name: "Org " + email, Email: email, Country: "DE",
		AdminName: "Ada Admin", Password: "correct horse"})
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	k, err := s.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "admin key"})
	if err != nil {
		t.Fatalf("CreateAPIKeyForEmail: %v", err)
	}
	a, err := s.Authenticate(ctx, k.Key)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return &org{acc: acc, user: u, admin: a, email: email}
}

// keyActor creates an API key for the org's admin user with the given role and integration flag
// and returns the actor it authenticates as.
func (o *org) keyActor(t *testing.T, s *store.Store, role steward.Role, integration bool) *steward.Actor {
	t.Helper()
	k, err := s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "key " + string(role), Role: role, Integration: integration})
	if err != nil {
		t.Fatalf("CreateAPIKey(%s): %v", role, err)
	}
	a, err := s.Authenticate(ctx, k.Key)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if a.Role != role {
		t.Fatalf("key with role %s authenticates with role %s", role, a.Role)
	}
	return a
}

// userActor is the org's admin acting through the web UI (not an API key).
func (o *org) userActor() *steward.Actor {
	return &steward.Actor{Type: steward.ActorUser, ID: o.user.ID, Name: o.user.Name, UserID: o.user.ID,
		AccountID: o.acc.ID, HomeAccount: o.acc.ID, Role: steward.RoleAdmin, Source: steward.SourceWeb, RequestID: "req-" + randHex(4)}
}

// --- error assertions ---

func asError(err error) *steward.Error {
	var e *steward.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code string) *steward.Error {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	return asError(err)
}

// wantField fails unless err has code and names field among its Fields.
func wantField(t *testing.T, err error, code, field string) *steward.Error {
	t.Helper()
	e := wantCode(t, err, code)
	for _, f := range e.Fields {
		if f.Field == field {
			return e
		}
	}
	t.Fatalf("error %v does not name field %q", err, field)
	return nil
}

// mustFailure is what must panics with; the engine wrappers turn it into t.Fatalf.
type mustFailure struct {
	err   error
	where string
}

// must returns v, or stops the test when err is not nil. It may be used only in a test's own
// goroutine under eachEngine / eachEngineRaw / catchMust (they recover the stop).
func must[T any](v T, err error) T {
	if err != nil {
		_, file, line, _ := runtime.Caller(1)
		panic(mustFailure{err: err, where: fmt.Sprintf("%s:%d", filepath.Base(file), line)})
	}
	return v
}

// catchMust turns a must failure into a test failure; defer it.
func catchMust(t *testing.T) {
	if r := recover(); r != nil {
		if m, ok := r.(mustFailure); ok {
			t.Fatalf("%s: unexpected error: %v", m.where, m.err)
		}
		panic(r)
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// --- object helpers ---

func mkCustomer(t *testing.T, s *store.Store, a *steward.Actor, name string) *steward.Customer {
	t.Helper()
	return must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: name}))
}

func mkContact(t *testing.T, s *store.Store, a *steward.Actor, customerID, name string) *steward.Contact {
	t.Helper()
	return must(s.CreateContact(ctx, a, customerID, steward.ContactFields{Name: name}))
}

// mkLocation creates a location of customerID, or one of the account's own when customerID is "".
func mkLocation(t *testing.T, s *store.Store, a *steward.Actor, customerID, name string) *steward.Location {
	t.Helper()
	f := steward.LocationFields{Name: name}
	if customerID != "" {
		f.CustomerID = &customerID
	}
	return must(s.CreateLocation(ctx, a, f))
}

// mkAsset creates an asset owned by owner ("" for none) at location loc ("" for none).
func mkAsset(t *testing.T, s *store.Store, a *steward.Actor, name, owner, loc string) *steward.Asset {
	t.Helper()
	f := steward.AssetFields{Name: name}
	if owner != "" {
		f.OwnerCustomerID = &owner
	}
	if loc != "" {
		f.LocationID = &loc
	}
	return must(s.CreateAsset(ctx, a, f))
}

// --- list helpers: fetch every page ---

// pageAll follows cursors until the end, failing on a page over limit or a repeated id.
func pageAll[T any](t *testing.T, limit int, id func(T) string, get func(cursor string) (*steward.Page[T], error)) []T {
	t.Helper()
	var out []T
	seen := map[string]bool{}
	cursor := ""
	for i := 0; ; i++ {
		if i > 10000 {
			t.Fatal("paging does not end")
		}
		p, err := get(cursor)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if limit > 0 && len(p.Data) > limit {
			t.Fatalf("page %d has %d rows, limit %d", i, len(p.Data), limit)
		}
		for _, v := range p.Data {
			if seen[id(v)] {
				t.Fatalf("page %d repeats %s", i, id(v))
			}
			seen[id(v)] = true
			out = append(out, v)
		}
		if p.NextCursor == nil {
			return out
		}
		if len(p.Data) == 0 {
			t.Fatalf("page %d is empty but has a next cursor", i)
		}
		cursor = *p.NextCursor
	}
}

func allCustomers(t *testing.T, s *store.Store, a *steward.Actor, f steward.CustomerFilter) []steward.Customer {
	t.Helper()
	return pageAll(t, f.Limit, func(c steward.Customer) string { return c.ID }, func(cur string) (*steward.Page[steward.Customer], error) {
		f.Cursor = cur
		return s.Customers(ctx, a, f)
	})
}

func allContacts(t *testing.T, s *store.Store, a *steward.Actor, f steward.ContactFilter) []steward.Contact {
	t.Helper()
	return pageAll(t, f.Limit, func(c steward.Contact) string { return c.ID }, func(cur string) (*steward.Page[steward.Contact], error) {
		f.Cursor = cur
		return s.Contacts(ctx, a, f)
	})
}

func allLocations(t *testing.T, s *store.Store, a *steward.Actor, f steward.LocationFilter) []steward.Location {
	t.Helper()
	return pageAll(t, f.Limit, func(l steward.Location) string { return l.ID }, func(cur string) (*steward.Page[steward.Location], error) {
		f.Cursor = cur
		return s.Locations(ctx, a, f)
	})
}

func allAssets(t *testing.T, s *store.Store, a *steward.Actor, f steward.AssetFilter) []steward.Asset {
	t.Helper()
	return pageAll(t, f.Limit, func(x steward.Asset) string { return x.ID }, func(cur string) (*steward.Page[steward.Asset], error) {
		f.Cursor = cur
		return s.Assets(ctx, a, f)
	})
}

func allAudit(t *testing.T, s *store.Store, a *steward.Actor, f steward.AuditFilter) []steward.AuditEvent {
	t.Helper()
	return pageAll(t, f.Limit, func(e steward.AuditEvent) string { return e.ID }, func(cur string) (*steward.Page[steward.AuditEvent], error) {
		f.Cursor = cur
		return s.AuditEvents(ctx, a, f)
	})
}

// names returns the Name of each element, for readable comparisons.
func customerNames(cs []steward.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func contactNames(cs []steward.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func locationNames(ls []steward.Location) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name
	}
	return out
}

func assetNames(xs []steward.Asset) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.Name
	}
	return out
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func sameSet(a, b []string) bool {
	return fmt.Sprint(sortedCopy(a)) == fmt.Sprint(sortedCopy(b))
}

func equalStrings(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// testFold is the test's own idea of "folded text": lower case, accents removed. Used only to
// compute expected orders of plain Latin text.
func testFold(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		return strings.ToLower(s)
	}
	return strings.ToLower(out)
}

// auditFor returns every audit event of one object, newest first.
func auditFor(t *testing.T, s *store.Store, a *steward.Actor, objectID string) []steward.AuditEvent {
	t.Helper()
	return allAudit(t, s, a, steward.AuditFilter{ObjectID: objectID})
}

// changeOf returns the change of field in e, or nil.
func changeOf(e steward.AuditEvent, field string) *steward.Change {
	for i := range e.Changes {
		if e.Changes[i].Field == field {
			return &e.Changes[i]
		}
	}
	return nil
}

func changeFields(e steward.AuditEvent) []string {
	out := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		out[i] = c.Field
	}
	return out
}

func label(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// assertNoMismatch fails when the stored counts of the org's account differ from a recount.
func assertNoMismatch(t *testing.T, s *store.Store, accountID string) {
	t.Helper()
	c, l, err := s.CountMismatches(ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	if c != 0 || l != 0 {
		t.Fatalf("CountMismatches = %d customers, %d locations; want 0, 0", c, l)
	}
}
