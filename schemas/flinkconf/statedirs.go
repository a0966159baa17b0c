package flinkconf

import (
	"strings"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// StateDir is a Flink directory setting that was renamed in Flink 1.20
// (FLINK-34255): from 1.20 on the old name is a deprecated alias and the
// new one wins, before it the new name is not read at all. Which name a
// version reads is a fact of the version table.
type StateDir struct {
	// Dir is the directory the spec's Flink version reads, trimmed; ""
	// when none is set in a way it reads.
	Dir string
	// Key is the name from 1.20 on, OldKey the name before.
	Key, OldKey string
	// ReadsKey reports whether the version reads Key (false for a version
	// the table does not know).
	ReadsKey bool
	// KeyGiven reports whether Key is given, read or not: a message can then
	// say that the version does not read it.
	KeyGiven bool
}

func checkpointDir(raw map[string]string, v v1beta1.FlinkVersion) StateDir {
	return readStateDir(raw, KeyCheckpointDir, KeyCheckpointDirOld, func(k versions.Keys) string { return k.CheckpointsDir }, v)
}

func savepointDir(raw map[string]string, v v1beta1.FlinkVersion) StateDir {
	return readStateDir(raw, KeySavepointDir, KeySavepointDirOld, func(k versions.Keys) string { return k.SavepointsDir }, v)
}

// readStateDir reads one directory; versionKey picks its name from the
// version's keys.
func readStateDir(raw map[string]string, key, oldKey string, versionKey func(versions.Keys) string, v v1beta1.FlinkVersion) StateDir {
	d := StateDir{Key: key, OldKey: oldKey}
	_, d.KeyGiven = raw[key]
	if facts, ok := versions.For(v); ok {
		d.ReadsKey = versionKey(facts.Keys) == key
	}
	if d.ReadsKey {
		d.Dir = strings.TrimSpace(raw[key])
	}
	if d.Dir == "" {
		d.Dir = strings.TrimSpace(raw[oldKey])
	}
	return d
}
