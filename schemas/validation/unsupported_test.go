package validation

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func TestUnsupportedSettings(t *testing.T) {
	fields := func(fd *v1beta1.FlinkDeployment, config map[string]string) []string {
		var out []string
		for _, u := range Unsupported(fd, flinkconf.Read(withConfig(fd, config))) {
			out = append(out, u.Field.String())
		}
		return out
	}
	app := &v1beta1.FlinkDeployment{Spec: v1beta1.FlinkDeploymentSpec{Job: &v1beta1.JobSpec{}}}

	// The reference operator's defaults, which this operator shares.
	assert.Empty(t, fields(app, map[string]string{
		"job.autoscaler.enabled":                             "false",
		"kubernetes.operator.deployment.rollback.enabled":    "false",
		"kubernetes.operator.cluster.health-check.enabled":   "false",
		"kubernetes.operator.job.restart.failed":             "false",
		"kubernetes.operator.jm-deployment-recovery.enabled": "true",
		"kubernetes.operator.snapshot.resource.enabled":      "false",
		"kubernetes.operator.periodic.savepoint.interval":    "1 h",
		"kubernetes.operator.savepoint.trigger.grace-period": "1 min",
		"execution.checkpointing.interval":                   "10 s",
	}))

	// Turning JobManager deployment recovery off is supported.
	assert.Empty(t, fields(app, map[string]string{"kubernetes.operator.jm-deployment-recovery.enabled": "false"}))

	assert.Equal(t, []string{
		"spec.flinkConfiguration[job.autoscaler.enabled]",
		"spec.flinkConfiguration[kubernetes.operator.deployment.rollback.enabled]",
		"spec.flinkConfiguration[kubernetes.operator.cluster.health-check.enabled]",
		"spec.flinkConfiguration[kubernetes.operator.job.restart.failed]",
		"spec.flinkConfiguration[kubernetes.operator.periodic.checkpoint.interval]",
		"spec.flinkConfiguration[kubernetes.operator.snapshot.resource.enabled]",
		"spec.flinkConfiguration[kubernetes.operator.savepoint.history.max.count]",
		"spec.flinkConfiguration[kubernetes.operator.savepoint.history.max.age]",
	}, fields(app, map[string]string{
		"job.autoscaler.enabled":                             "true",
		"kubernetes.operator.deployment.rollback.enabled":    "TRUE",
		"kubernetes.operator.cluster.health-check.enabled":   "true",
		"kubernetes.operator.job.restart.failed":             "true",
		"kubernetes.operator.jm-deployment-recovery.enabled": "false",
		"kubernetes.operator.periodic.checkpoint.interval":   "10 min",
		"kubernetes.operator.snapshot.resource.enabled":      "true",
		"kubernetes.operator.savepoint.history.max.count":    "5",
		"kubernetes.operator.savepoint.history.max.age":      "7 d",
	}))

	// REST over TLS is supported; only store types the operator cannot
	// read and certificate pinning are not, and only when TLS is on.
	assert.Empty(t, fields(app, map[string]string{"security.ssl.rest.enabled": "true", "security.ssl.rest.truststore-type": "PKCS12"}))
	assert.Empty(t, fields(app, map[string]string{"security.ssl.rest.enabled": "false", "security.ssl.rest.truststore-type": "BCFKS"}))
	assert.Equal(t, []string{
		"spec.flinkConfiguration[security.ssl.rest.truststore-type]",
		"spec.flinkConfiguration[security.ssl.rest.keystore-type]",
		"spec.flinkConfiguration[security.ssl.rest.cert.fingerprint]",
	}, fields(app, map[string]string{"security.ssl.rest.enabled": "true", "security.ssl.rest.truststore-type": "BCFKS",
		"security.ssl.rest.keystore-type": "PKCS11", "security.ssl.rest.cert.fingerprint": "AB:CD"}))
	legacy := &v1beta1.FlinkDeployment{Spec: v1beta1.FlinkDeploymentSpec{FlinkVersion: "v1_19", Job: &v1beta1.JobSpec{}}}
	assert.Equal(t, []string{"spec.flinkConfiguration[security.ssl.rest.truststore-type]"},
		fields(legacy, map[string]string{"security.ssl.enabled": "true", "security.ssl.rest.truststore-type": "BCFKS"}))

	nonce := int64(3)
	withNonce := &v1beta1.FlinkDeployment{Spec: v1beta1.FlinkDeploymentSpec{Job: &v1beta1.JobSpec{CheckpointTriggerNonce: &nonce}}}
	assert.Equal(t, []string{"spec.job.checkpointTriggerNonce"}, fields(withNonce, nil))
}
