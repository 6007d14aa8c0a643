// Package store implements steward.Service on SQL: SQLite (embedded, the default) and PostgreSQL,
// behind one implementation. Each query is written once, in the SQL both engines share, with `?`
// placeholders rebound for PostgreSQL; the few engine differences live in dialect.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/steward-fleet/steward/internal/steward"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// DefaultSQLitePath is the database file used when no DSN is given.
const DefaultSQLitePath = "steward.db"

// Options tune how the store opens its database.
type Options struct {
	// SQLiteSynchronous is SQLite's synchronous setting: "FULL" (default, durable: no
	// acknowledged write is lost on power loss) or "NORMAL" (faster; may lose the last commits).
	SQLiteSynchronous string
	// SQLiteCacheMiB is the page cache of each SQLite connection (default 16).
	SQLiteCacheMiB int
	// ReadConns bounds the read pool (default 4 on SQLite, 16 on PostgreSQL).
	ReadConns int
	// WebhookAllowPrivate lets webhook endpoints point to loopback, private and link-local
	// addresses (serve --webhook-allow-private).
	WebhookAllowPrivate bool
}

// Store is the SQL implementation of steward.Service.
type Store struct {
	d   dialect
	rdb *sql.DB // reads
	wdb *sql.DB // writes; on SQLite one connection with immediate transactions
	// rstmts and wstmts are the prepared statements of rdb and wdb (SQLite only; nil on
	// PostgreSQL, whose driver caches statements per connection).
	rstmts, wstmts *stmtCache
	desc           string
	// limits bound searches; the zero value is the defaults.
	limits searchLimits
	// sessionClean is when a session commit last deleted the expired sessions of this database
	// (Unix microseconds); see sessionStore.CommitCtx.
	sessionClean *atomic.Int64
	// webhookAllowPrivate is Options.WebhookAllowPrivate.
	webhookAllowPrivate bool
	// wake signals that a transaction queued webhook deliveries (WebhookWake).
	wake chan struct{}
	// mailWake signals that a transaction queued mail (MailWake); serverKeys caches server_keys.
	mailWake   chan struct{}
	serverKeys *serverKeys
}

var _ steward.Service = (*Store)(nil)

// Open opens the database named by dsn: "postgres://…" or "postgresql://…" selects PostgreSQL;
// anything else is a SQLite file path (optionally "sqlite:" or "file:" prefixed). It does not
// migrate; call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if dsn == "" {
		dsn = DefaultSQLitePath
	}
	var s *Store
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err = openPostgres(dsn, opt)
	} else {
		s, err = openSQLite(dsn, opt)
	}
	if err != nil {
		return nil, err
	}
	s.webhookAllowPrivate, s.wake = opt.WebhookAllowPrivate, make(chan struct{}, 1)
	s.mailWake, s.serverKeys = make(chan struct{}, 1), &serverKeys{}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", s.desc, err)
	}
	return s, nil
}

func openPostgres(dsn string, opt Options) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 16
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	u, _ := url.Parse(dsn)
	desc := "postgres"
	if u != nil {
		desc = "postgres://" + u.Host + u.Path
	}
	return &Store{d: postgres, rdb: db, wdb: db, desc: desc, sessionClean: new(atomic.Int64)}, nil
}

// sqlitePath is the file a SQLite DSN names: a path, optionally "sqlite:" prefixed, names the
// file as written ('?', '#' and '%' included); a "file:" URI has its query and fragment dropped and
// its path percent-decoded.
func sqlitePath(dsn string) (string, error) {
	uri, ok := strings.CutPrefix(dsn, "file:")
	if !ok {
		return strings.TrimPrefix(dsn, "sqlite:"), nil
	}
	if i := strings.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	path, err := url.PathUnescape(uri)
	if err != nil {
		return "", fmt.Errorf("sqlite: %q is not a valid file: URI: %w", dsn, err)
	}
	return path, nil
}

// sqliteURI is the file: URI that opens path with the query q: the path is escaped, so that a
// '?', '#' or '%' in a directory or file name stays part of the name.
func sqliteURI(path string, q url.Values) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func openSQLite(dsn string, opt Options) (*Store, error) {
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	sync := strings.ToUpper(opt.SQLiteSynchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" {
		return nil, fmt.Errorf("sqlite synchronous must be FULL or NORMAL, not %q", opt.SQLiteSynchronous)
	}
	cache := opt.SQLiteCacheMiB
	if cache <= 0 {
		cache = 16
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)",
		"synchronous(" + sync + ")", fmt.Sprintf("cache_size(-%d)", cache*1024), "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	base := sqliteURI(path, q)
	wdb, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One writer: SQLite has one write lock, and a pool of writers only queues on it.
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	rdb, err := sql.Open("sqlite", base)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 4
	}
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxLifetime(0)
	return &Store{d: sqlite, rdb: rdb, wdb: wdb, desc: "sqlite " + path, sessionClean: new(atomic.Int64),
		rstmts: newStmtCache(rdb, maxCachedStmts), wstmts: newStmtCache(wdb, maxCachedStmts)}, nil
}

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { return s.d.name() }

// String describes the database without credentials.
func (s *Store) String() string { return s.desc }

