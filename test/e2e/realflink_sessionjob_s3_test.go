//go:build e2e && realflink

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestRealSessionJobFromS3: a session job whose jar is on s3://. The
// operator links no cloud SDK; it runs a pod of the flink-fetch image
// (which the node agent serves as this checkout's cmd/flink-fetch) with
// the Secret the session job names as its environment. The pod fetches the
// jar from an S3 server of the test, signed with the Secret's keys, and
// uploads it to the session's JobManager; the job runs and counts, and the
// pod is gone.
func TestRealSessionJobFromS3(t *testing.T) {
	jar, err := os.ReadFile(testJobJar(t, sessionMinor))
	if err != nil {
		t.Fatal(err)
	}
	s3 := startS3(t, "jobs", "keyed-counter.jar", jar)
	ns := newNamespace(t, "real-sessionjob-s3")
	const accessKey = "AKIDSESSIONJOBE2E"
	s3.credentialsSecret(t, ns, "s3-credentials", accessKey)
	const sess = "session"
	applyManifest(t, ns, session(ns, sess))
	waitReadyStable(t, ns, sess, false)
	orders := sessionJob("orders", sess, "s3://jobs/keyed-counter.jar", "--rate", "20")
	orders["spec"].(map[string]any)["flinkConfiguration"] = map[string]any{"kubernetes.operator.user.artifacts.credentials-secret": "s3-credentials"}
	applyManifest(t, ns, orders)

	jobID := runningSessionJob(t, ns, sess, "orders", deployTimeout)
	waitCounter(t, ns, sess, jobID, 1)
	if !s3.signedBy(accessKey) {
		t.Errorf("the S3 server saw no request signed with the Secret's key %s", accessKey)
	}
	noFetchPodLeft(t, ns, "orders")
	if jars, err := jarsOnSession(ns, sess); err != nil || len(jars) != 0 {
		t.Errorf("jars on the session once the job runs: %v (%v), want none", jars, err)
	}
	deleteSessionJob(t, ns, "orders")
	deleteAndVerify(t, ns, sess)
}

// credentialsSecret creates the Secret a session job names for its s3://
// jar: the keys the fetch pod's AWS SDK reads, signing with accessKey.
func (s *s3Server) credentialsSecret(t *testing.T, ns, name, accessKey string) {
	t.Helper()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: map[string]string{
		"AWS_ENDPOINT_URL_S3":       s.url,
		"AWS_S3_USE_PATH_STYLE":     "true",
		"AWS_ACCESS_KEY_ID":         accessKey,
		"AWS_SECRET_ACCESS_KEY":     "session-job-e2e-secret",
		"AWS_REGION":                "us-east-1",
		"AWS_EC2_METADATA_DISABLED": "true",
	}}
	if err := env.client.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
}

// noFetchPodLeft waits until the pods that fetched the session job's jar
// are gone.
func noFetchPodLeft(t *testing.T, ns, sessionJob string) {
	t.Helper()
	eventually(t, deployTimeout, "no fetch pod left", func(ctx context.Context) error {
		pods := &corev1.PodList{}
		if err := env.client.List(ctx, pods, client.InNamespace(ns), client.MatchingLabels{"flink.apache.org/session-job": sessionJob}); err != nil {
			return err
		}
		if len(pods.Items) > 0 {
			return fmt.Errorf("pod %s (%s)", pods.Items[0].Name, pods.Items[0].Status.Phase)
		}
		return nil
	})
}

// s3Server is an S3 API on this machine (gofakes3), which the node's pods
// reach, as they share its network.
type s3Server struct {
	url            string
	mu             sync.Mutex
	authorizations []string
}

func startS3(t *testing.T, bucket, key string, content []byte) *s3Server {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(content), int64(len(content)), nil); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &s3Server{url: "http://" + ln.Addr().String()}
	api := gofakes3.New(backend).Server()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.authorizations = append(s.authorizations, r.Header.Get("Authorization"))
		s.mu.Unlock()
		api.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *s3Server) signedBy(accessKey string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.authorizations {
		if strings.Contains(a, "Credential="+accessKey+"/") {
			return true
		}
	}
	return false
}
