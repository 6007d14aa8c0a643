package steward

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// TimeFormat is how every time is written in the API: RFC 3339, UTC, microseconds.
const TimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// Timestamp is a point in time at microsecond precision, always in UTC. It marshals to JSON as
// TimeFormat. Stored as Unix microseconds, so both engines order and compare it identically.
type Timestamp struct{ time.Time }

// Now returns the current time truncated to microseconds.
func Now() Timestamp { return TimestampOf(time.Now()) }

// TimestampOf converts t to a Timestamp (UTC, microseconds).
func TimestampOf(t time.Time) Timestamp { return Timestamp{t.UTC().Truncate(time.Microsecond)} }

// FromMicros converts Unix microseconds to a Timestamp.
func FromMicros(us int64) Timestamp { return Timestamp{time.UnixMicro(us).UTC()} }

// Micros returns t as Unix microseconds, the stored form.
func (t Timestamp) Micros() int64 { return t.UnixMicro() }

// String returns t in TimeFormat.
func (t Timestamp) String() string { return t.UTC().Format(TimeFormat) }

// MarshalJSON writes t in TimeFormat.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	// One allocation of the final size (a list page writes three times per row).
	b := make([]byte, 0, len(TimeFormat)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeFormat)
	return append(b, '"'), nil
}

// UnmarshalJSON reads an RFC 3339 time.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("must be an RFC 3339 time string")
	}
	v, err := time.Parse(time.RFC3339Nano, string(b[1:len(b)-1]))
	if err != nil {
		return fmt.Errorf("must be an RFC 3339 time")
	}
	*t = TimestampOf(v)
	return nil
}

// Value is the stored form of t: Unix microseconds (database/sql's driver.Valuer).
func (t Timestamp) Value() (driver.Value, error) { return t.Micros(), nil }

// Scan reads the stored form, Unix microseconds (database/sql's Scanner). NULL is an error: an
// optional time is a *Timestamp, scanned through sql.Null.
func (t *Timestamp) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*t = FromMicros(v)
		return nil
	case nil:
		return fmt.Errorf("steward: NULL cannot be scanned into a Timestamp")
	}
	return fmt.Errorf("steward: cannot scan %T into a Timestamp (Unix microseconds)", src)
}
