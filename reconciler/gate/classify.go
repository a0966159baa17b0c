package gate

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	apiequality "k8s.io/apimachinery/pkg/api/equality"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// DiffType classifies a spec change by what it takes to roll it out, as the
// reference operator does (apache-operator.md §2.4). The order matters: a
// change's type is the largest over all changed fields.
type DiffType int

// Diff types, smallest first.
const (
	// DiffNone: nothing changed.
	DiffNone DiffType = iota
	// DiffIgnore: the change needs no action on the running cluster (for
	// example upgradeMode, or operator-only configuration keys).
	DiffIgnore
	// DiffScale: a parallelism change that standalone reactive mode applies
	// in place by resizing the TaskManager Deployment.
	DiffScale
	// DiffUpgrade: the JobManager must restart; the job's state is carried
	// over according to upgradeMode.
	DiffUpgrade
	// DiffSavepointRedeploy: savepointRedeployNonce changed; the job is
	// redeployed from spec.job.initialSavepointPath.
	DiffSavepointRedeploy
)

func (d DiffType) String() string {
	switch d {
	case DiffNone:
		return "NONE"
	case DiffIgnore:
		return "IGNORE"
	case DiffScale:
		return "SCALE"
	case DiffUpgrade:
		return "UPGRADE"
	case DiffSavepointRedeploy:
		return "SAVEPOINT_REDEPLOY"
	}
	return fmt.Sprintf("DiffType(%d)", int(d))
}

// SpecDiff is the classified difference between two specs.
type SpecDiff struct {
	Type DiffType
	// Fields lists each changed field with its type, for the SpecChanged
	// event ("spec.image: UPGRADE").
	Fields []string
}

// Classify compares the deployed spec with the desired one. Both must be
// defaulted. mode is the deployed mode, which decides whether parallelism
// changes can be applied in place.
func Classify(deployed, desired *v1beta1.FlinkDeploymentSpec) SpecDiff {
	c := classifier{standalone: deployed.Mode != nil && *deployed.Mode == v1beta1.ModeStandalone}
	c.reactive = c.standalone && isReactive(deployed)
	upgrade := func(path string, a, b any) { c.field(path, DiffUpgrade, a, b) }

	upgrade("spec.image", deployed.Image, desired.Image)
	upgrade("spec.imagePullPolicy", deployed.ImagePullPolicy, desired.ImagePullPolicy)
	upgrade("spec.serviceAccount", deployed.ServiceAccount, desired.ServiceAccount)
	upgrade("spec.flinkVersion", deployed.FlinkVersion, desired.FlinkVersion)
	upgrade("spec.ingress", deployed.Ingress, desired.Ingress)
	upgrade("spec.podTemplate", deployed.PodTemplate, desired.PodTemplate)
	upgrade("spec.jobManager", deployed.JobManager, desired.JobManager)
	upgrade("spec.logConfiguration", deployed.LogConfiguration, desired.LogConfiguration)
	upgrade("spec.mode", deployed.Mode, desired.Mode)
	// A nonce removed is not a restart request.
	if desired.RestartNonce != nil {
		upgrade("spec.restartNonce", deployed.RestartNonce, desired.RestartNonce)
	}
	c.config(deployed, desired)
	c.taskManager(deployed.TaskManager, desired.TaskManager)
	c.job(deployed.Job, desired.Job)
	sort.Strings(c.diff.Fields)
	return c.diff
}

type classifier struct {
	standalone, reactive bool
	diff                 SpecDiff
}

// field records path as changed with type t when a and b differ.
func (c *classifier) field(path string, t DiffType, a, b any) {
	if !apiequality.Semantic.DeepEqual(a, b) {
		c.record(path, t)
	}
}

func (c *classifier) record(path string, t DiffType) {
	c.diff.Fields = append(c.diff.Fields, path+": "+t.String())
	c.diff.Type = max(c.diff.Type, t)
}

// scaleOrUpgrade is SCALE where the change can be applied in place
// (standalone reactive mode) and UPGRADE otherwise. The reference operator
// rescales native clusters through Flink's REST API instead; this operator
// does not yet, so a native parallelism change is an upgrade.
func (c *classifier) scaleOrUpgrade() DiffType {
	if c.reactive {
		return DiffScale
	}
	return DiffUpgrade
}

