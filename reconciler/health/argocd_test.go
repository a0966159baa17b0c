package health

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	lua "github.com/yuin/gopher-lua"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Argo CD runs a resource's health check as Lua (gopher-lua) with the
// object, as JSON decoded into tables, in the global obj; the script
// returns a table with status and message.
func argoHealth(t *testing.T, script string, fd *v1beta1.FlinkDeployment) (status, message string) {
	t.Helper()
	raw, err := json.Marshal(fd)
	require.NoError(t, err)
	var obj map[string]any
	require.NoError(t, json.Unmarshal(raw, &obj))

	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("obj", toLua(L, obj))
	require.NoError(t, L.DoString(script))
	ret, ok := L.Get(-1).(*lua.LTable)
	require.True(t, ok, "the script returns a table")
	return lua.LVAsString(ret.RawGetString("status")), lua.LVAsString(ret.RawGetString("message"))
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, e := range v {
			t.Append(toLua(L, e))
		}
		return t
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	}
	return lua.LNil
}

func readScript(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// The health check shipped in docs/ tells each lifecycle path apart,
// including the ones that wait for the user.
func TestArgoCDHealthScriptInDocs(t *testing.T) {
	script := readScript(t, filepath.Join("..", "..", "docs", "argocd-health.lua"))
	for _, c := range lifecycleCases(t) {
		t.Run(c.name, func(t *testing.T) {
			fd := c.applied()
			status, msg := argoHealth(t, script, fd)
			assert.Equal(t, c.argo, status, msg)
			if c.stalled {
				assert.Contains(t, msg, fd.Status.Error, "the operator's message is shown")
			}
		})
	}
}
