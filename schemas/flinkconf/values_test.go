package flinkconf

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cases of Flink's StructuredOptionsSplitterTest (flink-core), which
// fix how Flink splits structured values.
func TestSplitEscapedAsFlink(t *testing.T) {
	for _, tc := range []struct {
		in    string
		delim byte
		want  []string
		err   string
	}{
		{in: `'A;B';C`, delim: ';', want: []string{"A;B", "C"}},
		{in: `'A;B';'C'`, delim: ';', want: []string{"A;B", "C"}},
		{in: `A;B;C`, delim: ';', want: []string{"A", "B", "C"}},
		{in: `'AB''D;B';C`, delim: ';', want: []string{"AB'D;B", "C"}},
		{in: `A'BD;B';C`, delim: ';', want: []string{"A'BD", "B'", "C"}},
		{in: `'AB'D;B;C`, delim: ';', err: "quoted part must be a whole item"},
		{in: `'A`, delim: ';', err: "not closed"},
		{in: `C;'`, delim: ';', err: "not closed"},
		{in: `"A;B";C`, delim: ';', want: []string{"A;B", "C"}},
		{in: `"A;B";"C"`, delim: ';', want: []string{"A;B", "C"}},
		{in: `"AB""D;B";C`, delim: ';', want: []string{`AB"D;B`, "C"}},
		{in: `A"BD;B";C`, delim: ';', want: []string{`A"BD`, `B"`, "C"}},
		{in: `"AB"D;B;C`, delim: ';', err: "quoted part must be a whole item"},
		{in: `'AB"D';B;C`, delim: ';', want: []string{`AB"D`, "B", "C"}},
		{in: `'AB"D;B';C`, delim: ';', want: []string{`AB"D;B`, "C"}},
		{in: `'AB"''D;B';C`, delim: ';', want: []string{`AB"'D;B`, "C"}},
		{in: `"AB'D";B;C`, delim: ';', want: []string{"AB'D", "B", "C"}},
		{in: `"AB'D;B";C`, delim: ';', want: []string{"AB'D;B", "C"}},
		{in: `"AB'""D;B";C`, delim: ';', want: []string{`AB'"D;B`, "C"}},
		{in: `'A,B',C`, delim: ',', want: []string{"A,B", "C"}},
		{in: `A,B,C`, delim: ',', want: []string{"A", "B", "C"}},
		{in: `   'A;B'    ;   C   `, delim: ';', want: []string{"A;B", "C"}},
		{in: `   A;B    ;   C   `, delim: ';', want: []string{"A", "B", "C"}},
		{in: `'A;B'    ;C A`, delim: ';', want: []string{"A;B", "C A"}},
		{in: `' A    ;B'    ;'   C'`, delim: ';', want: []string{" A    ;B", "   C"}},
		// Empty items: only between two delimiters.
		{in: ``, delim: ';', want: []string{}},
		{in: `A;;B`, delim: ';', want: []string{"A", "", "B"}},
		{in: `;A;`, delim: ';', want: []string{"A"}},
		{in: "\u00a0A", delim: ';', want: []string{"\u00a0A"}}, // a non-breaking space is no whitespace to Java
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := SplitEscaped(tc.in, tc.delim)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseLegacyMap(t *testing.T) {
	// An entry holding ',' is quoted whole, and a key or value holding ':'
	// within it (as Flink's own writer escapes them).
	got, err := parseLegacyMap(`a:1, b : 2,'''c:d'':e,f',g:''`)
	require.NoError(t, err)
	assert.Equal(t, []mapEntry{{"a", "1"}, {"b", "2"}, {"c:d", "e,f"}, {"g", ""}}, got)

	_, err = parseLegacyMap("'c:d':x")
	assert.ErrorContains(t, err, "quoted part must be a whole item", "the quotes are taken by the split at ','")

	// A quote inside an unquoted item is an ordinary character, so a value
	// with a colon is quoted within its entry.
	got, err = parseLegacyMap("url:'http://x:8080'")
	require.NoError(t, err)
	assert.Equal(t, []mapEntry{{"url", "http://x:8080"}}, got)

	got, err = parseLegacyMap("")
	require.NoError(t, err)
	assert.Empty(t, got)

	for in, want := range map[string]string{
		"a":        `"a" is not a key:value pair`,
		"a:b:c":    `"a:b:c" is not a key:value pair`,
		"a:b,,c:d": `"" is not a key:value pair`,
		"a:1,a:2":  `the key "a" is given twice`,
		"a:'b":     "not closed",
	} {
		_, err := parseLegacyMap(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), want, in)
		}
	}
}

