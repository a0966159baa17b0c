package validation

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/fetcher/artifact"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func TestJarURISchemes(t *testing.T) {
	path := field.NewPath("spec", "job", "jarURI")
	for _, ok := range []string{
		"local:///opt/flink/usrlib/job.jar",
		"LOCAL:///opt/flink/usrlib/job.jar",
		"local:/opt/flink/usrlib/job.jar",
		"file:///opt/flink/usrlib/job.jar",
		"https://repo.example.com/releases/job-1.0.jar",
		"https://repo.example.com/job.jar#sha256=0123abcd",
		"s3://bucket/jobs/job.jar",
		"gs://bucket/jobs/job.jar",
	} {
		assert.Nil(t, validateJarURI(path, ok, Options{}), ok)
	}

	err := validateJarURI(path, "http://repo.example.com/job.jar", Options{})
	require.NotNil(t, err)
	assert.Equal(t, `spec.job.jarURI: Invalid value: "http://repo.example.com/job.jar": http:// is not allowed by this operator (a jar fetched without TLS can be replaced on the way): use https://, or run the operator with --allow-http-artifacts; allowed: local://, file://, https://, s3://, gs://`, err.Error())
	assert.Nil(t, validateJarURI(path, "http://repo.example.com/job.jar", Options{AllowHTTPArtifacts: true}))

	// The list in the message follows the options.
	err = validateJarURI(path, "hdfs://namenode/job.jar", Options{AllowHTTPArtifacts: true})
	require.NotNil(t, err)
	assert.Equal(t, `spec.job.jarURI: Invalid value: "hdfs://namenode/job.jar": the scheme hdfs:// is not supported; allowed: local://, file://, https://, s3://, gs://, http://`, err.Error())

	err = validateJarURI(path, "https://repo.example.com/a%zzjob.jar", Options{})
	require.NotNil(t, err)
	assert.Equal(t, `spec.job.jarURI: Invalid value: "https://repo.example.com/a%zzjob.jar": is not a URI (invalid URL escape "%zz"); for example local:///opt/flink/usrlib/job.jar`, err.Error())

	err = validateJarURI(path, "https://repo.example.com", Options{})
	require.NotNil(t, err)
	assert.Equal(t, `spec.job.jarURI: Invalid value: "https://repo.example.com": must name a file, not a folder, for example https://repo.example.com/job.jar`, err.Error())

	err = validateJarURI(path, "local:opt/job.jar", Options{})
	require.NotNil(t, err)
	assert.Contains(t, err.Error(), "with three slashes: local:///opt/flink/usrlib/job.jar")
}

func TestValidateWithOptionsPassesHTTPThrough(t *testing.T) {
	fd := deployment("native", "v1_20")
	fd.Spec.Job = &v1beta1.JobSpec{JarURI: "http://repo.example.com/job.jar", Parallelism: 1}
	fd.Default()
	errs := check(fd, nil)
	require.Len(t, errs, 1)
	assert.Equal(t, "spec.job.jarURI", errs[0].Field)
	assert.Empty(t, ValidateWithOptions(fd, flinkconf.Read(&fd.Spec), Options{AllowHTTPArtifacts: true}))
}

// --artifact-schemes narrows the remote schemes, for a FlinkDeployment's
// jar and a session job's alike, and says which flag refused it; local
// jars stay allowed, and http is --allow-http-artifacts' business.
func TestArtifactSchemes(t *testing.T) {
	path := field.NewPath("spec", "job", "jarURI")
	httpsOnly := Options{Schemes: []string{"https"}}
	assert.Nil(t, validateJarURI(path, "https://repo.example.com/job.jar", httpsOnly))
	assert.Nil(t, validateJarURI(path, "local:///opt/flink/usrlib/job.jar", httpsOnly))
	err := validateJarURI(path, "s3://bucket/jobs/job.jar", httpsOnly)
	require.NotNil(t, err)
	assert.Equal(t, `spec.job.jarURI: Invalid value: "s3://bucket/jobs/job.jar": s3:// is not allowed by this operator (--artifact-schemes); allowed: local://, file://, https://`, err.Error())

	sj := &v1beta1.FlinkSessionJob{Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "session", Job: &v1beta1.JobSpec{JarURI: "gs://bucket/job.jar"}}}
	errs := ValidateSessionJob(sj, Options{Schemes: []string{"https", "s3"}})
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "gs:// is not allowed by this operator (--artifact-schemes); allowed: https://, s3://")

	for in, want := range map[string][]string{
		"https,s3,gs":          {"https", "s3", "gs"},
		" HTTPS ,s3://, https": {"https", "s3"},
		"":                     {},
	} {
		got, err := ParseArtifactSchemes(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err2 := ParseArtifactSchemes("https,http")
	assert.ErrorContains(t, err2, "http: use --allow-http-artifacts")
	_, err2 = ParseArtifactSchemes("hdfs")
	assert.ErrorContains(t, err2, "hdfs: not a scheme the operator fetches; allowed: https, s3, gs")
}

func TestCheckArtifactMirrors(t *testing.T) {
	mirror := func(s string) artifact.Mirrors {
		m, err := artifact.ParseMirror(s)
		require.NoError(t, err)
		return artifact.Mirrors{m}
	}
	require.NoError(t, CheckArtifactMirrors(mirror("https://repo1.maven.org/maven2/=https://nexus/central/"), Options{}))
	require.NoError(t, CheckArtifactMirrors(mirror("https://repo1.maven.org/maven2/=http://nexus/central/"), Options{AllowHTTPArtifacts: true}))
	err := CheckArtifactMirrors(mirror("https://repo1.maven.org/maven2/=http://nexus/central/"), Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs --allow-http-artifacts")
	err = CheckArtifactMirrors(mirror("https://repo1.maven.org/maven2/=s3://jars/central/"), Options{Schemes: []string{"https"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "s3:// is not in --artifact-schemes; allowed: https://")
}
