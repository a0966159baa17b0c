// Package flinkconf reads spec.flinkConfiguration once, into Settings,
// before anything validates, decides or renders. Settings keep the
// flattened entries and their text (the config file and spec diffs need
// them as written) and give every key the operator itself acts on a typed
// field: high availability, the state backend, the checkpoint and savepoint
// directories each Flink version reads, the savepoint settings (periodic
// schedule, trigger grace period, format), the operator's own switches and
// durations, the scheduler mode and the task slots.
//
// A value that does not parse is an error here, naming the key
// (spec.flinkConfiguration[key]) and what is allowed; its typed field then
// holds what Flink or the reference operator would assume, so rules that
// read it never fire on a value already reported. Which key a Flink version
// reads is a fact of the version table (schemas/versions), never a
// comparison of version strings. Rules that relate settings to each other
// or to the rest of the spec are schemas/validation's.
//
// Not here yet, and the next step: the Kubernetes keys of Flink's
// decorators (kubernetes.secrets, labels, tolerations, env...), the start
// keys (entry path, log dir, host network) and the memory and cpu keys are
// still parsed by the renderer (renderer/flinkdecorators.go, flinkstart.go,
// resources.go), which reads Settings.Raw for them.
package flinkconf
