package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

// validateSavepointFormat checks that the Flink version can be asked for
// the configured savepoint format. Before 1.15 Flink's savepoint and stop
// requests have no formatType (their strict parsers reject it) and every
// savepoint is CANONICAL, so NATIVE there could only be ignored, which this
// operator never does with a setting.
func validateSavepointFormat(v v1beta1.FlinkVersion, config *flinkconf.Settings) field.ErrorList {
	// An unsupported version is reported on its own.
	if config.Savepoints.Format != flinkconf.SavepointFormatNative || !v.IsSupported() || takesFormatType(v) {
		return nil
	}
	return field.ErrorList{field.Invalid(configPath(flinkconf.KeySavepointFormatType), config.Text(flinkconf.KeySavepointFormatType), fmt.Sprintf(
		"NATIVE savepoints need Flink 1.15 or newer (FLINK-25744), and spec.flinkVersion is %s; use %s or remove the key", v, flinkconf.SavepointFormatCanonical))}
}

// takesFormatType reports whether Flink version v's savepoint and stop
// requests take a formatType; older versions only write CANONICAL
// savepoints.
func takesFormatType(v v1beta1.FlinkVersion) bool {
	facts, ok := versions.For(v)
	return ok && facts.SavepointFormatType
}
