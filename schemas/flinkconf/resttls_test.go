package flinkconf

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestRESTTLS reads the REST TLS switch as each Flink version does: the
// REST key wins, Flink 1.x falls back to security.ssl.enabled, and 2.x
// (which removed that key) does not.
func TestRESTTLS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version v1beta1.FlinkVersion
		config  map[string]any
		want    RESTTLS
	}{
		{"off by default", "v1_20", nil, RESTTLS{}},
		{"rest key", "v1_20", map[string]any{KeyRESTSSL: "TRUE"}, RESTTLS{Enabled: true, Key: KeyRESTSSL}},
		{"rest key on 2.x", "v2_2", map[string]any{KeyRESTSSL: true}, RESTTLS{Enabled: true, Key: KeyRESTSSL}},
		{"legacy switch on 1.x", "v1_19", map[string]any{KeySSLLegacy: "true"}, RESTTLS{Enabled: true, Key: KeySSLLegacy}},
		{"rest key off wins over the legacy switch", "v1_19", map[string]any{KeySSLLegacy: "true", KeyRESTSSL: "false"}, RESTTLS{}},
		{"legacy switch removed in 2.x", "v2_0", map[string]any{KeySSLLegacy: "true"}, RESTTLS{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Read(spec(tc.version, tc.config)).RESTTLS)
		})
	}
	_, errs := Parse(spec("v1_20", map[string]any{KeyRESTSSL: "yes"}))
	if assert.Len(t, errs, 1) {
		assert.Equal(t, `spec.flinkConfiguration[security.ssl.rest.enabled]: Invalid value: "yes": must be true or false`, errs[0].Error())
	}
}
