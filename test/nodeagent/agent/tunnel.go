package agent

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// tunnel serves HTTP CONNECT for a Service's DNS name, as an HTTPS proxy:
// "CONNECT demo-rest.ns.svc:8081" opens a TCP connection to a ready pod
// behind that Service port and copies bytes both ways. The client speaks
// TLS end to end with the pod, so it checks the pod's certificate against
// the name it dialled, the Service's, as a client inside a cluster does.
// The path proxy (/{namespace}/{name}/...) cannot carry that: it speaks
// plain HTTP to the pod, and a client dialling it over TLS would verify
// the agent's loopback address instead of the Service name.
//
// A process outside the node (the operator, a test) reaches it with
// HTTPS_PROXY set to the agent's URL and the cluster's names in its URLs.
func (a *Agent) tunnel(w http.ResponseWriter, r *http.Request) {
	target, err := a.tunnelTarget(r.Host)
	if err != nil {
		// What a client in the cluster would get from a name with no
		// endpoint: nobody answers.
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	upstream, err := net.DialTimeout("tcp", target, 10*time.Second)
	if err != nil {
		http.Error(w, fmt.Sprintf("CONNECT %s: dial %s: %v", r.Host, target, err), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		upstream.Close()
		http.Error(w, "CONNECT needs HTTP/1.1", http.StatusHTTPVersionNotSupported)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	if _, err := client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		client.Close()
		upstream.Close()
		return
	}
	// Read through the server's buffer: bytes the client sent right after
	// its CONNECT (a TLS ClientHello that came early) may be in it.
	fromClient := buf.Reader
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(upstream, fromClient)
		closeWrite(upstream)
	}()
	go func() {
		defer wg.Done()
		_, _ = io.Copy(client, upstream)
		closeWrite(client)
	}()
	wg.Wait()
	client.Close()
	upstream.Close()
}

// closeWrite passes one side's end of stream on, so that each copy ends
// when its source does.
func closeWrite(c net.Conn) {
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = c.Close()
}

// tunnelTarget resolves "name.namespace[.svc[.cluster.local]]:port" to
// host:port of a ready pod behind that Service port, as cluster DNS and
// kube-proxy would.
func (a *Agent) tunnelTarget(hostport string) (string, error) {
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", fmt.Errorf("CONNECT %s: want host:port: %w", hostport, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return "", fmt.Errorf("CONNECT %s: port %q is not a number", hostport, portText)
	}
	host = strings.TrimSuffix(strings.TrimSuffix(host, "."), ".cluster.local")
	host = strings.TrimSuffix(host, ".svc")
	name, namespace, ok := strings.Cut(host, ".")
	if !ok || name == "" || namespace == "" || strings.Contains(namespace, ".") {
		return "", fmt.Errorf("CONNECT %s: want a Service name, NAME.NAMESPACE.svc[.cluster.local]", hostport)
	}
	svc, err := a.services.Services(namespace).Get(name)
	if err != nil {
		return "", fmt.Errorf("CONNECT %s: Service/%s/%s: %w", hostport, namespace, name, err)
	}
	var sp *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if int(svc.Spec.Ports[i].Port) == port {
			sp = &svc.Spec.Ports[i]
		}
	}
	if sp == nil {
		return "", fmt.Errorf("CONNECT %s: Service/%s/%s has no port %d", hostport, namespace, name, port)
	}
	for _, ep := range a.endpoints(svc) {
		if target, ok := targetPort(sp, ep.pod); ok {
			return net.JoinHostPort(ep.ip, strconv.Itoa(target)), nil
		}
	}
	return "", fmt.Errorf("CONNECT %s: Service/%s/%s has no ready endpoint", hostport, namespace, name)
}
