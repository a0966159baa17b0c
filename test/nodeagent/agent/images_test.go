package agent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/renderer"
)

func TestSplitImage(t *testing.T) {
	tests := []struct{ ref, repo, tag string }{
		{"flink:1.20", "flink", "1.20"},
		{"flink:1.20.3-scala_2.12-java17", "flink", "1.20.3-scala_2.12-java17"},
		{"apache/flink:2.2", "apache/flink", "2.2"},
		{"docker.io/library/flink:2.2@sha256:0123456789abcdef", "docker.io/library/flink", "2.2"},
		{"flink@sha256:0123456789abcdef", "flink", "latest"},
		{"flink", "flink", "latest"},
		// A registry's port is not a tag.
		{"localhost:5000/flink", "localhost:5000/flink", "latest"},
		{"localhost:5000/flink:2.2", "localhost:5000/flink", "2.2"},
	}
	for _, tt := range tests {
		repo, tag := splitImage(tt.ref)
		assert.Equal(t, tt.repo, repo, "repository of %s", tt.ref)
		assert.Equal(t, tt.tag, tag, "tag of %s", tt.ref)
	}
}

func testImages() *Images {
	return &Images{
		Flink: map[string]FlinkDist{
			"1.20": {Version: "1.20.5", Home: "/dists/1.20.5"},
			"2.2":  {Version: "2.2.1", Home: "/dists/2.2.1"},
		},
		FlinkImageBinary: "/bin/flink-image",
		FetchRepository:  "ghcr.io/flinkops/flink-fetch",
		FetchBinary:      "/bin/flink-fetch",
	}
}

func TestResolveFlinkImages(t *testing.T) {
	im := testImages()
	tests := []struct{ ref, version string }{
		{"flink:1.20", "1.20.5"},
		{"flink:1.20.3-scala_2.12-java17", "1.20.5"},
		{"apache/flink:2.2", "2.2.1"},
		{"docker.io/library/flink:2.2@sha256:0123456789abcdef", "2.2.1"},
		{"flink:2.2-java17", "2.2.1"},
	}
	for _, tt := range tests {
		img, err := im.Resolve(tt.ref)
		require.NoError(t, err, tt.ref)
		assert.Equal(t, "flink-operator.dev/flink-dist@"+tt.version, img.ID, tt.ref)
		assert.Equal(t, []string{"/docker-entrypoint.sh"}, img.Entrypoint, tt.ref)
		assert.Equal(t, "/opt/flink", img.WorkingDir, tt.ref)
		assert.Contains(t, img.Env, "FLINK_HOME=/opt/flink", tt.ref)
		assert.Contains(t, img.Env, "JAVA_HOME="+javaHome, tt.ref)
	}
}

func TestResolveUnknownFlinkVersion(t *testing.T) {
	im := testImages()
	// 1.2 is not a prefix match of 1.20; 1.20rc1 is no release tag; untagged
	// means latest, which names no version.
	for _, ref := range []string{"flink:1.19", "flink:1.2", "flink:1.20rc1", "apache/flink:2.3.0-java17", "flink", "flink:latest"} {
		_, err := im.Resolve(ref)
		require.ErrorIs(t, err, ErrImagePull, ref)
		assert.ErrorContains(t, err, ref)
		assert.ErrorContains(t, err, "1.20, 2.2", "%s: the message names the versions the node has", ref)
	}
}

func TestResolveFetchImage(t *testing.T) {
	im := testImages()
	for _, ref := range []string{"ghcr.io/flinkops/flink-fetch:v0.3.0", "ghcr.io/flinkops/flink-fetch@sha256:0123456789abcdef"} {
		img, err := im.Resolve(ref)
		require.NoError(t, err, ref)
		assert.Equal(t, []string{"/usr/local/bin/flink-fetch"}, img.Entrypoint, ref)
		mounts, err := img.layers(t.TempDir())
		require.NoError(t, err, ref)
		require.Len(t, mounts, 1, ref)
		assert.Equal(t, "/bin/flink-fetch", mounts[0].Source, "%s: the image runs this checkout's binary", ref)
		// The path the rendered init container's command names.
		assert.Equal(t, "/usr/local/bin/flink-fetch", mounts[0].Target, ref)
		assert.True(t, mounts[0].ReadOnly, ref)
	}
}

// TestDefaultFetchRepository: the node agent's default serves the image
// the operator renders by default.
func TestDefaultFetchRepository(t *testing.T) {
	im := &Images{FetchRepository: DefaultFetchRepository, FetchBinary: "/bin/flink-fetch"}
	img, err := im.Resolve(renderer.DefaultFetcherImage)
	require.NoError(t, err)
	assert.Equal(t, []string{"/usr/local/bin/flink-fetch"}, img.Entrypoint)
}

func TestResolveOtherImages(t *testing.T) {
	im := testImages()
	// The operator's image is not served: no pod of the dev cluster runs it
	// (the operator runs as a process), and it holds no fetcher.
	for _, ref := range []string{"busybox:1.36", "ghcr.io/flinkops/flink-fetch-extra:v1", "ghcr.io/flinkops/flink-operator:v0.1.0", "example.com/flink:2.2"} {
		_, err := im.Resolve(ref)
		require.ErrorIs(t, err, ErrImagePull, ref)
		assert.ErrorContains(t, err, ref)
	}
}
