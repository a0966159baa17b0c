package reconciler

// Event reasons. They are stable: users and alerting match on them. The
// names follow the reference operator's where the meaning is the same.
const (
	ReasonSubmit          = "Submit"
	ReasonSpecChanged     = "SpecChanged"
	ReasonValidationError = "ValidationError"
	ReasonMissing         = "Missing"
	ReasonError           = "Error"
	ReasonCleanup         = "Cleanup"
	ReasonCleanupFailed   = "CleanupFailed"
	ReasonDriftCorrected  = "DriftCorrected"
	ReasonPruned          = "Pruned"
	ReasonRESTUnreachable = "RESTUnreachable"
	ReasonJobStatus       = "JobStatusChanged"
	ReasonLifecycle       = "LifecycleStateChanged"
	// ReasonUnsupported: the spec asks for a reference operator feature
	// this operator does not carry out (validation.Unsupported).
	ReasonUnsupported = "Unsupported"
	// Upgrade gate.
	ReasonUpgrade           = "Upgrade"
	ReasonSavepoint         = "Savepoint"
	ReasonSavepointError    = "SavepointError"
	ReasonUpgradeFailed     = "UpgradeFailed"
	ReasonUpgradeHeld       = "UpgradeHeld"
	ReasonSuspended         = "Suspended"
	ReasonResume            = "Resume"
	ReasonSavepointRedeploy = "SavepointRedeploy"
	// ReasonRecoverDeployment: a lost JobManager Deployment is re-created.
	ReasonRecoverDeployment = "RecoverDeployment"
	// ReasonTakeDownStuck: the old cluster's pods outlived the take-down
	// timeout (gate_rollout.go).
	ReasonTakeDownStuck = "TakeDownStuck"
)

// Event actions (events.k8s.io/v1 requires one).
const (
	actionReconcile = "Reconcile"
	actionApply     = "Apply"
	actionDelete    = "Delete"
	actionObserve   = "Observe"
)
