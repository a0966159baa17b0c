package flinkimage

import (
	"strings"
	"unicode"
)

// KV is one configuration entry the entrypoint writes, passed to the config parser as
// -Dkey=value.
type KV struct {
	Key, Value string
}

// Arg renders the entry as the single token the entrypoint passes (-Dkey=value).
func (kv KV) Arg() string {
	return "-D" + kv.Key + "=" + kv.Value
}

// PreambleOptions returns the entries the entrypoint writes on every start (§1 step 3):
// jobmanager.rpc.address (JOB_MANAGER_RPC_ADDRESS, else `hostname -f`, on TaskManagers too),
// the fixed blob and query ports, and taskmanager.numberOfTaskSlots when
// TASK_MANAGER_NUMBER_OF_TASK_SLOTS is set.
func PreambleOptions(env Env, hostnameF string) []KV {
	rpc := env.Get("JOB_MANAGER_RPC_ADDRESS")
	if rpc == "" {
		rpc = hostnameF
	}
	opts := []KV{
		{"jobmanager.rpc.address", rpc},
		{"blob.server.port", "6124"},
		{"query.server.port", "6125"},
	}
	if slots := env.Get("TASK_MANAGER_NUMBER_OF_TASK_SLOTS"); slots != "" {
		opts = append(opts, KV{"taskmanager.numberOfTaskSlots", slots})
	}
	return opts
}

// ParseFlinkProperties parses FLINK_PROPERTIES as the entrypoint does (§1 step 4): one entry
// per line; every whitespace character is deleted (so values cannot contain spaces); empty
// lines are skipped; the key ends at the first ':' and the rest is the value (later colons
// stay, e.g. s3://...); a line without ':' gives the whole line as key and an empty value;
// the value goes through envsubst.
// Unlike the script, no pathname expansion happens on the line (its unquoted echo would glob).
func ParseFlinkProperties(content string, env Env) []KV {
	var out []KV
	for _, line := range strings.Split(content, "\n") {
		prop := strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, line)
		if prop == "" {
			continue
		}
		key, value, _ := strings.Cut(prop, ":")
		// bash's `IFS=: read -r key value` drops one trailing ':' when the rest holds a
		// single field ("k:v:" gives "v", "k:a:b:" keeps "a:b:").
		if trimmed, ok := strings.CutSuffix(value, ":"); ok && !strings.Contains(trimmed, ":") {
			value = trimmed
		}
		out = append(out, KV{Key: key, Value: Envsubst(value, env)})
	}
	return out
}

// Envsubst replaces $NAME and ${NAME} with the variable's value (empty when unset), as GNU
// envsubst without a SHELL-FORMAT argument does; a '$' not followed by a variable name stays.
func Envsubst(s string, env Env) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		rest := s[i+1:]
		if strings.HasPrefix(rest, "{") {
			end := strings.IndexByte(rest, '}')
			if end > 1 && isVarName(rest[1:end]) {
				b.WriteString(env.Get(rest[1:end]))
				i += end + 1
				continue
			}
			b.WriteByte('$')
			continue
		}
		n := varNameLen(rest)
		if n == 0 {
			b.WriteByte('$')
			continue
		}
		b.WriteString(env.Get(rest[:n]))
		i += n
	}
	return b.String()
}

func varNameLen(s string) int {
	n := 0
	for n < len(s) {
		c := s[n]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (n > 0 && c >= '0' && c <= '9') {
			n++
			continue
		}
		break
	}
	return n
}

func isVarName(s string) bool {
	return s != "" && varNameLen(s) == len(s)
}
