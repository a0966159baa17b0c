package fetcher

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/fetcher/artifact"
)

// serve answers path with content, as a file server does.
func serve(t *testing.T, path string, content []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		_, _ = w.Write(content)
	}
}

func trusting(srv *httptest.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return pool
}

func TestHTTPSDownload(t *testing.T) {
	content := jar(3<<20 + 17)
	srv := httptest.NewTLSServer(serve(t, "/jobs/my-job-1.0.jar", content))
	defer srv.Close()
	dest := t.TempDir()

	res, err := Fetch(context.Background(), Options{
		URI:     srv.URL + "/jobs/my-job-1.0.jar#sha256=" + sha(content),
		Dest:    dest,
		RootCAs: trusting(srv),
	})
	require.NoError(t, err)
	assertFetched(t, res, dest, "my-job-1.0.jar", content)

	// Again, under another name: an existing file is replaced whole.
	res, err = Fetch(context.Background(), Options{URI: srv.URL + "/jobs/my-job-1.0.jar", Dest: dest, FileName: "job.jar", RootCAs: trusting(srv)})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dest, "job.jar"), res.Path)
	assert.Equal(t, []string{"job.jar", "my-job-1.0.jar"}, filesIn(t, dest))
}

func TestHTTPSVerifiesTheServer(t *testing.T) {
	srv := httptest.NewTLSServer(serve(t, "/job.jar", jar(10)))
	defer srv.Close()
	dest := t.TempDir()
	_, err := Fetch(context.Background(), Options{URI: srv.URL + "/job.jar", Dest: dest})
	msg := fetchError(t, err, srv.URL+"/job.jar")
	assert.Contains(t, msg, "certificate signed by unknown authority")
	assert.Empty(t, filesIn(t, dest))
}

func TestHTTPFailures(t *testing.T) {
	content := jar(4096)
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc
		uri     string // path and fragment
		max     int64
		timeout time.Duration
		is      error
		message string
	}{
		{name: "404", handler: serve(t, "/job.jar", content), uri: "/missing.jar", is: ErrNotFound, message: "not found: HTTP 404 Not Found"},
		{name: "403", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }, uri: "/job.jar",
			message: "HTTP 403 Forbidden: the server refused the credentials (user info in the URI, or FETCH_HTTP_HEADERS)"},
		{name: "500", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }, uri: "/job.jar", message: "HTTP 502 Bad Gateway"},
		{name: "checksum mismatch", handler: serve(t, "/job.jar", content), uri: "/job.jar#sha256=" + sha(content[1:]), is: ErrChecksumMismatch,
			message: fmt.Sprintf("sha256 mismatch: the content has sha256 %s, the URI says %s", sha(content), sha(content[1:]))},
		{name: "too large, announced", handler: serve(t, "/job.jar", content), uri: "/job.jar", max: 4095, is: ErrTooLarge,
			message: "too large: 4096 bytes announced, the limit is 4095 (--max-bytes)"},
		{name: "too large, streamed", uri: "/job.jar", max: 4095, is: ErrTooLarge, message: "too large: more than the limit of 4095 bytes",
			handler: func(w http.ResponseWriter, r *http.Request) {
				// No Content-Length: the limit is found while writing.
				for i := 0; i < 4; i++ {
					_, _ = w.Write(content[:1024])
					w.(http.Flusher).Flush()
				}
				_, _ = w.Write(content[:1])
			}},
		{name: "timeout before the answer", uri: "/job.jar", timeout: 300 * time.Millisecond, is: ErrTimeout, message: "timed out after 300ms (--timeout)",
			handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
		{name: "timeout in the body", uri: "/job.jar", timeout: 300 * time.Millisecond, is: ErrTimeout, message: "timed out after 300ms (--timeout)",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "4096")
				_, _ = w.Write(content[:100])
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(c.handler)
			defer srv.Close()
			dest := t.TempDir()
			// A jar from an earlier fetch must survive a failed one intact.
			require.NoError(t, os.WriteFile(filepath.Join(dest, "job.jar"), []byte("previous"), 0o644))

			_, err := Fetch(context.Background(), Options{URI: srv.URL + c.uri, Dest: dest, MaxBytes: c.max, Timeout: c.timeout, RootCAs: trusting(srv)})
			msg := fetchError(t, err, srv.URL+c.uri)
			if c.is != nil {
				assert.ErrorIs(t, err, c.is)
			}
			assert.Contains(t, msg, "fetch "+srv.URL+c.uri+": ")
			assert.Contains(t, msg, c.message)
			assert.Equal(t, []string{"job.jar"}, filesIn(t, dest), "no partial download left")
			previous, _ := os.ReadFile(filepath.Join(dest, "job.jar"))
			assert.Equal(t, "previous", string(previous))
		})
	}
}

func TestHTTPErrorsHideCredentials(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	uri := "https://alice:s3cret@" + srv.Listener.Addr().String() + "/job.jar?X-Amz-Signature=s1gnature"
	_, err := Fetch(context.Background(), Options{URI: uri, Dest: t.TempDir(), RootCAs: trusting(srv)})
	msg := fetchError(t, err, "https://xxxxx@"+srv.Listener.Addr().String()+"/job.jar?X-Amz-Signature=xxxxx")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.NotContains(t, msg, "s3cret")
	assert.NotContains(t, msg, "s1gnature")

	// net/http names the URL in connection errors; it is shown redacted.
	srv.Close()
	_, err = Fetch(context.Background(), Options{URI: uri, Dest: t.TempDir(), RootCAs: trusting(srv)})
	msg = fetchError(t, err, "https://xxxxx@"+srv.Listener.Addr().String()+"/job.jar?X-Amz-Signature=xxxxx")
	assert.Contains(t, msg, "connection refused")
	assert.NotContains(t, msg, "s3cret")
	assert.NotContains(t, msg, "s1gnature")
}

