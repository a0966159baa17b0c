package agent

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// network gives each pod an address of its own on loopback, and keeps each
// pod's /etc/hosts current.
//
// Pods share the host's network namespace (see the README): every address in
// 127.0.0.0/8 answers on loopback without setup, so two pods can both listen
// on 8081, each on its own address. Names resolve through each pod's own
// /etc/hosts, which stands in for cluster DNS.
type network struct {
	prefix string // "127.1"

	mu    sync.Mutex
	next  int                     // the next host number to try
	ips   map[types.UID]string    // pod → address
	hosts map[types.UID]hostsFile // pod → its /etc/hosts
	kick  chan struct{}
}

type hostsFile struct {
	path      string
	namespace string
	hostname  string
	ip        string
}

func newNetwork(prefix string) (*network, error) {
	if prefix == "" {
		prefix = "127.1"
	}
	if ip := net.ParseIP(prefix + ".0.1"); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("node agent: pod network %q: want the first two octets of a loopback address, like 127.1", prefix)
	}
	return &network{prefix: prefix, next: 2, ips: map[types.UID]string{},
		hosts: map[types.UID]hostsFile{}, kick: make(chan struct{}, 1)}, nil
}

// assign returns the pod's address: the one it already reports (a restarted
// agent keeps its pods' addresses) or the next unused one. Addresses are
// not reused soon after a pod goes, so that a stale name never points a
// client at another pod.
func (n *network) assign(pod *corev1.Pod) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ip, ok := n.ips[pod.UID]; ok {
		return ip
	}
	used := map[string]bool{}
	for _, ip := range n.ips {
		used[ip] = true
	}
	if ip := pod.Status.PodIP; ip != "" && strings.HasPrefix(ip, n.prefix+".") && !used[ip] {
		n.ips[pod.UID] = ip
		return ip
	}
	for {
		host := n.next
		n.next++
		if n.next > 65534 {
			n.next = 2
		}
		ip := fmt.Sprintf("%s.%d.%d", n.prefix, host/256, host%256)
		if host%256 == 0 || host%256 == 255 || used[ip] {
			continue
		}
		n.ips[pod.UID] = ip
		return ip
	}
}

func (n *network) release(uid types.UID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.ips, uid)
	delete(n.hosts, uid)
}

// track registers a pod's hosts file to keep current.
func (n *network) track(uid types.UID, f hostsFile) {
	n.mu.Lock()
	n.hosts[uid] = f
	n.mu.Unlock()
	n.namesChanged()
}

func (n *network) namesChanged() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// hostEntry is one line of a hosts file: an address and its names.
type hostEntry struct {
	ip    string
	names []string
}

// keepHostsFiles rewrites every pod's /etc/hosts when Services or endpoints
// change. entries lists the Service names of the cluster for a pod of the
// given namespace.
func (n *network) keepHostsFiles(ctx context.Context, entries func(namespace string) []hostEntry) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.kick:
		}
		// Coalesce the burst of events one rollout makes.
		time.Sleep(100 * time.Millisecond)
		n.mu.Lock()
		files := make([]hostsFile, 0, len(n.hosts))
		for _, f := range n.hosts {
			files = append(files, f)
		}
		n.mu.Unlock()
		for _, f := range files {
			_ = writeHostsFile(f, entries(f.namespace)) // a pod that just went has no folder
		}
	}
}

// writeHostsFile writes the file in place: a container sees it through a
// bind mount, which pins the inode, so a rename would go unseen.
func writeHostsFile(f hostsFile, services []hostEntry) error {
	var b bytes.Buffer
	b.WriteString("# Written by the flink-operator node agent: this pod's own names, then the cluster's Services.\n")
	// The pod's localhost is its own address: pods share the host's network
	// namespace, and Flink 1.20 reaches its own blob server at localhost.
	fmt.Fprintf(&b, "%s\tlocalhost %s\n", f.ip, f.hostname)
	for _, e := range services {
		fmt.Fprintf(&b, "%s\t%s\n", e.ip, strings.Join(e.names, " "))
	}
	old, err := os.ReadFile(f.path)
	if err == nil && bytes.Equal(old, b.Bytes()) {
		return nil
	}
	file, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	_, err = file.Write(b.Bytes())
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
}

// hostEntries lists every Service with a ready endpoint under the names
// cluster DNS gives it: name.namespace.svc.cluster.local and its shorter
// forms, the bare name only within the pod's own namespace. A Service
// resolves to its first ready endpoint: there is no kube-proxy to spread
// connections over a ClusterIP.
func (a *Agent) hostEntries(namespace string) []hostEntry {
	services, err := a.services.List(labelsEverything())
	if err != nil {
		return nil
	}
	sort.Slice(services, func(i, j int) bool {
		if services[i].Namespace != services[j].Namespace {
			return services[i].Namespace < services[j].Namespace
		}
		return services[i].Name < services[j].Name
	})
	var out []hostEntry
	for _, svc := range services {
		eps := a.endpoints(svc)
		if len(eps) == 0 {
			continue
		}
		fq := svc.Name + "." + svc.Namespace
		names := []string{fq + ".svc.cluster.local", fq + ".svc", fq}
		if svc.Namespace == namespace {
			names = append(names, svc.Name)
		}
		out = append(out, hostEntry{ip: eps[0].ip, names: names})
	}
	return out
}
