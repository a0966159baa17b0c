package validation

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/versions"
)

func TestSavepointFormatByFlinkVersion(t *testing.T) {
	native := map[string]string{flinkconf.KeySavepointFormatType: "native"}
	canonical := map[string]string{flinkconf.KeySavepointFormatType: "CANONICAL"}
	for _, v := range v1beta1.SupportedFlinkVersions {
		assert.Empty(t, check(deployment(v1beta1.ModeStandalone, v), canonical), "CANONICAL on %s", v)
		errs := check(deployment(v1beta1.ModeStandalone, v), native)
		if facts, _ := versions.For(v); facts.SavepointFormatType {
			assert.Empty(t, errs, "NATIVE on %s", v)
			continue
		}
		require.Len(t, errs, 1, "NATIVE on %s", v)
		assert.Equal(t, `spec.flinkConfiguration[kubernetes.operator.savepoint.format.type]: Invalid value: "native": NATIVE savepoints need Flink 1.15 or newer (FLINK-25744), and spec.flinkVersion is `+string(v)+`; use CANONICAL or remove the key`, errs[0].Error())
	}
	// An unknown version is reported once, on spec.flinkVersion.
	errs := check(deployment(v1beta1.ModeStandalone, "v1_99"), native)
	require.Len(t, errs, 1)
	assert.Equal(t, "spec.flinkVersion", errs[0].Field)

	errs = check(deployment(v1beta1.ModeStandalone, "v1_20"), map[string]string{flinkconf.KeySavepointFormatType: "FULL"})
	require.Len(t, errs, 1)
	assert.Equal(t, `spec.flinkConfiguration[kubernetes.operator.savepoint.format.type]: Invalid value: "FULL": must be CANONICAL or NATIVE`, errs[0].Error())
}
