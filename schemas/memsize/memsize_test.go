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
		"100kibibytes": 100 << 10,
		"2Gi":          2 << 30, // Kubernetes quantity
		"1536Mi":       1536 << 20,
		"1.5Gi":        1536 << 20,
		"1e9":          1_000_000_000,
		// The reference operator's respelling before the quantity parse:
		// blanks dropped, upper case, a trailing B dropped, I written i.
		"2gib":       2 << 30,
		"2 Gi":       2 << 30,
		"512mi":      512 << 20,
		"1024mi":     1024 << 20,
		"1.5g":       1_500_000_000, // not Flink (no fractions): a decimal quantity
		"2 GiB":      2 << 30,
		"3000000000": 3_000_000_000, // a byte count
		" 4096 ":     4096,
	}
	for in, want := range cases {
		got, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "abc", "-1g", "0", "0Gi", "2 zb", "1.5.5g", "1.5", "2 gigs", "99999999999999999999"} {
		_, err := Parse(in)
		assert.Error(t, err, in)
	}
}

// TestParseFlink follows Flink's MemorySize.parseBytes: what Flink itself
// reads from its configuration file.
func TestParseFlink(t *testing.T) {
	ok := map[string]int64{
		"0": 0, "1": 1, "10 b": 10, "10bytes": 10, "1K": 1 << 10, "1 kb": 1 << 10,
		"1m": 1 << 20, "1MB": 1 << 20, "1 mebibytes": 1 << 20, "1g": 1 << 30,
		"1gibibytes": 1 << 30, "1t": 1 << 40, "1 TB": 1 << 40, "8388607t": 8388607 << 40,
	}
	for in, want := range ok {
		got, err := ParseFlink(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", " ", "m", "-1m", "1.5m", "2Gi", "1e9", "1 zb", "8388608t", "9223372036854775808"} {
		_, err := ParseFlink(in)
		assert.Error(t, err, in)
	}
}

func TestFormat(t *testing.T) {
	assert.Equal(t, "2048m", FlinkString(2048<<20))
	assert.Equal(t, "1000b", FlinkString(1000))
	assert.Equal(t, "2048Mi", ContainerQuantity(2048<<20))
	assert.Equal(t, "953Mi", ContainerQuantity(1_000_000_000))
}
