package flinkconf

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// spec is a spec of Flink version v with flat configuration config.
func spec(v v1beta1.FlinkVersion, config map[string]any) *v1beta1.FlinkDeploymentSpec {
	return &v1beta1.FlinkDeploymentSpec{FlinkVersion: v, FlinkConfiguration: v1beta1.NewConfigObject(config)}
}

// TestParse reads one key at a time: what the typed settings say, or the
// error, exactly as users see it.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version v1beta1.FlinkVersion // v1_20 when empty
		key     string
		value   any
		check   func(t *testing.T, s *Settings)
		err     string
	}{
		// High availability, by either key and any spelling.
		{name: "ha kubernetes", key: KeyHAType, value: "KUBERNETES", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, HighAvailability{Type: HAKubernetes, Key: KeyHAType, Text: "KUBERNETES"}, s.HA)
		}},
		{name: "ha factory class", key: KeyHALegacyType, value: kubernetesHAFactory, check: func(t *testing.T, s *Settings) {
			assert.True(t, s.HA.Kubernetes())
			assert.Equal(t, KeyHALegacyType, s.HA.Key)
		}},
		{name: "ha zookeeper", key: KeyHAType, value: " zookeeper ", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, HAZooKeeper, s.HA.Type)
		}},
		{name: "ha none", key: KeyHAType, value: "NONE", check: func(t *testing.T, s *Settings) {
			assert.False(t, s.HA.Enabled())
		}},
		{name: "ha storage dir", key: KeyHAStorageDir, value: " s3://b/ha/ ", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, "s3://b/ha/", s.HA.StorageDir)
		}},

		// State backend, compared by meaning.
		{name: "backend unset", key: "other", value: "x", check: func(t *testing.T, s *Settings) { assert.Equal(t, "hashmap", s.StateBackend) }},
		{name: "backend legacy filesystem", key: KeyStateBackendLegacy, value: "filesystem", check: func(t *testing.T, s *Settings) { assert.Equal(t, "hashmap", s.StateBackend) }},
		{name: "backend rocksdb", key: KeyStateBackendType, value: "RocksDB", check: func(t *testing.T, s *Settings) { assert.Equal(t, "rocksdb", s.StateBackend) }},
		{name: "backend factory", key: KeyStateBackendType, value: "com.example.Factory", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, "com.example.Factory", s.StateBackend)
		}},

		// Directories, by the name the version reads.
		{name: "new savepoint dir on 1.20", key: KeySavepointDir, value: "s3://b/sp", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, StateDir{Dir: "s3://b/sp", Key: KeySavepointDir, OldKey: KeySavepointDirOld, ReadsKey: true, KeyGiven: true}, s.SavepointDir)
		}},
		{name: "new checkpoint dir on 1.19 is not read", version: "v1_19", key: KeyCheckpointDir, value: "s3://b/cp", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, StateDir{Key: KeyCheckpointDir, OldKey: KeyCheckpointDirOld, KeyGiven: true}, s.CheckpointDir)
		}},
		{name: "old checkpoint dir on 2.2", version: "v2_2", key: KeyCheckpointDirOld, value: "s3://b/cp", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, "s3://b/cp", s.CheckpointDir.Dir)
			assert.True(t, s.CheckpointDir.ReadsKey)
		}},

		// Savepoint settings.
		{name: "periodic interval", key: KeyPeriodicSavepointInterval, value: "1 h", check: func(t *testing.T, s *Settings) {
			assert.True(t, s.Savepoints.PeriodicSet)
			next, ok := s.Savepoints.Periodic.Next(time.Unix(0, 0))
			assert.True(t, ok)
			assert.Equal(t, time.Unix(3600, 0), next)
		}},
		{name: "periodic off", key: KeyPeriodicSavepointInterval, value: "0", check: func(t *testing.T, s *Settings) {
			assert.False(t, s.Savepoints.PeriodicSet)
			assert.False(t, s.Savepoints.Periodic.Enabled())
		}},
		{name: "periodic cron", key: KeyPeriodicSavepointInterval, value: "0 0 2 * * ?", check: func(t *testing.T, s *Settings) {
			assert.True(t, s.Savepoints.Periodic.Enabled())
		}},
		{name: "periodic bad", key: KeyPeriodicSavepointInterval, value: "every day",
			err: `spec.flinkConfiguration[kubernetes.operator.periodic.savepoint.interval]: Invalid value: "every day": must be a duration: a whole number and a unit, such as 30 s, 5 min or 1 h; or a Quartz cron expression such as "0 0 * * * ?" (hourly)`},
		{name: "last-state max age", key: KeyLastStateMaxAge, value: "5 min", check: func(t *testing.T, s *Settings) { assert.True(t, s.Savepoints.LastStateMaxAgeSet) }},
		{name: "grace period", key: KeySavepointTriggerGracePeriod, value: "90 s", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, 90*time.Second, s.Savepoints.TriggerGracePeriod)
		}},
		{name: "grace period empty is the default", key: KeySavepointTriggerGracePeriod, value: " ", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, DefaultSavepointTriggerGracePeriod, s.Savepoints.TriggerGracePeriod)
		}},
		{name: "grace period bad", key: KeySavepointTriggerGracePeriod, value: "soon",
			err: `spec.flinkConfiguration[kubernetes.operator.savepoint.trigger.grace-period]: Invalid value: "soon": must be a duration: a whole number and a unit, such as 30 s, 5 min or 1 h`},
		{name: "format native any case", key: KeySavepointFormatType, value: "native", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, SavepointFormatNative, s.Savepoints.Format)
		}},
		{name: "format canonical", key: KeySavepointFormatType, value: "Canonical", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, SavepointFormatCanonical, s.Savepoints.Format)
		}},
		{name: "format empty", key: KeySavepointFormatType, value: "",
			err: `spec.flinkConfiguration[kubernetes.operator.savepoint.format.type]: Invalid value: "": must be CANONICAL or NATIVE`},
		{name: "format padded", key: KeySavepointFormatType, value: " NATIVE",
			err: `spec.flinkConfiguration[kubernetes.operator.savepoint.format.type]: Invalid value: " NATIVE": must be CANONICAL or NATIVE`},

		// Operator switches and durations.
		{name: "rollback", key: KeyRollbackEnabled, value: true, check: func(t *testing.T, s *Settings) { assert.True(t, s.Operator.RollbackEnabled) }},
		{name: "rollback bad", key: KeyRollbackEnabled, value: "yes please",
			err: `spec.flinkConfiguration[kubernetes.operator.deployment.rollback.enabled]: Invalid value: "yes please": must be true or false`},
		{name: "jm recovery off", key: KeyJMDeploymentRecovery, value: " FALSE ", check: func(t *testing.T, s *Settings) {
			assert.False(t, s.Operator.JMDeploymentRecovery)
		}},
		{name: "jm recovery bad keeps the default", key: KeyJMDeploymentRecovery, value: "no",
			err:   `spec.flinkConfiguration[kubernetes.operator.jm-deployment-recovery.enabled]: Invalid value: "no": must be true or false`,
			check: func(t *testing.T, s *Settings) { assert.True(t, s.Operator.JMDeploymentRecovery) }},
		{name: "restart failed is lenient", key: KeyRestartFailed, value: "maybe", check: func(t *testing.T, s *Settings) { assert.False(t, s.Operator.RestartFailed) }},
		{name: "reconcile interval", key: KeyReconcileInterval, value: "30 s", check: func(t *testing.T, s *Settings) {
			assert.Equal(t, Duration{Value: 30 * time.Second, Given: true, Valid: true}, s.Operator.ReconcileInterval)
			assert.Equal(t, Duration{Value: DefaultAutoscalerWindow, Valid: true}, s.Operator.AutoscalerWindow)
		}},
		{name: "reconcile interval bad", key: KeyReconcileInterval, value: "soon",
			err:   `spec.flinkConfiguration[kubernetes.operator.reconcile.interval]: Invalid value: "soon": must be a duration: a whole number and a unit, such as 30 s, 5 min or 1 h`,
			check: func(t *testing.T, s *Settings) { assert.False(t, s.Operator.ReconcileInterval.Valid) }},

		// Scheduler mode and slots.
		{name: "reactive", key: KeySchedulerMode, value: "Reactive", check: func(t *testing.T, s *Settings) { assert.True(t, s.Reactive) }},
		{name: "slots", key: KeyTaskSlots, value: 4, check: func(t *testing.T, s *Settings) { assert.Equal(t, int64(4), s.TaskSlots) }},
		{name: "slots zero", key: KeyTaskSlots, value: "0",
			err: `spec.flinkConfiguration[taskmanager.numberOfTaskSlots]: Invalid value: "0": must be a whole number of at least 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.version
			if v == "" {
				v = "v1_20"
			}
			s, errs := Parse(spec(v, map[string]any{tc.key: tc.value}))
			require.NotNil(t, s)
			if tc.err != "" {
				require.Len(t, errs, 1)
				assert.Equal(t, tc.err, errs[0].Error())
			} else {
				assert.Empty(t, errs)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}

// TestDefaults: an empty configuration has every default.
func TestDefaults(t *testing.T) {
	s, errs := Parse(spec("v1_20", nil))
	require.Empty(t, errs)
	assert.Empty(t, s.Entries())
	assert.Equal(t, "", s.HA.Type)
	assert.Equal(t, KeyHALegacyType, s.HA.Key)
	assert.Equal(t, "hashmap", s.StateBackend)
	assert.Equal(t, Savepoints{TriggerGracePeriod: time.Minute, Format: SavepointFormatCanonical}, s.Savepoints)
	assert.True(t, s.Operator.JMDeploymentRecovery)
	assert.Equal(t, int64(1), s.TaskSlots)
	s.entries = nil // an empty list or none: both are no entries
	assert.Equal(t, Empty("v1_20"), s)
}

// TestParseKeepsTheFlattenedConfiguration: nested keys are flattened and
// sorted, values keep the type written, and Raw has their text.
func TestParseKeepsTheFlattenedConfiguration(t *testing.T) {
	sp := &v1beta1.FlinkDeploymentSpec{FlinkVersion: "v1_20", FlinkConfiguration: &v1beta1.ConfigObject{
		Raw: []byte(`{"taskmanager": {"numberOfTaskSlots": 2}, "high-availability.type": "kubernetes", "a": true}`),
	}}
	s, errs := Parse(sp)
	require.Empty(t, errs)
	require.Len(t, s.Entries(), 3)
	assert.Equal(t, []string{"a", "high-availability.type", "taskmanager.numberOfTaskSlots"},
		[]string{s.Entries()[0].Key, s.Entries()[1].Key, s.Entries()[2].Key})
	assert.Equal(t, true, s.Entries()[0].Value)
	assert.Equal(t, map[string]string{"a": "true", "high-availability.type": "kubernetes", "taskmanager.numberOfTaskSlots": "2"}, s.Raw())
	assert.True(t, s.Has("a"))
	assert.False(t, s.Has("b"))
	assert.Equal(t, int64(2), s.TaskSlots)
	assert.True(t, s.HA.Kubernetes())
	assert.Equal(t, s.Raw(), ReadRaw(sp), "ReadRaw is Read's text without the typing")
}

// TestUnflattenable: a configuration that cannot be flattened gives no
// settings from Parse, and reads as empty for Read.
func TestUnflattenable(t *testing.T) {
	sp := &v1beta1.FlinkDeploymentSpec{FlinkVersion: "v1_20", FlinkConfiguration: &v1beta1.ConfigObject{
		Raw: []byte(`{"a": null, "b.c": 1, "b": {"c": 2}, "high-availability.type": "kubernetes"}`),
	}}
	s, errs := Parse(sp)
	assert.Nil(t, s)
	require.Len(t, errs, 2)
	assert.Equal(t, `spec.flinkConfiguration[a]: Invalid value: null: value is null; give a string, number or boolean, or remove the key`, errs[0].Error())
	assert.Equal(t, `spec.flinkConfiguration[b.c]: Invalid value: "1": the key is given twice, flat and nested (a.b: x and a: {b: x}); keep one`, errs[1].Error())
	read := Read(sp)
	assert.Empty(t, read.Raw())
	assert.False(t, read.HA.Enabled())
	assert.Equal(t, map[string]string{}, ReadRaw(sp))
}

// TestErrorOrder: several bad values come out in a fixed order.
func TestErrorOrder(t *testing.T) {
	_, errs := Parse(spec("v1_20", map[string]any{
		KeyTaskSlots: "x", KeySavepointFormatType: "x", KeyRollbackEnabled: "x", KeyReconcileInterval: "x",
	}))
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	assert.Equal(t, []string{
		"spec.flinkConfiguration[kubernetes.operator.deployment.rollback.enabled]",
		"spec.flinkConfiguration[kubernetes.operator.reconcile.interval]",
		"spec.flinkConfiguration[kubernetes.operator.savepoint.format.type]",
		"spec.flinkConfiguration[taskmanager.numberOfTaskSlots]",
	}, fields)
}
