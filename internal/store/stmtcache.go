package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedStmts bounds a pool's statement cache. The store's queries are a finite set of texts
// (values are bound, never written into the SQL): a few hundred at most. Beyond the bound a text is
// run unprepared, so that texts which vary (an IN list's length, a future caller's mistake) cannot
// grow memory.
const maxCachedStmts = 512

// stmtCache holds the prepared statements of one pool, keyed by their SQL text (rebound). SQLite
// parses and plans a statement each time it is prepared, and database/sql over modernc.org/sqlite
// prepares every query it is given afresh; a *sql.Stmt keeps one prepared statement per
// connection of the pool and runs it again with new parameters. PostgreSQL needs none: pgx keeps
// a statement cache per connection.
type stmtCache struct {
	db     *sql.DB
	max    int
	mu     sync.RWMutex
	m      map[string]*sql.Stmt
	closed bool
	// pending are texts run in a transaction before they were cached, to prepare once the
	// transaction ended: SQLite's write pool is one connection, which the transaction holds.
	pending map[string]bool
}

func newStmtCache(db *sql.DB, max int) *stmtCache {
	return &stmtCache{db: db, max: max, m: make(map[string]*sql.Stmt), pending: make(map[string]bool)}
}

// lookup returns the cached statement of query, or nil; full says the cache takes no more.
func (c *stmtCache) lookup(query string) (st *sql.Stmt, full bool) {
	if c == nil {
		return nil, true
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query], len(c.m) >= c.max || c.closed
}

// inTx returns query's cached statement bound to t, or nil: a text not cached yet is noted, to be
// prepared by preparePending after t ended.
func (c *stmtCache) inTx(ctx context.Context, t *sql.Tx, query string) *sql.Stmt {
	st, full := c.lookup(query)
	if st != nil {
		return t.StmtContext(ctx, st)
	}
	if !full {
		c.mu.Lock()
		if len(c.pending) < c.max {
			c.pending[query] = true
		}
		c.mu.Unlock()
	}
	return nil
}

// preparePending prepares the texts noted by inTx. Call it with no transaction of the pool open.
func (c *stmtCache) preparePending(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	texts := make([]string, 0, len(c.pending))
	for q := range c.pending {
		texts = append(texts, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range texts {
		c.get(ctx, q)
	}
}

// get returns the prepared statement of query, preparing it on first use, or nil when query is
// to be run unprepared: no cache, the cache full or closed, or the preparation failed (running
// the query then reports the error as it would have without the cache).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	st, full := c.lookup(query)
	if st != nil || full {
		return st
	}
	// Prepared without the lock held: preparing waits for a connection of the pool, which a
	// caller holding the lock's readers out must not block.
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[query]; old != nil {
		st.Close() // prepared twice at once: keep the first
		return old
	}
	if len(c.m) >= c.max || c.closed {
		st.Close()
		return nil
	}
	c.m[query] = st
	return st
}

// len is the number of cached statements.
func (c *stmtCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// close closes every cached statement; later queries run unprepared (and fail on a closed pool).
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for k, st := range c.m {
		err = errors.Join(err, st.Close())
		delete(c.m, k)
	}
	c.closed = true
	return err
}
