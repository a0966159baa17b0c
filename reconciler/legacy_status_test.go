package reconciler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// An operator upgrade lands in the middle of an upgrade savepoint. The
// previous release stored status timestamps as epoch-ms integers; the CR
// below is stored that way, on the real API server, with a savepoint in
// flight and one failed attempt behind it. The new operator must read that
// record, rewrite it in RFC 3339 without losing any of it, and finish the
// upgrade from the same trigger: one stop-with-savepoint, one restore.
func TestStatusOfThePreviousReleaseFinishesTheUpgradeFromTheSameTrigger(t *testing.T) {
	d := deployRunning(t, "legacy", "v1_20", statefulSpec("legacy", "savepoint", ""))
	// The savepoint would outlast the test's short default timeout.
	d.r.GatePolicy.SavepointTimeout = time.Minute
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})

	updateFD(t, d.sim.ns, "legacy", newImage)
	fd := d.until("savepoint in flight", 20, func(fd *v1beta1.FlinkDeployment) bool {
		up := fd.Status.Upgrade
		return up != nil && up.Phase == v1beta1.PhaseSavepointing && up.TriggerID != ""
	})
	trigger := fd.Status.Upgrade.TriggerID
	triggeredAt := fd.Status.Upgrade.TriggerTimestamp.UnixMilli()
	require.Equal(t, []string{trigger}, d.sim.cluster.PendingOperations())

	// Store the record as the previous release wrote it.
	retryAfter := triggeredAt - 5000
	u := rawFD(t, d.sim.ns, "legacy")
	require.NoError(t, unstructured.SetNestedField(u.Object, triggeredAt, "status", "upgrade", "triggerTimestamp"))
	require.NoError(t, unstructured.SetNestedField(u.Object, retryAfter, "status", "upgrade", "retryAfter"))
	require.NoError(t, unstructured.SetNestedField(u.Object, int64(1), "status", "upgrade", "failures"))
	require.NoError(t, unstructured.SetNestedField(u.Object, "an earlier attempt failed", "status", "upgrade", "lastFailure"))
	require.NoError(t, k8s.Status().Update(ctx, u), "the API server accepts the stored integers")
	stored, _, _ := unstructured.NestedFieldNoCopy(rawFD(t, d.sim.ns, "legacy").Object, "status", "upgrade", "triggerTimestamp")
	require.Equal(t, triggeredAt, stored, "stored as an integer, as the previous release did")

	// Nor is an update of the object itself refused.
	updateFD(t, d.sim.ns, "legacy", func(fd *v1beta1.FlinkDeployment) {
		fd.Annotations = map[string]string{"example.com/owner": "team-a"}
	})

	// One pass of the new operator reads it and rewrites it.
	require.NoError(t, d.pass())
	u = rawFD(t, d.sim.ns, "legacy")
	up, _, _ := unstructured.NestedMap(u.Object, "status", "upgrade")
	assert.Equal(t, string(v1beta1.PhaseSavepointing), up["phase"])
	assert.Equal(t, trigger, up["triggerId"], "the same savepoint is awaited")
	assert.Equal(t, time.UnixMilli(triggeredAt).UTC().Format("2006-01-02T15:04:05.000Z"), up["triggerTimestamp"],
		"rewritten in RFC 3339, to the millisecond")
	assert.Equal(t, time.UnixMilli(retryAfter).UTC().Format("2006-01-02T15:04:05.000Z"), up["retryAfter"])
	assert.EqualValues(t, 1, up["failures"], "the attempt count is kept")
	assert.Equal(t, "an earlier attempt failed", up["lastFailure"])
	assert.Equal(t, 1, d.sim.stopTriggers(), "no second savepoint")

	// Flink completes the savepoint; the upgrade finishes from it.
	require.NoError(t, d.sim.cluster.CompleteOperation(trigger))
	fd = d.until("upgraded job running", 40, running)
	assert.Equal(t, 1, d.sim.stopTriggers(), "exactly one savepoint")
	require.Len(t, d.sim.starts, 2, "one new job submission")
	location := fd.Status.JobStatus.UpgradeSavepointPath
	require.NotEmpty(t, location)
	assert.Equal(t, location, d.sim.starts[1].RestorePath, "the new job restores from the savepoint of that trigger")
	assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, "legacy"))
}

