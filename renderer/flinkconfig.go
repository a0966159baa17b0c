package renderer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// operatorOnlyPrefixes are keys the operator reads itself; they are never
// shipped to the cluster (the reference operator strips them too).
var operatorOnlyPrefixes = []string{"kubernetes.operator.", "job.autoscaler."}

// IsOperatorOnlyKey reports whether a configuration key is for the operator
// rather than for Flink.
func IsOperatorOnlyKey(key string) bool {
	for _, p := range operatorOnlyPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// mergeFlinkConfig builds the configuration Flink gets: the template's
// defaults, then the user's keys, then what the spec decides. Values keep
// their type (string, json.Number, bool) so the YAML format can write them
// faithfully. The result is sorted by key.
func mergeFlinkConfig(plan flinkConfigPlan, user []v1beta1.ConfigEntry) []v1beta1.ConfigEntry {
	merged := make(map[string]any, len(plan.Defaults)+len(user)+len(plan.Overrides))
	for k, v := range plan.Defaults {
		merged[k] = typedScalar(v)
	}
	for _, e := range user {
		if !IsOperatorOnlyKey(e.Key) {
			merged[e.Key] = e.Value
		}
	}
	for k, v := range plan.Overrides {
		merged[k] = typedScalar(v)
	}
	out := make([]v1beta1.ConfigEntry, 0, len(merged))
	for k, v := range merged {
		out = append(out, v1beta1.ConfigEntry{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

var decimal = regexp.MustCompile(`^-?[0-9]+\.[0-9]+$`)

// typedScalar gives template values (always strings in CUE's output) the
// type they spell, so config.yaml says "parallelism.default: 2" rather than
// "2". Only plain integers, decimals and true/false are converted.
func typedScalar(s string) any {
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s {
		return json.Number(s)
	}
	if decimal.MatchString(s) {
		return json.Number(s)
	}
	return s
}

// writeFlinkConfig serialises the configuration in the file format of the
// Flink version: "legacy" is flink-conf.yaml's flat key: value lines,
// "yaml" is the standard YAML of config.yaml (Flink 2.x), written nested
// like Flink's own distribution file.
func writeFlinkConfig(format string, entries []v1beta1.ConfigEntry) (string, field.ErrorList) {
	switch format {
	case "legacy":
		var b strings.Builder
		for _, e := range entries {
			if strings.ContainsAny(e.String(), "\n\r") {
				return "", field.ErrorList{field.Invalid(configPath(e.Key), e.String(), "flink-conf.yaml values cannot span lines")}
			}
			fmt.Fprintf(&b, "%s: %s\n", e.Key, e.String())
		}
		return b.String(), nil
	case "yaml":
		return writeNestedYAML(entries)
	}
	return "", field.ErrorList{field.InternalError(field.NewPath("spec", "flinkVersion"), fmt.Errorf("unknown config format %q in the version table", format))}
}

func configPath(key string) *field.Path {
	return field.NewPath("spec", "flinkConfiguration").Key(key)
}

// writeNestedYAML nests keys at their dots. A key that is also the prefix of
// another (high-availability and high-availability.storageDir) cannot be
// nested; Flink 2.x rejects such files ("Overlapping key prefixes
// detected"), so it is an error here too, naming both keys.
func writeNestedYAML(entries []v1beta1.ConfigEntry) (string, field.ErrorList) {
	var errs field.ErrorList
	for i := 0; i+1 < len(entries); i++ {
		// Sorted order puts "a" right before "a.b..." when both exist.
		a, b := entries[i].Key, entries[i+1].Key
		if strings.HasPrefix(b, a+".") {
			errs = append(errs, field.Invalid(configPath(a), entries[i].String(),
				fmt.Sprintf("overlapping key prefixes: %q is also the prefix of %q, which config.yaml (Flink 2.x) cannot hold; use the leaf key (for example high-availability.type)", a, b)))
		}
	}
	if len(errs) > 0 {
		return "", errs
	}
	if file, ok := writeSimpleNestedYAML(entries); ok {
		return file, nil
	}
	file, err := encodeNestedYAML(entries)
	if err != nil {
		return "", field.ErrorList{field.InternalError(field.NewPath("spec", "flinkConfiguration"), err)}
	}
	return file, nil
}

// encodeNestedYAML writes the nested file with the YAML encoder.
func encodeNestedYAML(entries []v1beta1.ConfigEntry) (string, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, e := range entries {
		node := root
		parts := strings.Split(e.Key, ".")
		for _, part := range parts[:len(parts)-1] {
			node = child(node, part)
		}
		node.Content = append(node.Content, scalar(parts[len(parts)-1]), valueNode(e.Value))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// writeSimpleNestedYAML writes config.yaml directly when every key part
// and value is one the YAML encoder writes as a plain scalar, or a decimal
// it double-quotes, which covers most configurations; it reports false for
// anything else, which then goes through the encoder. The encoder is most
// of a 2.x render's Go time, and TestSimpleNestedYAMLMatchesTheEncoder
// checks that both write the same bytes.
//
// Entries are sorted, so the keys below one prefix are contiguous and each
// nested mapping is written once, in the order the encoder's tree would
// hold it.
func writeSimpleNestedYAML(entries []v1beta1.ConfigEntry) (string, bool) {
	if len(entries) == 0 {
		return "", false
	}
	var b strings.Builder
	var open []string // the mappings the previous key is inside
	for _, e := range entries {
		parts := strings.Split(e.Key, ".")
		for _, p := range parts {
			// Longer keys are written as complex keys ("? key").
			if !plainSafe(p) || len(p) > 128 {
				return "", false
			}
		}
		shared := 0
		for shared < len(open) && shared < len(parts)-1 && open[shared] == parts[shared] {
			shared++
		}
		open = open[:shared]
		for _, p := range parts[shared : len(parts)-1] {
			b.WriteString(strings.Repeat("  ", len(open)))
			b.WriteString(p)
			b.WriteString(":\n")
			open = append(open, p)
		}
		leaf := parts[len(parts)-1]
		value, ok := simpleScalar(e.Value, 2*len(open)+len(leaf)+2)
		if !ok {
			return "", false
		}
		b.WriteString(strings.Repeat("  ", len(open)))
		b.WriteString(leaf)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteByte('\n')
	}
	return b.String(), true
}

// simpleScalar is a value as the encoder writes it (see valueNode) when
// the value starts at column, for the values writeSimpleNestedYAML takes.
func simpleScalar(v any, column int) (string, bool) {
	switch t := v.(type) {
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	}
	s := fmt.Sprint(v)
	switch {
	case plainSafe(s), sizeWithUnit(s), dottedNumbers(s):
		return s, true
	case unsignedDecimal(s):
		return `"` + s + `"`, true
	}
	return encodedScalar(s, column)
}

// encodedScalar lets the encoder quote any other string that stays on one
// line: program arguments, JVM options, Flink's "k1:v1,k2:v2" maps. The
// encoder writes a scalar the same way wherever it stands, except that it
// folds a line at a space once it runs past column 80, and a line break
// makes it a block scalar: those go through the whole-file encoder.
func encodedScalar(s string, column int) (string, bool) {
	if strings.ContainsAny(s, "\n\r\u0085\u2028\u2029") {
		return "", false
	}
	out, err := yaml.Marshal(s)
	if err != nil || len(out) == 0 || out[len(out)-1] != '\n' {
		return "", false
	}
	out = out[:len(out)-1]
	// One line here; and in the file it ends by column 80, so no space in
	// it comes late enough to fold at.
	if bytes.IndexByte(out, '\n') >= 0 || strings.ContainsAny(s, " \t") && column+len(out) > 80 {
		return "", false
	}
	return string(out), true
}

// dottedNumbers reports whether s is three or more dot-separated runs of
// digits (0.0.0.0, 1.20.1): no YAML number, so written plain.
func dottedNumbers(s string) bool {
	groups := strings.Split(s, ".")
	if len(groups) < 3 {
		return false
	}
	for _, g := range groups {
		if !allDigits(g) {
			return false
		}
	}
	return true
}

// sizeWithUnit reports whether s is digits followed by letters (2048m,
// 1g), which YAML reads as a string, so the encoder writes it plain; 0x,
// 0o and 0b prefixes, which YAML may read as numbers, are left to the
// encoder.
func sizeWithUnit(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i == len(s) || s[0] == '0' && i == 1 && strings.ContainsRune("xXoObB", rune(s[1])) {
		return false
	}
	for ; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return true
}

func child(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.MappingNode {
			return m.Content[i+1]
		}
	}
	n := &yaml.Node{Kind: yaml.MappingNode}
	m.Content = append(m.Content, scalar(key), n)
	return n
}

func scalar(s string) *yaml.Node {
	n := &yaml.Node{}
	n.SetString(s)
	return n
}

// valueNode keeps numbers and booleans as the user typed them and writes
// strings so that YAML reads them back as the same strings.
func valueNode(v any) *yaml.Node {
	switch t := v.(type) {
	case json.Number:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!" + numberTag(t), Value: t.String()}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}
	default:
		s := fmt.Sprint(v)
		switch {
		case plainSafe(s):
			// Most values (class names, sizes, paths): a plain scalar,
			// what Encode would write, for a fraction of the cost.
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
		case unsignedDecimal(s):
			// Ports, counts, cpu: plain they would read as numbers, so
			// the encoder double-quotes them.
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
		}
		n := &yaml.Node{}
		if err := n.Encode(s); err != nil {
			return scalar(s)
		}
		return n
	}
}

// plainSafe reports whether s certainly reads back as the same string when
// written as a plain YAML scalar, and is written so by the encoder: letters,
// digits and "._-/$" only, plus ":" anywhere but at the end (URIs such as
// local:///opt/flink/usrlib/job.jar), starting with a letter, a slash or
// "$", and not one of the words YAML (1.1 or 1.2) reads as a boolean or
// null. Anything else goes through the encoder, which quotes what needs it.
func plainSafe(s string) bool {
	if s == "" || !(isLetter(s[0]) || s[0] == '/' || s[0] == '$') || s[len(s)-1] == ':' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/' || c == '$' || c == ':') {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return false
	}
	return true
}

// unsignedDecimal reports whether s is digits, or digits, a dot and
// digits: YAML reads those as an integer or a float.
func unsignedDecimal(s string) bool {
	whole, fraction, dotted := strings.Cut(s, ".")
	return allDigits(whole) && (!dotted || allDigits(fraction))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func numberTag(n json.Number) string {
	if _, err := n.Int64(); err == nil {
		return "int"
	}
	return "float"
}

// withoutOverruled drops the user's keys that the spec overrules under
// another spelling, so that Flink gets one key, the spec's.
func withoutOverruled(entries []v1beta1.ConfigEntry, overruled []flinkconf.IgnoreUnclaimedConflict) []v1beta1.ConfigEntry {
	if len(overruled) == 0 {
		return entries
	}
	drop := make(map[string]bool, len(overruled))
	for _, c := range overruled {
		drop[c.Key] = true
	}
	out := make([]v1beta1.ConfigEntry, 0, len(entries))
	for _, e := range entries {
		if !drop[e.Key] {
			out = append(out, e)
		}
	}
	return out
}
