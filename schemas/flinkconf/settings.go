package flinkconf

import (
	"errors"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// Settings are a spec's flinkConfiguration, read. The typed fields hold
// Flink's or the reference operator's default when a key is not set, and
// also when its value does not parse (Parse reports that).
type Settings struct {
	entries []v1beta1.ConfigEntry
	raw     map[string]string

	// HA is the JobManager high availability setting.
	HA HighAvailability
	// StateBackend names the state backend (see stateBackend), so that two
	// configurations can be compared.
	StateBackend string
	// CheckpointDir and SavepointDir are the directories, as the spec's
	// Flink version reads them.
	CheckpointDir, SavepointDir StateDir
	// Savepoints are the operator's savepoint settings.
	Savepoints Savepoints
	// Operator are the operator's switches and durations.
	Operator Operator
	// Reactive is scheduler-mode: reactive (standalone reactive mode, where
	// TaskManagers may come and go and the job rescales to what is there).
	Reactive bool
	// TaskSlots is taskmanager.numberOfTaskSlots, 1 by default; 0 when the
	// value does not parse.
	TaskSlots int64
	// MaxParallelismOverride is the highest parallelism of
	// pipeline.jobvertex-parallelism-overrides, 0 without it.
	MaxParallelismOverride int64
	// Resources are the memory and cpu keys of each process, with their
	// errors (see Resources).
	Resources Resources
	// Decorations are the Kubernetes keys of Flink's decorators and the
	// start keys, with their errors; nil when none is set.
	Decorations *Decorations
	// RESTTLS is whether Flink serves its REST API over TLS.
	RESTTLS RESTTLS
}

// Entries is the configuration as Flink sees it, sorted by key, each value
// of the scalar type the user wrote.
func (s *Settings) Entries() []v1beta1.ConfigEntry { return s.entries }

// Raw is every key with its value as text, the way Flink compares
// configuration. Callers must not modify it.
func (s *Settings) Raw() map[string]string { return s.raw }

// Has reports whether key is given, whatever its value.
func (s *Settings) Has(key string) bool {
	_, ok := s.raw[key]
	return ok
}

// Text is key's value as written, "" when it is not given; for messages.
func (s *Settings) Text(key string) string { return s.raw[key] }

// Parse reads spec.flinkConfiguration. When it cannot be flattened (a null
// value, a key given twice, not a map) the Settings are nil and the errors
// say why per key. Otherwise the errors are the values that do not parse,
// each on spec.flinkConfiguration[key] with what is allowed.
func Parse(spec *v1beta1.FlinkDeploymentSpec) (*Settings, field.ErrorList) {
	entries, err := spec.FlinkConfiguration.Flatten()
	if err != nil {
		var perKey *v1beta1.ConfigError
		if errors.As(err, &perKey) {
			return nil, perKey.Errors
		}
		return nil, field.ErrorList{field.Invalid(field.NewPath("spec", "flinkConfiguration"), "", err.Error())}
	}
	return read(entries, rawOf(entries), spec.FlinkVersion)
}

// ReadRaw is Read(spec).Raw() without typing any value, for callers that
// only compare configurations as text: typing every key the operator acts
// on cost the gate's classification most of its time on every reconcile.
func ReadRaw(spec *v1beta1.FlinkDeploymentSpec) map[string]string {
	entries, err := spec.FlinkConfiguration.Flatten()
	if err != nil {
		return map[string]string{}
	}
	return rawOf(entries)
}

func rawOf(entries []v1beta1.ConfigEntry) map[string]string {
	raw := make(map[string]string, len(entries))
	for _, e := range entries {
		raw[e.Key] = e.String()
	}
	return raw
}

// Read is Parse for a spec that has been validated before, such as the one
// last deployed: value errors are ignored (the fields hold the defaults),
// and a configuration that cannot be flattened reads as empty. Never nil.
func Read(spec *v1beta1.FlinkDeploymentSpec) *Settings {
	if s, _ := Parse(spec); s != nil {
		return s
	}
	return Empty(spec.FlinkVersion)
}

// Empty are the settings of an empty configuration for Flink version v:
// every default.
func Empty(v v1beta1.FlinkVersion) *Settings {
	s, _ := read(nil, map[string]string{}, v)
	return s
}

// read types every key the operator acts on. The order of the errors is
// fixed so that messages come out the same every run.
func read(entries []v1beta1.ConfigEntry, raw map[string]string, v v1beta1.FlinkVersion) (*Settings, field.ErrorList) {
	s := &Settings{entries: entries, raw: raw}
	r := &reader{raw: raw}
	s.HA = readHighAvailability(raw)
	s.StateBackend = stateBackend(raw)
	s.CheckpointDir = checkpointDir(raw, v)
	s.SavepointDir = savepointDir(raw, v)
	s.Operator = readOperator(r)
	s.Savepoints = readSavepoints(r)
	s.Reactive = strings.EqualFold(raw[KeySchedulerMode], "reactive")
	s.TaskSlots = readTaskSlots(r)
	// A version the table does not know (validation reports it) has no
	// cpu keys and reads values the legacy way.
	facts, _ := versions.For(v)
	s.Resources = readResources(raw, facts)
	s.MaxParallelismOverride = readMaxParallelismOverride(r, facts.YAMLFirst())
	s.Decorations = readDecorations(raw, facts.YAMLFirst())
	s.RESTTLS = readRESTTLS(r, facts.YAMLFirst())
	return s, r.errs
}

// reader collects the errors of values that do not parse.
type reader struct {
	raw  map[string]string
	errs field.ErrorList
}

// invalid reports key's value as not allowed.
func (r *reader) invalid(key, detail string) {
	r.errs = append(r.errs, field.Invalid(Path(key), r.raw[key], detail))
}

// bool reads a strict boolean key, def when it is not given or invalid.
func (r *reader) bool(key string, def bool) bool {
	v, ok := r.raw[key]
	if !ok {
		return def
	}
	b, err := parseBool(v)
	if err != nil {
		r.invalid(key, err.Error())
		return def
	}
	return b
}

// duration reads a duration key.
func (r *reader) duration(key string, def time.Duration) Duration {
	v, ok := r.raw[key]
	if !ok {
		return Duration{Value: def, Valid: true}
	}
	d, err := ParseFlinkDuration(v)
	if err != nil {
		r.invalid(key, err.Error())
		return Duration{Value: def, Given: true}
	}
	return Duration{Value: d, Given: true, Valid: true}
}

// Path is the field path of one flattened Flink configuration key.
func Path(key string) *field.Path {
	return field.NewPath("spec", "flinkConfiguration").Key(key)
}
