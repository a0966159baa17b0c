package sessionjob_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/internal/testing/corpus"
	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// corpusDocs reads the FlinkDeployments and FlinkSessionJobs of the
// reference operator's examples, by name.
func corpusDocs(t *testing.T) (map[string]*v1beta1.FlinkDeployment, []*v1beta1.FlinkSessionJob, map[string]string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	sessions := map[string]*v1beta1.FlinkDeployment{}
	var examples []*v1beta1.FlinkSessionJob
	fileOf := map[string]string{}
	for _, file := range corpus.Files(t, root, os.Getenv("CI")) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, doc := range bytes.Split(data, []byte("\n---")) {
			var meta struct{ Kind string }
			if err := yaml.Unmarshal(doc, &meta); err != nil || meta.Kind == "" {
				continue
			}
			switch meta.Kind {
			case v1beta1.KindFlinkDeployment:
				fd := &v1beta1.FlinkDeployment{}
				require.NoError(t, yaml.UnmarshalStrict(doc, fd), file)
				if fd.Spec.Job == nil {
					sessions[fd.Name] = fd
				}
			case v1beta1.KindFlinkSessionJob:
				sj := &v1beta1.FlinkSessionJob{}
				require.NoError(t, yaml.UnmarshalStrict(doc, sj), file)
				examples = append(examples, sj)
				fileOf[sj.Name] = filepath.Base(file)
			}
		}
	}
	return sessions, examples, fileOf
}

// TestCorpusSessionJobsReachRunning applies the reference operator's
// session-job examples unchanged, with their session clusters from the
// same corpus, and drives each to RUNNING on a fake JobManager of the
// session's Flink version: the run carries the example's entry class and
// parallelism. Their jars are on Maven Central, which tests do not reach:
// the operator's --artifact-mirror points Maven Central at a local
// repository, from which the operator's own fetcher (jarfetch) takes them,
// as a cluster behind a repository manager would. The TLS example's
// session serves REST over TLS from a Secret the example does not
// include, so it runs only in the REST-over-TLS tests of FlinkDeployments.
func TestCorpusSessionJobsReachRunning(t *testing.T) {
	sessions, examples, fileOf := corpusDocs(t)
	require.GreaterOrEqual(t, len(examples), 3, "the corpus's session jobs")
	central := serveMavenMirror(t)
	ran := 0
	for _, example := range examples {
		session, ok := sessions[example.Spec.DeploymentName]
		if !ok || strings.Contains(fileOf[example.Name], "tls") {
			continue
		}
		t.Run(example.Name, func(t *testing.T) {
			ctx := context.Background()
			ns := newNamespace(t)
			fd := session.DeepCopy()
			fd.Namespace = ns
			require.NoError(t, k8s.Create(ctx, fd))
			fd.Status.JobManagerDeploymentStatus = v1beta1.JMReady
			require.NoError(t, k8s.Status().Update(ctx, fd))
			cluster, err := fakejm.NewCluster(string(fd.Spec.FlinkVersion))
			require.NoError(t, err)
			require.NoError(t, jobs.Add("/"+ns+"/"+fd.Name, cluster))
			t.Cleanup(func() { jobs.Remove("/" + ns + "/" + fd.Name) })

			sj := example.DeepCopy()
			sj.Namespace = ns
			require.NoError(t, k8s.Create(ctx, sj))
			r, _ := newReconciler(k8s, nil)
			r.ArtifactMirrors = artifact.Mirrors{{From: "https://repo1.maven.org/maven2/", To: central.URL + "/maven2/"}}
			key := client.ObjectKeyFromObject(sj)
			var got v1beta1.FlinkSessionJob
			for range 10 {
				if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
					t.Logf("pass: %v", err)
				}
				require.NoError(t, k8s.Get(ctx, key, &got))
				if running(&got) {
					break
				}
			}
			require.True(t, running(&got), "%s: not RUNNING; status: %+v", fileOf[example.Name], got.Status)
			body := runBody(t, cluster, 0)
			assert.EqualValues(t, example.Spec.Job.Parallelism, body["parallelism"])
			if example.Spec.Job.EntryClass != "" {
				assert.Equal(t, example.Spec.Job.EntryClass, body["entryClass"])
			}
			assert.Empty(t, cluster.Jars(), "the jar is deleted once the job runs")
			fetched, _ := strings.CutPrefix(example.Spec.Job.JarURI, "https://repo1.maven.org")
			assert.Contains(t, central.paths(), fetched, "fetched from the mirror, at the same path")
			assert.Contains(t, got.Status.ReconciliationStatus.LastReconciledSpec, example.Spec.Job.JarURI, "status keeps the user's jarURI")
		})
		ran++
	}
	assert.GreaterOrEqual(t, ran, 3, "basic-session-job-only (2 files) and basic-session-deployment-and-job's two")
}

// mavenMirror is a local repository that serves a small jar at every path
// under /maven2/, and remembers what was asked.
type mavenMirror struct {
	URL string
	mu  sync.Mutex
	got []string
}

func serveMavenMirror(t *testing.T) *mavenMirror {
	t.Helper()
	m := &mavenMirror{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.got = append(m.got, r.URL.Path)
		m.mu.Unlock()
		if !strings.HasPrefix(r.URL.Path, "/maven2/") || !strings.HasSuffix(r.URL.Path, ".jar") {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(jarBytes)
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}

func (m *mavenMirror) paths() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.got...)
}