func TestPlainHTTP(t *testing.T) {
	content := jar(100)
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		serve(t, "/job.jar", content)(w, r)
	}))
	defer srv.Close()
	dest := t.TempDir()

	_, err := Fetch(context.Background(), Options{URI: srv.URL + "/job.jar", Dest: dest})
	fetchError(t, err, srv.URL+"/job.jar")
	assert.ErrorIs(t, err, artifact.ErrHTTPNotAllowed)
	assert.Zero(t, requests, "nothing is requested over plain HTTP unless allowed")

	res, err := Fetch(context.Background(), Options{URI: srv.URL + "/job.jar", Dest: dest, AllowHTTP: true})
	require.NoError(t, err)
	assertFetched(t, res, dest, "job.jar", content)
}

func TestRedirects(t *testing.T) {
	content := jar(100)
	plain := httptest.NewServer(serve(t, "/job.jar", content))
	defer plain.Close()
	secure := httptest.NewTLSServer(serve(t, "/job.jar", content))
	defer secure.Close()
	redirector := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := map[string]string{"/to-plain": plain.URL + "/job.jar", "/to-secure": secure.URL + "/job.jar"}[r.URL.Path]
		http.Redirect(w, r, target, http.StatusFound)
	}))
	defer redirector.Close()
	pool := trusting(secure)
	pool.AddCert(redirector.Certificate())

	dest := t.TempDir()
	res, err := Fetch(context.Background(), Options{URI: redirector.URL + "/to-secure", Dest: dest, FileName: "job.jar", RootCAs: pool})
	require.NoError(t, err)
	assertFetched(t, res, dest, "job.jar", content)

	// https must not turn into plain HTTP on the way, allowed or not: the
	// user asked for TLS.
	dest = t.TempDir()
	_, err = Fetch(context.Background(), Options{URI: redirector.URL + "/to-plain", Dest: dest, RootCAs: pool})
	msg := fetchError(t, err, redirector.URL+"/to-plain")
	assert.ErrorIs(t, err, artifact.ErrHTTPNotAllowed)
	assert.Contains(t, msg, "refusing a redirect to http://")
	assert.Empty(t, filesIn(t, dest))
}

func TestHeadersFromEnvironment(t *testing.T) {
	content := jar(100)
	var elsewhere http.Header
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere = r.Header.Clone()
		_, _ = w.Write(content)
	}))
	defer other.Close()
	repo := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" || r.Header.Get("X-Api-Key") != "k:ey" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, other.URL+"/job.jar", http.StatusFound)
			return
		}
		_, _ = w.Write(content)
	}))
	defer repo.Close()
	pool := trusting(repo)
	pool.AddCert(other.Certificate())

	t.Setenv(HeadersEnv, "Authorization: Bearer t0ken\n\nx-api-key:   k:ey\n")
	dest := t.TempDir()
	res, err := Fetch(context.Background(), Options{URI: repo.URL + "/job.jar", Dest: dest, RootCAs: pool})
	require.NoError(t, err)
	assertFetched(t, res, dest, "job.jar", content)

	// Another host does not get them.
	_, err = Fetch(context.Background(), Options{URI: repo.URL + "/redirect", Dest: t.TempDir(), FileName: "job.jar", RootCAs: pool})
	require.NoError(t, err)
	require.NotNil(t, elsewhere)
	assert.Empty(t, elsewhere.Get("Authorization"))
	assert.Empty(t, elsewhere.Get("X-Api-Key"))

	t.Setenv(HeadersEnv, "Authorization: Bearer t0ken\nno colon here")
	_, err = Fetch(context.Background(), Options{URI: repo.URL + "/job.jar", Dest: t.TempDir(), RootCAs: pool})
	msg := fetchError(t, err, repo.URL+"/job.jar")
	assert.Contains(t, msg, `FETCH_HTTP_HEADERS line 2: must be "Name: value"`)
	assert.NotContains(t, msg, "t0ken")
}

func TestBadOptions(t *testing.T) {
	for _, c := range []struct {
		o       Options
		message string
	}{
		{Options{URI: "https://repo.example.com/job.jar", FileName: "../job.jar"}, `file name "../job.jar" must be a plain file name`},
		{Options{URI: "https://repo.example.com/job.jar", FileName: "job.jar.part"}, "must be a plain file name"},
		{Options{URI: "https://repo.example.com/job.jar", MaxBytes: -1}, "must be positive"},
		{Options{URI: "ftp://repo.example.com/job.jar"}, `scheme "ftp" is not supported`},
	} {
		c.o.Dest = t.TempDir()
		_, err := Fetch(context.Background(), c.o)
		msg := fetchError(t, err, c.o.URI)
		assert.Contains(t, msg, c.message)
		assert.Empty(t, filesIn(t, c.o.Dest))
	}
}
