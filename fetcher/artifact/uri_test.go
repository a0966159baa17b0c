package artifact

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func TestParse(t *testing.T) {
	for _, c := range []struct {
		uri                       string
		scheme, bucket, key, file string
		sha                       string
		url                       string
	}{
		{uri: "https://repo.example.com/jobs/my-job-1.0.jar", scheme: "https", file: "my-job-1.0.jar", url: "https://repo.example.com/jobs/my-job-1.0.jar"},
		{uri: "HTTPS://repo.example.com:8443/a/b.jar?x=1#sha256=" + strings.ToUpper(digest), scheme: "https", file: "b.jar", sha: digest, url: "https://repo.example.com:8443/a/b.jar?x=1"},
		{uri: "https://repo.example.com/download?id=7", scheme: "https", file: DefaultFileName, url: "https://repo.example.com/download?id=7"},
		{uri: "https://repo.example.com/my%20job.jar", scheme: "https", file: DefaultFileName, url: "https://repo.example.com/my%20job.jar"},
		{uri: "s3://bucket/jobs/2024/job.jar#sha256=" + digest, scheme: "s3", bucket: "bucket", key: "jobs/2024/job.jar", file: "job.jar", sha: digest, url: "s3://bucket/jobs/2024/job.jar"},
		{uri: "gs://my-bucket/flink/job-v2.jar", scheme: "gs", bucket: "my-bucket", key: "flink/job-v2.jar", file: "job-v2.jar", url: "gs://my-bucket/flink/job-v2.jar"},
		{uri: "gs://my-bucket/flink/latest", scheme: "gs", bucket: "my-bucket", key: "flink/latest", file: DefaultFileName, url: "gs://my-bucket/flink/latest"},
	} {
		t.Run(c.uri, func(t *testing.T) {
			ref, err := Parse(c.uri, false)
			require.NoError(t, err)
			assert.Equal(t, c.scheme, ref.Scheme)
			assert.Equal(t, c.bucket, ref.Bucket)
			assert.Equal(t, c.key, ref.Key)
			assert.Equal(t, c.file, ref.FileName)
			assert.Equal(t, c.sha, ref.SHA256)
			assert.Equal(t, c.url, ref.URL.String(), "the checksum fragment is not requested")
		})
	}
}

func TestParseRejects(t *testing.T) {
	for uri, want := range map[string]string{
		"hdfs://namenode/jobs/job.jar":                         `scheme "hdfs" is not supported: use local:// or file:// (a jar in the image), or https://, s3:// or gs://`,
		"s3a://bucket/job.jar":                                 `scheme "s3a" is not supported`,
		"https:///job.jar":                                     "https:// URI has no host",
		"s3:///job.jar":                                        "s3:// URI has no bucket",
		"s3://bucket":                                          "s3:// URI names no object: use s3://BUCKET/path/to/job.jar",
		"gs://bucket/folder/":                                  "gs:// URI names no object",
		"s3://bucket/job.jar?versionId=3":                      "s3:// URI must not have a query",
		"gs://user@bucket/job.jar":                             "gs:// URI must be gs://BUCKET/KEY, without user or port",
		"https://repo.example.com/a.jar#md5=abc":               "the fragment must be #sha256=<64 hex digits>",
		"https://repo.example.com/a.jar#sha256=" + digest[:10]: "the fragment must be #sha256=<64 hex digits>",
		"https://repo.example.com/a%zz.jar":                    `not a valid URI: invalid URL escape "%zz"`,
		"//repo.example.com/a.jar":                             "no scheme",
	} {
		t.Run(uri, func(t *testing.T) {
			_, err := Parse(uri, true)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}

func TestParseHTTPNeedsPermission(t *testing.T) {
	_, err := Parse("http://repo.example.com/job.jar", false)
	assert.ErrorIs(t, err, ErrHTTPNotAllowed)
	ref, err := Parse("http://repo.example.com/job.jar", true)
	require.NoError(t, err)
	assert.Equal(t, SchemeHTTP, ref.Scheme)
}

func TestParseErrorsDoNotShowTheURI(t *testing.T) {
	for _, uri := range []string{
		"https://user:s3cret@repo.example.com/a%zz.jar",
		"ftp://user:s3cret@repo.example.com/a.jar",
		"https://repo.example.com/a.jar?sig=s3cret#bad",
	} {
		_, err := Parse(uri, false)
		require.Error(t, err, uri)
		assert.NotContains(t, err.Error(), "s3cret", uri)
	}
}

func TestInImage(t *testing.T) {
	for uri, want := range map[string]bool{
		"local:///opt/flink/usrlib/job.jar": true,
		"LOCAL:///opt/flink/job.jar":        true,
		"file:///opt/flink/job.jar":         true,
		"/opt/flink/usrlib/job.jar":         true,
		"/opt/flink/a:b.jar":                true,
		"https://repo.example.com/job.jar":  false,
		"s3://bucket/job.jar":               false,
		"hdfs://nn/job.jar":                 false,
	} {
		assert.Equal(t, want, InImage(uri), uri)
	}
}

func TestRedact(t *testing.T) {
	for uri, want := range map[string]string{
		"https://repo.example.com/job.jar":                                    "https://repo.example.com/job.jar",
		"https://alice:s3cret@repo.example.com/job.jar":                       "https://xxxxx@repo.example.com/job.jar",
		"https://ghp_token@repo.example.com/job.jar":                          "https://xxxxx@repo.example.com/job.jar",
		"https://b.s3.amazonaws.com/job.jar?X-Amz-Signature=abc&X-Amz-Date=1": "https://b.s3.amazonaws.com/job.jar?X-Amz-Date=xxxxx&X-Amz-Signature=xxxxx",
		"s3://bucket/job.jar#sha256=" + digest:                                "s3://bucket/job.jar#sha256=" + digest,
		"https://repo.example.com/a%zz.jar?sig=s3cret":                        "https://repo.example.com/a%zz.jar?xxxxx",
		"https://alice:s3cret@repo.example.com/%zz/job.jar":                   "https://xxxxx@repo.example.com/%zz/job.jar",
		"ftp//alice:s3cret@repo/%zz":                                          "xxxxx@repo/%zz",
		"https://repo.example.com/job.jar?sig=%zzs3cret":                      "https://repo.example.com/job.jar?xxxxx",
		"alice:s3cret@repo.example.com/job.jar":                               "xxxxx@repo.example.com/job.jar",
		"ghp_token@repo.example.com/job.jar":                                  "xxxxx@repo.example.com/job.jar",
		"/opt/flink/usrlib/job@1.jar":                                         "/opt/flink/usrlib/job@1.jar",
	} {
		assert.Equal(t, want, Redact(uri), uri)
	}
}
