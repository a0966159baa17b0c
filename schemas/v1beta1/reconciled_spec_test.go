package v1beta1

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseReconciledSpec(t *testing.T) {
	spec, err := ParseReconciledSpec("")
	require.NoError(t, err)
	assert.Nil(t, spec, "nothing deployed yet")

	spec, err = ParseReconciledSpec(`{"spec":{"flinkVersion":"v1_20","mode":"standalone","job":{"jarURI":"local:///j.jar"}},"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1","firstDeployment":true}}`)
	require.NoError(t, err)
	require.NotNil(t, spec.Mode)
	assert.Equal(t, ModeStandalone, *spec.Mode)
	assert.Equal(t, "local:///j.jar", spec.Job.JarURI)

	_, err = ParseReconciledSpec(`{"resource_metadata":{}}`)
	assert.EqualError(t, err, "decode status.reconciliationStatus.lastReconciledSpec: no spec in it")
	_, err = ParseReconciledSpec(`{`)
	assert.ErrorContains(t, err, "decode status.reconciliationStatus.lastReconciledSpec: ")
}
