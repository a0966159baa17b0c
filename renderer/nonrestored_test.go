package renderer

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spec.job.allowNonRestoredState and the user's key under the other
// spelling used to be written both (issue 16): now the spec's value is
// written once, under the version's key, and a disagreement is warned of.
func TestAllowNonRestoredStateWrittenOnce(t *testing.T) {
	doc := strings.Replace(spec("v1_20", ""), "job.autoscaler.enabled: \"true\"",
		"execution.savepoint.ignore-unclaimed-state: \"false\"", 1)
	doc = strings.Replace(doc, "parallelism: 4}", "parallelism: 4, allowNonRestoredState: true}", 1)
	res, err := Render(decodeOne(t, doc), RenderContext{})
	require.NoError(t, err)
	conf := configMap(res)
	assert.Equal(t, "true", conf["execution.state-recovery.ignore-unclaimed-state"])
	assert.NotContains(t, conf, "execution.savepoint.ignore-unclaimed-state")
	var warned []string
	for _, u := range res.Unsupported {
		warned = append(warned, u.String())
	}
	assert.Contains(t, warned, "spec.flinkConfiguration[execution.savepoint.ignore-unclaimed-state]: conflicts with spec.job.allowNonRestoredState (true), which wins as in the reference operator; this key is not written")

	// Agreeing keys are dropped without a word; the user's key stays when
	// the spec does not decide.
	agree := strings.Replace(doc, `ignore-unclaimed-state: "false"`, `ignore-unclaimed-state: "true"`, 1)
	res, err = Render(decodeOne(t, agree), RenderContext{})
	require.NoError(t, err)
	assert.NotContains(t, configMap(res), "execution.savepoint.ignore-unclaimed-state")
	assert.Empty(t, res.Unsupported)
	unset := strings.Replace(doc, ", allowNonRestoredState: true", "", 1)
	res, err = Render(decodeOne(t, unset), RenderContext{})
	require.NoError(t, err)
	assert.Equal(t, "false", configMap(res)["execution.savepoint.ignore-unclaimed-state"])
}
