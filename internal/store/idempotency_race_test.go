package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// Many creates racing under one key, with nothing in front of the store: exactly one object, and
// every other racer is answered with its record. Contacts lock their customer, so creates of
// other keys on the same customer race along, to show nothing deadlocks.
func TestIdempotentCreateRaces(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		c := mkCustomer(t, s, o.admin, "Raced Customer")
		const racers = 16
		type outcome struct {
			id  string
			err error
		}
		out := make([]outcome, racers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := "raced"
				if i%4 == 3 {
					key = fmt.Sprintf("bystander-%d", i)
				}
				k, _ := idemClaim(o.admin.ID, key, "h")
				<-start
				x, err := s.CreateContact(steward.NewContextWithIdempotency(ctx, k), o.admin, c.ID, steward.ContactFields{Name: "Raced " + key})
				if err == nil {
					out[i].id = x.ID
				}
				out[i].err = err
			}()
		}
		close(start)
		wg.Wait()
		var winner string
		replays := 0
		for i, r := range out {
			switch {
			case i%4 == 3:
				if r.err != nil {
					t.Errorf("bystander %d: %v", i, r.err)
				}
			case r.err == nil:
				if winner != "" {
					t.Errorf("two creates under one key: %s and %s", winner, r.id)
				}
				winner = r.id
			default:
				if _, ok := errors.AsType[*steward.IdempotentReplay](r.err); !ok {
					t.Errorf("racer %d: %v, want a replay", i, r.err)
				}
				replays++
			}
		}
		if winner == "" {
			t.Fatal("no racer created")
		}
		for i, r := range out {
			if rp, ok := errors.AsType[*steward.IdempotentReplay](r.err); ok && rp.Prior.ObjectID != winner {
				t.Errorf("racer %d replayed %s, the winner made %s", i, rp.Prior.ObjectID, winner)
			}
		}
		raced := 0
		for _, x := range allContacts(t, s, o.admin, steward.ContactFilter{CustomerID: c.ID}) {
			if x.Name == "Raced raced" {
				raced++
			}
		}
		if raced != 1 || replays != racers-racers/4-1 {
			t.Errorf("%d contacts under the raced key, %d replays", raced, replays)
		}
		if n := raw.int(t, "SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND object_type = 'contact'", o.acc.ID); n != int64(1+racers/4) {
			t.Errorf("%d contact audit rows, want %d", n, 1+racers/4)
		}
	})
}

// A create whose key another transaction (another process) has just claimed waits for that
// transaction: once it commits, the create is its replay; had it rolled back, the create goes
// ahead.
func TestIdempotentCreateWaitsForAConcurrentClaim(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		scope := o.admin.ID
		for _, commit := range []bool{true, false} {
			key := fmt.Sprintf("concurrent-%v", commit)
			other, err := raw.db.BeginTx(ctx, nil)
			ok(t, err)
			var otherPID int64
			if raw.engine == "postgres" {
				ok(t, other.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&otherPID))
			}
			_, err = other.ExecContext(ctx, raw.rebind(`INSERT INTO idempotency_keys (scope, key, request_hash, state, status, body,
				object_type, object_id, created_at) VALUES (?, ?, 'h', 'done', 201, '{"id":"elsewhere"}', 'customer', 'elsewhere', ?)`),
				scope, key, time.Now().UnixMicro())
			ok(t, err)

			done := make(chan error, 1)
			go func() {
				k, _ := idemClaim(scope, key, "h")
				_, err := s.CreateCustomer(steward.NewContextWithIdempotency(ctx, k), o.admin, steward.CustomerFields{Name: key})
				done <- err
			}()
			waitBlocked(t, raw, done, otherPID)
			if commit {
				ok(t, other.Commit())
				wantReplay(t, <-done, "h", steward.ObjectCustomer, "elsewhere")
			} else {
				ok(t, other.Rollback())
				ok(t, <-done)
			}
			found := 0
			for _, c := range allCustomers(t, s, o.admin, steward.CustomerFilter{}) {
				if c.Name == key {
					found++
				}
			}
			if want := map[bool]int{true: 0, false: 1}[commit]; found != want {
				t.Errorf("commit %v: %d customers created, want %d", commit, found, want)
			}
		}
	})
}

