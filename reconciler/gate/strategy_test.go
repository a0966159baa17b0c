package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The README tells users how their job's state is kept; the gate must do
// what it says, in the same order.
func TestStateTableMatchesTheREADME(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, section, found := strings.Cut(string(data), "**How the job's state is kept**")
	require.True(t, found, "README has the state table")
	assert.Equal(t, StateRules(), firstColumn(section))
}

// A decision names the row of the state table that decided it.
func TestDecisionNamesItsStateRule(t *testing.T) {
	old := appSpec(v1beta1.UpgradeModeLastState)
	in := upgradeInput(t, old, withImage(old, "flink:1.20.1"), runningObs(flinkrest.JobRunning))
	in.HA = HAObservation{Enabled: true, MetadataAvailable: true, LatestCheckpointID: 7}
	assert.Equal(t, "running, last-state", Decide(in).StateRule)

	in.HA = HAObservation{Enabled: true}
	assert.Equal(t, "running, last-state, no HA metadata", Decide(in).StateRule)

	desired := old.DeepCopy()
	desired.Job.UpgradeMode = v1beta1.UpgradeModeStateless
	assert.Empty(t, Decide(upgradeInput(t, old, desired, runningObs(flinkrest.JobRunning))).StateRule, "an in-place change consults no row")
}

// firstColumn is the first column of the first Markdown table in text.
func firstColumn(text string) []string {
	var rows []string
	inTable := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "|---"):
			inTable = true
		case inTable && strings.HasPrefix(line, "|"):
			rows = append(rows, strings.TrimSpace(strings.Split(line, "|")[1]))
		case inTable:
			return rows
		}
	}
	return rows
}
