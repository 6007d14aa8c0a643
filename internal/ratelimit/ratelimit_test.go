package ratelimit

import (
	"testing"
	"time"
)

func TestTableIsBounded(t *testing.T) {
	s := New[int](1, 2, 100)
	now := time.Now()
	for i := range 10_000 {
		s.Get(i, now, true).Allow()
	}
	if n := s.Len(); n > 100 {
		t.Fatalf("%d buckets held, want at most 100", n)
	}
	// Buckets idle long enough to be full again are dropped.
	s.Get(-1, now.Add(time.Hour), true)
	if n := s.Len(); n != 1 {
		t.Errorf("%d buckets after an hour, want 1", n)
	}
	if s.Get(12345, now, false) != nil {
		t.Error("get without create made a bucket")
	}
	if New[int](0, 10, 10) != nil {
		t.Error("a zero rate should be no limit")
	}
}

// BenchmarkTableFlood is a flood of fresh addresses into a full table: each costs one
// eviction, not a scan of the table.
func BenchmarkTableFlood(b *testing.B) {
	s := New[int](5, 20, DefaultEntries)
	now := time.Now()
	for i := range DefaultEntries {
		s.Get(i, now, true)
	}
	b.ResetTimer()
	for i := range b.N {
		s.Get(DefaultEntries+i, now, true).Allow()
	}
	if s.Len() > DefaultEntries {
		b.Fatalf("%d entries", s.Len())
	}
}