// Close closes the cached statements and both pools.
func (s *Store) Close() error {
	err := errors.Join(s.rstmts.close(), s.wstmts.close(), s.wdb.Close())
	if s.rdb != s.wdb {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.rdb.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// q runs rebound queries on a pool or a transaction.
type q struct {
	d  dialect
	ex interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	// stmts, when set, prepares ex's queries once (see stmtCache); tx is set when ex is a
	// transaction of stmts' pool, and the cached statements then run inside it.
	stmts *stmtCache
	tx    *sql.Tx
	// txStmts are the statements bound to tx so far, by text: sql.Tx.StmtContext makes a new
	// one on each call and keeps it until the transaction ends, so a transaction running the same
	// statement a million times (an import) would hold a million of them.
	txStmts map[string]*sql.Stmt
}

func (q q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = q.d.rebind(query)
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.ex.ExecContext(ctx, query, args...)
}

func (q q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = q.d.rebind(query)
	// Not inside a transaction: its one connection would share one prepared statement between
	// rows still open and the same query run again meanwhile (a pool hands each open rows its
	// own connection).
	if q.tx == nil {
		if st := q.stmts.get(ctx, query); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return q.ex.QueryContext(ctx, query, args...)
}

// strings runs a query of one text column and returns its values.
func (q q) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// row runs a query of one row; its Scan must come before the next query on q.
func (q q) row(ctx context.Context, query string, args ...any) *sql.Row {
	query = q.d.rebind(query)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.ex.QueryRowContext(ctx, query, args...)
}

// stmt is query's cached statement, bound to q's transaction if any, or nil.
func (q q) stmt(ctx context.Context, query string) *sql.Stmt {
	if q.tx != nil {
		if st := q.txStmts[query]; st != nil {
			return st
		}
		st := q.stmts.inTx(ctx, q.tx, query)
		if st != nil && q.txStmts != nil {
			q.txStmts[query] = st
		}
		return st
	}
	return q.stmts.get(ctx, query)
}

// reader returns the read pool.
func (s *Store) reader() q { return q{d: s.d, ex: s.rdb, stmts: s.rstmts} }

// writer returns the write pool, for a single statement outside a transaction (a session, a key's
// last use): with its cached statements, as the transactions on it have.
func (s *Store) writer() q { return q{d: s.d, ex: s.wdb, stmts: s.wstmts} }

// tx is a write transaction plus what it collects to do before commit.
type tx struct {
	q
	s   *Store
	now steward.Timestamp
	// touched customers whose counts must be recomputed before commit (rare paths only).
	recount map[string]map[string]bool
	// claim is the Idempotency-Key claimed and not yet recorded (see claimIdempotency).
	claim *steward.Idempotency
	// hooks are the accounts' webhook endpoints the outbox read (outbox.go); queued says the
	// transaction queued deliveries, so its commit wakes the dispatcher.
	hooks  map[string][]subscriber
	queued bool
	// notified caches whether an account has notification subscriptions (notify.go); mailed says
	// the transaction queued mail, so its commit wakes the notifier.
	notified map[string]bool
	mailed   bool
}

// write runs fn in one write transaction and commits it, or rolls back on any error. A
// transaction PostgreSQL aborts as a deadlock victim or serialization failure is run again from
// the start (fn must only touch the database and its own results); writes take their row locks
// in one order (locations, assets, customers, each sorted by id), so this stays rare.
func (s *Store) write(ctx context.Context, fn func(*tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.writeOnce(ctx, fn)
		s.wstmts.preparePending(context.WithoutCancel(ctx))
		if err == nil || attempt == 5 || !s.d.retryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
	}
}

func (s *Store) writeOnce(ctx context.Context, fn func(*tx) error) error {
	t, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", s.d.normalize(err))
	}
	// A panic in fn (which may run the web layer's rendering, see recordIdempotency) must not
	// leave the transaction, and on SQLite the only write connection, open.
	defer func() {
		if p := recover(); p != nil {
			_ = t.Rollback()
			panic(p)
		}
	}()
	w := &tx{q: q{d: s.d, ex: t, stmts: s.wstmts, tx: t, txStmts: map[string]*sql.Stmt{}}, s: s, now: steward.Now()}
	if err := fn(w); err != nil {
		_ = t.Rollback()
		return s.d.normalize(err)
	}
	if err := w.flushRecounts(ctx); err != nil {
		_ = t.Rollback()
		return s.d.normalize(err)
	}
	if w.claim != nil {
		// A create claimed its key but recorded no response: committing would leave the key
		// answering nothing.
		_ = t.Rollback()
		return fmt.Errorf("idempotency key %q claimed but no response recorded", w.claim.Key)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", s.d.normalize(err))
	}
	if w.queued {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	if w.mailed {
		select {
		case s.mailWake <- struct{}{}:
		default:
		}
	}
	return nil
}

// readAs is a public read method that uses the transaction-level helpers of the writes (sharing's
// sharer, say): the actor needs perm, then fn runs on the read pool, outside any transaction.
// fn must only read, and lock nothing.
func readAs[T any](ctx context.Context, s *Store, a *steward.Actor, perm steward.Permission, fn func(*tx) (T, error)) (T, error) {
	if err := a.Require(perm); err != nil {
		var zero T
		return zero, err
	}
	return fn(&tx{q: s.reader(), s: s, now: steward.Now()})
}

// writeAs is a public write method: the actor needs perm, then fn runs in one write
// transaction (again from the start if PostgreSQL retries it) and its result is returned once
// the transaction committed.
func writeAs[T any](ctx context.Context, s *Store, a *steward.Actor, perm steward.Permission, fn func(*tx) (T, error)) (T, error) {
	var out, zero T
	if err := a.Require(perm); err != nil {
		return zero, err
	}
	err := s.write(ctx, func(t *tx) (err error) {
		out, err = fn(t)
		return err
	})
	if err != nil {
		return zero, err
	}
	return out, nil
}
