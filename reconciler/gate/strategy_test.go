package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README tells users how their job's state is kept; the gate must do
// what it says, in the same order.
func TestStateTableMatchesTheREADME(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, section, found := strings.Cut(string(data), "**How the job's state is kept**")
	require.True(t, found, "README has the state table")
	var gate []string
	for _, r := range stateTable {
		gate = append(gate, r.row)
	}
	assert.Equal(t, gate, firstColumn(section))
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
