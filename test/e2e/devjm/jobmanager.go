package devjm

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// JobManagerInfo describes one simulated JobManager process, for the debug
// endpoint and logs.
type JobManagerInfo struct {
	Namespace    string    `json:"namespace"`
	Name         string    `json:"name"`
	Pod          string    `json:"pod"`
	PodUID       types.UID `json:"podUID"`
	FlinkVersion string    `json:"flinkVersion"`
	Application  bool      `json:"application"`
	HA           bool      `json:"highAvailability"`
	// JobID and RestoredFrom describe the job an application cluster
	// started; RestoredFrom is empty for a job started without state.
	JobID        string    `json:"jobID,omitempty"`
	RestoredFrom string    `json:"restoredFrom,omitempty"`
	Started      time.Time `json:"started"`
}

// jobManager is one simulated JobManager process, bound to one Ready
// JobManager pod.
type jobManager struct {
	info    JobManagerInfo
	cluster *fakejm.Cluster
	conf    FlinkConf
	ha      *haMetadata // nil without Kubernetes HA or without a job

	stop func()
	done sync.WaitGroup
}

// applicationEntrypoints are the JobManager arguments that start an
// application cluster (native and standalone); anything else is a session.
var applicationEntrypoints = []string{"kubernetes-application", "standalone-job"}

func isApplicationPod(pod *corev1.Pod) bool {
	for _, c := range pod.Spec.Containers {
		if c.Name != "flink-main-container" {
			continue
		}
		args := strings.Join(append(append([]string{}, c.Command...), c.Args...), " ")
		for _, e := range applicationEntrypoints {
			if strings.Contains(args, e) {
				return true
			}
		}
	}
	return false
}

// seedOf makes every JobManager process draw different ids (job ids,
// savepoint names), as separate Flink processes would.
func seedOf(uid types.UID) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(uid))
	return h.Sum64()
}

