package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func openSQLiteForTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The read pool prepares each text once, keeps at most max of them (further texts run
// unprepared, with the same results), never caches a text that fails, and closes them all with
// the store.
func TestStmtCacheReads(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteForTest(t)
	s.rstmts.max = 3
	add := func(k, v int) {
		t.Helper()
		var got int
		if err := s.reader().row(ctx, "SELECT ? + "+strconv.Itoa(k), v).Scan(&got); err != nil || got != v+k {
			t.Fatalf("SELECT %d + %d = %d, %v", v, k, got, err)
		}
	}
	add(1, 1)
	add(1, 2)
	if n := s.rstmts.len(); n != 1 {
		t.Fatalf("one text run twice: %d cached statements, want 1", n)
	}
	for k := range 10 {
		add(k, 100)
	}
	if n := s.rstmts.len(); n != 3 {
		t.Fatalf("%d cached statements, want the bound of 3", n)
	}
	for k := range 10 {
		add(k, 200) // cached or not, the same answers
	}

	s.rstmts.max = 10
	if err := s.reader().row(ctx, "SELEC ?", 1).Scan(new(int)); err == nil {
		t.Fatal("a broken query ran")
	}
	if st, _ := s.rstmts.lookup("SELEC ?"); st != nil {
		t.Fatal("a broken query was cached")
	}

	// Rows of one cached text open on two connections at once.
	r1, err := s.reader().query(ctx, "SELECT value FROM json_each(?)", "[1,2,3]")
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := s.reader().query(ctx, "SELECT value FROM json_each(?)", "[10,20,30]")
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	sum := 0
	for r1.Next() && r2.Next() {
		var a, b int
		if err := r1.Scan(&a); err != nil {
			t.Fatal(err)
		}
		if err := r2.Scan(&b); err != nil {
			t.Fatal(err)
		}
		sum += a + b
	}
	if sum != 66 {
		t.Fatalf("interleaved rows summed to %d, want 66", sum)
	}
	r1.Close()
	r2.Close()

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.rstmts.len(); n != 0 {
		t.Fatalf("%d statements left after Close", n)
	}
	if err := s.reader().row(ctx, "SELECT ? + 1", 1).Scan(new(int)); err == nil {
		t.Fatal("a query ran on a closed store")
	}
	if n := s.rstmts.len(); n != 0 {
		t.Fatalf("a closed store cached %d statements", n)
	}
}

// In a write transaction a text is run unprepared the first time (the transaction holds SQLite's
// one write connection) and prepared after it; later transactions run the prepared statement.
// The same text's rows may be open twice at once in one transaction.
func TestStmtCacheWrites(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteForTest(t)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const double = "SELECT ? * 2"
	for i := 1; i <= 3; i++ {
		err := s.write(ctx, func(t *tx) error {
			var got, sum int
			if err := t.row(ctx, double, i).Scan(&got); err != nil {
				return err
			}
			if got != 2*i {
				return fmt.Errorf("%d * 2 = %d", i, got)
			}
			rows, err := t.query(ctx, "SELECT value FROM json_each(?)", "[1,2]")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				inner, err := t.query(ctx, "SELECT value FROM json_each(?)", "[5]")
				if err != nil {
					return err
				}
				var n, m int
				for inner.Next() {
					if err := inner.Scan(&m); err != nil {
						return err
					}
				}
				inner.Close()
				if err := rows.Scan(&n); err != nil {
					return err
				}
				sum += n + m
			}
			if sum != 13 {
				return fmt.Errorf("nested rows summed to %d, want 13", sum)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if st, _ := s.wstmts.lookup(double); st == nil {
			t.Fatalf("after write %d: %q not cached", i, double)
		}
	}
}

// PostgreSQL's rebound texts are kept up to the same bound; texts beyond it are rebound each
// time, with the same result.
func TestReboundBounded(t *testing.T) {
	for i := range 2 * maxCachedStmts {
		k := strconv.Itoa(i)
		if got, want := postgres.rebind("SELECT ? + "+k+", ?"), "SELECT $1 + "+k+", $2"; got != want {
			t.Fatalf("rebind = %q, want %q", got, want)
		}
	}
	n := 0
	rebound.Range(func(any, any) bool { n++; return true })
	if n > maxCachedStmts {
		t.Errorf("%d rebound texts kept, want at most %d", n, maxCachedStmts)
	}
}

// Statements run on the write pool outside a transaction (a session's commit) go through its
// cache too.
func TestStmtCacheWriterOutsideTx(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteForTest(t)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	before := s.wstmts.len()
	ss := s.Sessions()
	for i := range 3 {
		if err := ss.CommitCtx(ctx, "tok", []byte{byte(i)}, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ss.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	// The expired-session delete, the upsert and the delete.
	if n := s.wstmts.len() - before; n != 3 {
		t.Errorf("%d statements cached by session commits and a delete, want 3", n)
	}
}
