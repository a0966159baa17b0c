package reconciler

// Event reasons of the controller. They are stable: users and alerting
// match on them. The names follow the reference operator's where the
// meaning is the same. The upgrade gate's own reasons are in package gate
// (gate/events.go).
const (
	ReasonValidationError = "ValidationError"
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
	// ReasonReferenceOperatorActive: the reference operator's finalizer came
	// back after this operator had replaced it, so that operator still
	// runs; two operators on one FlinkDeployment can restart its job.
	ReasonReferenceOperatorActive = "ReferenceOperatorActive"
)

// Event actions (events.k8s.io/v1 requires one).
const (
	actionReconcile = "Reconcile"
	actionApply     = "Apply"
	actionDelete    = "Delete"
	actionObserve   = "Observe"
)