// Flink 2.x reads values as YAML first and falls back to the legacy syntax.
func TestYAMLFirstValues(t *testing.T) {
	got, err := parseMapValue("{url: 'http://x:8080', n: 2}", true)
	require.NoError(t, err)
	assert.Equal(t, []mapEntry{{"url", "http://x:8080"}, {"n", "2"}}, got)

	got, err = parseMapValue("a:b,c:d", true)
	require.NoError(t, err)
	assert.Equal(t, []mapEntry{{"a", "b"}, {"c", "d"}}, got, "not YAML: the legacy syntax")

	_, err = parseMapValue("{url: 'http://x:8080'}", false)
	assert.Error(t, err, "before 2.x Flink has no YAML values")

	lists, err := parseMapListValue("[{key: a, operator: Exists}, {key: b, operator: Exists}]", true)
	require.NoError(t, err)
	assert.Equal(t, [][]mapEntry{{{"key", "a"}, {"operator", "Exists"}}, {{"key", "b"}, {"operator", "Exists"}}}, lists)

	lists, err = parseMapListValue("key:a,operator:Exists;key:b", true)
	require.NoError(t, err)
	assert.Equal(t, [][]mapEntry{{{"key", "a"}, {"operator", "Exists"}}, {{"key", "b"}}}, lists)

	names, err := parseStringListValue("[a, b]", true)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names)
	names, err = parseStringListValue("[a, b]", false)
	require.NoError(t, err)
	assert.Equal(t, []string{"[a, b]"}, names, "legacy: one item")
}

// quoteItem quotes an item the way Flink's escapeWithSingleQuote does.
func quoteItem(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// FuzzSplitEscaped: splitting never panics, and items quoted and joined
// split back into themselves.
func FuzzSplitEscaped(f *testing.F) {
	for _, seed := range []string{`'A;B';C`, `A'BD;B';C`, "a:b,c:d", "key:k,operator:Equal;key:j", ";;", `"x""y"`, " \t\u2028a"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := SplitEscaped(s, ';')
		if err != nil {
			return
		}
		quoted := make([]string, len(items))
		for i, item := range items {
			quoted[i] = quoteItem(item)
		}
		again, err := SplitEscaped(strings.Join(quoted, ";"), ';')
		if err != nil {
			t.Fatalf("quoted items %q do not split: %v", quoted, err)
		}
		if len(items) == 0 {
			return
		}
		if strings.Join(again, "\x00") != strings.Join(items, "\x00") || len(again) != len(items) {
			t.Fatalf("split(%q) = %q, but its items quoted split into %q", s, items, again)
		}
		// The map and list readers only combine the splitter.
		_, _ = parseMapValue(s, true)
		_, _ = parseMapListValue(s, true)
		_, _ = parseStringListValue(s, true)
	})
}

// JoinEscaped writes what Flink's own writer writes when nothing needs
// quoting, and otherwise quotes so that the items come back unchanged.
func TestJoinEscaped(t *testing.T) {
	for _, tc := range []struct {
		items     []string
		yamlFirst bool
		want      string
	}{
		{[]string{"--mode", "streaming"}, false, "--mode;streaming"},
		{[]string{"--query", "SELECT 1; SELECT 2"}, false, "--query;'SELECT 1; SELECT 2'"},
		{[]string{"it's", `say "hi"`}, false, `'it''s';'say "hi"'`},
		{[]string{"", " padded "}, false, "'';' padded '"},
		// Flink 2.x would read "[a, b]" as a YAML sequence of two items.
		{[]string{"[a, b]"}, true, "'[a, b]'"},
		{[]string{"[a, b]"}, false, "[a, b]"},
		{[]string{"- x", "y"}, true, "'- x';'y'"},
		{[]string{"--mode", "streaming"}, true, "--mode;streaming"},
	} {
		got := JoinEscaped(tc.items, ';', tc.yamlFirst)
		assert.Equal(t, tc.want, got, "%q", tc.items)
	}
}

// Whatever the arguments, they come back as they were: split as Flink
// splits, and, for Flink 2.x, never read as a YAML sequence instead.
func TestJoinEscapedRoundTrips(t *testing.T) {
	alphabet := []rune{'a', 'Z', '0', ';', '\'', '"', ' ', '\t', '\n', '-', '[', ']', '{', '}', ':', ',', '#', 'é', '\u2028', '\u00a0'}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		items := make([]string, 1+rng.IntN(4))
		for i := range items {
			r := make([]rune, rng.IntN(6))
			for j := range r {
				r[j] = alphabet[rng.IntN(len(alphabet))]
			}
			items[i] = string(r)
		}
		for _, yamlFirst := range []bool{false, true} {
			joined := JoinEscaped(items, ';', yamlFirst)
			back, err := SplitEscaped(joined, ';')
			require.NoError(t, err, "%q → %q", items, joined)
			require.Equal(t, items, back, "%q → %q", items, joined)
			if yamlFirst {
				_, isSequence := yamlSequence(joined)
				require.False(t, isSequence, "%q → %q reads as a YAML sequence", items, joined)
			}
		}
	}
}
