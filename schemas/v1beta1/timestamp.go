package v1beta1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Timestamp is an instant in a status field of this operator's own (the
// reference operator's fields keep their epoch milliseconds). It is written
// as RFC 3339 in UTC with milliseconds, so kubectl and GitOps tools show a
// time, and read in two forms:
//
//   - an RFC 3339 string, as this release writes it;
//   - a JSON integer of epoch milliseconds, as earlier releases wrote it.
//
// The second keeps the write-ahead record of an upgrade that an earlier
// release started: its trigger time, retry time and take-down start decode
// to the same millisecond, so the gate's timeouts and backoff count on
// exactly as before. The next status write rewrites such a status whole
// (HasEpochMillis tells the writer), in RFC 3339.
//
// The value is kept as epoch milliseconds, the precision the gate's
// arithmetic has always had, and milliseconds survive a round trip through
// the RFC 3339 form exactly. The zero Timestamp is unset; fields of this
// type are omitted when zero (omitzero), as the integers were when 0.
//
// The CRD declares these fields int-or-string, so the API server accepts an
// update of an object that still stores the integer form. Its rule refuses
// any other string: a value this type cannot read would make every list of
// FlinkDeployments fail to decode, and stall the operator for the whole
// fleet, not just for the one object.
//
// +kubebuilder:validation:Type=""
// +kubebuilder:validation:XIntOrString
// +kubebuilder:validation:XValidation:rule="type(self) == int || (type(self) == string && self.matches('^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$') && timestamp(self) >= timestamp('0001-01-01T00:00:00Z'))",message="must be an RFC 3339 time such as 2026-01-02T15:04:05.000Z (or, as written by earlier releases, an integer of epoch milliseconds)"
type Timestamp struct {
	// Millis is the instant in epoch milliseconds; 0 is unset.
	Millis int64 `json:"-"`
	// FromEpochMillis: read from a JSON integer, the earlier releases'
	// form, and not written since. The fields are exported because
	// apimachinery's semantic DeepEqual, which compares statuses, refuses
	// unexported ones.
	FromEpochMillis bool `json:"-"`
}

// timestampLayout is RFC 3339 with exactly three fractional digits.
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// UnixMilliTimestamp returns the Timestamp of ms epoch milliseconds; 0 is
// the unset Timestamp.
func UnixMilliTimestamp(ms int64) Timestamp { return Timestamp{Millis: ms} }

// NewTimestamp returns the Timestamp of t, to the millisecond; the zero
// time.Time is the unset Timestamp.
func NewTimestamp(t time.Time) Timestamp {
	if t.IsZero() {
		return Timestamp{}
	}
	return Timestamp{Millis: t.UnixMilli()}
}

// UnixMilli is the instant in epoch milliseconds; 0 when unset.
func (t Timestamp) UnixMilli() int64 { return t.Millis }

// IsZero reports whether t is unset. It makes omitzero omit the field.
func (t Timestamp) IsZero() bool { return t.Millis == 0 }

// Time is the instant as a time.Time in UTC; the zero time.Time when unset.
func (t Timestamp) Time() time.Time {
	if t.Millis == 0 {
		return time.Time{}
	}
	return time.UnixMilli(t.Millis).UTC()
}

// String is the RFC 3339 form, or "" when unset.
func (t Timestamp) String() string {
	if t.Millis == 0 {
		return ""
	}
	return t.Time().Format(timestampLayout)
}

// MarshalJSON writes RFC 3339, or null when unset (omitzero keeps unset
// fields out of status altogether).
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.Millis == 0 {
		return []byte("null"), nil
	}
	return json.Marshal(t.String())
}

// UnmarshalJSON reads an RFC 3339 string, or an integer of epoch
// milliseconds (earlier releases), or null.
func (t *Timestamp) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")):
		*t = Timestamp{}
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("read a status timestamp: %w", err)
		}
		if s == "" {
			*t = Timestamp{}
			return nil
		}
		parsed, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("read a status timestamp: %q is not RFC 3339 (like 2026-01-02T15:04:05.000Z) nor epoch milliseconds: %w", s, err)
		}
		*t = NewTimestamp(parsed)
		return nil
	default:
		ms, err := strconv.ParseInt(string(data), 10, 64)
		if err != nil {
			return fmt.Errorf("read a status timestamp: %s is not RFC 3339 nor an integer of epoch milliseconds", data)
		}
		*t = Timestamp{Millis: ms, FromEpochMillis: ms != 0}
		return nil
	}
}

// DeepCopyInto copies t; a Timestamp holds no references.
func (t *Timestamp) DeepCopyInto(out *Timestamp) { *out = *t }

// DeepCopy returns a copy of t.
func (t *Timestamp) DeepCopy() *Timestamp {
	if t == nil {
		return nil
	}
	out := *t
	return &out
}

// HasEpochMillis reports whether any Timestamp in st was read in the
// earlier releases' integer form. The status writer then writes the status
// whole, so that every such field is rewritten in RFC 3339: a merge patch
// would leave an unchanged integer stored as it was.
func (st *FlinkDeploymentStatus) HasEpochMillis() bool {
	var ts []Timestamp
	if up := st.Upgrade; up != nil {
		ts = append(ts, up.TriggerTimestamp, up.RetryAfter, up.TakeDownTimestamp)
	}
	if tr := st.SavepointTrigger; tr != nil {
		ts = append(ts, tr.FirstTriggerTimestamp, tr.RetryAfter)
	}
	if ha := st.HighAvailability; ha != nil {
		ts = append(ts, ha.ObservedTimestamp)
	}
	for _, t := range ts {
		if t.FromEpochMillis {
			return true
		}
	}
	return false
}
