package flinkconf

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Flink's syntax for structured configuration values, as Flink's
// ConfigurationUtils and StructuredOptionsSplitter read them (flink-core,
// org.apache.flink.configuration):
//
//   - a list is split at ';', a map at ',' into entries and each entry at
//     ':' into key and value;
//   - an item that starts with ' or " is quoted up to the matching quote
//     (a doubled quote stands for one) and must be followed by the
//     delimiter or the end; a quote inside an unquoted item is an ordinary
//     character;
//   - whitespace before an item is skipped and an unquoted item is trimmed;
//     two delimiters in a row give an empty item, a delimiter at either end
//     gives none;
//   - a map entry must split into exactly two parts and a key may appear
//     once.
//
// Flink 2.x reads config.yaml in standard YAML mode: there a value is
// first read as a YAML flow mapping or sequence ({a: b}, [x, y]) and only
// when it is none falls back to the syntax above (parseMapValue's yamlFirst).

// errNotAPair reports a map entry that does not split into key and value.
var errNotAPair = errors.New("not a key:value pair")

// SplitEscaped splits s at delim the way Flink's StructuredOptionsSplitter
// does.
func SplitEscaped(s string, delim byte) ([]string, error) {
	type token struct {
		kind byte // 'q' quoted, 'u' unquoted, 'd' delimiter
		text string
	}
	var tokens []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			text, next, ok := consumeQuoted(s, i)
			if !ok {
				return nil, fmt.Errorf("the quote at position %d is not closed", i)
			}
			tokens = append(tokens, token{'q', text})
			i = next
		case c == delim:
			tokens = append(tokens, token{'d', ""})
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if javaWhitespace(r) {
				i += size
				continue
			}
			end := strings.IndexByte(s[i:], delim)
			if end < 0 {
				end = len(s)
			} else {
				end += i
			}
			tokens = append(tokens, token{'u', javaTrim(s[i:end])})
			i = end
		}
	}
	out := make([]string, 0, len(tokens))
	for j, t := range tokens {
		var next byte
		if j+1 < len(tokens) {
			next = tokens[j+1].kind
		}
		switch t.kind {
		case 'q':
			if next != 0 && next != 'd' {
				return nil, fmt.Errorf("a quoted part must be a whole item: %q is followed by more text before the next %q", t.text, delim)
			}
			out = append(out, t.text)
		case 'u':
			out = append(out, t.text)
		case 'd':
			if next == 'd' {
				out = append(out, "")
			}
		}
	}
	return out, nil
}

// consumeQuoted reads the quoted item that starts at s[start]; a doubled
// quote stands for one. It returns the text and the index after the
// closing quote. Quotes are ASCII, so walking bytes is safe in UTF-8.
func consumeQuoted(s string, start int) (string, int, bool) {
	quote := s[start]
	var b strings.Builder
	for i := start + 1; i < len(s); i++ {
		if s[i] != quote {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == quote {
			b.WriteByte(quote)
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return "", 0, false
}

// javaWhitespace is Java's Character.isWhitespace: Unicode space
// separators except the non-breaking ones, and the ASCII controls
// \t \n \v \f \r and \x1c-\x1f.
func javaWhitespace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f:
		return true
	case 0xa0, 0x2007, 0x202f:
		return false
	}
	return r > 0x7f && unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp) || r == ' '
}

// javaTrim is Java's String.trim: it drops characters up to U+0020 at both
// ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// mapEntry is one key and value of a map value, in the order written.
type mapEntry struct{ key, value string }

