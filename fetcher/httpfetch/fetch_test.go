package httpfetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// filesIn lists a folder, including hidden (part) files.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func jarServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("PK-jar"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// s3:// and gs:// are valid jarURIs, but without an Opener (the operator
// links no cloud SDK) they are refused with a cause a caller can name.
func TestCloudSchemesWithoutAnOpener(t *testing.T) {
	for _, uri := range []string{"s3://bucket/job.jar", "gs://bucket/job.jar"} {
		_, err := Fetch(context.Background(), Options{URI: uri, Dest: t.TempDir()})
		require.ErrorIs(t, err, ErrSchemeNotFetched, uri)
		var fe *Error
		require.True(t, errors.As(err, &fe))
	}
}

func TestAllowedSchemes(t *testing.T) {
	srv := jarServer(t)
	dest := t.TempDir()
	_, err := Fetch(context.Background(), Options{URI: srv.URL + "/job.jar", Dest: dest, AllowHTTP: true, AllowLoopback: true, AllowedSchemes: []string{"https"}})
	require.ErrorIs(t, err, ErrSchemeNotAllowed)
	assert.Empty(t, filesIn(t, dest))

	res, err := Fetch(context.Background(), Options{URI: srv.URL + "/job.jar", Dest: dest, AllowHTTP: true, AllowLoopback: true, AllowedSchemes: []string{"https", "http"}})
	require.NoError(t, err)
	assert.Equal(t, int64(6), res.Bytes)
}

// The operator fetches on a user's behalf from inside the cluster: a URI
// or a redirect to its own pod (loopback) or to a metadata service
// (link-local) must not be followed.
func TestRefusedAddresses(t *testing.T) {
	srv := jarServer(t)
	_, err := Fetch(context.Background(), Options{URI: srv.URL + "/job.jar", Dest: t.TempDir(), AllowHTTP: true})
	require.ErrorIs(t, err, ErrAddressRefused, "loopback refused unless allowed")

	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/iam/security-credentials/", http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	_, err = Fetch(context.Background(), Options{URI: redirect.URL + "/job.jar", Dest: t.TempDir(), AllowHTTP: true, AllowLoopback: true})
	require.ErrorIs(t, err, ErrAddressRefused, "a redirect to the metadata service")
	assert.Contains(t, err.Error(), "link-local")

	for addr, want := range map[string]bool{
		"169.254.169.254": true, "fe80::1": true, "fd00:ec2::254": true, "100.100.100.200": true,
		"0.0.0.0": true, "::ffff:169.254.169.254": true, "127.0.0.1": true, "::1": true,
		"10.0.0.7": false, "203.0.113.9": false, "2001:db8::1": false,
	} {
		ip := netip.MustParseAddr(addr).Unmap()
		assert.Equal(t, want, refused(ip, false) != "", addr)
	}
	assert.Empty(t, refused(netip.MustParseAddr("127.0.0.1"), true))
}
