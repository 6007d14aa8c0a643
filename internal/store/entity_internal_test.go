package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEntitiesMapEveryColumn: each entity's descriptor names every column of its table, each
// once, so a column added by a migration cannot be silently left out of the select list, the
// INSERT, the UPDATE or the bulk loader.
func TestEntitiesMapEveryColumn(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "entities.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		t    *table
		cols []string
	}{
		{customers.table, columnNames(customers.cols)}, {contacts.table, columnNames(contacts.cols)},
		{locations.table, columnNames(locations.cols)}, {assets.table, columnNames(assets.cols)},
		{accounts.table, append(columnNames(accounts.cols), "path", "auto_share", "administrative_id")}, {users.table, columnNames(users.cols)},
		{apiKeys.table, columnNames(apiKeys.cols)}, {audits.table, columnNames(audits.cols)},
		{groups.table, columnNames(groups.cols)},
	} {
		rows, err := s.rdb.QueryContext(ctx, "SELECT name FROM pragma_table_info(?) WHERE name <> 'rid' ORDER BY name", e.t.name)
		if err != nil {
			t.Fatal(err)
		}
		var table []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			table = append(table, n)
		}
		rows.Close()
		mapped := slices.Sorted(slices.Values(e.cols))
		if !slices.Equal(table, mapped) {
			t.Errorf("%s: the table has %v, the entity maps %v", e.t.name, table, mapped)
		}
	}
	// The statements are built from the columns: spot-check their shape.
	for _, want := range []string{"UPDATE customers SET name = ?,", "version = version + 1 WHERE account_id = ? AND id = ?"} {
		if !strings.Contains(customers.updateSQL, want) {
			t.Errorf("customers' UPDATE %q lacks %q", customers.updateSQL, want)
		}
	}
	if strings.Contains(customers.updateSQL, "location_count") || strings.Contains(customers.insertSQL, "location_count") {
		t.Errorf("a stored count is written: %s / %s", customers.insertSQL, customers.updateSQL)
	}
	if strings.Contains(assets.selectList, "search") || !strings.Contains(assets.insertSQL, "serial_key") {
		t.Errorf("assets: derived columns are written, never read: %s / %s", assets.selectList, assets.insertSQL)
	}
}

func columnNames[T any](cols []column[T]) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}
