package flinkimage

import "strings"

// SplitUnquoted splits like an unquoted "$VAR" expansion in bash (IFS whitespace only; no
// quote removal), which is how the scripts splice JVM_ARGS and DYNAMIC_PARAMETERS.
func SplitUnquoted(s string) []string {
	return strings.Fields(s)
}

// EvalEchoWords reproduces flink-console.sh's `FLINK_ENV_JAVA_OPTS=$(eval echo ...)` followed
// by an unquoted expansion: the text is parsed once by the shell (quotes removed, backslash
// escapes applied, $VAR and ${VAR} expanded from env), echoed as one line and split on
// whitespace again, so quoting does not survive (§3.4). Command substitution and globbing are
// not performed.
func EvalEchoWords(s string, env Env) []string {
	var b strings.Builder
	inSingle, inDouble := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inSingle:
			if c == '\'' {
				inSingle = false
			} else {
				b.WriteByte(c)
			}
		case c == '\'' && !inDouble:
			inSingle = true
		case c == '"':
			inDouble = !inDouble
		case c == '\\' && i+1 < len(s):
			next := s[i+1]
			if inDouble && !strings.ContainsRune(`"\$`+"`", rune(next)) {
				b.WriteByte(c)
			}
			b.WriteByte(next)
			i++
		case c == '$':
			rest := s[i+1:]
			if strings.HasPrefix(rest, "{") {
				if end := strings.IndexByte(rest, '}'); end > 1 && isVarName(rest[1:end]) {
					b.WriteString(env.Get(rest[1:end]))
					i += end + 1
					continue
				}
			} else if n := varNameLen(rest); n > 0 {
				b.WriteString(env.Get(rest[:n]))
				i += n
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return strings.Fields(b.String())
}
