// Package submission is what the FlinkSessionJob controller sends to a
// session's JobManager, and how it carries out a change of a submitted
// spec: pure functions, shared by the controller (reconciler/sessionjob)
// and by flink-render, which prints the submission of a FlinkSessionJob
// and plans its changes (package planner). Neither keeps a copy of these
// rules.
package submission

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// Session is what a run request depends on of the session cluster.
type Session struct {
	// FlinkVersion is the session FlinkDeployment's spec.flinkVersion,
	// which names the configuration keys.
	FlinkVersion v1beta1.FlinkVersion
	// JobConfiguration: the session's JobManager takes a job-level
	// configuration with the run (Flink 1.17+,
	// flinkrest.Version.SupportsJobConfiguration).
	JobConfiguration bool
}

// Request is the run of spec's jar (POST /jars/:jarid/run) restoring from
// restorePath ("" starts the job empty), without its job id, which the
// controller chooses and records before it sends anything: the entry
// class, args, parallelism and allowNonRestoredState of spec.job, and
// spec.flinkConfiguration without the operator's own keys, plus checkpoint
// retention on cancellation for a last-state job (RetainCheckpoints). An
// error is a spec.flinkConfiguration that cannot be read.
func Request(spec *v1beta1.FlinkSessionJobSpec, restorePath string, s Session) (flinkrest.RunJarRequest, error) {
	job := spec.Job
	if job == nil {
		return flinkrest.RunJarRequest{}, fmt.Errorf("no spec.job to submit")
	}
	req := flinkrest.RunJarRequest{
		EntryClass: job.EntryClass, Args: job.Args,
		Parallelism: job.Parallelism, SavepointPath: restorePath,
		AllowNonRestoredState: job.AllowNonRestoredState != nil && *job.AllowNonRestoredState,
	}
	config, err := FlatConfig(spec.FlinkConfiguration)
	if err != nil {
		return flinkrest.RunJarRequest{}, err
	}
	req.FlinkConfiguration = RetainCheckpoints(spec, config, s)
	return req, nil
}

// FlatConfig is spec.flinkConfiguration as the run request takes it.
func FlatConfig(c *v1beta1.ConfigObject) (map[string]string, error) {
	entries, err := c.Flatten()
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		// The operator's own keys are for the operator, and would make a
		// Flink before 1.17 refuse the run for carrying a configuration.
		if strings.HasPrefix(e.Key, "kubernetes.operator.") {
			continue
		}
		out[e.Key] = fmt.Sprint(e.Value)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// RetainCheckpoints keeps the checkpoints of a stateful job (savepoint or
// last-state) when it ends, unless its configuration says otherwise.
// Flink's default retention (NO_EXTERNALIZED_CHECKPOINTS) deletes them
// when the job is cancelled or fails for good, and both are when the
// operator needs them: a last-state upgrade cancels the job and restores
// its latest checkpoint, and a job that FAILED is restored from its latest
// checkpoint on the next spec change. The templates do the same for
// application clusters, as the reference operator does; the reference
// sets nothing for session jobs. Flink takes a job's own configuration
// with the run from 1.17; an older session keeps its cluster's setting,
// which the operator reads before it relies on a checkpoint.
func RetainCheckpoints(spec *v1beta1.FlinkSessionJobSpec, config map[string]string, s Session) map[string]string {
	if Defaulted(spec).Job.UpgradeMode == v1beta1.UpgradeModeStateless || !s.JobConfiguration {
		return config
	}
	facts, ok := versions.For(s.FlinkVersion)
	if !ok {
		return config
	}
	if _, set := config[facts.Keys.CheckpointRetention]; set {
		return config
	}
	if config == nil {
		config = map[string]string{}
	}
	config[facts.Keys.CheckpointRetention] = "RETAIN_ON_CANCELLATION"
	return config
}

// SavepointOnDeletionKey in a session job's spec.flinkConfiguration makes
// deletion stop the job with a savepoint instead of cancelling it.
const SavepointOnDeletionKey = "kubernetes.operator.job.savepoint-on-deletion"

// SavepointOnDeletion reads SavepointOnDeletionKey from the session job's
// own configuration.
func SavepointOnDeletion(spec *v1beta1.FlinkSessionJobSpec) bool {
	entries, err := spec.FlinkConfiguration.Flatten()
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Key == SavepointOnDeletionKey {
			b, err := strconv.ParseBool(fmt.Sprint(e.Value))
			return err == nil && b
		}
	}
	return false
}

// ResumeRestorePath is where the resume of a suspended (or parked) job
// restores from, by a FlinkDeployment's rules (the gate's resume): a job
// that never ran (neverRan: status.jobStatus.startTime is empty) from
// spec.job.initialSavepointPath, as a first submission; a stateless one
// empty; a stateful one from the savepoint its take-down recorded
// (savepoint). ok is false for a stateful job whose savepoint is not
// recorded: it is held (Manual restore required) rather than started
// empty.
func ResumeRestorePath(spec *v1beta1.FlinkSessionJobSpec, neverRan bool, savepoint string) (path string, ok bool) {
	switch {
	case neverRan:
		return spec.Job.InitialSavepointPath, true
	case Defaulted(spec).Job.UpgradeMode == v1beta1.UpgradeModeStateless:
		return "", true
	case savepoint == "":
		return "", false
	}
	return savepoint, true
}

// Defaulted spells out the defaults of upgradeMode and state, so a spec
// that writes them and one that leaves them out compare equal.
func Defaulted(s *v1beta1.FlinkSessionJobSpec) *v1beta1.FlinkSessionJobSpec {
	c := s.DeepCopy()
	if c.Job.UpgradeMode == "" {
		c.Job.UpgradeMode = v1beta1.DefaultUpgradeMode
	}
	if c.Job.State == "" {
		c.Job.State = v1beta1.JobStateRunning
	}
	return c
}
