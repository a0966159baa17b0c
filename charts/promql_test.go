package charts

import (
	"strings"
	"unicode"
)

// promqlWords are PromQL's keywords and aggregation modifiers: identifiers
// that are not metric names.
var promqlWords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"bool": true, "and": true, "or": true, "unless": true, "offset": true, "inf": true, "nan": true,
	// Aggregation operators, which may come before their parentheses
	// (sum by (x) (...)).
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true, "count": true,
	"count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true,
}

// labelLists are the words followed by a parenthesised list of label names.
var labelLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// metricNames returns the metric names a PromQL expression (or a Grafana
// label_values(metric, label) query) selects, in order: identifiers that
// are not a function call, a keyword, a label list, or inside a label
// matcher, a range or a string. It is a tokenizer, not a parser, which is
// all the check needs: the expressions are the chart's own.
func metricNames(expr string) []string {
	var out []string
	rs := []rune(expr)
	labelValues := strings.HasPrefix(strings.TrimSpace(expr), "label_values(")
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '"' || r == '\'' || r == '`':
			i = skipString(rs, i)
		case r == '{':
			i = skipTo(rs, i, '}')
		case r == '[':
			i = skipTo(rs, i, ']')
		case unicode.IsDigit(r) || r == '.':
			for i < len(rs) && (unicode.IsDigit(rs[i]) || unicode.IsLetter(rs[i]) || rs[i] == '.') {
				i++ // a number, a duration (5m) or an exponent (1e3)
			}
		case r == '_' || r == ':' || unicode.IsLetter(r):
			j := i
			for j < len(rs) && (rs[j] == '_' || rs[j] == ':' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			word := string(rs[i:j])
			k := j
			for k < len(rs) && unicode.IsSpace(rs[k]) {
				k++
			}
			call := k < len(rs) && rs[k] == '('
			switch {
			case labelLists[strings.ToLower(word)] && call:
				j = skipTo(rs, k, ')')
			case call, promqlWords[strings.ToLower(word)]:
			default:
				out = append(out, word)
				if labelValues {
					return out // label_values(metric, label): the rest are label names
				}
			}
			i = j
		default:
			i++
		}
	}
	return out
}

// skipString returns the index after the string literal starting at i.
func skipString(rs []rune, i int) int {
	quote := rs[i]
	for i++; i < len(rs); i++ {
		if rs[i] == '\\' && quote != '`' {
			i++
			continue
		}
		if rs[i] == quote {
			return i + 1
		}
	}
	return i
}

// skipTo returns the index after the close rune that ends the group
// starting at i, skipping string literals inside it.
func skipTo(rs []rune, i int, close rune) int {
	for i++; i < len(rs); i++ {
		switch {
		case rs[i] == '"' || rs[i] == '\'' || rs[i] == '`':
			i = skipString(rs, i) - 1
		case rs[i] == close:
			return i + 1
		}
	}
	return i
}
