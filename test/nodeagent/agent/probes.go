package agent

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/flinkops/flink-operator/test/nodeagent/sandbox"
)

// probe runs the container's startup, liveness and readiness probes while
// the process runs, as a kubelet's prober does: readiness and liveness
// start once the startup probe has passed; a failed startup or liveness
// probe kills the container, which then restarts as restartPolicy says.
func (r *containerRunner) probe(ctx context.Context, proc *sandbox.Process) {
	c := r.c
	if r.init {
		return
	}
	if c.StartupProbe != nil {
		if !r.probeUntil(ctx, c.StartupProbe, true) {
			if ctx.Err() == nil {
				r.w.logf("startup probe failed; killing the container", "container", c.Name)
				terminate(proc, r.terminationGrace())
			}
			return
		}
	}
	r.w.status.started(c.Name)
	if c.ReadinessProbe == nil {
		r.w.status.ready(c.Name, true)
	} else {
		go r.readiness(ctx, c.ReadinessProbe)
	}
	if c.LivenessProbe != nil {
		if !r.probeUntil(ctx, c.LivenessProbe, false) && ctx.Err() == nil {
			r.w.logf("liveness probe failed; killing the container", "container", c.Name)
			terminate(proc, r.terminationGrace())
		}
	}
}

// probeUntil runs p every period. untilSuccess (a startup probe) returns
// true at the first success; otherwise (liveness) it runs until
// failureThreshold consecutive failures and returns false.
func (r *containerRunner) probeUntil(ctx context.Context, p *corev1.Probe, untilSuccess bool) bool {
	if !sleepCtx(ctx, time.Duration(p.InitialDelaySeconds)*time.Second) {
		return false
	}
	failures := int32(0)
	threshold := max(p.FailureThreshold, 1)
	for {
		err := r.probeOnce(ctx, p)
		switch {
		case err == nil && untilSuccess:
			return true
		case err == nil:
			failures = 0
		default:
			failures++
			if failures >= threshold {
				return false
			}
		}
		if !sleepCtx(ctx, period(p)) {
			return false
		}
	}
}

func (r *containerRunner) readiness(ctx context.Context, p *corev1.Probe) {
	if !sleepCtx(ctx, time.Duration(p.InitialDelaySeconds)*time.Second) {
		return
	}
	successes, failures := int32(0), int32(0)
	for {
		if err := r.probeOnce(ctx, p); err == nil {
			successes, failures = successes+1, 0
			if successes >= max(p.SuccessThreshold, 1) {
				r.w.status.ready(r.c.Name, true)
			}
		} else {
			successes, failures = 0, failures+1
			if failures >= max(p.FailureThreshold, 1) {
				r.w.status.ready(r.c.Name, false)
			}
		}
		if !sleepCtx(ctx, period(p)) {
			return
		}
	}
}

func period(p *corev1.Probe) time.Duration {
	if p.PeriodSeconds <= 0 {
		return 10 * time.Second
	}
	return time.Duration(p.PeriodSeconds) * time.Second
}

func (r *containerRunner) terminationGrace() time.Duration {
	return time.Duration(*r.w.pod().Spec.TerminationGracePeriodSeconds) * time.Second
}

// probeClient runs httpGet probes as the kubelet's prober does: an HTTPS
// probe does not verify the certificate (no CA, no name: a JobManager
// serving REST over TLS has a certificate for its Service name, signed by
// the user's own authority, and the kubelet probes the pod's address), and
// no connection is kept between probes.
var probeClient = &http.Client{Transport: &http.Transport{
	TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // as the kubelet
	DisableKeepAlives: true,
}}

// probeOnce runs one httpGet or tcpSocket check against the pod's address.
// (exec and gRPC probes are not supported; the operator's pods use
// neither, and such a probe fails with a message saying so.)
func (r *containerRunner) probeOnce(ctx context.Context, p *corev1.Probe) error {
	timeout := time.Duration(max(p.TimeoutSeconds, 1)) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case p.HTTPGet != nil:
		port, err := r.port(p.HTTPGet.Port)
		if err != nil {
			return err
		}
		host := r.w.ip
		if p.HTTPGet.Host != "" {
			host = p.HTTPGet.Host
		}
		scheme := "http"
		if p.HTTPGet.Scheme == corev1.URISchemeHTTPS {
			scheme = "https"
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(host, strconv.Itoa(port)), p.HTTPGet.Path), nil)
		if err != nil {
			return err
		}
		for _, h := range p.HTTPGet.HTTPHeaders {
			req.Header.Add(h.Name, h.Value)
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("HTTP probe answered %d", resp.StatusCode)
		}
		return nil
	case p.TCPSocket != nil:
		port, err := r.port(p.TCPSocket.Port)
		if err != nil {
			return err
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(r.w.ip, strconv.Itoa(port)))
		if err != nil {
			return err
		}
		return conn.Close()
	}
	return fmt.Errorf("container %q: only httpGet and tcpSocket probes are supported by this node agent", r.c.Name)
}

// port resolves a probe's port, which may name one of the container's ports.
func (r *containerRunner) port(p intstr.IntOrString) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range r.c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	return 0, fmt.Errorf("container %q has no port named %q", r.c.Name, p.StrVal)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
