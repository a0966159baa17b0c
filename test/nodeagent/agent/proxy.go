package agent

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Handler serves, on one loopback port:
//
//	/{namespace}/{name}/...            the REST API of FlinkDeployment name's
//	                                   JobManager: its "<name>-rest" Service,
//	                                   the URL layout of the fake JobManager,
//	                                   so --rest-url-template switches between
//	                                   the two
//	POST /_agent/signal/{ns}/{pod}/{container}?signal=KILL
//	                                   a signal to a container's processes, as
//	                                   `kubectl exec -- kill` would send it
//	GET /_agent/healthz                the agent runs
//
// The operator runs outside the node; this is its way in, as a cluster's
// network would be.
func (a *Agent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_agent/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("POST /_agent/signal/{namespace}/{pod}/{container}", a.signalContainer)
	mux.HandleFunc("/{namespace}/{name}/{rest...}", a.proxyREST)
	return mux
}

func (a *Agent) proxyREST(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	service := name + "-rest"
	target, err := a.serviceAddress(ns, service, "rest")
	if err != nil {
		// What a client in the cluster would get from a Service with no
		// endpoint: nobody answers.
		http.Error(w, fmt.Sprintf("Service/%s/%s: %v", ns, service, err), http.StatusServiceUnavailable)
		return
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = target
			pr.Out.URL.Path = "/" + r.PathValue("rest")
			pr.Out.URL.RawPath = ""
			pr.Out.Host = target
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, fmt.Sprintf("Service/%s/%s at %s: %v", ns, service, target, err), http.StatusBadGateway)
		},
	}
	proxy.ServeHTTP(w, r)
}

// serviceAddress is host:port of a ready endpoint of the Service's port of
// the given name (or its only port).
func (a *Agent) serviceAddress(namespace, service, portName string) (string, error) {
	slices, err := a.slices.EndpointSlices(namespace).List(labelsForService(service))
	if err != nil {
		return "", err
	}
	for _, s := range slices {
		port := int32(0)
		for _, p := range s.Ports {
			if p.Port != nil && (len(s.Ports) == 1 || (p.Name != nil && *p.Name == portName)) {
				port = *p.Port
			}
		}
		if port == 0 {
			continue
		}
		for _, ep := range s.Endpoints {
			if (ep.Conditions.Ready == nil || *ep.Conditions.Ready) && len(ep.Addresses) > 0 {
				return net.JoinHostPort(ep.Addresses[0], strconv.Itoa(int(port))), nil
			}
		}
	}
	return "", fmt.Errorf("no ready endpoint")
}

func (a *Agent) signalContainer(w http.ResponseWriter, r *http.Request) {
	ns, podName, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	sig := syscall.SIGTERM
	switch r.URL.Query().Get("signal") {
	case "", "TERM":
	case "KILL":
		sig = syscall.SIGKILL
	default:
		http.Error(w, "signal: want TERM or KILL", http.StatusBadRequest)
		return
	}
	pod, err := a.pods.Pods(ns).Get(podName)
	if err != nil {
		http.Error(w, fmt.Sprintf("Pod/%s/%s: %v", ns, podName, err), http.StatusNotFound)
		return
	}
	a.mu.Lock()
	pw := a.workers[pod.UID]
	a.mu.Unlock()
	if pw == nil || pw.runner(container) == nil {
		http.Error(w, fmt.Sprintf("Pod/%s/%s has no running container %q on this node", ns, podName, container), http.StatusNotFound)
		return
	}
	if err := pw.runner(container).signal(sig); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	fmt.Fprintf(w, "sent %v to Pod/%s/%s container %s\n", sig, ns, podName, container)
}

// containerLog is the file a container run writes its output to, laid out
// as a kubelet's /var/log/pods.
func (a *Agent) containerLog(pod *corev1.Pod, container string, run int32) (string, error) {
	dir := filepath.Join(a.cfg.LogDir, fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID), container)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create log folder for Pod/%s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return filepath.Join(dir, fmt.Sprintf("%d.log", run)), nil
}

func labelsEverything() labels.Selector { return labels.Everything() }
