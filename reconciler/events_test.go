package reconciler

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// The API server refuses event notes over 1,024 bytes, and client-go does
// not shorten them: the operator does, so long errors are not lost.
func TestEventNotesFitTheAPILimit(t *testing.T) {
	short := "savepoint completed"
	assert.Equal(t, short, truncateNote(short))
	exact := strings.Repeat("a", maxEventNote)
	assert.Equal(t, exact, truncateNote(exact))

	long := strings.Repeat("é", maxEventNote) // two bytes each
	got := truncateNote(long)
	assert.LessOrEqual(t, len(got), maxEventNote)
	assert.True(t, utf8.ValidString(got), "cut on a rune boundary")
	assert.True(t, strings.HasSuffix(got, "..."))
}
