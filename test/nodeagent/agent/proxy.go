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
	"k8s.io/apimachinery/pkg/util/intstr"
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
//	CONNECT NAME.NAMESPACE.svc:PORT    a TCP tunnel to a ready pod behind
//	                                   that Service port (tunnel.go), for
//	                                   clients that speak TLS to Flink
//
// The operator runs outside the node; this is its way in, as a cluster's
// network would be.
func (a *Agent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_agent/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("POST /_agent/signal/{namespace}/{pod}/{container}", a.signalContainer)
	mux.HandleFunc("/{namespace}/{name}/{rest...}", a.proxyREST)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A CONNECT request names a host, not a path: no mux pattern fits.
		if r.Method == http.MethodConnect {
			a.tunnel(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
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

// serviceAddress is host:port of a ready pod behind the Service's port of
// the given name (or its only port), with the target port resolved
// against the pod's container ports as kube-proxy would.
func (a *Agent) serviceAddress(namespace, service, portName string) (string, error) {
	svc, err := a.services.Services(namespace).Get(service)
	if err != nil {
		return "", err
	}
	var port *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if len(svc.Spec.Ports) == 1 || svc.Spec.Ports[i].Name == portName {
			port = &svc.Spec.Ports[i]
		}
	}
	if port == nil {
		return "", fmt.Errorf("no port named %q", portName)
	}
	for _, ep := range a.endpoints(svc) {
		if target, ok := targetPort(port, ep.pod); ok {
			return net.JoinHostPort(ep.ip, strconv.Itoa(target)), nil
		}
	}
	return "", fmt.Errorf("no ready endpoint")
}

// targetPort is the pod's port a Service port leads to.
func targetPort(port *corev1.ServicePort, pod *corev1.Pod) (int, bool) {
	tp := port.TargetPort
	switch {
	case tp.Type == intstr.Int && tp.IntVal != 0:
		return int(tp.IntVal), true
	case tp.Type == intstr.String && tp.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == tp.StrVal {
					return int(cp.ContainerPort), true
				}
			}
		}
		return 0, false
	}
	return int(port.Port), true
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
