package devjm

import (
	"bufio"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// Configuration file names in the flink-config-<name> ConfigMap.
const (
	legacyConfigFile = "flink-conf.yaml" // up to 1.x: flat "key: value" lines
	yamlConfigFile   = "config.yaml"     // 2.0+: standard, usually nested, YAML
)

// lastStateDummyPath is the restore path the operator sets for a last-state
// upgrade so that a job never starts empty when the HA metadata it relies
// on has vanished: Flink then fails to find it (apache-operator.md §2.5).
const lastStateDummyPath = "KUBERNETES_OPERATOR_LAST_STATE"

// zeroJobID is the job id Flink gives the job of an application cluster
// with HA when $internal.pipeline.job-id is not set.
const zeroJobID = "00000000000000000000000000000000"

// FlinkConf is a Flink configuration as flat dotted keys, the way Flink
// reads both file formats.
type FlinkConf map[string]string

// ParseFlinkConf reads the configuration file of a flink-config ConfigMap:
// config.yaml when present (2.0+), else flink-conf.yaml.
func ParseFlinkConf(data map[string]string) (FlinkConf, error) {
	if text, ok := data[yamlConfigFile]; ok {
		return parseYAMLConf(text)
	}
	if text, ok := data[legacyConfigFile]; ok {
		return parseLegacyConf(text), nil
	}
	return nil, fmt.Errorf("neither %s nor %s present", yamlConfigFile, legacyConfigFile)
}

// parseLegacyConf reads flink-conf.yaml as Flink 1.x does: one "key: value"
// per line, split at the first ": ", '#' starting a comment.
func parseLegacyConf(text string) FlinkConf {
	conf := FlinkConf{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		key, value, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		if k := strings.TrimSpace(key); k != "" {
			conf[k] = strings.TrimSpace(value)
		}
	}
	return conf
}

// parseYAMLConf reads config.yaml, flattening nested maps into dotted keys
// (high-availability: {type: kubernetes} is high-availability.type).
func parseYAMLConf(text string) (FlinkConf, error) {
	var tree map[string]any
	if err := yaml.Unmarshal([]byte(text), &tree); err != nil {
		return nil, fmt.Errorf("parse %s: %w", yamlConfigFile, err)
	}
	conf := FlinkConf{}
	flatten(conf, "", tree)
	return conf, nil
}

func flatten(conf FlinkConf, prefix string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		conf[prefix] = scalarString(v)
		return
	}
	for k, sub := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		flatten(conf, key, sub)
	}
}

// scalarString renders a YAML value the way Flink reads it back as a
// string; lists become Flink's ';'-separated form.
func scalarString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = scalarString(e)
		}
		return strings.Join(parts, ";")
	default:
		return fmt.Sprint(t)
	}
}

// first returns the value of the first key that is set.
func (c FlinkConf) first(keys ...string) string {
	for _, k := range keys {
		if v := c[k]; v != "" {
			return v
		}
	}
	return ""
}

// RestorePath is the savepoint or checkpoint the job starts from. 1.20
// renamed the key (FLINK-34255) and still reads the old one as a deprecated
// alias; that 2.x does too is unverified, the fake assumes it.
func (c FlinkConf) RestorePath(v flinkrest.Version) string {
	if v.AtLeast(1, 20) {
		return c.first("execution.state-recovery.path", "execution.savepoint.path")
	}
	return c["execution.savepoint.path"]
}

// SavepointDir is the default savepoint target directory.
func (c FlinkConf) SavepointDir(v flinkrest.Version) string {
	if v.AtLeast(1, 20) {
		return c.first("execution.checkpointing.savepoint-dir", "state.savepoints.dir")
	}
	return c["state.savepoints.dir"]
}

// CheckpointDir is where checkpoints are written; empty means the
// JobManager keeps them in memory (not externally addressable).
func (c FlinkConf) CheckpointDir(v flinkrest.Version) string {
	if v.AtLeast(1, 20) {
		return c.first("execution.checkpointing.dir", "state.checkpoints.dir")
	}
	return c["state.checkpoints.dir"]
}

// JobID is the fixed job id ($internal.pipeline.job-id); empty when unset.
func (c FlinkConf) JobID() string { return c["$internal.pipeline.job-id"] }

// ClusterID is kubernetes.cluster-id, which names the HA ConfigMaps.
func (c FlinkConf) ClusterID() string { return c["kubernetes.cluster-id"] }

// HighAvailability reports whether Kubernetes HA services are configured,
// under the key of any version and with any of the accepted values.
func (c FlinkConf) HighAvailability() bool {
	v := strings.ToLower(c.first("high-availability.type", "high-availability"))
	return v == "kubernetes" || strings.HasSuffix(v, ".kuberneteshaservicesfactory")
}

// Parallelism is parallelism.default, 1 when unset or invalid.
func (c FlinkConf) Parallelism() int {
	n, err := strconv.Atoi(c["parallelism.default"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// CheckpointInterval is execution.checkpointing.interval; 0 when periodic
// checkpointing is off.
func (c FlinkConf) CheckpointInterval() (time.Duration, error) {
	raw := c["execution.checkpointing.interval"]
	if raw == "" {
		return 0, nil
	}
	d, err := parseFlinkDuration(raw)
	if err != nil {
		return 0, fmt.Errorf("execution.checkpointing.interval: %w", err)
	}
	return d, nil
}

var durationRE = regexp.MustCompile(`^(\d+)\s*([a-z]*)$`)

// durationUnits are the unit labels Flink's TimeUtils accepts.
var durationUnits = map[string]time.Duration{
	"": time.Millisecond, "ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// parseFlinkDuration reads a Flink duration such as "10 s", "1min" or
// "500" (milliseconds).
func parseFlinkDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, fmt.Errorf("%q is not a duration such as 10s, 1 min or 500 ms", s)
	}
	unit, ok := durationUnits[m[2]]
	if !ok {
		units := make([]string, 0, len(durationUnits))
		for u := range durationUnits {
			if u != "" {
				units = append(units, u)
			}
		}
		sort.Strings(units)
		return 0, fmt.Errorf("%q: unknown unit %q; allowed: %s", s, m[2], strings.Join(units, ", "))
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	return time.Duration(n) * unit, nil
}
