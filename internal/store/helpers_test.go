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
	"strconv"
	"strings"
	"sync"
	"testing"

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
