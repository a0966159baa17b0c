package validation

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func TestSavepointFormatType(t *testing.T) {
	for value, want := range map[string]string{
		"CANONICAL": SavepointFormatCanonical,
		"NATIVE":    SavepointFormatNative,
		"native":    SavepointFormatNative, // Flink reads enum options ignoring case
		"Canonical": SavepointFormatCanonical,
	} {
		got, err := SavepointFormatType(map[string]string{KeySavepointFormatType: value})
		require.NoError(t, err, value)
		assert.Equal(t, want, got, value)
	}
	got, err := SavepointFormatType(nil)
	require.NoError(t, err)
	assert.Equal(t, SavepointFormatCanonical, got, "the default")
	for _, bad := range []string{"", "FULL", " NATIVE", "native-rocksdb"} {
		_, err := SavepointFormatType(map[string]string{KeySavepointFormatType: bad})
		assert.EqualError(t, err, "must be CANONICAL or NATIVE", "%q", bad)
	}
}

func TestSavepointFormatByFlinkVersion(t *testing.T) {
	native := map[string]string{KeySavepointFormatType: "native"}
	canonical := map[string]string{KeySavepointFormatType: "CANONICAL"}
	for _, v := range v1beta1.SupportedFlinkVersions {
		assert.Empty(t, Validate(deployment(v1beta1.ModeStandalone, v), canonical), "CANONICAL on %s", v)
		errs := Validate(deployment(v1beta1.ModeStandalone, v), native)
		if v.AtLeast("v1_15") {
			assert.Empty(t, errs, "NATIVE on %s", v)
			continue
		}
		require.Len(t, errs, 1, "NATIVE on %s", v)
		assert.Equal(t, `spec.flinkConfiguration[kubernetes.operator.savepoint.format.type]: Invalid value: "native": NATIVE savepoints need Flink 1.15 or newer (FLINK-25744), and spec.flinkVersion is `+string(v)+`; use CANONICAL or remove the key`, errs[0].Error())
	}
	// An unknown version is reported once, on spec.flinkVersion.
	errs := Validate(deployment(v1beta1.ModeStandalone, "v1_99"), native)
	require.Len(t, errs, 1)
	assert.Equal(t, "spec.flinkVersion", errs[0].Field)

	errs = Validate(deployment(v1beta1.ModeStandalone, "v1_20"), map[string]string{KeySavepointFormatType: "FULL"})
	require.Len(t, errs, 1)
	assert.Equal(t, `spec.flinkConfiguration[kubernetes.operator.savepoint.format.type]: Invalid value: "FULL": must be CANONICAL or NATIVE`, errs[0].Error())
}
