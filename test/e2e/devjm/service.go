package devjm

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// retryInterval is how soon a JobManager whose configuration or
// FlinkDeployment could not be read is looked at again.
const retryInterval = time.Second

// Service runs one fake JobManager per Ready JobManager pod and serves
// their REST APIs under /<namespace>/<name>.
type Service struct {
	client client.Client
	log    logr.Logger
	server *fakejm.Server

	mu      sync.Mutex
	running map[types.NamespacedName]*jobManager
	// ignored keeps the body fields that stopped JobManagers ignored
	// (IgnoredFields).
	ignored []string
}

// NewService returns a Service that reads and writes the cluster through c.
// c should read from the API server directly (not a cache): HA metadata is
// read, modified and written back, and the configuration must be the one
// the operator wrote before the pod started.
func NewService(c client.Client, log logr.Logger) *Service {
	return &Service{client: c, log: log, server: fakejm.NewServer(), running: map[types.NamespacedName]*jobManager{}}
}

// JobManagerPodSelector selects the JobManager pods of every Flink
// cluster, native or standalone, by Flink's own labels.
func JobManagerPodSelector() labels.Selector {
	component, _ := labels.NewRequirement("component", selection.Equals, []string{"jobmanager"})
	typ, _ := labels.NewRequirement("type", selection.In, []string{"flink-native-kubernetes", "flink-standalone-kubernetes"})
	return labels.NewSelector().Add(*component, *typ)
}

// SetupWithManager watches JobManager pods; each event reconciles the
// Flink cluster (namespace and app label) the pod belongs to. The manager's
// cache should hold only pods matching JobManagerPodSelector.
func (s *Service) SetupWithManager(mgr ctrl.Manager) error {
	toCluster := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		app := o.GetLabels()["app"]
		if app == "" {
			return nil
		}
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: app}}}
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("dev-jobmanager").
		Watches(&corev1.Pod{}, toCluster).
		Complete(s)
}

// Reconcile makes the served JobManager of one Flink cluster match its
// newest Ready JobManager pod: a new pod is a new JobManager process, no
// Ready pod means no REST API.
func (s *Service) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	pods := &corev1.PodList{}
	if err := s.client.List(ctx, pods, client.InNamespace(req.Namespace),
		client.MatchingLabels{"app": req.Name, "component": "jobmanager"}); err != nil {
		return reconcile.Result{}, fmt.Errorf("list JobManager pods of %s: %w", req, err)
	}
	pod := newestReady(pods.Items)
	s.mu.Lock()
	current := s.running[req.NamespacedName]
	s.mu.Unlock()
	if current != nil && pod != nil && current.info.PodUID == pod.UID {
		return reconcile.Result{}, nil
	}
	if current != nil {
		s.remove(req.NamespacedName, current)
	}
	if pod == nil {
		return reconcile.Result{}, nil
	}

	fd := &v1beta1.FlinkDeployment{}
	if err := s.client.Get(ctx, req.NamespacedName, fd); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil // a JobManager nobody manages; nothing to play
		}
		return reconcile.Result{}, fmt.Errorf("FlinkDeployment/%s: get: %w", req, err)
	}
	cm := &corev1.ConfigMap{}
	if err := s.client.Get(ctx, client.ObjectKey{Namespace: req.Namespace, Name: "flink-config-" + req.Name}, cm); err != nil {
		s.log.Info("JobManager configuration not readable yet", "cluster", req, "error", err.Error())
		return reconcile.Result{RequeueAfter: retryInterval}, nil
	}
	jm, err := startJobManager(ctx, s.client, s.log, pod, fd, cm.Data)
	if err != nil {
		s.log.Error(err, "start JobManager", "cluster", req)
		return reconcile.Result{RequeueAfter: retryInterval}, nil
	}
	if err := s.server.Add(prefix(req.NamespacedName), jm.cluster); err != nil {
		jm.shutdown()
		return reconcile.Result{}, fmt.Errorf("serve JobManager of %s: %w", req, err)
	}
	s.mu.Lock()
	s.running[req.NamespacedName] = jm
	s.mu.Unlock()
	s.log.Info("JobManager started", "cluster", req, "pod", pod.Name, "flinkVersion", jm.info.FlinkVersion,
		"application", jm.info.Application, "highAvailability", jm.info.HA, "job", jm.info.JobID, "restoredFrom", jm.info.RestoredFrom)
	return reconcile.Result{}, nil
}

// remove stops serving a JobManager whose pod is gone.
func (s *Service) remove(key types.NamespacedName, jm *jobManager) {
	s.server.Remove(prefix(key))
	jm.shutdown()
	s.mu.Lock()
	if s.running[key] == jm {
		delete(s.running, key)
	}
	s.ignored = append(s.ignored, ignoredBy(key, jm)...)
	s.mu.Unlock()
	s.log.Info("JobManager stopped", "cluster", key, "pod", jm.info.Pod)
}

// IgnoredFields lists the request-body fields that any JobManager, running
// or stopped, ignored, each prefixed with its cluster. Flink 1.20+ ignores
// a field it does not know, so an operator that misspelt one would pass
// the e2e run unnoticed; the run asserts this is empty.
func (s *Service) IgnoredFields() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.ignored)
	for key, jm := range s.running {
		out = append(out, ignoredBy(key, jm)...)
	}
	sort.Strings(out)
	return out
}

func ignoredBy(key types.NamespacedName, jm *jobManager) []string {
	var out []string
	for _, f := range jm.cluster.IgnoredFields() {
		out = append(out, key.String()+": "+f)
	}
	return out
}

// Shutdown stops every JobManager.
func (s *Service) Shutdown() {
	s.mu.Lock()
	all := make(map[types.NamespacedName]*jobManager, len(s.running))
	for k, jm := range s.running {
		all[k] = jm
	}
	s.mu.Unlock()
	for k, jm := range all {
		s.remove(k, jm)
	}
}

// JobManagers describes the running JobManagers, sorted by namespace and name.
func (s *Service) JobManagers() []JobManagerInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JobManagerInfo, 0, len(s.running))
	for _, jm := range s.running {
		out = append(out, jm.info)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func prefix(key types.NamespacedName) string { return "/" + key.Namespace + "/" + key.Name }

// newestReady returns the newest pod that is Ready and not being deleted.
func newestReady(pods []corev1.Pod) *corev1.Pod {
	var best *corev1.Pod
	for i := range pods {
		p := &pods[i]
		if !p.DeletionTimestamp.IsZero() || p.Status.Phase != corev1.PodRunning || !podReady(p) {
			continue
		}
		if best == nil || best.CreationTimestamp.Before(&p.CreationTimestamp) {
			best = p
		}
	}
	return best
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
