package sessionjob

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/metrics"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// session is the target session as a pass found it.
type session struct {
	state SessionState
	// why says what is missing, for status; "" when ready.
	why string
	fd  *v1beta1.FlinkDeployment
	// restarting: the session's restart waits for its session jobs to
	// stop with their savepoints (status.sessionUpgrade), or is under
	// way (status.upgrade); they resume once neither is set.
	restarting bool
	// deletingButRunning: the session is being deleted while its
	// JobManager is still READY, which is how its deletion waits for its
	// session jobs (reconciler/session_block.go). Nothing is submitted to
	// it, but a session job being deleted ends its job there.
	deletingButRunning bool
}

// findSession reads spec.deploymentName. The cache is read first; a miss
// is confirmed with the API server, because a FlinkDeployment outside the
// operator's label selector (sharding) is not cached but does exist.
func (r *Reconciler) findSession(ctx context.Context, sj *v1beta1.FlinkSessionJob) (*session, error) {
	key := client.ObjectKey{Namespace: sj.Namespace, Name: sj.Spec.DeploymentName}
	fd := &v1beta1.FlinkDeployment{}
	err := r.Client.Get(ctx, key, fd)
	if apierrors.IsNotFound(err) {
		err = r.APIReader.Get(ctx, key, fd)
	}
	switch {
	case apierrors.IsNotFound(err):
		return &session{state: SessionMissing, why: fmt.Sprintf("waiting for the session: FlinkDeployment %s/%s does not exist; create it as a session cluster (without spec.job)", key.Namespace, key.Name)}, nil
	case err != nil:
		return nil, objref.Of(Kind, sj).Errorf("read its session FlinkDeployment %s: %w", key.Name, err)
	case fd.Spec.Job != nil:
		return &session{state: SessionApplication, fd: fd, why: fmt.Sprintf("waiting for the session: FlinkDeployment %s/%s is an application cluster (it has spec.job), which runs only its own job; point spec.deploymentName at a session cluster", key.Namespace, key.Name)}, nil
	case !fd.DeletionTimestamp.IsZero():
		return &session{state: SessionNotReady, fd: fd, why: fmt.Sprintf("waiting for the session: FlinkDeployment %s/%s is being deleted", key.Namespace, key.Name),
			deletingButRunning: fd.Status.JobManagerDeploymentStatus == v1beta1.JMReady}, nil
	case fd.Status.JobManagerDeploymentStatus != v1beta1.JMReady:
		return &session{state: SessionNotReady, fd: fd, why: fmt.Sprintf("waiting for the session: FlinkDeployment %s/%s is not READY (its JobManager is %s)", key.Namespace, key.Name, orUnknown(string(fd.Status.JobManagerDeploymentStatus)))}, nil
	}
	return &session{state: SessionReady, fd: fd, restarting: fd.Status.SessionUpgrade != nil || fd.Status.Upgrade != nil}, nil
}

// restartingMessage is status.error of a session job that waits for its
// session's restart: stopped with a savepoint, or not yet submitted.
func restartingMessage(fd *v1beta1.FlinkDeployment) string {
	return fmt.Sprintf("waiting for the session: FlinkDeployment %s/%s restarts to run its new spec; the job is stopped with a savepoint first, "+
		"and submitted again from it once the session runs", fd.Namespace, fd.Name)
}

// isWaitingMessage tells a status error this controller wrote while
// waiting for the session, so that it is cleared once the session is
// ready.
func isWaitingMessage(s string) bool { return strings.HasPrefix(s, "waiting for the session") }

func orUnknown(s string) string {
	if s == "" {
		return "UNKNOWN"
	}
	return s
}

// restURL is the session's REST address, as the FlinkDeployment
// controller dials it (reconciler.RESTURL); a pod that fetches a jar
// uploads there too (fetchpod.go).
func (r *Reconciler) restURL(fd *v1beta1.FlinkDeployment) string {
	return strings.TrimSuffix(strings.NewReplacer("{{name}}", fd.Name, "{{namespace}}", fd.Namespace).Replace(r.RESTURLTemplate), "/")
}

// restClient is a REST client for the session's JobManager, with the
// session's Flink version and REST TLS settings. The URL is the session's,
// as the FlinkDeployment controller dials it (reconciler.RESTURL).
func (r *Reconciler) restClient(fd *v1beta1.FlinkDeployment, timeout time.Duration) *flinkrest.Client {
	url := r.restURL(fd)
	opts := []flinkrest.Option{flinkrest.WithTimeout(timeout), flinkrest.WithRunTimeout(r.RunTimeout), flinkrest.WithRetry(1, 0),
		flinkrest.WithErrorObserver(metrics.CountRESTError)}
	if r.HTTPClient != nil {
		opts = append(opts, flinkrest.WithHTTPClient(r.HTTPClient))
	}
	if settings := flinkconf.Read(&fd.Spec).RESTTLS; settings.Enabled {
		if rest, ok := strings.CutPrefix(url, "http://"); ok {
			url = "https://" + rest
		}
		hc, err := r.restTLS.For(settings)
		if err != nil {
			err = objref.Of("FlinkDeployment", fd).Errorf("set up TLS for the REST API (%s is true): %w", settings.Key, err)
		}
		opts = append(opts, flinkrest.WithHTTPClient(hc), flinkrest.WithSetupError(err))
	}
	return flinkrest.New(url, string(fd.Spec.FlinkVersion), opts...)
}