// startJobManager starts the JobManager process of pod: a fake cluster of
// fd's Flink version configured by the rendered configuration, and for an
// application cluster its job, restored the way Flink would restore it.
func startJobManager(ctx context.Context, c client.Client, log logr.Logger, pod *corev1.Pod, fd *v1beta1.FlinkDeployment, configData map[string]string) (*jobManager, error) {
	version, err := flinkrest.ParseVersion(string(fd.Spec.FlinkVersion))
	if err != nil {
		return nil, fmt.Errorf("FlinkDeployment/%s/%s: spec.flinkVersion: %w", fd.Namespace, fd.Name, err)
	}
	conf, err := ParseFlinkConf(configData)
	if err != nil {
		return nil, fmt.Errorf("ConfigMap/%s/flink-config-%s: %w", fd.Namespace, fd.Name, err)
	}
	interval, err := conf.CheckpointInterval()
	if err != nil {
		return nil, fmt.Errorf("ConfigMap/%s/flink-config-%s: %w", fd.Namespace, fd.Name, err)
	}
	opts := []fakejm.Option{fakejm.WithSeed(seedOf(pod.UID))}
	if dir := conf.SavepointDir(version); dir != "" {
		opts = append(opts, fakejm.WithDefaultSavepointDir(dir))
	}
	cluster, err := fakejm.NewCluster(string(fd.Spec.FlinkVersion), opts...)
	if err != nil {
		return nil, fmt.Errorf("FlinkDeployment/%s/%s: start fake JobManager: %w", fd.Namespace, fd.Name, err)
	}
	jm := &jobManager{
		cluster: cluster,
		conf:    conf,
		info: JobManagerInfo{
			Namespace: pod.Namespace, Name: fd.Name, Pod: pod.Name, PodUID: pod.UID,
			FlinkVersion: version.String(), Application: isApplicationPod(pod),
			HA: conf.HighAvailability(), Started: time.Now(),
		},
	}
	if jm.info.Application {
		if err := jm.startJob(ctx, c, version); err != nil {
			return nil, err
		}
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	jm.stop = cancel
	if jm.info.Application {
		jm.done.Add(1)
		go func() {
			defer jm.done.Done()
			jm.runJob(loopCtx, log, version, interval)
		}()
	}
	return jm, nil
}

// startJob submits the application's job. Flink restores it from the
// latest checkpoint in the HA metadata when there is one (a JobManager
// failover or a last-state upgrade), else from the configured restore path.
func (jm *jobManager) startJob(ctx context.Context, c client.Client, version flinkrest.Version) error {
	ns, name := jm.info.Namespace, jm.info.Name
	spec := fakejm.JobSpec{ID: jm.conf.JobID(), Name: jm.conf["pipeline.name"], Parallelism: jm.conf.Parallelism()}
	if spec.Name == "" {
		spec.Name = name
	}
	if jm.info.HA {
		if spec.ID == "" {
			spec.ID = zeroJobID
		}
		clusterID := jm.conf.ClusterID()
		if clusterID == "" {
			clusterID = name
		}
		jm.ha = &haMetadata{client: c, namespace: ns, clusterID: clusterID, jobID: spec.ID, version: version}
		id, path, ok, err := jm.ha.latestCheckpoint(ctx)
		if err != nil {
			return err
		}
		if ok {
			spec.RestoredFrom, spec.RestoredCheckpointID, spec.RestoredFromCheckpoint = path, id, true
		}
	}
	restorePath := jm.conf.RestorePath(version)
	missingState := false
	if spec.RestoredFrom == "" && restorePath != "" {
		if restorePath == lastStateDummyPath {
			missingState = true
		} else {
			spec.RestoredFrom = restorePath
		}
	}
	jobID, err := jm.cluster.AddJob(spec)
	if err != nil {
		return fmt.Errorf("FlinkDeployment/%s/%s: start job: %w", ns, name, err)
	}
	jm.info.JobID, jm.info.RestoredFrom = jobID, spec.RestoredFrom
	if missingState {
		// What Flink does when told to restore from a path that is not there.
		msg := fmt.Sprintf("Cannot find checkpoint or savepoint file/directory '%s' on file system 'file'.", restorePath)
		if err := jm.cluster.FailJob(jobID, "java.io.FileNotFoundException", msg); err != nil {
			return fmt.Errorf("FlinkDeployment/%s/%s: fail job: %w", ns, name, err)
		}
		return nil
	}
	if jm.ha != nil {
		return jm.ha.submitJob(ctx)
	}
	return nil
}

// tick is how often a job's state is looked at; checkpoints follow their
// own interval, at this resolution.
const tick = 500 * time.Millisecond

// runJob takes a checkpoint every interval while the job runs (none when
// interval is 0) and, with HA, records it in the HA metadata; once the job
// ends for good it cleans its HA data up, as Flink does.
func (jm *jobManager) runJob(ctx context.Context, log logr.Logger, version flinkrest.Version, interval time.Duration) {
	log = log.WithValues("namespace", jm.info.Namespace, "name", jm.info.Name, "job", jm.info.JobID)
	dir := strings.TrimSuffix(jm.conf.CheckpointDir(version), "/")
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		state, ok := jm.cluster.JobState(jm.info.JobID)
		if !ok {
			return
		}
		if state.IsGloballyTerminal() {
			if jm.ha != nil {
				if err := jm.ha.cleanUpJob(ctx); err != nil {
					log.Error(err, "clean up HA metadata of a terminated job")
					continue
				}
			}
			log.Info("job terminated", "state", state)
			return
		}
		if interval <= 0 || state != flinkrest.JobRunning || time.Since(last) < interval {
			continue
		}
		last = time.Now()
		spec := fakejm.CheckpointSpec{Directory: dir}
		if dir == "" {
			spec.ExternalPath = flinkrest.NotExternallyAddressable
		}
		id, err := jm.cluster.AddCheckpoint(jm.info.JobID, spec)
		if err != nil {
			log.Error(err, "take checkpoint")
			continue
		}
		path := spec.ExternalPath
		if path == "" {
			path = fmt.Sprintf("%s/%s/chk-%d", dir, jm.info.JobID, id)
		}
		if jm.ha != nil {
			if err := jm.ha.recordCheckpoint(ctx, id, path); err != nil {
				log.Error(err, "record checkpoint in HA metadata", "checkpoint", id)
			}
		}
	}
}

// shutdown stops the process; its HA metadata stays, as when a JobManager
// pod is killed.
func (jm *jobManager) shutdown() {
	jm.stop()
	jm.done.Wait()
}
