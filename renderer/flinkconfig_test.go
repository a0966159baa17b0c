package renderer

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
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
		"local:///opt/flink/usrlib/job.jar", "s3://b/k", "a:b", "a:", ":a", "a::b", "$internal", "$internal.pipeline.job-id",
		"a$b", "$", "$1", "y:", "on:off", "http://x:8081/p", "a:1", "true:x",
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

// writeSimpleNestedYAML must write exactly what the encoder writes whenever
// it takes a configuration: over many random configurations made of keys
// that nest, share prefixes, sort around the dot, and of tricky values.
func TestSimpleNestedYAMLMatchesTheEncoder(t *testing.T) {
	parts := []string{"a", "b", "ab", "a-b", "a_b", "b0", "Z", "high-availability", "type", "x/y", "1", "on", "k8s", "$internal", "a:b"}
	values := []any{
		"rocksdb", "2048m", "/opt/flink", "8081", "1.5", "0.0.0.0", "true", "yes", "s3://bucket/ha", "a b", "",
		"local:///opt/flink/usrlib/job.jar", "kubernetes-application", "$x", "x:",
		"2048m", "1g", "0xff", "0b1", "0o7", "0x", "1e", "1e3", "10s", "00x", "1_000", "12ab",
		"0.0.0.0", "1.20.1", "1..2", "1.2.", "01.02.03", "1.2.3e4",
		json.Number("2"), json.Number("-1"), json.Number("1.25"), json.Number("1e3"), true, false,
	}
	// Strings the encoder quotes (encodedScalar), or writes over several
	// lines (then the direct writer must refuse the configuration).
	quoted := []any{
		"--mode;streaming", "-XX:+UseG1GC -Dfoo=bar", "a:b,c:d", "'quoted'", `say "hi"`, "- x", "-", "#x", "x #y",
		"a: b", "--- x", "...", "@x", "`x", "%x", "!x", "&x", "*x", "? x", "|x", ">x", "{a: b}", "[a]", " lead",
		"trail ", "tab\tin", "é ü", "\x01ctrl", "null", "~", "Yes", "1:20", "2024-01-01", "1e10", ".inf", "-.5", "+1",
		"line\nbreak", "crlf\r\n", "a\u2028b", strings.Repeat("word ", 20), strings.Repeat("x", 120),
		"-Dkey=value -Dother=" + strings.Repeat("y", 40), "k1:v1,k2:v2 with space",
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	simple, simpleQuoted := 0, 0
	for range 20000 {
		config := map[string]any{}
		withQuoted := false
		for range 1 + rnd.IntN(8) {
			key := parts[rnd.IntN(len(parts))]
			for range rnd.IntN(3) {
				key += "." + parts[rnd.IntN(len(parts))]
			}
			if rnd.IntN(4) == 0 {
				config[key] = quoted[rnd.IntN(len(quoted))]
				withQuoted = true
			} else {
				config[key] = values[rnd.IntN(len(values))]
			}
		}
		entries, err := v1beta1.NewConfigObject(config).Flatten()
		require.NoError(t, err)
		if _, overlapping := writeNestedYAML(entries); overlapping != nil {
			continue // an error either way
		}
		got, ok := writeSimpleNestedYAML(entries)
		if !ok {
			continue
		}
		simple++
		if withQuoted {
			simpleQuoted++
		}
		want, err := encodeNestedYAML(entries)
		require.NoError(t, err)
		require.Equal(t, want, got, "%v", config)
	}
	assert.Greater(t, simple, 1600, "the direct writer took too few configurations to mean anything")
	assert.Greater(t, simpleQuoted, 800, "the direct writer took too few configurations with quoted values")
}

// Program arguments with ';', quotes or outer whitespace reach the job
// whole: Flink splits $internal.application.program-args as a list.
func TestProgramArgsAreEscaped(t *testing.T) {
	args := []string{"--sql", "INSERT INTO t SELECT 'a'; SELECT 2", " padded", `"quoted"`}
	for _, version := range []v1beta1.FlinkVersion{"v1_20", "v2_2"} {
		fd := loadExample(t, "../examples/basic.yaml")
		fd.Spec.FlinkVersion = version
		fd.Spec.Job.Args = args
		res, err := Render(fd, RenderContext{})
		require.NoError(t, err)
		var value string
		for _, e := range res.FlinkConfiguration {
			if e.Key == "$internal.application.program-args" {
				value = e.String()
			}
		}
		back, err := flinkconf.SplitEscaped(value, ';')
		require.NoError(t, err, "%s: %q", version, value)
		assert.Equal(t, args, back, "%s: %q", version, value)
	}
}
