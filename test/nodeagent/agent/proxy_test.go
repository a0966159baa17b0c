package agent

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

func TestTargetPort(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "sidecar", Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9249}}},
		{Name: "flink-main-container", Ports: []corev1.ContainerPort{{Name: "rest", ContainerPort: 8081}, {Name: "rpc", ContainerPort: 6123}}},
	}}}
	tests := []struct {
		name   string
		port   corev1.ServicePort
		want   int
		wantOK bool
	}{
		{"number", corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8081)}, 8081, true},
		{"name of a later container's port", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("rest")}, 8081, true},
		{"name of the first container's port", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("metrics")}, 9249, true},
		{"name the pod lacks", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("web")}, 0, false},
		{"unset: the service port", corev1.ServicePort{Port: 8081}, 8081, true},
	}
	for _, tt := range tests {
		got, ok := targetPort(&tt.port, pod)
		assert.Equal(t, tt.wantOK, ok, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
}

// proxyAgent is an agent whose listers hold one Service "demo-rest" in
// namespace ns, selecting one pod at ip whose container port "rest" is port.
func proxyAgent(t *testing.T, ip string, port int32, ready bool) *Agent {
	t.Helper()
	readiness := corev1.ConditionFalse
	if ready {
		readiness = corev1.ConditionTrue
	}
	pods := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	require.NoError(t, pods.Add(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "demo-jm", Namespace: "ns", Labels: map[string]string{"app": "demo"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container",
			Ports: []corev1.ContainerPort{{Name: "rest", ContainerPort: port}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: readiness}}},
	}))
	services := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	require.NoError(t, services.Add(&corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "demo-rest", Namespace: "ns"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "demo"},
			Ports: []corev1.ServicePort{{Name: "rest", Port: 8081, TargetPort: intstr.FromString("rest")}}},
	}))
	return &Agent{pods: corelisters.NewPodLister(pods), services: corelisters.NewServiceLister(services)}
}

// The proxy strips /{namespace}/{name} and reaches the ready pod behind
// "<name>-rest" at its named target port; the Flink web UI's relative
// links (its <base href="./"> and "." API base) go the same way.
func TestProxyREST(t *testing.T) {
	var seen []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.RequestURI())
		fmt.Fprint(w, "flink")
	}))
	defer backend.Close()
	host, portText, err := net.SplitHostPort(backend.Listener.Addr().String())
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	proxy := httptest.NewServer(proxyAgent(t, host, int32(port), true).Handler())
	defer proxy.Close()

	for _, path := range []string{"/ns/demo/", "/ns/demo/jobs/overview?x=1", "/ns/demo/config"} {
		resp, err := http.Get(proxy.URL + path)
		require.NoError(t, err, path)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Equal(t, "flink", string(body), path)
	}
	assert.Equal(t, []string{"/", "/jobs/overview?x=1", "/config"}, seen)

	// Without the trailing slash the UI's relative links would resolve
	// against /ns/; the mux redirects to the folder instead.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(proxy.URL + "/ns/demo")
	require.NoError(t, err)
	resp.Body.Close()
	assert.True(t, resp.StatusCode/100 == 3, "want a redirect, got %s", resp.Status)
	assert.Equal(t, "/ns/demo/", resp.Header.Get("Location"))
}

func TestProxyRESTNoReadyEndpoint(t *testing.T) {
	proxy := httptest.NewServer(proxyAgent(t, "127.0.0.1", 1, false).Handler())
	defer proxy.Close()
	for _, path := range []string{"/ns/demo/config", "/ns/other/config"} {
		resp, err := http.Get(proxy.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, path)
	}
}
