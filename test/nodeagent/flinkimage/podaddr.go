package flinkimage

import (
	"fmt"
	"net"
	"strings"
)

// PodIPOverrideEnv overrides the pod address lookup. TEST-ONLY: for trying the binary on a
// host outside the node agent's sandbox, where the container's /etc/hosts cannot be given.
const PodIPOverrideEnv = "FLINK_IMAGE_POD_IP"

// LookupHosts returns the address an /etc/hosts text gives for name, as `hostname -i` would:
// the first IPv4 entry listing the name (case-insensitive), else the first entry at all.
func LookupHosts(hosts, name string) (string, bool) {
	var first string
	for _, line := range strings.Split(hosts, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		for _, n := range f[1:] {
			if !strings.EqualFold(n, name) {
				continue
			}
			if ip := net.ParseIP(f[0]); ip != nil && ip.To4() != nil {
				return f[0], true
			}
			if first == "" {
				first = f[0]
			}
		}
	}
	return first, first != ""
}

// ResolvePodIP returns the pod's own address: the test-only override, else the hosts file's
// address for the container's hostname.
func ResolvePodIP(env Env, hostname, hosts string) (string, error) {
	if ip := env.Get(PodIPOverrideEnv); ip != "" {
		return ip, nil
	}
	ip, ok := LookupHosts(hosts, hostname)
	if !ok {
		return "", fmt.Errorf("resolve the pod address of host %q: no /etc/hosts entry names it (the node agent writes one per pod)", hostname)
	}
	return ip, nil
}

// PodBindArgs is the ONE deliberate deviation from the image (see the package doc): bind
// every server of this process to the pod's own address instead of the wildcard, and let a
// TaskManager advertise that address. The result is dynamic properties in the split
// "-D key=value" form every entrypoint parser accepts.
func PodBindArgs(ip string, taskManager bool) []string {
	args := []string{
		"-D", "rest.bind-address=" + ip,
		"-D", "jobmanager.bind-host=" + ip,
		"-D", "taskmanager.bind-host=" + ip,
	}
	if taskManager {
		args = append(args, "-D", "taskmanager.host="+ip)
	}
	return args
}
