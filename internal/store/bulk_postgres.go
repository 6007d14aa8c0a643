package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// writePostgres stores chunks with COPY, one per table and chunk. With constraints (a new
// database, see bulkConstraints) each transaction drops them and adds them back, in reverse
// order, just before it commits: one sorted index build instead of millions of random inserts
// into an index far larger than shared_buffers, and one join instead of a trigger per row, while
// every committed state keeps its keys (a duplicate or dangling reference fails the ADD and rolls
// the whole transaction back).
func (b *BulkLoader) writePostgres(ctx context.Context, conn *pgx.Conn, constraints []schemaObject, st *bulkStats) (err error) {
	var t pgx.Tx
	defer func() {
		if t != nil {
			t.Rollback(context.WithoutCancel(ctx))
		}
	}()
	for c := range b.work {
		start := time.Now()
		if t == nil {
			if t, err = conn.Begin(ctx); err != nil {
				return err
			}
			// Losing the last commits of a crashed load is harmless (it is not all-or-nothing
			// anyway) and does not touch other sessions' durability; not waiting for the WAL
			// flush at each commit is.
			if _, err = t.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
				return err
			}
			for _, c := range constraints {
				if _, err = t.Exec(ctx, "ALTER TABLE "+c.table+" DROP CONSTRAINT "+c.name); err != nil {
					return fmt.Errorf("bulk: drop %s: %w", c.name, err)
				}
			}
		}
		for tb, rows := range c.rows {
			if len(rows) == 0 {
				continue
			}
			t0 := time.Now()
			if _, err := t.CopyFrom(ctx, pgx.Identifier{bulkTableNames[tb]}, bulkColumns[tb], pgx.CopyFromRows(rows)); err != nil {
				return fmt.Errorf("bulk %s: %w", bulkTableNames[tb], err)
			}
			st.rows[tb] += len(rows)
			st.took[tb] += time.Since(t0)
		}
		if c.commit {
			t0 := time.Now()
			if len(constraints) > 0 {
				if _, err = t.Exec(ctx, "SET LOCAL maintenance_work_mem = '512MB'"); err != nil {
					return err
				}
			}
			for i := len(constraints) - 1; i >= 0; i-- {
				c := constraints[i]
				if _, err = t.Exec(ctx, "ALTER TABLE "+c.table+" ADD CONSTRAINT "+c.name+" "+c.sql); err != nil {
					return fmt.Errorf("bulk: restore %s: %w", c.name, err)
				}
			}
			err = t.Commit(ctx)
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

// bulkConstraints returns what a load into a new PostgreSQL database drops for its transaction:
// the foreign keys of the loaded tables (checked row by row through triggers, they cost more than
// the rows; added back, they are checked by one join), then the primary keys of loaded tables
// that no foreign key references. Adding them back in this order restores the schema.
func (s *Store) bulkConstraints(ctx context.Context) ([]schemaObject, error) {
	var fks, pks []schemaObject
	for _, t := range bulkTableNames {
		rows, err := s.wdb.QueryContext(ctx, `SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c
			WHERE c.conrelid = $1::regclass AND (c.contype = 'f' OR c.contype = 'p'
			AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid))
			ORDER BY c.conname`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var typ string
			d := schemaObject{table: t}
			if err := rows.Scan(&d.name, &typ, &d.sql); err != nil {
				rows.Close()
				return nil, err
			}
			if typ == "f" {
				fks = append(fks, d)
			} else {
				pks = append(pks, d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return append(fks, pks...), nil
}
