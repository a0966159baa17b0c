// Package flinkconf reads spec.flinkConfiguration once, into Settings,
// before anything validates, decides or renders. Settings keep the
// flattened entries and their text (the config file and spec diffs need
// them as written) and give every key the operator itself acts on a typed
// field: high availability, the state backend, the checkpoint and savepoint
// directories each Flink version reads, the savepoint settings (periodic
// schedule, trigger grace period, format), the operator's own switches and
// durations, the scheduler mode and the task slots; the Kubernetes keys of
// Flink's decorators and its start keys (Decorations: labels, annotations,
// node selectors, tolerations, env, secrets, pull secrets, the rest
// Service, service accounts, entry path, log dir, host network), and the
// memory and cpu keys of each process (Resources). Flink's syntax for list
// and map values is here too (values.go).
//
// A value that does not parse is an error here, naming the key
// (spec.flinkConfiguration[key]) and what is allowed; its typed field then
// holds what Flink or the reference operator would assume, so rules that
// read it never fire on a value already reported. Which key a Flink version
// reads is a fact of the version table (schemas/versions), never a
// comparison of version strings. Rules that relate settings to each other
// or to the rest of the spec are schemas/validation's.
//
// Two kinds of value errors are held beside their values instead of being
// among Parse's errors. Decorations.Errs: the renderer reports them after
// the validation rules, in the order users have always seen them. The
// memory and cpu keys' errors (Resources): the spec's resources win over
// those keys, so their errors count only where the renderer uses them.
package flinkconf
