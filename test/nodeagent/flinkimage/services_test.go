package flinkimage

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJobManagerHostPort(t *testing.T) {
	tests := []struct {
		args       []string
		host, port string
		rest       []string
	}{
		{nil, "", "", nil},
		{[]string{"-D", "a=b"}, "", "", []string{"-D", "a=b"}},
		{[]string{"h"}, "h", "", []string{}},
		{[]string{"h", "-D", "a=b"}, "h", "", []string{"-D", "a=b"}},
		{[]string{"h", "8082", "-D", "a=b"}, "h", "8082", []string{"-D", "a=b"}},
		// A joined -Dk=v first is taken for a host name, as in the script.
		{[]string{"-Da=b"}, "-Da=b", "", []string{}},
	}
	for _, tt := range tests {
		host, port, rest := JobManagerHostPort(tt.args)
		assert.Equal(t, tt.host, host, "host of %q", tt.args)
		assert.Equal(t, tt.port, port, "port of %q", tt.args)
		assert.Equal(t, tt.rest, rest, "rest of %q", tt.args)
	}
}

func TestLogSettingsRedirect(t *testing.T) {
	s := LogSettings("/l/f.log", "/c", true)
	assert.Equal(t, "-Dconsole.log.level=OFF", s[0])
	assert.Equal(t, "-Dlog.file=/l/f.log", s[1])
	assert.Len(t, LogSettings("/l/f.log", "/c", false), 4)
	assert.Equal(t, "/l/flink--taskexecutor-2-pod.log", LogBase("/l", "", ServiceTaskExecutor, 2, "pod")+".log")
}
