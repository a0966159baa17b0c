package flinkconf

import "github.com/flinkops/flink-operator/schemas/v1beta1"

// IgnoreUnclaimedKeys are Flink's two spellings of "allow non-restored
// state": Flink 1.20 renamed the key and kept the old one as a deprecated
// alias (flink-facts.md). spec.job.allowNonRestoredState decides it and is
// written under the version's spelling only.
var IgnoreUnclaimedKeys = []string{
	"execution.savepoint.ignore-unclaimed-state",
	"execution.state-recovery.ignore-unclaimed-state",
}

// IgnoreUnclaimedConflict is a user key for allowing non-restored state
// that the spec overrules.
type IgnoreUnclaimedConflict struct {
	Key, Text string
	// Disagrees: the key says otherwise than the spec (a value that is not
	// a boolean disagrees too).
	Disagrees bool
}

// IgnoreUnclaimedOverruled lists the user's keys for allowing non-restored
// state when spec.job.allowNonRestoredState is set: as in the reference
// operator the spec's value wins, and these keys are not written.
func (s *Settings) IgnoreUnclaimedOverruled(job *v1beta1.JobSpec) []IgnoreUnclaimedConflict {
	if job == nil || job.AllowNonRestoredState == nil {
		return nil
	}
	var out []IgnoreUnclaimedConflict
	for _, key := range IgnoreUnclaimedKeys {
		v, ok := s.raw[key]
		if !ok {
			continue
		}
		b, err := parseBool(v)
		out = append(out, IgnoreUnclaimedConflict{Key: key, Text: v, Disagrees: err != nil || b != *job.AllowNonRestoredState})
	}
	return out
}
