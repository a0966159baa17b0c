//go:build e2e && !realflink

package e2e

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/internal/testing/corpus"
)

// TestCompatSessionJobsRun applies the reference operator's session-job
// examples (the compatibility corpus) on the dev cluster, and each job
// reaches RUNNING on its session's JobManager. The FlinkSessionJobs are
// applied as the files have them; their session FlinkDeployments get this
// run's label, as every example does here. Their jars are on Maven
// Central, which this machine does not reach: the operator runs with
// --artifact-mirror pointing Maven Central at a repository this test
// serves, as a cluster behind a repository manager would, and fetches
// from it at the same paths. The TLS example's session serves REST over
// TLS, which the dev cluster's fake JobManagers do not speak, from stores
// at /opt/flink/tls-cert, which the operator would read on this machine;
// REST over TLS runs on real Flink (TestRealRESTOverTLS,
// TestRealSessionJobFromS3OnATLSSession), with stores the tests make.
func TestCompatSessionJobsRun(t *testing.T) {
	central := serveMavenCentralMirror(t)
	restartOperator(t, "--allow-http-artifacts", "--artifact-mirror", "https://repo1.maven.org/maven2/="+central.url+"/maven2/")
	t.Cleanup(func() { restartOperator(t) })
	ns := newNamespace(t, "compat-sessionjobs")

	sessions, jobs := compatSessionJobDocs(t)
	if len(jobs) < 3 {
		t.Fatalf("the corpus has %d session jobs of sessions it holds; want basic-session-job-only's and basic-session-deployment-and-job's two", len(jobs))
	}
	for _, fd := range sessions {
		labels := fd.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[runLabel] = env.runID
		fd.SetLabels(labels)
		apply(t, ns, fd.Object)
	}
	for _, sj := range jobs {
		mustKubectl(t, string(sj.raw), "apply", "-n", ns, "-f", "-")
	}
	for _, fd := range sessions {
		waitReadyStable(t, ns, fd.GetName(), false)
	}
	for _, sj := range jobs {
		jobID := runningSessionJob(t, ns, sj.session, sj.name, deployTimeout)
		t.Logf("%s (%s): job %s RUNNING on session %s", sj.name, sj.file, jobID, sj.session)
		jars, err := jarsOnSession(ns, sj.session)
		if err != nil {
			t.Fatal(err)
		}
		if len(jars) != 0 {
			t.Errorf("session %s keeps jars %v after its jobs run", sj.session, jars)
		}
		mirrored := strings.TrimPrefix(sj.jarURI, "https://repo1.maven.org")
		if !slices.Contains(central.served(), mirrored) {
			t.Errorf("%s: %s was not fetched from the mirror (served: %v)", sj.name, mirrored, central.served())
		}
	}
	for _, sj := range jobs {
		deleteSessionJob(t, ns, sj.name)
	}
	for _, fd := range sessions {
		deleteAndVerify(t, ns, fd.GetName())
	}
}

// compatJob is a FlinkSessionJob of the corpus, as its file has it.
type compatJob struct {
	raw                         []byte
	file, name, session, jarURI string
}

// compatSessionJobDocs reads the corpus's FlinkSessionJobs whose session
// FlinkDeployment the corpus holds too, and those sessions, without the
// TLS example's.
func compatSessionJobDocs(t *testing.T) ([]*unstructured.Unstructured, []compatJob) {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	sessionsByName := map[string]*unstructured.Unstructured{}
	var jobs []compatJob
	for _, file := range corpus.Files(t, root, os.Getenv("CI")) {
		if strings.Contains(filepath.Base(file), "tls") {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(data, []byte("\n---")) {
			u := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(doc, &u.Object); err != nil || u.Object == nil {
				continue
			}
			switch u.GetKind() {
			case "FlinkDeployment":
				if _, isApplication, _ := unstructured.NestedMap(u.Object, "spec", "job"); !isApplication {
					sessionsByName[u.GetName()] = u
				}
			case "FlinkSessionJob":
				session, _, _ := unstructured.NestedString(u.Object, "spec", "deploymentName")
				jar, _, _ := unstructured.NestedString(u.Object, "spec", "job", "jarURI")
				jobs = append(jobs, compatJob{raw: doc, file: filepath.Base(file), name: u.GetName(), session: session, jarURI: jar})
			}
		}
	}
	var sessions []*unstructured.Unstructured
	var runnable []compatJob
	for _, sj := range jobs {
		fd, ok := sessionsByName[sj.session]
		if !ok {
			continue
		}
		runnable = append(runnable, sj)
		if !slices.Contains(sessions, fd) {
			sessions = append(sessions, fd)
		}
	}
	return sessions, runnable
}

// mavenCentralMirror serves, at every path under /maven2/ that ends in
// .jar, a jar whose manifest names a main class, as Maven Central's
// example jars do: real Flink runs a jar without an entry class only by
// its manifest. It listens on an address of this machine that is not
// loopback: the operator refuses to fetch from loopback.
type mavenCentralMirror struct {
	url string
	mu  sync.Mutex
	got []string
}

func serveMavenCentralMirror(t *testing.T) *mavenCentralMirror {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(nonLoopbackIPv4(t), "0"))
	if err != nil {
		t.Fatal(err)
	}
	m := &mavenCentralMirror{url: "http://" + ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.got = append(m.got, r.URL.Path)
		m.mu.Unlock()
		if !strings.HasPrefix(r.URL.Path, "/maven2/") || path.Ext(r.URL.Path) != ".jar" {
			http.NotFound(w, r)
			return
		}
		jar, err := exampleJar("org.apache.flink.streaming.examples." + strings.TrimSuffix(path.Base(r.URL.Path), ".jar"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(jar)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return m
}

func (m *mavenCentralMirror) served() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.got...)
}

// exampleJar is a jar that holds only a manifest naming mainClass.
func exampleJar(mainClass string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("META-INF/MANIFEST.MF")
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(w, "Manifest-Version: 1.0\r\nMain-Class: %s\r\n\r\n", mainClass); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
