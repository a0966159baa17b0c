package reconciler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/metrics"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// maxStepsPerPass bounds how many gate decisions one pass carries out. A
// savepoint that completes at once goes savepoint -> take-down -> deploy in
// a single pass, which keeps the time from COMPLETED to the new
// JobManager short.
const maxStepsPerPass = 6

// Step names the boundaries of the upgrade path. StepHook is called at each;
// tests stop the reconciler there to prove a restart resumes correctly.
type Step string

// Steps, in the order a savepoint upgrade meets them.
const (
	StepStatusRecorded   Step = "status-recorded"   // write-ahead status persisted
	StepSavepointSent    Step = "savepoint-sent"    // stop-with-savepoint called
	StepClusterDeleted   Step = "cluster-deleted"   // old Deployments deleted
	StepHAStripped       Step = "ha-stripped"       // job graphs removed from HA
	StepApplied          Step = "applied"           // objects applied and pruned
	StepDeployedRecorded Step = "deployed-recorded" // final status persisted
)

// StepSavepointTriggered: a manual or periodic savepoint was triggered
// (gate/snapshots.go); with StepStatusRecorded before it and StepApplied after.
const StepSavepointTriggered Step = "savepoint-triggered"

// errStopped is returned when StepHook stops a pass.
var errStopped = errors.New("reconcile pass stopped by step hook")

// gatePass carries one pass's state through drive.
type gatePass struct {
	fd *v1beta1.FlinkDeployment
	// persisted is the FlinkDeployment as last written to the API server;
	// status patches are computed against it.
	persisted *v1beta1.FlinkDeployment
	desired   *v1beta1.FlinkDeploymentSpec
	deployed  *v1beta1.FlinkDeploymentSpec
	first     bool
	obs       *gate.Observation
	// triggerError carries a refused stop-with-savepoint to the next
	// decision.
	triggerError string
	// held is the last decision's hold reason.
	held string
	// confirmed: in this step, a status write or a fence proved persisted
	// the FlinkDeployment's latest version (fence.go).
	confirmed bool
	// templateDrift carries the Deployments an apply held back
	// (gate.ApplyStep.GuardPodTemplates) to the next decision.
	templateDrift []string
	// diff is the classified spec change, once specDiff computed it.
	diff *gate.SpecDiff
	// recordAtEnd is the step that the pass's final status write
	// completes, when the last action left its status to that write.
	recordAtEnd Step
}

// drive runs the gate's decisions for a FlinkDeployment until one waits.
func (r *Reconciler) drive(ctx context.Context, p *gatePass) (gate.Decision, error) {
	var d gate.Decision
	// No side effect without proof that the status it was decided on is
	// the latest (fence.go).
	ctx = withSideEffectGuard(ctx, func(ctx context.Context) error { return r.confirmLatest(ctx, p) })
	for step := 0; step < maxStepsPerPass; step++ {
		p.confirmed = false
		in, err := r.gateInput(ctx, p)
		if err != nil {
			return d, err
		}
		var before *v1beta1.UpgradeProgress
		if up := p.fd.Status.Upgrade; up != nil {
			before = up.DeepCopy()
		}
		savepointsBefore := snapshotSavepoints(&p.fd.Status)
		prevError := p.fd.Status.Error
		d = gate.Decide(in)
		if err := d.Validate(); err != nil {
			return d, objref.Of("FlinkDeployment", p.fd).Errorf("check the upgrade gate's decision: %w", err)
		}
		p.triggerError = ""
		p.held = d.Hold
		p.fd.Status = d.Status
		for _, ev := range d.Events {
			typ := "Normal"
			if ev.Warning {
				typ = "Warning"
			}
			r.event(p.fd, typ, ev.Reason, actionReconcile, ev.Message)
		}
		if d.Hold != "" {
			p.fd.Status.Error = d.Hold
		}
		if recordFirst(d) {
			if err := r.persist(ctx, p, StepStatusRecorded); err != nil {
				return d, err
			}
		}
		countProgress(before, p, in.Now)
		countDecision(before, d, p.fd.Status.Upgrade, prevError)
		countSavepoints(savepointsBefore, snapshotSavepoints(&p.fd.Status))
		again, err := r.act(ctx, p, d)
		if err != nil || !again {
			return d, err
		}
	}
	return d, nil
}

