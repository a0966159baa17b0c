package gate

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The gate is a pure function, and its tables run without an API server:
// no file of the package, tests included, imports a client, envtest or the
// shared test environment, and nothing defines a TestMain that could
// start one.
func TestGateNeedsNoAPIServer(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	forbidden := []string{
		"sigs.k8s.io/controller-runtime/pkg/envtest",
		"sigs.k8s.io/controller-runtime/pkg/client",
		"k8s.io/client-go",
		"github.com/flinkops/flink-operator/internal/testing",
	}
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		require.NoError(t, err, name)
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				assert.False(t, strings.HasPrefix(path, bad), "%s imports %s", name, path)
			}
		}
		full, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		require.NoError(t, err, name)
		assert.Nil(t, full.Scope.Lookup("TestMain"), "%s defines TestMain", name)
	}
}