// What kubectl shows of this operator's own timestamps is RFC 3339; the
// reference operator's fields keep their epoch milliseconds.
func TestKubectlReadsShowRFC3339(t *testing.T) {
	d := deployRunning(t, "rfc", "v1_20", statefulSpec("rfc", "savepoint", haConfig))
	d.r.GatePolicy.SavepointTimeout = time.Minute
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	updateFD(t, d.sim.ns, "rfc", newImage)
	d.until("savepoint in flight", 20, func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.Upgrade != nil && fd.Status.Upgrade.TriggerID != ""
	})

	u := rawFD(t, d.sim.ns, "rfc")
	for _, path := range [][]string{
		{"status", "upgrade", "triggerTimestamp"},
		{"status", "highAvailability", "observedTimestamp"},
	} {
		v, found, err := unstructured.NestedFieldNoCopy(u.Object, path...)
		require.NoError(t, err)
		require.True(t, found, "%v", path)
		s, ok := v.(string)
		require.True(t, ok, "%v is %T %v, want an RFC 3339 string", path, v, v)
		_, err = time.Parse(time.RFC3339, s)
		assert.NoError(t, err, "%v", path)
	}
	ts, _, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "jobStatus", "savepointInfo", "triggerTimestamp")
	assert.IsType(t, int64(0), ts, "the reference operator's field stays epoch milliseconds")
	_, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "upgrade", "takeDownTimestamp")
	assert.False(t, found, "an unset timestamp is left out")
}

// A status time this operator could not read is refused by the API server,
// whoever writes it (a kubectl patch of the status, another tool): stored,
// it would make every list of FlinkDeployments fail to decode and stall
// the operator for the whole fleet. The two forms it reads pass.
func TestAPIServerRefusesAStatusTimeTheOperatorCannotRead(t *testing.T) {
	d := deployRunning(t, "badtime", "v1_20", statefulSpec("badtime", "savepoint", ""))
	d.r.GatePolicy.SavepointTimeout = time.Minute
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	updateFD(t, d.sim.ns, "badtime", newImage)
	d.until("savepoint in flight", 20, func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.Upgrade != nil && fd.Status.Upgrade.TriggerID != ""
	})

	for value, accepted := range map[any]bool{
		"yesterday":                      false,
		"1764990000000":                  false, // digits as a string are neither form
		"2026-02-30T00:00:00Z":           false, // no such day
		"2026-01-02 15:04:05Z":           false,
		"2026-01-02T15:04:05.123Z":       true,
		"2026-01-02T15:04:05+01:00":      true,
		int64(1764990000000):             true,
		"2026-01-02T15:04:05.123456789Z": true,
	} {
		u := rawFD(t, d.sim.ns, "badtime")
		require.NoError(t, unstructured.SetNestedField(u.Object, value, "status", "upgrade", "triggerTimestamp"))
		err := k8s.Status().Update(ctx, u)
		if !accepted {
			require.Error(t, err, "%v was stored", value)
			assert.True(t, apierrors.IsInvalid(err), "%v: %v", value, err)
			assert.Contains(t, err.Error(), "status.upgrade.triggerTimestamp", "%v", value)
			continue
		}
		require.NoError(t, err, "%v", value)
		var fd v1beta1.FlinkDeployment
		require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(u), &fd), "%v is stored and read back", value)
		assert.NotZero(t, fd.Status.Upgrade.TriggerTimestamp.UnixMilli(), "%v", value)
	}
}
