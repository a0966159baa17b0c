package planner

// The plan is data first: its JSON form (flink-render plan --output json)
// is a stable interface for CI jobs. Fields are only ever added; the
// values of Change, State and Restart are never renamed.

// Plan is the plan of every FlinkDeployment and FlinkSessionJob of the
// base and head inputs.
type Plan struct {
	// Restart summarises the plan: the most serious Restart of any
	// resource (see Restart.Worse).
	Restart Restart `json:"restart"`
	// Resources: the FlinkDeployments in namespace/name order, then the
	// FlinkSessionJobs in namespace/name order.
	Resources []Resource `json:"resources"`
}

// Resource is the plan of one FlinkDeployment or FlinkSessionJob (Kind).
type Resource struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Live: the base was a live object whose status said what is deployed.
	Live bool `json:"live,omitempty"`
	// Change is the class of the change.
	Change Change `json:"change"`
	// Action is what an upgrade does to the job: "upgrade", "suspend",
	// "resume" or "savepoint-redeploy"; empty when nothing restarts.
	Action string `json:"action,omitempty"`
	// State is how the job's state is kept by an upgrade.
	State State `json:"state,omitempty"`
	// RestorePath is where the new job restores from, when the operator
	// knows it before the upgrade starts.
	RestorePath string `json:"restorePath,omitempty"`
	// StateRule is the row of the operator's state table ("How the job's
	// state is kept" in the README) that decided State or the hold.
	StateRule string `json:"stateRule,omitempty"`
	// Reason says why a held change is held, in the operator's words
	// (what status.error would say).
	Reason string `json:"reason,omitempty"`
	// Fields are the changed spec fields with their class, as the
	// operator's SpecChanged event lists them ("spec.image: UPGRADE").
	Fields []string `json:"fields,omitempty"`
	// Summary is the plan of this resource in one sentence.
	Summary string `json:"summary"`
	// Restart is what the change does to the running job.
	Restart Restart `json:"restart"`
	// Assumptions are what the plan assumed of the cluster, which a file
	// cannot say (for example that the job is running).
	Assumptions []string `json:"assumptions,omitempty"`
	// SessionJobs are, for a session cluster's restart, the
	// FlinkSessionJobs among the plan's inputs that name it, and what
	// the restart does to each one's job (with flink-operator
	// --session-jobs): "ns/name: stops with a savepoint and resumes from
	// it", or, for upgradeMode stateless, "is cancelled and submitted
	// again". Session jobs the inputs do not hold are not known to plan.
	SessionJobs []string `json:"sessionJobs,omitempty"`
	// Objects are the rendered objects that change.
	Objects []ObjectChange `json:"objects,omitempty"`
}

// Change is the class of a change to a FlinkDeployment.
type Change string

// Changes.
const (
	// ChangeAdded: the FlinkDeployment is new; its job starts.
	ChangeAdded Change = "added"
	// ChangeRemoved: the FlinkDeployment is deleted; the operator deletes
	// its cluster and Flink's HA data, without a savepoint.
	ChangeRemoved Change = "removed"
	// ChangeNone: nothing the operator acts on changed.
	ChangeNone Change = "none"
	// ChangeIgnored: applied in place; nothing restarts.
	ChangeIgnored Change = "ignored"
	// ChangeScale: applied in place by resizing the TaskManagers.
	ChangeScale Change = "scale"
	// ChangeUpgrade: the JobManager restarts; State says how the job's
	// state is kept.
	ChangeUpgrade Change = "upgrade"
	// ChangeHeld: the operator would refuse or hold the change; Reason
	// says why. The running job keeps running as it is.
	ChangeHeld Change = "held"
)

// State is how an upgrade keeps the job's state.
type State string

// States.
const (
	// StateSavepoint: stop with a savepoint and restart from it.
	StateSavepoint State = "savepoint"
	// StateLastState: restart from Kubernetes HA (last-state).
	StateLastState State = "last-state"
	// StateRestore: restart from RestorePath (a savepoint or checkpoint
	// the operator already knows).
	StateRestore State = "restore"
	// StateStateless: restart without state.
	StateStateless State = "stateless"
	// StateSession: a session cluster restarts; it has no job of its own.
	StateSession State = "session"
	// StateLatestCheckpoint: a FlinkSessionJob's last-state upgrade. The
	// operator cancels the job and restores its latest checkpoint when the
	// job's checkpoints survive the cancel, else it stops the job with a
	// savepoint and restores that: which one, only the running job says.
	StateLatestCheckpoint State = "latest-checkpoint"
)

// Describe is the state keeping in words.
func (s State) Describe(restorePath string) string {
	switch s {
	case StateSavepoint:
		return "stop with a savepoint and restart from it"
	case StateLastState:
		return "restart from Kubernetes HA (last-state)"
	case StateRestore:
		return "restart from " + restorePath
	case StateStateless:
		return "restart without state"
	case StateSession:
		return "restart the session cluster (it runs no job of its own; Flink's HA data stays; with flink-operator --session-jobs, " +
			"its FlinkSessionJobs' jobs are stopped with a savepoint first and resumed from it once it runs)"
	case StateLatestCheckpoint:
		return "restart from the latest checkpoint: cancel and restore the latest checkpoint if its checkpoints are retained on cancellation, else stop with a savepoint and restart from it"
	}
	return string(s)
}

// Restart is what a change does to a running job, as CI acts on it.
type Restart string

// Restarts, least serious first.
const (
	// RestartNone: no job restarts.
	RestartNone Restart = "none"
	// RestartWithState: a job restarts (or stops) and keeps its state.
	RestartWithState Restart = "with-state"
	// RestartHeld: the operator would hold the change; nothing restarts
	// until someone acts.
	RestartHeld Restart = "held"
	// RestartWithoutState: a job restarts or stops without its state.
	RestartWithoutState Restart = "without-state"
)

func (r Restart) rank() int {
	switch r {
	case RestartWithState:
		return 1
	case RestartHeld:
		return 2
	case RestartWithoutState:
		return 3
	}
	return 0
}

// Worse is the more serious of r and o.
func (r Restart) Worse(o Restart) Restart {
	if o.rank() > r.rank() {
		return o
	}
	return r
}

// Exit codes of flink-render plan. 1 (invalid input) and 2 (usage) are
// flink-render's own.
const (
	ExitNoRestart           = 0
	ExitRestartWithState    = 3
	ExitRestartWithoutState = 4
	ExitHeld                = 5
)

// ExitCode is the exit status of flink-render plan for the plan.
func (p *Plan) ExitCode() int {
	switch p.Restart {
	case RestartWithState:
		return ExitRestartWithState
	case RestartHeld:
		return ExitHeld
	case RestartWithoutState:
		return ExitRestartWithoutState
	}
	return ExitNoRestart
}

// ObjectChange is one rendered object that differs.
type ObjectChange struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Change is "added", "removed" or "changed".
	Change string `json:"change"`
	// Diff is the unified diff of the object's YAML.
	Diff string `json:"diff"`
}