// parseLegacyMap reads "k1:v1,k2:v2".
func parseLegacyMap(s string) ([]mapEntry, error) {
	items, err := SplitEscaped(s, ',')
	if err != nil {
		return nil, err
	}
	entries := make([]mapEntry, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, item := range items {
		pair, err := SplitEscaped(item, ':')
		if err != nil {
			return nil, err
		}
		if len(pair) != 2 {
			return nil, fmt.Errorf("%q is %w (quote a key or value that holds ',' or ':' with ' or \")", item, errNotAPair)
		}
		if seen[pair[0]] {
			return nil, fmt.Errorf("the key %q is given twice", pair[0])
		}
		seen[pair[0]] = true
		entries = append(entries, mapEntry{pair[0], pair[1]})
	}
	return entries, nil
}

// parseMapValue reads a map-typed value; yamlFirst tries a YAML mapping
// first, as Flink 2.x does.
func parseMapValue(s string, yamlFirst bool) ([]mapEntry, error) {
	if yamlFirst {
		if entries, ok := yamlMapping(s); ok {
			return entries, nil
		}
	}
	return parseLegacyMap(s)
}

// parseMapListValue reads a list of maps: "k:v,k:v;k:v".
func parseMapListValue(s string, yamlFirst bool) ([][]mapEntry, error) {
	if yamlFirst {
		if nodes, ok := yamlSequence(s); ok {
			out := make([][]mapEntry, 0, len(nodes))
			for _, n := range nodes {
				entries, ok := mappingEntries(n)
				if !ok {
					out = nil
					break
				}
				out = append(out, entries)
			}
			if out != nil {
				return out, nil
			}
		}
	}
	items, err := SplitEscaped(s, ';')
	if err != nil {
		return nil, err
	}
	out := make([][]mapEntry, 0, len(items))
	for _, item := range items {
		entries, err := parseLegacyMap(item)
		if err != nil {
			return nil, err
		}
		out = append(out, entries)
	}
	return out, nil
}

// parseStringListValue reads a list of strings: "a;b".
func parseStringListValue(s string, yamlFirst bool) ([]string, error) {
	if yamlFirst {
		if nodes, ok := yamlSequence(s); ok {
			out := make([]string, 0, len(nodes))
			for _, n := range nodes {
				if !isScalar(n) {
					return nil, fmt.Errorf("list items must be strings")
				}
				out = append(out, n.Value)
			}
			return out, nil
		}
	}
	return SplitEscaped(s, ';')
}

// yamlMapping reads s as a YAML mapping of scalars.
func yamlMapping(s string) ([]mapEntry, bool) {
	n, ok := yamlDocument(s, yaml.MappingNode)
	if !ok {
		return nil, false
	}
	return mappingEntries(n)
}

// yamlSequence reads s as a YAML sequence.
func yamlSequence(s string) ([]*yaml.Node, bool) {
	n, ok := yamlDocument(s, yaml.SequenceNode)
	if !ok {
		return nil, false
	}
	return n.Content, true
}

func yamlDocument(s string, kind yaml.Kind) (*yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil || len(doc.Content) != 1 || doc.Content[0].Kind != kind {
		return nil, false
	}
	return doc.Content[0], true
}

// mappingEntries reads a mapping whose keys and values are all non-null
// scalars, each key once; anything else makes Flink fall back to its
// legacy syntax (or fail).
func mappingEntries(n *yaml.Node) ([]mapEntry, bool) {
	if n.Kind != yaml.MappingNode {
		return nil, false
	}
	entries := make([]mapEntry, 0, len(n.Content)/2)
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isScalar(k) || !isScalar(v) || seen[k.Value] {
			return nil, false
		}
		seen[k.Value] = true
		entries = append(entries, mapEntry{k.Value, v.Value})
	}
	return entries, true
}

func isScalar(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag != "!!null"
}

// JoinEscaped writes items as a Flink list value that SplitEscaped, and
// Flink, read back as exactly these items. As Flink's own writer does
// (StructuredOptionsSplitter.escapeWithSingleQuote), an item is
// single-quoted, with its single quotes doubled, when it holds the
// delimiter or a quote; so is an item that is empty or has whitespace at
// either end, which an unquoted item would lose. With yamlFirst (Flink 2.x
// reads the value as YAML first), a result that would read as a YAML
// sequence is written with every item quoted, which no YAML parser reads
// as one.
func JoinEscaped(items []string, delim byte, yamlFirst bool) string {
	joined := joinItems(items, delim, false)
	if yamlFirst {
		if _, isSequence := yamlSequence(joined); isSequence {
			joined = joinItems(items, delim, true)
		}
	}
	return joined
}

func joinItems(items []string, delim byte, quoteAll bool) string {
	var b strings.Builder
	for i, item := range items {
		if i > 0 {
			b.WriteByte(delim)
		}
		if !quoteAll && item != "" && javaTrim(item) == item && !startsWithJavaWhitespace(item) &&
			!strings.ContainsAny(item, `'"`) && strings.IndexByte(item, delim) < 0 {
			b.WriteString(item)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(item, "'", "''"))
		b.WriteByte('\'')
	}
	return b.String()
}

// startsWithJavaWhitespace: SplitEscaped skips such characters before an
// item even when String.trim would keep them (U+2028, for one).
func startsWithJavaWhitespace(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return javaWhitespace(r)
}
