package planner

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/decode"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// plan and the operator agree on the class of every row of the gate's
// tables: the state table (gate.StateRules) and every DiffType of the
// classification. Each row is one situation, given to both sides as the
// same facts: the operator's side builds gate.Input as the reconciler
// does (gate_input.go: the observation, the HA ConfigMaps, the classified
// diff) and asks gate.Decide; plan's side gets the live object whose
// status records those facts, as kubectl get -o yaml shows it, and plans
// it with PlanResource. Where the job runs, plan from a file (no status)
// must agree too.

const testJobID = "3f1c7cd2a8d34cc8a8e3b0b8f9a8d1e2"

// spec is an application FlinkDeployment; config is added to its
// flinkConfiguration, extra to its spec.
func spec(t *testing.T, mode string, config, extra string) *v1beta1.FlinkDeployment {
	t.Helper()
	fd, errs := decode.Object([]byte(fmt.Sprintf(`apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: job, namespace: default}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
    state.savepoints.dir: s3://b/sp
    state.checkpoints.dir: s3://b/cp
%s
  jobManager: {resources: {requests: {memory: 2048m, cpu: "1"}}}
  taskManager: {resources: {requests: {memory: 2048m, cpu: "1"}}}
  job: {jarURI: "local:///job.jar", parallelism: 2, upgradeMode: %s}
%s`, config, mode, extra)))
	require.Empty(t, errs)
	return fd
}

const (
	haConfig   = "    high-availability.type: kubernetes\n    high-availability.storageDir: s3://b/ha"
	hashmap    = haConfig + "\n    state.backend.type: hashmap"
	rocksdb    = haConfig + "\n    state.backend.type: rocksdb"
	reactive   = "    scheduler-mode: reactive"
	standalone = "  mode: standalone"
)

// facts are what the operator observes of the deployed cluster.
type facts struct {
	jm      v1beta1.JobManagerDeploymentStatus
	job     flinkrest.JobStatus // "" when the REST API reports none
	started bool                // a JobManager of the deployed spec ran
	ha      *gate.HAObservation // nil without Kubernetes HA
	restErr string
	latest  string // the newest restorable checkpoint, for a terminal job
}

var running = facts{jm: v1beta1.JMReady, job: flinkrest.JobRunning, started: true}

func (f facts) with(change func(*facts)) facts { change(&f); return f }