// recordFirst: the decision's status is written before its action is
// taken (write-ahead). A wait takes no action, and an apply that records
// nothing of its own (drift correction, a hold) writes its status with
// the rest of the pass.
func recordFirst(d gate.Decision) bool {
	switch {
	case d.Apply != nil:
		return d.After != nil || d.Apply.PersistFirst
	case d.TakeDown != nil, d.Savepoint != nil:
		return true
	}
	return false
}

// act performs a decision's side effect. It reports whether the gate
// should decide again at once.
func (r *Reconciler) act(ctx context.Context, p *gatePass, d gate.Decision) (bool, error) {
	switch {
	case d.Savepoint != nil && d.Savepoint.Stop:
		return r.stopWithSavepoint(ctx, p, *d.Savepoint)
	case d.Savepoint != nil:
		return r.triggerSavepoint(ctx, p, *d.Savepoint)
	case d.TakeDown != nil:
		return r.takeDownStep(ctx, p.fd, *d.TakeDown)
	case d.Apply != nil:
		return r.applyStep(ctx, p, d, *d.Apply)
	}
	return false, nil // wait
}

// takeDownStep deletes the cluster and reports whether it is gone already,
// so the deploy can follow in the same pass.
func (r *Reconciler) takeDownStep(ctx context.Context, fd *v1beta1.FlinkDeployment, step gate.TakeDownStep) (bool, error) {
	if err := r.takeDown(ctx, fd, step.DeleteHA); err != nil {
		return false, err
	}
	if err := r.stepHook(StepClusterDeleted); err != nil {
		return false, err
	}
	gone, err := r.clusterGone(ctx, fd)
	return gone && err == nil, err
}

// applyStep clears Flink's HA data where the step asks for it, deploys its
// target and records the status the decision holds for afterwards.
func (r *Reconciler) applyStep(ctx context.Context, p *gatePass, d gate.Decision, step gate.ApplyStep) (bool, error) {
	fd := p.fd
	if step.StripHAJobGraphs || step.DeleteHA {
		if err := r.clearHAForDeploy(ctx, fd, step.DeleteHA); err != nil {
			return false, err
		}
		if err := r.stepHook(StepHAStripped); err != nil {
			return false, err
		}
	}
	target := fd.DeepCopy()
	target.Spec = *step.Target
	heldBack, err := r.deploy(ctx, fd, target, r.withSettings(step.Context), step.GuardPodTemplates)
	if err != nil {
		return false, err
	}
	if err := r.stepHook(StepApplied); err != nil {
		return false, err
	}
	if len(heldBack) > 0 && len(p.templateDrift) == 0 {
		// Putting these back restarts the job: let the gate plan it.
		for _, k := range heldBack {
			p.templateDrift = append(p.templateDrift, k.String())
		}
		return true, nil
	}
	if d.After != nil {
		redeployed := d.Status.Upgrade != nil
		fd.Status = *d.After
		if p.held != "" {
			fd.Status.Error = p.held
		}
		if redeployed {
			// What was observed is the old cluster; the new one is starting.
			*p.obs = gate.Observation{JobManager: v1beta1.JMDeploying, RESTURL: p.obs.RESTURL}
			// The pass ends here: no request follows until the pass's own
			// status write, which records this status together with the
			// observation of the new cluster, so one write does for two
			// (issue 23). The write-ahead record of the deploy was made
			// before the apply; a crash before the write resumes from it.
			p.recordAtEnd = StepDeployedRecorded
		}
	}
	return false, nil
}

