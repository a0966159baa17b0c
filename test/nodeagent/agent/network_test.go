package agent

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteHostsFile(t *testing.T) {
	f := hostsFile{path: filepath.Join(t.TempDir(), "etc-hosts"), namespace: "ns", hostname: "demo-jm-0", ip: "127.1.0.5"}
	services := []hostEntry{
		{ip: "127.1.0.5", names: []string{"demo.ns.svc.cluster.local", "demo.ns.svc", "demo.ns", "demo"}},
		{ip: "127.1.0.9", names: []string{"other.ns2.svc.cluster.local", "other.ns2.svc", "other.ns2"}},
	}
	require.NoError(t, writeHostsFile(f, services))
	data, err := os.ReadFile(f.path)
	require.NoError(t, err)
	assert.Equal(t, "# Written by the flink-operator node agent: this pod's own names, then the cluster's Services.\n"+
		"127.1.0.5\tlocalhost demo-jm-0\n"+
		"127.1.0.5\tdemo.ns.svc.cluster.local demo.ns.svc demo.ns demo\n"+
		"127.1.0.9\tother.ns2.svc.cluster.local other.ns2.svc other.ns2\n", string(data))
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Sys().(*syscall.Stat_t).Ino
}

// A container sees its /etc/hosts through a bind mount, which pins the
// inode: a rewrite must change the file, not replace it.
func TestWriteHostsFileInPlace(t *testing.T) {
	f := hostsFile{path: filepath.Join(t.TempDir(), "etc-hosts"), hostname: "p", ip: "127.1.0.2"}
	require.NoError(t, writeHostsFile(f, nil))
	before := inode(t, f.path)

	require.NoError(t, writeHostsFile(f, []hostEntry{{ip: "127.1.0.3", names: []string{"svc"}}}))
	assert.Equal(t, before, inode(t, f.path))
	data, err := os.ReadFile(f.path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "127.1.0.3\tsvc\n")

	// Fewer names than before: the file is truncated, not overwritten in part.
	require.NoError(t, writeHostsFile(f, nil))
	data, err = os.ReadFile(f.path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "svc")
	assert.Equal(t, before, inode(t, f.path))
}

func TestWriteHostsFileUnchangedNotRewritten(t *testing.T) {
	f := hostsFile{path: filepath.Join(t.TempDir(), "etc-hosts"), hostname: "p", ip: "127.1.0.2"}
	services := []hostEntry{{ip: "127.1.0.3", names: []string{"svc"}}}
	require.NoError(t, writeHostsFile(f, services))
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, os.Chtimes(f.path, old, old))

	require.NoError(t, writeHostsFile(f, services))
	fi, err := os.Stat(f.path)
	require.NoError(t, err)
	assert.True(t, fi.ModTime().Equal(old), "same content: the file is left alone (modified %v)", fi.ModTime())

	require.NoError(t, writeHostsFile(f, nil))
	fi, err = os.Stat(f.path)
	require.NoError(t, err)
	assert.False(t, fi.ModTime().Equal(old), "new content: the file is written")
}
