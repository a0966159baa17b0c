package flinkimage

import (
	"os"
	"sort"
	"strings"
)

// Env is a process environment, the scripts' shell variables included. The scripts export
// some variables and keep others local; this implementation exports everything it sets, which
// only adds variables a JVM does not read.
type Env map[string]string

// EnvFromOS returns the current process environment.
func EnvFromOS() Env {
	return EnvFromList(os.Environ())
}

// EnvFromList parses KEY=VALUE entries as os.Environ returns them.
func EnvFromList(list []string) Env {
	env := Env{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			env[k] = v
		}
	}
	return env
}

// Get returns the value of key, or "" when unset, like "$KEY" in a shell.
func (e Env) Get(key string) string {
	return e[key]
}

// Default sets key to value unless it already has a non-empty value, like the scripts'
// `if [ -z "$KEY" ]; then KEY=value; fi`.
func (e Env) Default(key, value string) {
	if e[key] == "" {
		e[key] = value
	}
}

// List returns the environment as sorted KEY=VALUE entries, for exec.
func (e Env) List() []string {
	out := make([]string, 0, len(e))
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// Clone returns an independent copy.
func (e Env) Clone() Env {
	c := make(Env, len(e))
	for k, v := range e {
		c[k] = v
	}
	return c
}