// deploy renders target (fd with the spec to deploy), applies the objects
// and prunes what the render no longer contains. A pass that would change
// nothing skips all of it (see renderMemo). With guardPodTemplates, a
// Deployment whose pod template the apply would change is left as it is
// and returned.
func (r *Reconciler) deploy(ctx context.Context, fd, target *v1beta1.FlinkDeployment, rc renderer.RenderContext, guardPodTemplates bool) ([]objectKey, error) {
	name := client.ObjectKeyFromObject(fd)
	inputs, err := renderInputs(target, rc)
	if err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("digest render inputs: %w", err)
	}
	if unchanged, err := r.renderedAndUntouched(ctx, name, inputs); err != nil || unchanged {
		return nil, err
	}
	start := time.Now()
	res, err := r.render(target, rc)
	metrics.ObserveRender(time.Since(start))
	if err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("render: %w", err)
	}
	applied, err := r.apply(ctx, fd, res.Objects, guardPodTemplates)
	if err != nil {
		return nil, err
	}
	for _, k := range applied.Drifted {
		r.event(fd, "Normal", ReasonDriftCorrected, actionApply, k.String()+" was changed outside the operator and has been put back")
	}
	pruned, err := r.prune(ctx, fd, res.Objects)
	if err != nil {
		return nil, err
	}
	for _, k := range pruned {
		r.event(fd, "Normal", ReasonPruned, actionDelete, k.String()+" is no longer part of the spec and was deleted")
	}
	if len(applied.Applied) > 0 || len(pruned) > 0 {
		log.FromContext(ctx).Info("applied", "applied", len(applied.Applied), "pruned", len(pruned), "drifted", len(applied.Drifted))
	}
	r.renders.put(name, renderMemoEntry{inputs: inputs, objects: slices.Clone(applied.Keys)})
	return applied.HeldBack, nil
}

// stopWithSavepoint calls Flink. A refusal (4xx) is the savepoint's
// failure; a lost answer is retried with the same trigger id on the next
// poll, which Flink 1.15+ deduplicates.
func (r *Reconciler) stopWithSavepoint(ctx context.Context, p *gatePass, sp gate.SavepointStep) (bool, error) {
	if err := beforeSideEffect(ctx); err != nil {
		return false, err
	}
	rest := r.runningRESTClient(p)
	id, err := rest.StopWithSavepoint(ctx, sp.JobID, flinkrest.StopRequest{TargetDirectory: sp.Dir, FormatType: sp.FormatType, TriggerID: sp.TriggerID})
	var apiErr *flinkrest.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 && !flinkrest.IsNotFound(err):
		p.triggerError = err.Error()
		return true, nil
	case err != nil:
		log.FromContext(ctx).Info("stop-with-savepoint call failed; polling will tell whether Flink got it", "error", err.Error())
		return false, nil
	}
	if up := p.fd.Status.Upgrade; up != nil && up.TriggerID == "" {
		// Flink < 1.15 chose the id; record it at once.
		up.TriggerID = id
		if info := p.fd.Status.JobStatus.SavepointInfo; info != nil {
			info.TriggerID = id
		}
		if err := r.persist(ctx, p, ""); err != nil {
			return false, err
		}
	}
	if err := r.stepHook(StepSavepointSent); err != nil {
		return false, err
	}
	return true, nil
}

// countProgress records the metrics of a step the gate just took: an
// upgrade of a running job starting, a savepoint completing. It runs once
// per step because the step is compared with the status read at the start
// of the decision.
func countProgress(before *v1beta1.UpgradeProgress, p *gatePass, now time.Time) {
	after := p.fd.Status.Upgrade
	switch {
	case before == nil && after != nil && p.deployed != nil && !gate.Suspended(p.deployed) && !after.Suspend:
		metrics.CountUpgrade(string(after.Mode))
	case before != nil && before.Phase == v1beta1.PhaseSavepointing && before.TriggerTimestamp.UnixMilli() > 0 &&
		(after == nil || after.Phase != v1beta1.PhaseSavepointing) && p.fd.Status.JobStatus.UpgradeSavepointPath != "":
		metrics.ObserveSavepoint(now.Sub(time.UnixMilli(before.TriggerTimestamp.UnixMilli())))
	}
}

// savepointState is what countSavepoints compares across a decision.
type savepointState struct {
	last    v1beta1.Savepoint // zero when none
	trigger v1beta1.SavepointTriggerType
}

func snapshotSavepoints(st *v1beta1.FlinkDeploymentStatus) savepointState {
	var s savepointState
	if info := st.JobStatus.SavepointInfo; info != nil && info.LastSavepoint != nil {
		s.last = *info.LastSavepoint
		s.last.TriggerNonce = nil // compared by value below
	}
	if tr := st.SavepointTrigger; tr != nil {
		s.trigger = tr.TriggerType
	}
	return s
}

