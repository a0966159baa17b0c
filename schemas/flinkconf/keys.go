package flinkconf

// The configuration keys the operator reads. Flink's own keys are read the
// way Flink reads them; kubernetes.operator.* keys are the reference
// operator's (apache-operator.md §8), with its defaults.
const (
	// KeyHAType sets the high availability type. It replaced KeyHALegacyType;
	// Flink reads both, and so does the operator.
	KeyHAType       = "high-availability.type"
	KeyHALegacyType = "high-availability"
	// KeyHAStorageDir is where Flink keeps high availability data, which the
	// renderer puts the job result store under.
	KeyHAStorageDir = "high-availability.storageDir"

	// KeyStateBackendType selects the state backend; KeyStateBackendLegacy
	// is its deprecated alias, still read.
	KeyStateBackendType   = "state.backend.type"
	KeyStateBackendLegacy = "state.backend"

	// The checkpoint and savepoint directories, renamed in Flink 1.20
	// (FLINK-34255): see StateDir.
	KeyCheckpointDir    = "execution.checkpointing.dir"
	KeyCheckpointDirOld = "state.checkpoints.dir"
	KeySavepointDir     = "execution.checkpointing.savepoint-dir"
	KeySavepointDirOld  = "state.savepoints.dir"

	// KeyCheckpointRetention keeps (RETAIN_ON_CANCELLATION) or deletes a
	// job's checkpoints when it ends; a session job's last-state upgrade
	// depends on it. Flink reads it case-insensitively and refuses any
	// other value (CheckpointRetentions).
	KeyCheckpointRetention = "execution.checkpointing.externalized-checkpoint-retention"

	// KeyArtifactCredentialsSecret in a FlinkSessionJob's
	// flinkConfiguration names a Secret of its namespace whose keys
	// become the environment of the pod that fetches an s3:// or gs://
	// jar. This operator's key, in the reference's
	// kubernetes.operator.user.artifacts family.
	KeyArtifactCredentialsSecret = "kubernetes.operator.user.artifacts.credentials-secret"

	// KeyPeriodicSavepointInterval takes a savepoint of a running job every
	// interval, or on a Quartz cron schedule; unset or 0 turns it off.
	KeyPeriodicSavepointInterval = "kubernetes.operator.periodic.savepoint.interval"
	// KeyLastStateMaxAge bounds the age of the checkpoint a last-state
	// upgrade may use; the reference operator takes a savepoint when it is
	// older.
	KeyLastStateMaxAge = "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age"
	// KeySavepointTriggerGracePeriod is how long a failing manual or
	// periodic savepoint is retried before the operator gives up on it.
	KeySavepointTriggerGracePeriod = "kubernetes.operator.savepoint.trigger.grace-period"
	// KeySavepointFormatType is the format of every savepoint the operator
	// takes: upgrade and suspend stop-with-savepoints, manual and periodic
	// savepoints.
	KeySavepointFormatType = "kubernetes.operator.savepoint.format.type"

	// Operator switches and durations a FlinkDeployment may override.
	KeyRollbackEnabled      = "kubernetes.operator.deployment.rollback.enabled"
	KeyHealthCheckEnabled   = "kubernetes.operator.cluster.health-check.enabled"
	KeyJMDeploymentRecovery = "kubernetes.operator.jm-deployment-recovery.enabled"
	KeyReconcileInterval    = "kubernetes.operator.reconcile.interval"
	KeyAutoscalerEnabled    = "job.autoscaler.enabled"
	// KeyBlockOnSessionJobs keeps a session FlinkDeployment being deleted
	// while FlinkSessionJobs name it (default true), so that their
	// finalizers can end their jobs on it, with a savepoint if asked.
	KeyBlockOnSessionJobs = "kubernetes.operator.session.deletion.block-on-session-jobs"
	// KeyBlockOnUnmanagedJobs keeps a session FlinkDeployment being
	// deleted while jobs no FlinkSessionJob manages run on it (default
	// true), submitted with the Flink CLI or the web UI.
	KeyBlockOnUnmanagedJobs = "kubernetes.operator.session.deletion.block-on-unmanaged-jobs"
	KeyAutoscalerWindow     = "job.autoscaler.metrics.window"

	// Reference operator features this operator does not implement; they
	// are reported, not acted on (validation.Unsupported).
	KeyRestartFailed       = "kubernetes.operator.job.restart.failed"
	KeyPeriodicCheckpoint  = "kubernetes.operator.periodic.checkpoint.interval"
	KeySnapshotResource    = "kubernetes.operator.snapshot.resource.enabled"
	KeySavepointHistoryMax = "kubernetes.operator.savepoint.history.max.count"
	KeySavepointHistoryAge = "kubernetes.operator.savepoint.history.max.age"

	// KeySchedulerMode "reactive" makes a standalone job rescale to the
	// TaskManagers there are.
	KeySchedulerMode = "scheduler-mode"
	// KeyTaskSlots is the number of task slots per TaskManager.
	KeyTaskSlots = "taskmanager.numberOfTaskSlots"
)

// CheckpointRetentions are the values of KeyCheckpointRetention.
var CheckpointRetentions = []string{"RETAIN_ON_CANCELLATION", "DELETE_ON_CANCELLATION", "NO_EXTERNALIZED_CHECKPOINTS"}
