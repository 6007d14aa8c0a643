package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// writeSQLite stores chunks through one prepared single-row INSERT per table and transaction:
// in-process SQLite gains nothing from multi-row statements and pays for their statement
// journal.
func (b *BulkLoader) writeSQLite(ctx context.Context, db *sql.DB, st *bulkStats) (err error) {
	var t *sql.Tx
	var stmts [bulkTables]*sql.Stmt
	defer func() {
		if t != nil {
			t.Rollback()
		}
	}()
	for c := range b.work {
		start := time.Now()
		if t == nil {
			if t, err = db.BeginTx(ctx, nil); err != nil {
				return err
			}
			stmts = [bulkTables]*sql.Stmt{}
		}
		for tb, rows := range c.rows {
			if len(rows) == 0 {
				continue
			}
			if stmts[tb] == nil {
				if stmts[tb], err = t.PrepareContext(ctx, bulkInserts[tb]); err != nil {
					return err
				}
			}
			t0 := time.Now()
			for _, r := range rows {
				if _, err := stmts[tb].ExecContext(ctx, r...); err != nil {
					return fmt.Errorf("bulk %s: %w", bulkTableNames[tb], err)
				}
			}
			st.rows[tb] += len(rows)
			st.took[tb] += time.Since(t0)
		}
		if c.commit {
			t0 := time.Now()
			err = t.Commit()
			t = nil
			if err != nil {
				return err
			}
			st.other += time.Since(t0)
		}
		b.recycle(c)
		st.busy += time.Since(start)
	}
	return nil
}

// sqliteBulkSession tunes the single write connection for the load and returns what puts it
// back. Random-order index inserts over millions of rows need the indexes in memory, so the page
// cache grows. With unsynced (a new database whose indexes are rebuilt afterwards) the rows go in
// without fsync; synced puts the durable setting back once the rows are in, before the FTS and
// index rebuilds: their large commits checkpoint with fsync of the database file, which makes
// the unsynced pages written before durable too.
func (s *Store) sqliteBulkSession(ctx context.Context, unsynced bool) (restore, synced func(), err error) {
	var cache, syncMode, threads int64
	for p, v := range map[string]*int64{"cache_size": &cache, "synchronous": &syncMode, "threads": &threads} {
		if err := s.wdb.QueryRowContext(ctx, "PRAGMA "+p).Scan(v); err != nil {
			return nil, nil, err
		}
	}
	// Helper threads sort for CREATE INDEX in parallel.
	set := []string{"PRAGMA cache_size = -1048576", fmt.Sprintf("PRAGMA threads = %d", min(runtime.GOMAXPROCS(0), 4))}
	if unsynced {
		set = append(set, "PRAGMA cache_size = -2097152", "PRAGMA synchronous = OFF")
	}
	var once sync.Once
	synced = func() {
		once.Do(func() {
			s.wdb.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = "+strconv.FormatInt(syncMode, 10))
		})
	}
	restore = func() {
		c := context.WithoutCancel(ctx)
		synced()
		s.wdb.ExecContext(c, "PRAGMA cache_size = "+strconv.FormatInt(cache, 10))
		s.wdb.ExecContext(c, "PRAGMA threads = "+strconv.FormatInt(threads, 10))
	}
	for _, p := range set {
		if _, err := s.wdb.ExecContext(ctx, p); err != nil {
			restore()
			return nil, nil, err
		}
	}
	return restore, synced, nil
}