func (c *classifier) config(deployed, desired *v1beta1.FlinkDeploymentSpec) {
	if sameConfigText(deployed.FlinkConfiguration, desired.FlinkConfiguration) {
		// The same JSON flattens to the same keys and values. Flattening
		// both was most of the time of classifying a settled
		// FlinkDeployment, which every reconcile does
		// (BenchmarkClassifyUnchanged).
		return
	}
	a, b := flinkconf.ReadRaw(deployed), flinkconf.ReadRaw(desired)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		t := DiffUpgrade
		switch {
		case strings.HasPrefix(k, "kubernetes.operator") || strings.HasPrefix(k, "job.autoscaler") || k == "parallelism.default":
			t = DiffIgnore
		case k == "pipeline.jobvertex-parallelism-overrides":
			t = c.scaleOrUpgrade()
		}
		va, oka := a[k]
		vb, okb := b[k]
		if oka != okb || va != vb {
			c.record("spec.flinkConfiguration."+k, t)
		}
	}
}

func sameConfigText(a, b *v1beta1.ConfigObject) bool {
	if a == nil || b == nil {
		return a == b
	}
	return bytes.Equal(a.Raw, b.Raw)
}

func (c *classifier) taskManager(a, b *v1beta1.TaskManagerSpec) {
	var ar, br *int32
	if a != nil {
		ar = a.Replicas
	}
	if b != nil {
		br = b.Replicas
	}
	c.field("spec.taskManager.replicas", c.scaleOrUpgrade(), ar, br)
	ac, bc := withoutReplicas(a), withoutReplicas(b)
	c.field("spec.taskManager", DiffUpgrade, ac, bc)
}

func withoutReplicas(tm *v1beta1.TaskManagerSpec) *v1beta1.TaskManagerSpec {
	if tm == nil {
		return nil
	}
	out := tm.DeepCopy()
	out.Replicas = nil
	return out
}

func (c *classifier) job(a, b *v1beta1.JobSpec) {
	if a == nil || b == nil {
		// Application <-> session is a different cluster altogether
		// (validation forbids it); treat it as the biggest restart.
		if (a == nil) != (b == nil) {
			c.field("spec.job", DiffUpgrade, a == nil, b == nil)
		}
		return
	}
	up := func(path string, x, y any) { c.field("spec.job."+path, DiffUpgrade, x, y) }
	up("jarURI", a.JarURI, b.JarURI)
	c.field("spec.job.parallelism", c.scaleOrUpgrade(), a.Parallelism, b.Parallelism)
	up("entryClass", a.EntryClass, b.EntryClass)
	up("args", a.Args, b.Args)
	up("state", a.State, b.State)
	ignore := func(path string, x, y any) { c.field("spec.job."+path, DiffIgnore, x, y) }
	ignore("upgradeMode", a.UpgradeMode, b.UpgradeMode)
	ignore("initialSavepointPath", a.InitialSavepointPath, b.InitialSavepointPath)
	ignore("allowNonRestoredState", a.AllowNonRestoredState, b.AllowNonRestoredState)
	// savepointTriggerNonce is no spec change: snapshots.go serves and
	// consumes it.
	ignore("checkpointTriggerNonce", a.CheckpointTriggerNonce, b.CheckpointTriggerNonce)
	ignore("autoscalerResetNonce", a.AutoscalerResetNonce, b.AutoscalerResetNonce)
	if b.SavepointRedeployNonce != nil {
		c.field("spec.job.savepointRedeployNonce", DiffSavepointRedeploy, a.SavepointRedeployNonce, b.SavepointRedeployNonce)
	}
}

// configOf is the spec's flinkConfiguration, read. Values compare as text,
// the way Flink compares configuration; an unreadable configuration
// (rejected by validation before it is deployed) reads as empty.
func configOf(spec *v1beta1.FlinkDeploymentSpec) *flinkconf.Settings {
	return flinkconf.Read(spec)
}

// KubernetesHA reports whether spec runs with Kubernetes HA.
func KubernetesHA(spec *v1beta1.FlinkDeploymentSpec) bool {
	return configOf(spec).HA.Kubernetes()
}

// isReactive reports standalone reactive mode, where TaskManagers may come
// and go and the job rescales to what is there.
func isReactive(spec *v1beta1.FlinkDeploymentSpec) bool {
	return configOf(spec).Reactive
}
