package devjm

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// haMetadata writes and reads the Kubernetes HA ConfigMaps of one job the
// way Flink lays them out (flink-facts.md §4):
//
//   - 1.15+: <cluster-id>-cluster-config-map holds the job graph, and
//     <cluster-id>-<jobid>-config-map the job's checkpoints;
//   - 1.13/1.14: <cluster-id>-dispatcher-leader holds the job graph, and
//     <cluster-id>-<jobid>-jobmanager-leader the checkpoints.
//
// Real checkpoint values are base64 Java-serialized handles that nobody
// outside Flink can read; this fake stores base64 of the checkpoint's
// external path instead, so that it can restore from it. Key names, which
// are all the operator looks at, are Flink's.
type haMetadata struct {
	client    client.Client
	namespace string
	clusterID string
	jobID     string
	version   flinkrest.Version
}

// haLabels are the labels Flink puts on every HA ConfigMap, in native and
// standalone mode alike.
func (h *haMetadata) labels() map[string]string {
	// As real Flink labels them (seen with Flink 2.2 on the dev cluster):
	// no "configmap-type" label.
	return map[string]string{"app": h.clusterID, "type": "flink-native-kubernetes"}
}

func (h *haMetadata) clusterConfigMap() string {
	if h.version.AtLeast(1, 15) {
		return h.clusterID + "-cluster-config-map"
	}
	return h.clusterID + "-dispatcher-leader"
}

func (h *haMetadata) jobConfigMap() string {
	if h.version.AtLeast(1, 15) {
		return h.clusterID + "-" + h.jobID + "-config-map"
	}
	return h.clusterID + "-" + h.jobID + "-jobmanager-leader"
}

// graphKey holds the submitted job: a job graph up to 1.x, an execution
// plan from 2.0.
func (h *haMetadata) graphKey() string {
	if h.version.AtLeast(2, 0) {
		return "executionPlan-" + h.jobID
	}
	return "jobGraph-" + h.jobID
}

const checkpointKeyPrefix = "checkpointID-"

func checkpointKey(id int64) string { return fmt.Sprintf("%s%019d", checkpointKeyPrefix, id) }

// latestCheckpoint returns the newest checkpoint the job's HA ConfigMap
// records; ok is false when there is none.
func (h *haMetadata) latestCheckpoint(ctx context.Context) (id int64, path string, ok bool, err error) {
	cm := &corev1.ConfigMap{}
	err = h.client.Get(ctx, client.ObjectKey{Namespace: h.namespace, Name: h.jobConfigMap()}, cm)
	if apierrors.IsNotFound(err) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("ConfigMap/%s/%s: get: %w", h.namespace, h.jobConfigMap(), err)
	}
	var keys []string
	for k := range cm.Data {
		if strings.HasPrefix(k, checkpointKeyPrefix) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return 0, "", false, nil
	}
	sort.Strings(keys) // zero-padded ids sort numerically
	newest := keys[len(keys)-1]
	id, err = strconv.ParseInt(strings.TrimPrefix(newest, checkpointKeyPrefix), 10, 64)
	if err != nil {
		return 0, "", false, fmt.Errorf("ConfigMap/%s/%s: key %s: %w", h.namespace, h.jobConfigMap(), newest, err)
	}
	raw, err := base64.StdEncoding.DecodeString(cm.Data[newest])
	if err != nil {
		return 0, "", false, fmt.Errorf("ConfigMap/%s/%s: key %s is not a checkpoint this service wrote: %w", h.namespace, h.jobConfigMap(), newest, err)
	}
	return id, string(raw), true, nil
}

// submitJob records the job graph, as the dispatcher does when the job is
// submitted, and creates the job's ConfigMap for its checkpoints.
func (h *haMetadata) submitJob(ctx context.Context) error {
	if err := h.update(ctx, h.clusterConfigMap(), true, func(data map[string]string) {
		data[h.graphKey()] = base64.StdEncoding.EncodeToString([]byte("submittedJobGraph-" + h.jobID))
	}); err != nil {
		return err
	}
	return h.update(ctx, h.jobConfigMap(), true, func(map[string]string) {})
}

// recordCheckpoint stores a completed checkpoint and drops older ones
// (state.checkpoints.num-retained defaults to 1); counter is the next id.
// A job ConfigMap deleted meanwhile (the FlinkDeployment is being deleted)
// is not brought back.
func (h *haMetadata) recordCheckpoint(ctx context.Context, id int64, path string) error {
	return h.update(ctx, h.jobConfigMap(), false, func(data map[string]string) {
		for k := range data {
			if strings.HasPrefix(k, checkpointKeyPrefix) {
				delete(data, k)
			}
		}
		data[checkpointKey(id)] = base64.StdEncoding.EncodeToString([]byte(path))
		data["counter"] = strconv.FormatInt(id+1, 10)
	})
}

// cleanUpJob removes the job's HA data, as Flink does once a job reaches a
// globally terminal state (finished, cancelled, failed).
func (h *haMetadata) cleanUpJob(ctx context.Context) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: h.namespace, Name: h.jobConfigMap()}}
	if err := h.client.Delete(ctx, cm); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("ConfigMap/%s/%s: delete: %w", h.namespace, cm.Name, err)
	}
	return h.update(ctx, h.clusterConfigMap(), false, func(data map[string]string) { delete(data, h.graphKey()) })
}

// update applies change to the ConfigMap's data, creating the ConfigMap
// when it is missing and create is set, and retrying on conflicts with other
// writers (the operator strips job graphs).
func (h *haMetadata) update(ctx context.Context, name string, create bool, change func(map[string]string)) error {
	for attempt := 0; ; attempt++ {
		cm := &corev1.ConfigMap{}
		err := h.client.Get(ctx, client.ObjectKey{Namespace: h.namespace, Name: name}, cm)
		switch {
		case apierrors.IsNotFound(err) && !create:
			return nil
		case apierrors.IsNotFound(err):
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: h.namespace, Name: name, Labels: h.labels()}, Data: map[string]string{}}
			change(cm.Data)
			err = h.client.Create(ctx, cm)
			if err == nil {
				return nil
			}
			if !apierrors.IsAlreadyExists(err) || attempt > 5 {
				return fmt.Errorf("ConfigMap/%s/%s: create: %w", h.namespace, name, err)
			}
		case err != nil:
			return fmt.Errorf("ConfigMap/%s/%s: get: %w", h.namespace, name, err)
		default:
			if cm.Data == nil {
				cm.Data = map[string]string{}
			}
			change(cm.Data)
			err = h.client.Update(ctx, cm)
			if err == nil {
				return nil
			}
			if !apierrors.IsConflict(err) || attempt > 5 {
				return fmt.Errorf("ConfigMap/%s/%s: update: %w", h.namespace, name, err)
			}
		}
	}
}
