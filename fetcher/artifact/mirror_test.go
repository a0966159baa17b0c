package artifact

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMirror(t *testing.T) {
	m, err := ParseMirror("https://repo1.maven.org/maven2/=https://nexus.example.com/repository/central/")
	require.NoError(t, err)
	assert.Equal(t, Mirror{From: "https://repo1.maven.org/maven2/", To: "https://nexus.example.com/repository/central/"}, m)
	assert.Equal(t, "https", m.Scheme())

	for _, tc := range []struct{ in, want string }{
		{"https://repo1.maven.org/maven2/", "want FROM=TO"},
		{"https://repo1.maven.org/maven2=https://nexus.example.com/central/", "FROM https://repo1.maven.org/maven2: must end in /"},
		{"https://repo1.maven.org/maven2/=ftp://mirror/maven2/", "TO ftp://mirror/maven2/: the scheme must be one the operator fetches"},
		{"https://repo1.maven.org/maven2/=s3:///maven2/", "TO s3:///maven2/: needs a bucket"},
		{"https://repo1.maven.org/maven2/=https://user:secret@nexus/central/", "must not hold credentials"},
		{"https://repo1.maven.org/maven2/=https://nexus/central/?token=x/", "must not have a query or fragment"},
		{"https://repo1.maven.org/maven2/=https://repo1.maven.org/maven2/", "FROM and TO are the same"},
	} {
		_, err := ParseMirror(tc.in)
		require.Error(t, err, tc.in)
		assert.Contains(t, err.Error(), tc.want, tc.in)
		assert.NotContains(t, err.Error(), "secret", "errors never show credentials")
	}
}

func TestMirrorsRewrite(t *testing.T) {
	ms := Mirrors{
		{From: "https://repo1.maven.org/maven2/", To: "http://mirror.local/maven2/"},
		{From: "https://repo1.maven.org/maven2/org/apache/flink/", To: "s3://flink-jars/"},
	}
	got, ok := ms.Rewrite("https://repo1.maven.org/maven2/com/example/job/1.0/job-1.0.jar#sha256=abc")
	assert.True(t, ok)
	assert.Equal(t, "http://mirror.local/maven2/com/example/job/1.0/job-1.0.jar#sha256=abc", got, "the checksum stays")
	got, _ = ms.Rewrite("https://repo1.maven.org/maven2/org/apache/flink/flink-examples-streaming/2.2.0/x.jar")
	assert.Equal(t, "s3://flink-jars/flink-examples-streaming/2.2.0/x.jar", got, "the longest FROM wins, whatever the order")
	got, ok = ms.Rewrite("https://repo1.maven.org/maven2-snapshots/x.jar")
	assert.False(t, ok, "whole path segments only")
	assert.Equal(t, "https://repo1.maven.org/maven2-snapshots/x.jar", got)
	got, ok = Mirrors(nil).Rewrite("https://a/b.jar")
	assert.False(t, ok)
	assert.Equal(t, "https://a/b.jar", got)
	assert.Equal(t, []string{"https://repo1.maven.org/maven2/=http://mirror.local/maven2/", "https://repo1.maven.org/maven2/org/apache/flink/=s3://flink-jars/"}, ms.Strings())
}
