package validation

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
)

// The REST port keys and the one port this operator serves Flink's REST
// API on: the Services, the probes, the Ingress and the operator's own REST
// URL all use it. Until they follow another port (issue 16), another value
// is refused here rather than overwritten without a word.
var restPortKeys = []string{"rest.port", "rest.bind-port"}

const restPort = "8081"

func validateRESTPort(config *flinkconf.Settings) field.ErrorList {
	var errs field.ErrorList
	for _, key := range restPortKeys {
		if v := config.Text(key); config.Has(key) && strings.TrimSpace(v) != restPort {
			errs = append(errs, field.Invalid(configPath(key), v,
				"this operator serves Flink's REST API on port "+restPort+" (its Services, probes, Ingress and REST client use it); remove the key or set "+restPort))
		}
	}
	return errs
}
