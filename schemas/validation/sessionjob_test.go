package validation

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func TestValidateSessionJob(t *testing.T) {
	valid := func() *v1beta1.FlinkSessionJob {
		return &v1beta1.FlinkSessionJob{Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "session",
			Job: &v1beta1.JobSpec{JarURI: "https://repo.example.com/jobs/job.jar", Parallelism: 2}}}
	}
	for _, tc := range []struct {
		name string
		opts Options
		edit func(sj *v1beta1.FlinkSessionJob)
		want []string
	}{
		{"valid", Options{}, func(*v1beta1.FlinkSessionJob) {}, nil},
		{"s3 and every enum value", Options{}, func(sj *v1beta1.FlinkSessionJob) {
			sj.Spec.Job.JarURI, sj.Spec.Job.State, sj.Spec.Job.UpgradeMode = "s3://bucket/job.jar", v1beta1.JobStateSuspended, v1beta1.UpgradeModeLastState
		}, nil},
		{"http allowed", Options{AllowHTTPArtifacts: true}, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.JarURI = "http://repo/job.jar" }, nil},
		{"a retention Flink reads, in any case", Options{}, func(sj *v1beta1.FlinkSessionJob) {
			sj.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"execution.checkpointing.externalized-checkpoint-retention": "retain_on_cancellation"})
		}, nil},
		{"a retention Flink refuses", Options{}, func(sj *v1beta1.FlinkSessionJob) {
			sj.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"execution": map[string]any{"checkpointing": map[string]any{"externalized-checkpoint-retention": "KEEP"}}})
		}, []string{`spec.flinkConfiguration[execution.checkpointing.externalized-checkpoint-retention]: Unsupported value: "KEEP": supported values: "RETAIN_ON_CANCELLATION", "DELETE_ON_CANCELLATION", "NO_EXTERNALIZED_CHECKPOINTS"`}},
		{"the credentials Secret of an s3 jar", Options{}, func(sj *v1beta1.FlinkSessionJob) {
			sj.Spec.Job.JarURI = "s3://bucket/job.jar"
			sj.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"kubernetes.operator.user.artifacts.credentials-secret": "s3-credentials"})
		}, nil},
		{"a credentials Secret name the API server refuses", Options{}, func(sj *v1beta1.FlinkSessionJob) {
			sj.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{"kubernetes.operator.user.artifacts.credentials-secret": "S3_Credentials"})
		}, []string{`spec.flinkConfiguration[kubernetes.operator.user.artifacts.credentials-secret]: Invalid value: "S3_Credentials": must be the name of a Secret in the FlinkSessionJob's namespace: a lowercase RFC 1123 subdomain`}},
		{"no session", Options{}, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.DeploymentName = "" },
			[]string{"spec.deploymentName: Required value: the name of the session FlinkDeployment, in the same namespace, that the job runs on"}},
		{"session name", Options{}, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.DeploymentName = "Session.v2" },
			[]string{`spec.deploymentName: Invalid value: "Session.v2": must be a FlinkDeployment's name: at most 45 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit`}},
		{"no job", Options{}, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job = nil },
			[]string{"spec.job: Required value: the job to submit to the session, at least its jar: job: {jarURI: https://repo.example.com/jobs/job.jar}"}},
		{"no jar", Options{}, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.JarURI = "" },
			[]string{"spec.job.jarURI: Required value: the job jar, for example https://repo.example.com/jobs/job.jar: the operator fetches it and uploads it to the session's JobManager"}},
		{"jar in an image", Options{}, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.JarURI = "LOCAL:///opt/flink/usrlib/job.jar" },
			[]string{`spec.job.jarURI: Invalid value: "LOCAL:///opt/flink/usrlib/job.jar": a local:// or file:// jar lies in an application cluster's image, and a session's JobManager has none; allowed: https://, s3://, gs://`}},
		{"http refused", Options{}, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.JarURI = "http://repo/job.jar" },
			[]string{`spec.job.jarURI: Invalid value: "http://repo/job.jar": http:// is not allowed by this operator (a jar fetched without TLS can be replaced on the way): use https://, or run the operator with --allow-http-artifacts; allowed: https://, s3://, gs://`}},
		{"scheme", Options{AllowHTTPArtifacts: true}, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.JarURI = "ftp://repo/job.jar" },
			[]string{`spec.job.jarURI: Invalid value: "ftp://repo/job.jar": the scheme ftp:// is not supported; allowed: https://, s3://, gs://, http://`}},
		{"enums and parallelism", Options{}, func(sj *v1beta1.FlinkSessionJob) {
			sj.Spec.Job.State, sj.Spec.Job.UpgradeMode, sj.Spec.Job.Parallelism = "paused", "last_state", -1
		}, []string{
			`spec.job.parallelism: Invalid value: -1: must not be negative`,
			`spec.job.state: Unsupported value: "paused": supported values: "running", "suspended"`,
			`spec.job.upgradeMode: Unsupported value: "last_state": supported values: "stateless", "savepoint", "last-state"`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sj := valid()
			tc.edit(sj)
			errs := ValidateSessionJob(sj, tc.opts)
			if !assert.Len(t, errs, len(tc.want), "%v", errs) {
				return
			}
			for i, want := range tc.want {
				assert.True(t, strings.HasPrefix(errs[i].Error(), want), "error %d = %q, want it to start %q", i, errs[i].Error(), want)
			}
		})
	}
}

func TestValidateSessionJobTransition(t *testing.T) {
	old := &v1beta1.FlinkSessionJob{Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "session"}}
	assert.Empty(t, ValidateSessionJobTransition(old, old.DeepCopy()))
	next := old.DeepCopy()
	next.Spec.DeploymentName = "other"
	errs := ValidateSessionJobTransition(old, next)
	assert.Equal(t, `spec.deploymentName: Invalid value: "other": cannot change from session: the job runs on that session cluster; create a new FlinkSessionJob for another`, errs.ToAggregate().Error())
}
