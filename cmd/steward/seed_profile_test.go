package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDevSeedCPUProfile: --cpuprofile writes a profile of the seed; a path that cannot be
// created is refused by name before the database is touched.
func TestDevSeedCPUProfile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "seed.db")
	_, _, err := runSteward(t, fakeEnv{}, "dev", "seed", "--db", db, "--assets", "20", "--cpuprofile", filepath.Join(dir, "missing", "cpu.prof"))
	if err == nil || !strings.Contains(err.Error(), "--cpuprofile") {
		t.Fatalf("unwritable profile path: %v", err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the database was created despite the bad flag (%v)", err)
	}
	prof := filepath.Join(dir, "cpu.prof")
	_, errOut, err := runSteward(t, fakeEnv{}, "dev", "seed", "--db", db, "--assets", "20", "--cpuprofile", prof)
	if err != nil {
		t.Fatalf("dev seed --cpuprofile: %v\n%s", err, errOut)
	}
	if st, err := os.Stat(prof); err != nil || st.Size() == 0 {
		t.Errorf("profile: %v", err)
	}
	// The progress lines name each phase with its duration.
	if !strings.Contains(errOut, "seed: loaded 3 customers (") || !strings.Contains(errOut, "seed: recounted customer counts in") {
		t.Errorf("progress lines:\n%s", errOut)
	}
}
