package sessionjob_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// An s3:// or gs:// jar is held by an operator without a fetcher image,
// whose pod would fetch it (it links no cloud SDK itself). The status
// names the field, says why and what to use instead, nothing is sent, and
// the job is Stalled (it waits for the user). Naming an https jar then
// submits it under the id recorded before.
func TestCloudJarsAreHeldUntilAnHTTPSJar(t *testing.T) {
	for _, scheme := range []string{"s3", "gs"} {
		t.Run(scheme, func(t *testing.T) {
			ns := newNamespace(t)
			cluster := createSession(t, ns, readySession)
			doc := strings.Replace(sessionJobDoc(""), jarServer.URL+"/job.jar", scheme+"://bucket/jobs/orders.jar", 1)
			createSessionJob(t, ns, doc)
			r, _ := newReconciler(k8s, nil)
			for range 3 {
				_, err := reconcileOnce(t, r, ns)
				require.NoError(t, err, "a hold is not an error to retry")
			}
			sj := getSJ(t, ns)
			msg := sj.Status.Error
			assert.Contains(t, msg, "spec.job.jarURI "+scheme+"://bucket/jobs/orders.jar")
			assert.Contains(t, msg, "without a fetcher image (--fetcher-image)")
			assert.Contains(t, msg, "presigned https URL")
			assert.True(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Stalled"), "the user must act")
			assert.Zero(t, restWrites(cluster), "nothing sent")
			require.NotNil(t, sj.Status.Upgrade)
			recordedID := sj.Status.Upgrade.JobID

			sj.Spec.Job.JarURI = jarServer.URL + "/job.jar"
			require.NoError(t, k8s.Update(context.Background(), sj))
			driveUntil(t, r, ns, 10, "submitted", func(sj *v1beta1.FlinkSessionJob) bool { return sj.Status.DeployedWith != nil })
			sj = getSJ(t, ns)
			assert.Equal(t, recordedID, sj.Status.DeployedWith.JobID, "the id recorded before the hold")
			assert.Empty(t, sj.Status.Error)
			assert.Equal(t, 1, cluster.Counters().JarUploads)
		})
	}
}