// countSavepoints counts a savepoint the decision recorded as completed
// (a new lastSavepoint) and a manual or periodic request it ended without
// one.
func countSavepoints(before, after savepointState) {
	completed := after.last != before.last && after.last.Location != ""
	if completed {
		metrics.CountSavepoint(strings.ToLower(after.last.TriggerType), metrics.SavepointCompleted)
	}
	if before.trigger != "" && after.trigger == "" && !completed {
		metrics.CountSavepoint(strings.ToLower(string(before.trigger)), metrics.SavepointAbandoned)
	}
}

// persist writes status now (write-ahead), if it changed.
func (r *Reconciler) persist(ctx context.Context, p *gatePass, step Step) error {
	if p.persisted.Status.HasEpochMillis() || !apiequality.Semantic.DeepEqual(p.persisted.Status, p.fd.Status) {
		if err := r.writeStatus(ctx, p.persisted, p.fd); err != nil {
			return err
		}
		p.persisted = p.fd.DeepCopy()
		p.confirmed = true
	}
	if step != "" {
		return r.stepHook(step)
	}
	return nil
}

func (r *Reconciler) stepHook(s Step) error {
	if r.StepHook != nil && r.StepHook(s) {
		return fmt.Errorf("%w at %s", errStopped, s)
	}
	return nil
}

var deploymentGVK = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}

// takeDown deletes the cluster's Deployments (JobManager, and TaskManager in
// standalone mode); native TaskManager pods go with the JobManager
// Deployment that owns them. ConfigMaps and Services stay: the next apply
// updates them.
func (r *Reconciler) takeDown(ctx context.Context, fd *v1beta1.FlinkDeployment, deleteHA bool) error {
	deps := &appsv1.DeploymentList{}
	if err := r.APIReader.List(ctx, deps, client.InNamespace(fd.Namespace), client.MatchingLabelsSelector{Selector: clusterDeploymentSelector(fd.Name)}); err != nil {
		return objref.Of("FlinkDeployment", fd).Errorf("list Deployments: %w", err)
	}
	for i := range deps.Items {
		dep := &deps.Items[i]
		if !ownedBy(dep, fd.UID) {
			continue
		}
		if err := beforeSideEffect(ctx); err != nil {
			return err
		}
		if err := r.Client.Delete(ctx, dep, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil && !apierrors.IsNotFound(err) {
			return objref.Of("Deployment", dep).Errorf("delete for upgrade: %w", err)
		}
		r.memo.forget(objectKey{gvk: deploymentGVK, namespace: dep.Namespace, name: dep.Name})
	}
	if deleteHA {
		return r.deleteHA(ctx, fd)
	}
	return nil
}

// clusterGone reports whether no Deployment and no pod of the cluster is
// left, so a new JobManager can start without meeting the old one or its
// TaskManagers.
func (r *Reconciler) clusterGone(ctx context.Context, fd *v1beta1.FlinkDeployment) (bool, error) {
	deps := &metav1.PartialObjectMetadataList{}
	deps.SetGroupVersionKind(deploymentGVK.GroupVersion().WithKind("DeploymentList"))
	if err := r.APIReader.List(ctx, deps, client.InNamespace(fd.Namespace), client.MatchingLabelsSelector{Selector: clusterDeploymentSelector(fd.Name)}); err != nil {
		return false, objref.Of("FlinkDeployment", fd).Errorf("list Deployments: %w", err)
	}
	for i := range deps.Items {
		if ownedBy(&deps.Items[i], fd.UID) {
			return false, nil
		}
	}
	pods := &metav1.PartialObjectMetadataList{}
	pods.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("PodList"))
	if err := r.APIReader.List(ctx, pods, client.InNamespace(fd.Namespace), client.MatchingLabelsSelector{Selector: clusterPodSelector(fd.Name)}, client.Limit(1)); err != nil {
		return false, objref.Of("FlinkDeployment", fd).Errorf("list pods: %w", err)
	}
	return len(pods.Items) == 0, nil
}
