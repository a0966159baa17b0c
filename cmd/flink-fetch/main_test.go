package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/renderer"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func jarServer(t *testing.T, tls bool, content []byte) *httptest.Server {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/jobs/my-job-1.0.jar" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(content)
	})
	srv := httptest.NewUnstartedServer(handler)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestFetch(t *testing.T) {
	content := []byte("PK\x03\x04 a jar")
	srv := jarServer(t, false, content)
	dest := t.TempDir()
	var stderr bytes.Buffer

	code := run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar#sha256=" + sha256Hex(content), "--dest", dest, "--allow-http"}, &stderr)
	require.Equal(t, 0, code, stderr.String())
	got, err := os.ReadFile(filepath.Join(dest, "my-job-1.0.jar"))
	require.NoError(t, err)
	assert.Equal(t, content, got)
	assert.Equal(t, fmt.Sprintf("fetched %s/jobs/my-job-1.0.jar#sha256=%s to %s (%d bytes, sha256 %[2]s)\n",
		srv.URL, sha256Hex(content), filepath.Join(dest, "my-job-1.0.jar"), len(content)), stderr.String())

	stderr.Reset()
	code = run(context.Background(), []string{"--uri", srv.URL + "/jobs/missing.jar?token=s3cret", "--dest", dest, "--allow-http"}, &stderr)
	assert.Equal(t, 1, code)
	assert.Equal(t, "flink-fetch: fetch "+srv.URL+"/jobs/missing.jar?token=xxxxx: not found: HTTP 404 Not Found\n", stderr.String())

	stderr.Reset()
	code = run(context.Background(), []string{"--uri", srv.URL + "/jobs/my-job-1.0.jar", "--dest", dest}, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "plain http:// is not allowed")
}

func TestUsage(t *testing.T) {
	for _, c := range []struct {
		args    []string
		message string
	}{
		{nil, "--uri is required"},
		{[]string{"--uri", "https://repo.example.com/job.jar", "extra"}, `unexpected argument "extra"`},
		{[]string{"--uri", "https://repo.example.com/job.jar", "--max-bytes", "0"}, "--max-bytes and --timeout must be positive"},
		{[]string{"--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
	} {
		var stderr bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), c.args, &stderr), c.args)
		assert.Contains(t, stderr.String(), c.message, c.args)
	}
}

// TestRenderedInitContainerFetches runs this binary the way the rendered
// init container does (its command's binary with its args) against an
// https server whose certificate is trusted through SSL_CERT_FILE (as a
// user with a private CA would): the jar lands where Flink's configuration
// says it is.
func TestRenderedInitContainerFetches(t *testing.T) {
	content := bytes.Repeat([]byte("flink job "), 50_000)
	srv := jarServer(t, true, content)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))
	bin := buildFetch(t)

	for _, c := range []struct {
		name, fragment string
		exit           int
	}{
		{"checksum matches", "#sha256=" + sha256Hex(content), 0},
		{"checksum differs", "#sha256=" + sha256Hex(content[1:]), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			uri := srv.URL + "/jobs/my-job-1.0.jar" + c.fragment
			args, jar := renderedFetch(t, uri)
			dest := t.TempDir()
			// The last --dest wins: the test's folder instead of usrlib.
			cmd := exec.Command(bin, append(args, "--dest", dest)...)
			cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+caFile)
			out, err := cmd.CombinedOutput()
			if c.exit == 0 {
				require.NoError(t, err, "%s", out)
				got, err := os.ReadFile(filepath.Join(dest, path.Base(jar)))
				require.NoError(t, err, "the file Flink is configured with (%s)", jar)
				assert.True(t, bytes.Equal(content, got))
				return
			}
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "%s", out)
			assert.Equal(t, c.exit, exit.ExitCode())
			assert.Contains(t, string(out), "flink-fetch: fetch "+uri+": sha256 mismatch")
			assert.NoFileExists(t, filepath.Join(dest, path.Base(jar)))
		})
	}
}

// buildFetch builds this command into a temporary folder.
func buildFetch(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flink-fetch")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "build flink-fetch: %s", out)
	return bin
}

// renderedFetch renders a native application with jarURI and returns the
// fetch init container's arguments and the jar pipeline.jars names. The
// container's command must be this binary as the flink-fetch image holds
// it, so that the arguments are this command's.
func renderedFetch(t *testing.T, jarURI string) ([]string, string) {
	t.Helper()
	var fd v1beta1.FlinkDeployment
	require.NoError(t, yaml.Unmarshal([]byte(`
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: fetched, namespace: jobs}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job: {jarURI: "`+jarURI+`", parallelism: 1}
`), &fd))
	res, err := renderer.Render(&fd, renderer.RenderContext{})
	require.NoError(t, err)
	var jar string
	for _, e := range res.FlinkConfiguration {
		if e.Key == "pipeline.jars" {
			jar = e.String()
		}
	}
	require.True(t, strings.HasPrefix(jar, "local:///opt/flink/usrlib/"), "pipeline.jars: %q", jar)
	for _, o := range res.Objects {
		if o.GetKind() != "Deployment" {
			continue
		}
		inits, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "initContainers")
		require.Len(t, inits, 1)
		init := inits[0].(map[string]any)
		assert.Equal(t, renderer.DefaultFetcherImage, init["image"])
		command, _, _ := unstructured.NestedStringSlice(init, "command")
		require.Equal(t, []string{"/usr/local/bin/flink-fetch"}, command, "the binary the flink-fetch image holds")
		args, _, _ := unstructured.NestedStringSlice(init, "args")
		require.NotEmpty(t, args)
		return args, jar
	}
	t.Fatal("no Deployment rendered")
	return nil, ""
}
