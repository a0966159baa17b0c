package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"sort"
)

// Config is what the agent needs to know about the machine and the cluster.
type Config struct {
	NodeName string
	Client   kubernetes.Interface
	// StateDir holds one folder per pod: its volumes, its /etc/hosts and
	// its containers' roots. It is wiped of pods this node no longer has.
	StateDir string
	// LogDir keeps container logs as a kubelet does under /var/log/pods:
	// <namespace>_<pod>_<uid>/<container>/<restart>.log. Kept after the pod
	// is gone, for post-mortems.
	LogDir string
	Images *Images
	// PodNetwork is the first two octets of the pod addresses, e.g.
	// "127.1"; each pod takes the next free 127.1.x.y.
	PodNetwork string
	// APIServerHost and APIServerPort are given to every container as
	// KUBERNETES_SERVICE_HOST/PORT, as a kubelet does for the "kubernetes"
	// Service; here they name the API server itself, since there is no
	// kube-proxy to translate a ClusterIP.
	APIServerHost string
	APIServerPort string
	Log           *slog.Logger
}

// Agent is the node agent: a kubelet for the pods of one Node, whose
// containers run as local processes (package sandbox).
type Agent struct {
	cfg      Config
	pods     corelisters.PodLister
	services corelisters.ServiceLister
	net      *network

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	wg      sync.WaitGroup
}

// New checks the configuration.
func New(cfg Config) (*Agent, error) {
	if cfg.NodeName == "" || cfg.Client == nil || cfg.StateDir == "" || cfg.LogDir == "" || cfg.Images == nil {
		return nil, fmt.Errorf("node agent: NodeName, Client, StateDir, LogDir and Images are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	for _, dir := range []string{cfg.StateDir, cfg.LogDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("node agent: create %s: %w", dir, err)
		}
	}
	net, err := newNetwork(cfg.PodNetwork)
	if err != nil {
		return nil, err
	}
	return &Agent{cfg: cfg, net: net, workers: map[types.UID]*podWorker{}}, nil
}

// Run registers the Node, then runs the pods bound to it until ctx ends.
// On the way out every container is stopped, as when a node shuts down.
func (a *Agent) Run(ctx context.Context) error {
	if err := a.registerNode(ctx); err != nil {
		return err
	}
	go a.heartbeat(ctx)

	podInformers := informers.NewSharedInformerFactoryWithOptions(a.cfg.Client, 10*time.Minute,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", a.cfg.NodeName).String()
		}))
	clusterInformers := informers.NewSharedInformerFactory(a.cfg.Client, 10*time.Minute)
	podInformer := podInformers.Core().V1().Pods()
	svcInformer := clusterInformers.Core().V1().Services()
	a.pods = podInformer.Lister()
	a.services = svcInformer.Lister()

	onPod := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { a.podChanged(ctx, obj) },
		UpdateFunc: func(_, obj any) { a.podChanged(ctx, obj) },
		DeleteFunc: func(obj any) { a.podDeleted(obj) },
	}
	if _, err := podInformer.Informer().AddEventHandler(onPod); err != nil {
		return fmt.Errorf("node agent: watch pods: %w", err)
	}
	// Every Service change, and every pod change (readiness, address), may
	// change a name in some pod's /etc/hosts.
	onNames := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { a.net.namesChanged() },
		UpdateFunc: func(any, any) { a.net.namesChanged() },
		DeleteFunc: func(any) { a.net.namesChanged() },
	}
	for _, inf := range []cache.SharedIndexInformer{svcInformer.Informer(), podInformer.Informer()} {
		if _, err := inf.AddEventHandler(onNames); err != nil {
			return fmt.Errorf("node agent: watch services: %w", err)
		}
	}
	clusterInformers.Start(ctx.Done())
	for typ, ok := range clusterInformers.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("node agent: sync %v informer", typ)
		}
	}
	go a.net.keepHostsFiles(ctx, a.hostEntries)
	podInformers.Start(ctx.Done())
	podInformers.WaitForCacheSync(ctx.Done())
	a.cfg.Log.Info("node agent running", "node", a.cfg.NodeName)

	<-ctx.Done()
	a.cfg.Log.Info("stopping every container")
	a.mu.Lock()
	for _, w := range a.workers {
		w.shutdown()
	}
	a.mu.Unlock()
	a.wg.Wait()
	return nil
}

func (a *Agent) podChanged(ctx context.Context, obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName != a.cfg.NodeName {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.workers[pod.UID]
	if w == nil {
		if pod.DeletionTimestamp != nil && pod.Status.Phase == "" {
			// Deleted before it ever ran: nothing to stop.
			go a.finishDelete(ctx, pod)
			return
		}
		w = newPodWorker(a, pod)
		a.workers[pod.UID] = w
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			w.run(ctx)
			a.mu.Lock()
			delete(a.workers, pod.UID)
			a.mu.Unlock()
		}()
	}
	w.update(pod)
}

func (a *Agent) podDeleted(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if w := a.workers[pod.UID]; w != nil {
		// Force-deleted (or its deletion finished): the object is gone, so
		// its containers go at once, as a kubelet does for a pod it no
		// longer finds in the API.
		w.gone()
	}
}

// podDir is where the pod's volumes, hosts file and container roots live.
func (a *Agent) podDir(uid types.UID) string {
	return filepath.Join(a.cfg.StateDir, "pods", string(uid))
}

// endpoint is a ready pod behind a Service.
type endpoint struct {
	ip  string
	pod *corev1.Pod
}

// endpoints lists the ready pods a Service selects, as the EndpointSlice
// controller would. The agent cannot read them from EndpointSlices: the
// API server refuses loopback addresses in them (and the controller's
// updates fail), so it does the controller's selection itself.
func (a *Agent) endpoints(svc *corev1.Service) []endpoint {
	if len(svc.Spec.Selector) == 0 {
		return nil
	}
	pods, err := a.pods.Pods(svc.Namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return nil
	}
	var out []endpoint
	for _, p := range pods {
		if p.Status.PodIP == "" || p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		if !svc.Spec.PublishNotReadyAddresses && !podReady(p) {
			continue
		}
		out = append(out, endpoint{ip: p.Status.PodIP, pod: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ip < out[j].ip })
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