// status is the status the operator records for the deployed spec and f.
func (f facts) status(t *testing.T, deployed *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentStatus {
	enc, err := v1beta1.EncodeReconciledSpec(*deployed, false)
	require.NoError(t, err)
	st := &v1beta1.FlinkDeploymentStatus{
		JobManagerDeploymentStatus: f.jm,
		JobStatus:                  v1beta1.JobStatus{JobID: testJobID, State: string(f.job)},
		ReconciliationStatus:       v1beta1.ReconciliationStatus{LastReconciledSpec: enc, State: v1beta1.ReconciliationDeployed},
		DeployedWith:               &v1beta1.DeployedWith{JobID: testJobID, JobManagerStarted: f.started},
	}
	if f.started {
		st.JobStatus.StartTime = "1"
	}
	if f.ha != nil {
		st.HighAvailability = &v1beta1.HAStatus{MetadataAvailable: f.ha.MetadataAvailable, LatestCheckpointID: f.ha.LatestCheckpointID}
	}
	if f.restErr != "" {
		st.Error = "JobManager REST API at http://job-rest.default:8081 is unreachable: " + f.restErr
	}
	if f.latest != "" {
		st.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{LastSavepoint: &v1beta1.Savepoint{Location: f.latest}}
	}
	return st
}

// operatorInput is gate.Input as the reconciler builds it for f.
func (f facts) operatorInput(t *testing.T, base, head *v1beta1.FlinkDeployment) gate.Input {
	deployed, desired := Defaulted(&base.Spec), Defaulted(&head.Spec)
	st := f.status(t, deployed)
	in := gate.Input{Spec: desired, Generation: 2, Status: st, Deployed: deployed,
		Obs: gate.Observation{JobManager: f.jm, JobManagerRan: gate.EvidenceNo}, LatestCheckpoint: f.latest,
		JobManagerLost: f.jm == v1beta1.JMMissing && !gate.Suspended(deployed),
		TriggerIDs:     true, Now: time.UnixMilli(1_000_000), NewJobID: newJobID, NewTriggerID: newTriggerID}
	if f.started {
		in.Obs.JobManagerRan = gate.EvidenceYes
	}
	switch {
	case f.restErr != "":
		in.Obs.RESTError = errors.New(f.restErr)
	case f.jm == v1beta1.JMReady && f.job != "":
		in.Obs.Job = &flinkrest.JobOverview{ID: testJobID, State: f.job}
	}
	if f.ha != nil {
		in.HA = *f.ha
	}
	diff, err := gate.ClassifyRendered(head, deployed, desired, gate.DeployedContext(st), renderer.Render)
	require.NoError(t, err)
	in.Diff = &diff
	return in
}

func ha(available bool, checkpoint int64) *gate.HAObservation {
	return &gate.HAObservation{Enabled: true, MetadataAvailable: available, LatestCheckpointID: checkpoint}
}

type row struct {
	name       string
	base, head *v1beta1.FlinkDeployment
	facts      facts
	want       Change
	wantState  State
}

func rows(t *testing.T) []row {
	image := func(fd *v1beta1.FlinkDeployment) *v1beta1.FlinkDeployment {
		out := fd.DeepCopy()
		out.Spec.Image = "flink:1.20.1"
		return out
	}
	savepoint := spec(t, "savepoint", "", "")
	lastState := spec(t, "last-state", haConfig, "")
	savepointHA := spec(t, "savepoint", haConfig, "")
	reactiveCluster := spec(t, "savepoint", reactive, standalone)
	reactiveCluster.Spec.TaskManager.Replicas = ptrTo[int32](2)
	scaled := reactiveCluster.DeepCopy()
	scaled.Spec.TaskManager.Replicas = ptrTo[int32](3)
	operatorKey := spec(t, "savepoint", "    kubernetes.operator.savepoint.history.max.count: \"7\"", "")
	redeploy := savepoint.DeepCopy()
	redeploy.Spec.Job.InitialSavepointPath = "s3://b/sp/savepoint-1"
	redeploy.Spec.Job.SavepointRedeployNonce = ptrTo[int64](1)
	allowNonRestored := spec(t, "savepoint", "", standalone)
	allowNonRestored.Spec.Job.AllowNonRestoredState = ptrTo(true)
	notStarted := facts{jm: v1beta1.JMDeployedNotReady}
	restarting := running.with(func(f *facts) { f.job = flinkrest.JobRestarting })

	return []row{
		// The state table, row by row.
		{"upgradeMode stateless", spec(t, "stateless", "", ""), image(spec(t, "stateless", "", "")), running, ChangeUpgrade, StateStateless},
		{"running, savepoint", savepoint, image(savepoint), running, ChangeUpgrade, StateSavepoint},
		{"running, last-state, no HA metadata", lastState, image(lastState), running.with(func(f *facts) { f.ha = ha(false, 0) }), ChangeHeld, ""},
		{"running, last-state", lastState, image(lastState), running.with(func(f *facts) { f.ha = ha(true, 7) }), ChangeUpgrade, StateLastState},
		{"not running, HA holds a checkpoint", savepointHA, image(savepointHA), restarting.with(func(f *facts) { f.ha = ha(true, 3) }), ChangeUpgrade, StateLastState},
		{"not running, the state backend changes", spec(t, "last-state", hashmap, ""), spec(t, "last-state", rocksdb, ""), restarting.with(func(f *facts) { f.ha = ha(true, 7) }), ChangeHeld, ""},
		{"failed or finished, with a checkpoint", savepoint, image(savepoint), running.with(func(f *facts) { f.job, f.latest = flinkrest.JobFailed, "s3://b/cp/chk-9" }), ChangeUpgrade, StateRestore},
		{"never started", savepoint, image(savepoint), notStarted, ChangeUpgrade, StateStateless},
		{"starting or restarting", savepoint, image(savepoint), restarting, ChangeHeld, ""},
		{"REST API not answering", savepoint, image(savepoint), running.with(func(f *facts) { f.job, f.restErr = "", "connection refused" }), ChangeHeld, ""},
		{"JobManager starting", savepoint, image(savepoint), facts{jm: v1beta1.JMDeploying, started: true}, ChangeHeld, ""},
		{"anything else", savepoint, image(savepoint), facts{jm: v1beta1.JMMissing, started: true}, ChangeHeld, ""},
		// The classification, one row per DiffType, and a change the
		// render-based safety net makes an UPGRADE.
		{"NONE", savepoint, savepoint, running, ChangeNone, ""},
		{"IGNORE", savepoint, operatorKey, running, ChangeIgnored, ""},
		{"SCALE", reactiveCluster, scaled, running, ChangeScale, ""},
		{"UPGRADE by the render", spec(t, "savepoint", "", standalone), allowNonRestored, running, ChangeUpgrade, StateSavepoint},
		{"SAVEPOINT_REDEPLOY", savepoint, redeploy, running, ChangeUpgrade, StateRestore},
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestPlanAgreesWithTheOperator(t *testing.T) {
	rules := map[string]bool{}
	diffs := map[gate.DiffType]bool{}
	for _, r := range rows(t) {
		t.Run(r.name, func(t *testing.T) {
			in := r.facts.operatorInput(t, r.base, r.head)
			d := gate.Decide(in)
			operator := Read(in, d)
			diffs[in.Diff.Type] = true
			if d.StateRule != "" {
				rules[d.StateRule] = true
			}

			live := r.head.DeepCopy()
			live.Status = *r.facts.status(t, Defaulted(&r.base.Spec))
			plan, err := PlanResource(live, r.head, Options{})
			require.NoError(t, err)

			assert.Equal(t, r.want, operator.Change, "the operator: %s", d.Hold)
			assert.Equal(t, r.wantState, operator.State)
			assert.Equal(t, operator.Change, plan.Change, "plan: %s", plan.Summary)
			assert.Equal(t, operator.State, plan.State)
			assert.Equal(t, operator.StateRule, plan.StateRule)
			assert.Equal(t, operator.Restart, plan.Restart)
			assert.Equal(t, operator.Reason, plan.Reason)
			assert.Equal(t, operator.Fields, plan.Fields)
			if r.facts.jm == v1beta1.JMReady && r.facts.job == flinkrest.JobRunning && r.facts.ha == nil && !KubernetesHA(r.base) {
				fromFile, err := PlanResource(r.base, r.head, Options{})
				require.NoError(t, err)
				assert.Equal(t, operator.Change, fromFile.Change, "plan from a file: %s", fromFile.Summary)
				assert.Equal(t, operator.State, fromFile.State)
				assert.Equal(t, operator.StateRule, fromFile.StateRule)
			}
		})
	}
	for _, rule := range gate.StateRules() {
		assert.True(t, rules[rule], "no row reaches the state table's row %q", rule)
	}
	for _, d := range []gate.DiffType{gate.DiffNone, gate.DiffIgnore, gate.DiffScale, gate.DiffUpgrade, gate.DiffSavepointRedeploy} {
		assert.True(t, diffs[d], "no row is classified %s", d)
	}
}

// KubernetesHA: fd's spec runs with Kubernetes HA.
func KubernetesHA(fd *v1beta1.FlinkDeployment) bool { return gate.KubernetesHA(Defaulted(&fd.Spec)) }
