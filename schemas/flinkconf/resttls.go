package flinkconf

// The keys that make Flink serve its REST API over TLS. Flink 1.x falls
// back to the deprecated security.ssl.enabled (TLS for internal and REST
// traffic) when security.ssl.rest.enabled is not set
// (SecurityOptions.isRestSSLEnabled); Flink 2.0 removed that key (the
// release that also moved to config.yaml), so 2.x reads only the REST key.
const (
	KeyRESTSSL   = "security.ssl.rest.enabled"
	KeySSLLegacy = "security.ssl.enabled"
)

// RESTTLS says whether Flink serves its REST API over TLS.
type RESTTLS struct {
	Enabled bool
	// Key is the key that turned it on, for messages; "" when off.
	Key string
}

// readRESTTLS reads the REST TLS switch as the spec's Flink version does.
// configYAML: the version reads config.yaml (Flink 2.x), which has no
// fallback key.
func readRESTTLS(r *reader, configYAML bool) RESTTLS {
	if _, ok := r.raw[KeyRESTSSL]; ok || configYAML {
		if r.bool(KeyRESTSSL, false) {
			return RESTTLS{Enabled: true, Key: KeyRESTSSL}
		}
		return RESTTLS{}
	}
	if r.bool(KeySSLLegacy, false) {
		return RESTTLS{Enabled: true, Key: KeySSLLegacy}
	}
	return RESTTLS{}
}