// waitBlocked waits until the store's create is waiting on the raw transaction's lock: on
// PostgreSQL, until a backend waits for the one of holderPID; on SQLite (one writer at a time,
// nothing to observe) a moment. It fails when the create ended instead.
func waitBlocked(t *testing.T, raw *rawDB, done chan error, holderPID int64) {
	t.Helper()
	for start := time.Now(); time.Since(start) < 5*time.Second; {
		select {
		case err := <-done:
			t.Fatalf("the create did not wait for the concurrent claim: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if raw.engine == "sqlite" {
			if time.Since(start) > 200*time.Millisecond {
				return
			}
		} else if raw.int(t, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
			AND ? = ANY(pg_blocking_pids(pid))`, holderPID) > 0 {
			return
		}
	}
	t.Fatal("the create never waited for the concurrent claim")
}

// A create whose connection dies in the middle, its key claimed and its transaction open (as
// when the server process is killed), leaves no claim: the retry creates at once. PostgreSQL
// only: a SQLite transaction cannot be held open from outside by its own process, and one whose
// process dies is rolled back from the WAL; the panic case of
// TestFailedIdempotentCreateLeavesTheKeyFree covers the same path in the store.
func TestIdempotentCreateKilledMidway(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		if raw.engine != "postgres" {
			t.Skip("PostgreSQL only: see the comment")
		}
		o := newOrg(t, s)
		c := mkCustomer(t, s, o.admin, "Locked Customer")
		// Hold the customer's row, which a contact create locks after claiming its key.
		holder, err := raw.db.Conn(ctx)
		ok(t, err)
		defer holder.Close()
		var holderPID int64
		ok(t, holder.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&holderPID))
		_, err = holder.ExecContext(ctx, "BEGIN")
		ok(t, err)
		_, err = holder.ExecContext(ctx, "SELECT id FROM customers WHERE account_id = $1 AND id = $2 FOR UPDATE", o.acc.ID, c.ID)
		ok(t, err)

		done := make(chan error, 1)
		go func() {
			k, _ := idemClaim(o.admin.ID, "killed", "h")
			_, err := s.CreateContact(steward.NewContextWithIdempotency(ctx, k), o.admin, c.ID, steward.ContactFields{Name: "Killed"})
			done <- err
		}()
		// Find the create's backend, waiting behind the holder with its key claimed, and kill it.
		var victim int64
		for deadline := time.Now().Add(5 * time.Second); victim == 0 && time.Now().Before(deadline); {
			err := raw.db.QueryRowContext(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
				AND $1 = ANY(pg_blocking_pids(pid))`, holderPID).Scan(&victim)
			if err != nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if victim == 0 {
			t.Fatal("the create never waited for the customer's row")
		}
		if raw.int(t, "SELECT COUNT(*) FROM idempotency_keys WHERE scope = ? AND key = 'killed'", o.admin.ID) != 0 {
			t.Error("the claim is visible before the create commits")
		}
		var killed bool
		ok(t, raw.db.QueryRowContext(ctx, "SELECT pg_terminate_backend($1)", victim).Scan(&killed))
		if err := <-done; err == nil || !killed {
			t.Fatalf("the killed create: %v (terminated %v)", err, killed)
		}
		_, err = holder.ExecContext(ctx, "ROLLBACK")
		ok(t, err)

		// The retry creates, once.
		k, _ := idemClaim(o.admin.ID, "killed", "h")
		kctx := steward.NewContextWithIdempotency(ctx, k)
		x := must(s.CreateContact(kctx, o.admin, c.ID, steward.ContactFields{Name: "Killed"}))
		_, err = s.CreateContact(kctx, o.admin, c.ID, steward.ContactFields{Name: "Killed"})
		wantReplay(t, err, "h", steward.ObjectContact, x.ID)
		if n := len(allContacts(t, s, o.admin, steward.ContactFilter{CustomerID: c.ID})); n != 1 {
			t.Errorf("%d contacts, want 1", n)
		}
	})
}
