package fetcher

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeGCS plays the JSON API's media download for objects
// (bucket/key -> content) and answers like Cloud Storage otherwise. When
// token is set, requests must carry it as a bearer token.
func fakeGCS(t *testing.T, token string, objects map[string][]byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gcsAnswer := func(code int, message string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message}})
		}
		if got := r.Header.Get("Authorization"); got != bearer(token) {
			gcsAnswer(http.StatusUnauthorized, "Anonymous caller does not have storage.objects.get access")
			return
		}
		// The object name is one path segment: its slashes are escaped.
		rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/storage/v1/b/")
		bucket, object, _ := strings.Cut(rest, "/o/")
		if !ok || r.URL.Query().Get("alt") != "media" || strings.Contains(object, "/") {
			gcsAnswer(http.StatusBadRequest, "not a media download: "+r.URL.String())
			return
		}
		name := bucket + "/" + strings.ReplaceAll(object, "%2F", "/")
		content, found := objects[name]
		switch {
		case bucket == "private":
			gcsAnswer(http.StatusForbidden, "fetcher@project.iam.gserviceaccount.com does not have storage.objects.get access to the Google Cloud Storage object.")
		case !found:
			gcsAnswer(http.StatusNotFound, "No such object: "+name)
		default:
			w.Header().Set("Content-Length", strconv.Itoa(len(content)))
			_, _ = w.Write(content)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func bearer(token string) string {
	if token == "" {
		return ""
	}
	return "Bearer " + token
}

func TestGCSDownloadFromEmulator(t *testing.T) {
	content := jar(2<<20 + 5)
	srv := fakeGCS(t, "", map[string][]byte{"jobs/flink/v2/my-job.jar": content})
	// host:port, the form the official client libraries document.
	t.Setenv(EmulatorEnv, srv.Listener.Addr().String())
	dest := t.TempDir()

	res, err := Fetch(context.Background(), Options{URI: "gs://jobs/flink/v2/my-job.jar#sha256=" + sha(content), Dest: dest})
	require.NoError(t, err)
	assertFetched(t, res, dest, "my-job.jar", content)
}

func TestGCSFailures(t *testing.T) {
	content := jar(4096)
	srv := fakeGCS(t, "", map[string][]byte{"jobs/job.jar": content})
	t.Setenv(EmulatorEnv, srv.URL)
	for _, c := range []struct {
		name, uri string
		max       int64
		is        error
		message   string
	}{
		{name: "missing object", uri: "gs://jobs/missing.jar", is: ErrNotFound, message: "not found: HTTP 404 Not Found: No such object: jobs/missing.jar"},
		{name: "no permission", uri: "gs://private/job.jar",
			message: "HTTP 403 Forbidden: the server refused the credentials (application default credentials; they need storage.objects.get on the object): fetcher@project.iam.gserviceaccount.com does not have storage.objects.get access"},
		{name: "checksum mismatch", uri: "gs://jobs/job.jar#sha256=" + sha(content[:1]), is: ErrChecksumMismatch, message: "the URI says " + sha(content[:1])},
		{name: "too large", uri: "gs://jobs/job.jar", max: 4000, is: ErrTooLarge, message: "4096 bytes announced, the limit is 4000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dest := t.TempDir()
			_, err := Fetch(context.Background(), Options{URI: c.uri, Dest: dest, MaxBytes: c.max})
			msg := fetchError(t, err, c.uri)
			if c.is != nil {
				assert.ErrorIs(t, err, c.is)
			}
			assert.Contains(t, msg, c.message)
			assert.Empty(t, filesIn(t, dest))
		})
	}
}

// Without an emulator the fetcher authenticates with Google application
// default credentials; here a credentials file (as a Secret mounted into
// the pod provides) whose token endpoint is local.
func TestGCSApplicationDefaultCredentials(t *testing.T) {
	var tokenRequests int
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenRequests++
		if err := r.ParseForm(); err != nil || r.Form.Get("refresh_token") != "refresh-me" || r.Form.Get("client_secret") != "client-s3cret" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"ya29.test-token","token_type":"Bearer","expires_in":3600}`))
	}))
	defer tokens.Close()
	content := jar(1000)
	storage := fakeGCS(t, "ya29.test-token", map[string][]byte{"jobs/job.jar": content})

	saved := gcsEndpoint
	gcsEndpoint = storage.URL
	t.Cleanup(func() { gcsEndpoint = saved })
	credentials := filepath.Join(t.TempDir(), "adc.json")
	require.NoError(t, os.WriteFile(credentials, []byte(`{
  "type": "authorized_user",
  "client_id": "fetcher-test",
  "client_secret": "client-s3cret",
  "refresh_token": "refresh-me",
  "token_uri": "`+tokens.URL+`"
}`), 0o600))
	t.Setenv(EmulatorEnv, "")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", credentials)

	dest := t.TempDir()
	res, err := Fetch(context.Background(), Options{URI: "gs://jobs/job.jar", Dest: dest})
	require.NoError(t, err)
	assertFetched(t, res, dest, "job.jar", content)
	assert.Equal(t, 1, tokenRequests)

	// Credentials that do not load are reported as such, not as a 401.
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(t.TempDir(), "missing.json"))
	_, err = Fetch(context.Background(), Options{URI: "gs://jobs/job.jar", Dest: t.TempDir()})
	msg := fetchError(t, err, "gs://jobs/job.jar")
	assert.Contains(t, msg, "find Google application default credentials: google: error getting credentials using GOOGLE_APPLICATION_CREDENTIALS")
}
