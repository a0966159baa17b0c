package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// validateHighAvailability checks what Flink needs to start with high
// availability on: a storage directory for the JobManager metadata.
func validateHighAvailability(config *flinkconf.Settings) field.ErrorList {
	ha := config.HA
	if !ha.Enabled() || ha.StorageDir != "" {
		return nil
	}
	return field.ErrorList{field.Required(configPath(flinkconf.KeyHAStorageDir),
		"high availability ("+ha.Key+": "+ha.Text+") keeps JobManager metadata in this directory and Flink does not start without it; for example s3://bucket/flink/ha")}
}
