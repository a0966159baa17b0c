package flinkconf

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMaxParallelismOverride(t *testing.T) {
	cases := []struct {
		value     string
		yamlFirst bool
		want      int64
	}{
		{"a:20,b:4", false, 20},
		{"a: 3", false, 3},
		{"{a: 2, b: 7}", true, 7}, // Flink 2.x reads a YAML mapping first
		{"a:2,b:7", true, 7},
	}
	for _, c := range cases {
		r := &reader{raw: map[string]string{KeyParallelismOverrides: c.value}}
		assert.Equal(t, c.want, readMaxParallelismOverride(r, c.yamlFirst), c.value)
		assert.Empty(t, r.errs, c.value)
	}
	r := &reader{raw: map[string]string{}}
	assert.Zero(t, readMaxParallelismOverride(r, false))
	for _, bad := range []string{"a:0", "a:x", "a"} {
		r := &reader{raw: map[string]string{KeyParallelismOverrides: bad}}
		readMaxParallelismOverride(r, false)
		assert.Len(t, r.errs, 1, bad)
	}
}
