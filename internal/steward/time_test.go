package steward

import (
	"database/sql"
	"testing"
)

func TestTimestampScanValue(t *testing.T) {
	at := FromMicros(1_700_000_000_123_456)
	v, err := at.Value()
	if err != nil || v != int64(1_700_000_000_123_456) {
		t.Fatalf("Value = %v, %v", v, err)
	}
	var got Timestamp
	if err := got.Scan(int64(1_700_000_000_123_456)); err != nil || !got.Equal(at.Time) || got.Location().String() != "UTC" {
		t.Fatalf("Scan = %v, %v", got, err)
	}
	for _, bad := range []any{nil, "2024-01-01", 1.5, []byte("1")} {
		if err := got.Scan(bad); err == nil {
			t.Errorf("Scan(%#v) accepted", bad)
		}
	}
	// An optional time goes through sql.Null.
	var n sql.Null[Timestamp]
	if err := n.Scan(nil); err != nil || n.Valid {
		t.Fatalf("Null Scan(nil) = %+v, %v", n, err)
	}
	if err := n.Scan(int64(5)); err != nil || !n.Valid || n.V.Micros() != 5 {
		t.Fatalf("Null Scan(5) = %+v, %v", n, err)
	}
	if v, err := n.Value(); err != nil || v != int64(5) {
		t.Fatalf("Null Value = %#v, %v", v, err)
	}
}
