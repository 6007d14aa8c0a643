package store

import (
	"context"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// The batch name lookup pads its IN list to a few lengths, so that every count of ids up to
// steward.MaxNames runs one of a few query texts: the statement cache keeps them all, and no
// other text is crowded out of it.
func TestNamesQueryTexts(t *testing.T) {
	for n, want := range map[int]int{1: 8, 8: 8, 9: 16, 100: 128, 257: steward.MaxNames, steward.MaxNames: steward.MaxNames} {
		if got := inSize(n); got != want || got < n {
			t.Errorf("inSize(%d) = %d, want %d", n, got, want)
		}
	}
	ctx := context.Background()
	s := openSQLiteForTest(t)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	before := s.rstmts.len()
	ids := make([]string, steward.MaxNames)
	for i := range ids {
		ids[i] = newID()
	}
	for n := 1; n <= steward.MaxNames; n++ {
		got, err := names(ctx, s.reader(), customers.table, ids[0], ids[:n])
		if err != nil || len(got) != 0 {
			t.Fatalf("%d ids: %v %v", n, got, err)
		}
	}
	if texts := s.rstmts.len() - before; texts > 8 {
		t.Errorf("names ran %d query texts for 1 to %d ids", texts, steward.MaxNames)
	}
}
