package sessionjob

import (
	"context"
	"strconv"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// sweepJars deletes the jars on the session's JobManager that were
// uploaded for this session job (named as jarName names them) and that
// status.jar does not record: those a crash left between an upload and
// the status write that records its id (submit.go, upload). recorded is
// the id status.jar holds, or "" when it holds none; it is never deleted
// here.
//
// The callers sweep right after their fence, so the status they read is
// the latest: no pass of this session job can have uploaded a jar that
// it has yet to record. A jar deleted under an older operator that still
// runs would only make its run find the jar gone and upload again.
//
// A failure is logged and the pass carries on: a jar left over costs the
// JobManager disk space, not the job its submission, and the next upload
// or jar delete of this session job sweeps again.
func (p *pass) sweepJars(ctx context.Context, recorded string) {
	logger := log.FromContext(ctx).WithValues("flinkSessionJob", p.ref().String(), "session", p.sj.Spec.DeploymentName)
	jars, err := p.rest.ListJars(ctx)
	if err != nil {
		logger.Info("could not list the session's jars to delete those an earlier submission left behind; carrying on", "error", err.Error())
		return
	}
	for _, j := range jars {
		if j.ID == recorded || !uploadedFor(p.sj, j) {
			continue
		}
		if err := p.rest.DeleteJar(ctx, j.ID); err != nil && !flinkrest.IsJarNotFound(err) {
			logger.Info("could not delete a jar an earlier submission left behind; carrying on", "jar", j.ID, "error", err.Error())
			continue
		}
		logger.Info("deleted a jar an earlier submission left behind", "jar", j.ID)
	}
}

// uploadedFor reports whether j is named as jarName names sj's jars,
// <namespace>_<name>_<generation>.jar, with its id <uuid>_<that name> as
// Flink gives it. A namespace or a name holds no underscore, so no other
// session job's jar matches: orders-2's start <namespace>_orders-2_, not
// <namespace>_orders_. Nor does a jar someone uploaded by hand, unless
// named exactly so.
func uploadedFor(sj *v1beta1.FlinkSessionJob, j flinkrest.JarFile) bool {
	gen, ok := strings.CutPrefix(j.Name, sj.Namespace+"_"+sj.Name+"_")
	if !ok {
		return false
	}
	if gen, ok = strings.CutSuffix(gen, ".jar"); !ok {
		return false
	}
	n, err := strconv.ParseInt(gen, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != gen {
		return false
	}
	return strings.HasSuffix(j.ID, "_"+j.Name)
}
