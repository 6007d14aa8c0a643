package store

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/steward-fleet/steward/internal/steward"
)

// dialect holds the few places where SQLite and PostgreSQL differ. Everything else is one SQL.
type dialect int

const (
	sqlite dialect = iota + 1
	postgres
)

func (d dialect) name() string {
	if d == postgres {
		return "postgres"
	}
	return "sqlite"
}

// rebound keeps the PostgreSQL form of up to maxCachedStmts query texts (a pure function of
// the text, so shared by every Store). Like the statement cache it is bounded: texts beyond the
// bound, which the store's finite set of queries never reaches, are rebound on each call.
var (
	rebound  sync.Map // query → PostgreSQL form
	nRebound atomic.Int32
)

// rebind turns `?` placeholders into PostgreSQL's `$n`. Queries never hold a literal `?`.
func (d dialect) rebind(query string) string {
	if d != postgres || !strings.Contains(query, "?") {
		return query
	}
	if v, ok := rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	out := b.String()
	// A slot is taken before storing, and given back if not used, so the bound holds under
	// concurrent calls.
	if nRebound.Add(1) > maxCachedStmts {
		nRebound.Add(-1)
	} else if _, loaded := rebound.LoadOrStore(query, out); loaded {
		nRebound.Add(-1)
	}
	return out
}

// forUpdate is the row lock a read-modify-write takes on PostgreSQL: NO KEY UPDATE, since
// Steward never changes a key, so foreign-key checks of other transactions (which take KEY SHARE
// on the referenced row) do not queue behind it. SQLite's write transactions are exclusive already.
func (d dialect) forUpdate() string {
	if d == postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// forShare is the row lock a write takes on rows it only needs to stay as they are until it
// commits (the assets joining a group): it waits for, and holds off, their updates and deletes.
func (d dialect) forShare() string {
	if d == postgres {
		return " FOR SHARE"
	}
	return ""
}

// schema fills the migration placeholders (see migrations/0001_core.sql).
func (d dialect) schema(sql string) string {
	if d == postgres {
		return strings.NewReplacer("{{C}}", `COLLATE "C"`, "{{ROWID}}", "", "{{PK}}", "PRIMARY KEY").Replace(sql)
	}
	return strings.NewReplacer("{{C}}", "", "{{ROWID}}", "rid INTEGER PRIMARY KEY,", "{{PK}}", "UNIQUE").Replace(sql)
}

// escapeLike escapes s for a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// retryable reports whether err aborted a transaction that may simply be run again.
func (d dialect) retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// normalize maps driver errors to domain errors: uniqueness and reference violations become
// ECONFLICT. Other errors pass through unchanged.
func (d dialect) normalize(err error) error {
	if err == nil {
		return nil
	}
	var se *steward.Error
	if errors.As(err, &se) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return uniqueConflict(pe.ConstraintName)
		case "23503":
			return &steward.Error{Code: steward.ECONFLICT, Message: "a referenced object does not exist or is still referenced (" + pe.ConstraintName + ")"}
		}
		return err
	}
	var qe *msqlite.Error
	if errors.As(err, &qe) {
		switch qe.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			// "UNIQUE constraint failed: customers.account_id, customers.external_ref"
			return uniqueConflict(qe.Error())
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &steward.Error{Code: steward.ECONFLICT, Message: "a referenced object does not exist or is still referenced"}
		}
	}
	return err
}

// uniqueConflict is the ECONFLICT of a uniqueness violation the explicit checks did not catch (a
// concurrent insert won the race), naming the field from the constraint's name or message.
func uniqueConflict(what string) error {
	field := ""
	switch {
	case strings.HasSuffix(what, "external_ref"):
		field = "external_ref"
	case strings.HasSuffix(what, "serial"), strings.HasSuffix(what, "serial_key"):
		field = "serial_number"
	case strings.HasSuffix(what, "email"), strings.HasSuffix(what, "email_key"):
		field = "email"
	}
	if field == "" {
		return &steward.Error{Code: steward.ECONFLICT, Message: "conflicts with an existing object; try again"}
	}
	return &steward.Error{Code: steward.ECONFLICT, Message: "another object already has this " + field,
		Fields: []steward.FieldError{{Field: field, Message: "is already used by another object"}}}
}
