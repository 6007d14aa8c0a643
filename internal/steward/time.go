package steward

import (
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

// MicrosPtr returns the stored form of an optional time.
func MicrosPtr(t *Timestamp) *int64 {
	if t == nil {
		return nil
	}
	us := t.Micros()
	return &us
}

// TimestampPtr converts optional Unix microseconds to an optional Timestamp.
func TimestampPtr(us *int64) *Timestamp {
	if us == nil {
		return nil
	}
	t := FromMicros(*us)
	return &t
}
