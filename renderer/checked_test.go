package renderer

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkedTemplates evaluates with CUE's closedness checks on, as CUE does
// by default; the renderer's own set skips them (renderOptions,
// templates.go). The tests use it to find what those checks find.
var checkedTemplates = &templateSet{module: templates.module, checked: true}

// Renders without CUE's checks give exactly what renders with them give, for
// every golden case and example under every kind of RenderContext: no
// template relies on a definition being closed, and no check would have
// failed.
func TestRendersMatchCheckedRenders(t *testing.T) {
	compared := 0
	for name, fd := range contractCorpus(t) {
		for rcName, rc := range renderContexts {
			fast, fastErr := templates.render(fd, rc)
			checked, checkedErr := checkedTemplates.render(fd, rc)
			require.NoError(t, checkedErr, "%s (%s): the checked render fails", name, rcName)
			require.NoError(t, fastErr, "%s (%s)", name, rcName)
			if diff := cmp.Diff(checked, fast); diff != "" {
				t.Errorf("%s (%s): the render differs from the checked render (-checked +render):\n%s", name, rcName, diff)
			}
			compared++
		}
	}
	assert.Greater(t, compared, 100)
}

// The two sets differ where they should: a struct a closed definition does
// not allow is an error only with the checks on. (So the comparison above
// can fail.)
func TestCheckedTemplatesCheckClosedness(t *testing.T) {
	const src = `#Port: {name: string, port: int}, p: #Port & {name: "rest", port: 8081, typo: "TCP"}`
	require.NoError(t, checkedTemplates.load())
	require.NoError(t, templates.load())
	assert.Error(t, checkedTemplates.ctx.CompileString(src).Validate(), "the checked set accepts a field the definition does not allow")
	assert.NoError(t, templates.ctx.CompileString(src).Validate(), "the renderer's set still checks closedness: renderOptions had no effect")
}
