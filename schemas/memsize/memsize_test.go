package memsize

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	cases := map[string]int64{
		"2048m":        2048 << 20, // Flink MemorySize: mebibytes, not milli-bytes
		"2048M":        2048 << 20,
		"2g":           2 << 30,
		"2 gb":         2 << 30,
		"1024":         1024,
		"512 mb":       512 << 20,
		"1t":           1 << 40,
		"2Gi":          2 << 30, // Kubernetes quantity
		"1536Mi":       1536 << 20,
		"1.5Gi":        1536 << 20,
		"1e9":          1_000_000_000,
		"100kibibytes": 100 << 10,
	}
	for in, want := range cases {
		got, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "abc", "-1g", "0", "2 zb", "1.5.5g"} {
		_, err := Parse(in)
		assert.Error(t, err, in)
	}
}

func TestFormat(t *testing.T) {
	assert.Equal(t, "2048m", FlinkString(2048<<20))
	assert.Equal(t, "1000b", FlinkString(1000))
	assert.Equal(t, "2048Mi", ContainerQuantity(2048<<20))
	assert.Equal(t, "953Mi", ContainerQuantity(1_000_000_000))
}
