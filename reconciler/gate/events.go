package gate

// Event reasons of the upgrade gate. They are stable: users and alerting
// match on them. The names follow the reference operator's where the
// meaning is the same.
const (
	ReasonSubmit      = "Submit"
	ReasonSpecChanged = "SpecChanged"
	// ReasonMissing: the JobManager Deployment or the state to restore
	// from is gone.
	ReasonMissing           = "Missing"
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
	// timeout (rollout.go).
	ReasonTakeDownStuck = "TakeDownStuck"
	// ReasonAdopted: a cluster another operator made is now managed here;
	// the note says what runs (adopt.go).
	ReasonAdopted = "Adopted"
)
