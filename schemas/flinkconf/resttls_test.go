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
			got := Read(spec(tc.version, tc.config)).RESTTLS
			assert.Equal(t, tc.want, RESTTLS{Enabled: got.Enabled, Key: got.Key})
		})
	}
	_, errs := Parse(spec("v1_20", map[string]any{KeyRESTSSL: "yes"}))
	if assert.Len(t, errs, 1) {
		assert.Equal(t, `spec.flinkConfiguration[security.ssl.rest.enabled]: Invalid value: "yes": must be true or false`, errs[0].Error())
	}
}

// TestRESTTLSStores reads the stores' keys as Flink's SSLUtils does: the
// REST key, else the general security.ssl.* key of the same name.
func TestRESTTLSStores(t *testing.T) {
	got := Read(spec("v1_20", map[string]any{
		"security.ssl": map[string]any{
			"rest": map[string]any{
				"enabled":                true,
				"authentication-enabled": "true",
				"truststore":             "/certs/truststore.jks",
				"truststore-password":    "tpw",
				"keystore-type":          "PKCS12",
			},
			"keystore":          "/certs/keystore.p12",
			"keystore-password": "kpw",
			"key-password":      "keypw",
			"verify-hostname":   false,
		},
	})).RESTTLS
	assert.Equal(t, RESTTLS{
		Enabled: true, Key: KeyRESTSSL, Mutual: true,
		Truststore: Store{Path: "/certs/truststore.jks", PathKey: KeyRESTTruststore, Password: "tpw", PasswordKey: KeyRESTTruststorePassword},
		Keystore: Store{Path: "/certs/keystore.p12", PathKey: KeySSLKeystore, Password: "kpw", PasswordKey: KeySSLKeystorePassword,
			Type: "pkcs12", TypeKey: KeyRESTKeystoreType},
		KeyPassword: "keypw", KeyPasswordKey: KeySSLKeyPassword,
		Algorithms: []string{DefaultSSLAlgorithms},
	}, got)

	other := Read(spec("v2_2", map[string]any{KeyRESTSSL: true, KeyRESTTruststoreType: "BCFKS"})).RESTTLS
	assert.True(t, other.Truststore.Unsupported)
	assert.Equal(t, "BCFKS", other.Truststore.Type)
	assert.True(t, other.VerifyHostname, "Flink verifies host names by default")
	assert.Equal(t, KeyRESTTruststore, other.Truststore.PathKey, "an unset store is named by its REST key")

	for key, want := range map[string]string{
		KeyRESTSSLMutual:      `spec.flinkConfiguration[security.ssl.rest.authentication-enabled]: Invalid value: "sometimes": must be true or false`,
		KeySSLVerifyHostname:  `spec.flinkConfiguration[security.ssl.verify-hostname]: Invalid value: "sometimes": must be true or false`,
		KeyRESTKeystoreType:   `spec.flinkConfiguration[security.ssl.rest.keystore-type]: Invalid value: " ": must be a keystore type such as JKS or PKCS12`,
		KeyRESTTruststoreType: `spec.flinkConfiguration[security.ssl.rest.truststore-type]: Invalid value: " ": must be a keystore type such as JKS or PKCS12`,
	} {
		value := "sometimes"
		if key == KeyRESTKeystoreType || key == KeyRESTTruststoreType {
			value = " "
		}
		_, errs := Parse(spec("v1_20", map[string]any{key: value}))
		if assert.Len(t, errs, 1, key) {
			assert.Equal(t, want, errs[0].Error())
		}
	}
}
