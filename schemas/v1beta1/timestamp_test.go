package v1beta1

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimestampWritesRFC3339WithMilliseconds(t *testing.T) {
	ts := UnixMilliTimestamp(1767225600123) // 2026-01-01T00:00:00.123Z
	data, err := json.Marshal(ts)
	require.NoError(t, err)
	assert.JSONEq(t, `"2026-01-01T00:00:00.123Z"`, string(data))

	var back Timestamp
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, ts, back, "milliseconds survive the round trip exactly")
	assert.False(t, back.FromEpochMillis)
}

// The previous release wrote epoch milliseconds; they must read as the
// same instant, to the millisecond, and be marked for rewriting.
func TestTimestampReadsEpochMillisOfThePreviousRelease(t *testing.T) {
	var ts Timestamp
	require.NoError(t, json.Unmarshal([]byte(`1767225600123`), &ts))
	assert.Equal(t, int64(1767225600123), ts.UnixMilli())
	assert.True(t, ts.FromEpochMillis)
	assert.Equal(t, time.UnixMilli(1767225600123).UTC(), ts.Time())

	data, err := json.Marshal(ts)
	require.NoError(t, err)
	assert.JSONEq(t, `"2026-01-01T00:00:00.123Z"`, string(data), "always written as RFC 3339")
}

func TestTimestampUnsetAndNull(t *testing.T) {
	for _, in := range []string{`null`, `""`, `0`} {
		ts := UnixMilliTimestamp(5)
		require.NoError(t, json.Unmarshal([]byte(in), &ts), in)
		assert.True(t, ts.IsZero(), in)
		assert.False(t, ts.FromEpochMillis, in)
	}
	assert.True(t, NewTimestamp(time.Time{}).IsZero())
	assert.Equal(t, "", Timestamp{}.String())
}

func TestTimestampRefusesWhatIsNeitherForm(t *testing.T) {
	for _, in := range []string{`"yesterday"`, `"2026-01-01"`, `1.5`, `true`, `{}`} {
		var ts Timestamp
		err := json.Unmarshal([]byte(in), &ts)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), "status timestamp", in)
	}
}

// Sub-millisecond digits (someone else's writer) are cut to the
// millisecond, the precision of the gate's arithmetic.
func TestTimestampTruncatesToMilliseconds(t *testing.T) {
	var ts Timestamp
	require.NoError(t, json.Unmarshal([]byte(`"2026-01-01T01:00:00.123456789+01:00"`), &ts))
	assert.Equal(t, int64(1767225600123), ts.UnixMilli())
}

// Unset fields stay out of status, as the integers did when 0, and a
// status of the previous release decodes whole.
func TestStatusTimestampsOmittedWhenUnsetAndReadFromIntegers(t *testing.T) {
	data, err := json.Marshal(UpgradeProgress{Phase: PhaseSavepointing, Mode: UpgradeModeSavepoint})
	require.NoError(t, err)
	assert.JSONEq(t, `{"phase":"Savepointing","mode":"savepoint"}`, string(data))

	old := `{"upgrade":{"phase":"Savepointing","mode":"savepoint","targetGeneration":2,"triggerId":"t1",
	  "triggerTimestamp":1767225600123,"failures":1,"retryAfter":1767225610000,"takeDownTimestamp":0},
	 "savepointTrigger":{"triggerType":"MANUAL","firstTriggerTimestamp":1767225500000},
	 "highAvailability":{"metadataAvailable":true,"observedTimestamp":1767225600000}}`
	var st FlinkDeploymentStatus
	require.NoError(t, json.Unmarshal([]byte(old), &st))
	assert.True(t, st.HasEpochMillis())
	assert.Equal(t, int64(1767225600123), st.Upgrade.TriggerTimestamp.UnixMilli())
	assert.Equal(t, int64(1767225610000), st.Upgrade.RetryAfter.UnixMilli())
	assert.True(t, st.Upgrade.TakeDownTimestamp.IsZero())
	assert.Equal(t, int64(1767225500000), st.SavepointTrigger.FirstTriggerTimestamp.UnixMilli())
	assert.Equal(t, int64(1767225600000), st.HighAvailability.ObservedTimestamp.UnixMilli())

	data, err = json.Marshal(st)
	require.NoError(t, err)
	var again FlinkDeploymentStatus
	require.NoError(t, json.Unmarshal(data, &again))
	assert.False(t, again.HasEpochMillis(), "written back in RFC 3339: %s", data)
	assert.Equal(t, st.Upgrade.TriggerTimestamp.UnixMilli(), again.Upgrade.TriggerTimestamp.UnixMilli())
	assert.NotContains(t, string(data), "takeDownTimestamp")
}
