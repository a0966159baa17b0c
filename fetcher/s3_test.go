package fetcher

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeS3 is an in-process S3-compatible server holding the given objects
// (bucket -> key -> content). It records the Authorization headers, which
// say whose credentials signed each request.
type fakeS3 struct {
	*httptest.Server
	mu             sync.Mutex
	authorizations []string
}

func startFakeS3(t *testing.T, objects map[string]map[string][]byte) *fakeS3 {
	t.Helper()
	backend := s3mem.New()
	for bucket, keys := range objects {
		require.NoError(t, backend.CreateBucket(bucket))
		for key, content := range keys {
			_, err := backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(content), int64(len(content)), nil)
			require.NoError(t, err)
		}
	}
	f := &fakeS3{}
	s3 := gofakes3.New(backend).Server()
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.authorizations = append(f.authorizations, r.Header.Get("Authorization"))
		f.mu.Unlock()
		s3.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// useS3 points the AWS SDK's default chain at the fake server, with
// credentials from the environment only: shared files and the instance
// metadata service of the machine running the test stay out.
func useS3(t *testing.T, endpoint string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_S3":         endpoint,
		PathStyleEnv:                  "true",
		"AWS_ACCESS_KEY_ID":           "AKIDFETCHERTEST",
		"AWS_SECRET_ACCESS_KEY":       "fetcher-test-secret",
		"AWS_REGION":                  "eu-central-1",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_PROFILE":                 "",
	} {
		t.Setenv(k, v)
	}
}

func TestS3Download(t *testing.T) {
	content := jar(6<<20 + 3)
	srv := startFakeS3(t, map[string]map[string][]byte{"jobs": {"flink/2024/my-job.jar": content}})
	useS3(t, srv.URL)
	dest := t.TempDir()

	res, err := Fetch(context.Background(), Options{URI: "s3://jobs/flink/2024/my-job.jar#sha256=" + sha(content), Dest: dest})
	require.NoError(t, err)
	assertFetched(t, res, dest, "my-job.jar", content)

	srv.mu.Lock()
	defer srv.mu.Unlock()
	require.NotEmpty(t, srv.authorizations)
	assert.Contains(t, srv.authorizations[0], "Credential=AKIDFETCHERTEST/", "signed with the credentials of the environment")
	assert.Contains(t, srv.authorizations[0], "/eu-central-1/s3/", "in the region of the environment")
}

func TestS3Failures(t *testing.T) {
	content := jar(4096)
	srv := startFakeS3(t, map[string]map[string][]byte{"jobs": {"job.jar": content}})
	useS3(t, srv.URL)
	for _, c := range []struct {
		name, uri string
		max       int64
		is        error
		message   string
	}{
		{name: "missing key", uri: "s3://jobs/missing.jar", is: ErrNotFound, message: "NoSuchKey"},
		{name: "missing bucket", uri: "s3://nobucket/job.jar", is: ErrNotFound, message: "NoSuchBucket"},
		{name: "checksum mismatch", uri: "s3://jobs/job.jar#sha256=" + sha(content[:10]), is: ErrChecksumMismatch, message: "the URI says " + sha(content[:10])},
		{name: "too large", uri: "s3://jobs/job.jar", max: 1000, is: ErrTooLarge, message: "4096 bytes announced, the limit is 1000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dest := t.TempDir()
			_, err := Fetch(context.Background(), Options{URI: c.uri, Dest: dest, MaxBytes: c.max})
			msg := fetchError(t, err, c.uri)
			assert.ErrorIs(t, err, c.is)
			assert.Contains(t, msg, c.message)
			assert.NotContains(t, msg, "fetcher-test-secret")
			assert.Empty(t, filesIn(t, dest))
		})
	}
}

func TestS3PathStyleSetting(t *testing.T) {
	srv := startFakeS3(t, nil)
	useS3(t, srv.URL)
	t.Setenv(PathStyleEnv, "sometimes")
	_, err := Fetch(context.Background(), Options{URI: "s3://jobs/job.jar", Dest: t.TempDir()})
	msg := fetchError(t, err, "s3://jobs/job.jar")
	assert.Contains(t, msg, `AWS_S3_USE_PATH_STYLE="sometimes": must be true or false`)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Empty(t, srv.authorizations, "nothing requested")
}

func TestS3WithoutCredentials(t *testing.T) {
	srv := startFakeS3(t, map[string]map[string][]byte{"jobs": {"job.jar": jar(10)}})
	useS3(t, srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err := Fetch(context.Background(), Options{URI: "s3://jobs/job.jar", Dest: t.TempDir()})
	msg := fetchError(t, err, "s3://jobs/job.jar")
	assert.True(t, strings.Contains(msg, "credentials"), "the SDK says credentials are missing: %s", msg)
}
