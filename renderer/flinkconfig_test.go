package renderer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// valueNode writes strings as plain scalars without the encoder when that
// is certainly safe; the result must be exactly what the encoder writes,
// and every string must read back as itself.
func TestValueNodeWritesStringsAsTheEncoderDoes(t *testing.T) {
	for _, s := range []string{
		"rocksdb", "hashmap", "org.example.Main", "2048m", "1g", "/opt/flink/usrlib", "s3://bucket/ha",
		"true", "false", "True", "yes", "No", "on", "OFF", "y", "n", "null", "Null", "~", "",
		"1", "1.5", "-1", "0x1F", "1e3", ".inf", "1:20", "10:00:00", "a: b", "#comment", "a #b",
		"- item", "[x]", "{x: y}", "*alias", "&anchor", "!tag", "%directive", "@at", "`tick`",
		"multi\nline", " leading", "trailing ", "tab\there", "quote'd", `dq"d`, "ünïcode", "/",
		"a-b_c.d/e", "A", "x.y-", "_underscore", "-dash", ".dot", "N/A", "inf", "NaN", "nan",
		"0", "8081", "0123", "089", "1.0", "10.25", "0.0.0.0", "1.", ".5", "1.2.3", "١٢٣",
	} {
		viaEncoder := &yaml.Node{}
		require.NoError(t, viaEncoder.Encode(s))
		got, want := marshalNode(t, valueNode(s)), marshalNode(t, viaEncoder)
		assert.Equal(t, want, got, "%q", s)
		var back map[string]string
		require.NoError(t, yaml.Unmarshal([]byte(got), &back), "%q", s)
		assert.Equal(t, s, back["key"])
	}
}

func marshalNode(t *testing.T, n *yaml.Node) string {
	t.Helper()
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("key"), n}}
	b, err := yaml.Marshal(doc)
	require.NoError(t, err)
	return string(b)
}
