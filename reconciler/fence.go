package reconciler

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Stale reads.
//
// A pass decides from the FlinkDeployment as the informer cache shows it,
// and that copy can be behind the API server: the cache has not yet seen
// the operator's own last status write, or another operator (a leader that
// took over while this one was cut off) has moved the lifecycle on. A
// decision made on such a copy re-does a step that was already undone (it
// re-creates the old JobManager the take-down just deleted, from the old
// spec with an empty restore path) or undoes what the other operator did
// (it stops the new job, deletes the new cluster, rolls the JobManager
// back). Status writes carry the resourceVersion read (an optimistic lock),
// so a stale pass can never record anything; side effects have no such
// check of their own. Two guards close the gap:
//
//  1. Read what was written last (readLatest). The reconciler remembers,
//     per FlinkDeployment, the resourceVersion at which the API server last
//     confirmed its view: its own last write, or its last read from the API
//     server. A cached copy at any other version is read again from the API
//     server (APIReader) before the pass decides anything. A settled
//     FlinkDeployment reads the remembered version and costs nothing; a
//     lagging cache, or someone else's edit, costs one GET.
//     The reference operator does the like in StatusRecorder: it caches the
//     status it last wrote and overlays it onto the informer's copy. An
//     overlay trusts the operator's memory, which is itself stale in a
//     deposed leader; reading the API server does not.
//  2. Fence every side effect (confirmLatest). What memory cannot know, a
//     newer write by someone else, the API server checks: before the first
//     request of a decision that changes anything outside the status (an
//     apply that writes, a prune or take-down delete, a stop-with-savepoint
//     or savepoint trigger, a change to Flink's HA data), the status the
//     decision was made on must have been written with its resourceVersion
//     as a precondition in the same step, or else it is confirmed by a
//     status patch that carries nothing but that resourceVersion. The API
//     server answers 409 Conflict when anyone wrote the FlinkDeployment
//     since, and the pass then stops and starts over from a fresh read;
//     when nobody did, the patch changes nothing and writes nothing (no new
//     resourceVersion, no watch event). The fence is sent only once a
//     request is about to change something, after the render memo and the
//     apply memo have had their say, so a no-op pass still sends no request.
//
// A fence leaves a window of one round trip between the check and the side
// effect; only a resourceVersion precondition on the side effect itself
// could close it, and Deployments, Flink's REST API and HA ConfigMaps owned
// by Flink offer none that names the FlinkDeployment.

// errStale marks a pass whose read of the FlinkDeployment the API server
// found outdated (409 Conflict on a status write or a fence). Nothing
// is wrong: the pass is dropped and repeated from a fresh read.
var errStale = errors.New("the FlinkDeployment changed since it was read")

// staleIfConflict marks a conflict on the FlinkDeployment's status as
// errStale.
func staleIfConflict(err error) error {
	if apierrors.IsConflict(err) {
		return fmt.Errorf("%w: %w", errStale, err)
	}
	return err
}

// freshness remembers, per FlinkDeployment, the resourceVersion at which
// the API server last confirmed the reconciler's view of it.
type freshness struct {
	m sync.Map // types.NamespacedName -> confirmedVersion
}

type confirmedVersion struct {
	uid types.UID
	// resourceVersion is "" when a write found the view stale: the next
	// read goes to the API server whatever the cache shows.
	resourceVersion string
}

// remember records fd as the API server just had it.
func (f *freshness) remember(fd *v1beta1.FlinkDeployment) {
	f.m.Store(client.ObjectKeyFromObject(fd), confirmedVersion{uid: fd.UID, resourceVersion: fd.ResourceVersion})
}

// outdated records that the API server refused a write made from fd.
func (f *freshness) outdated(fd *v1beta1.FlinkDeployment) {
	f.m.Store(client.ObjectKeyFromObject(fd), confirmedVersion{uid: fd.UID})
}

func (f *freshness) forget(k types.NamespacedName) { f.m.Delete(k) }

// current reports whether a read of fd is at the confirmed version, or
// there is nothing to compare it with (a FlinkDeployment this reconciler
// has not written since it started; the fence protects its side effects).
func (f *freshness) current(fd *v1beta1.FlinkDeployment) bool {
	v, ok := f.m.Load(client.ObjectKeyFromObject(fd))
	if !ok {
		return true
	}
	c := v.(confirmedVersion)
	return c.uid != fd.UID || c.resourceVersion == fd.ResourceVersion
}

// readLatest returns fd, or the FlinkDeployment as the API server has it
// when fd is not at the version last confirmed.
func (r *Reconciler) readLatest(ctx context.Context, fd *v1beta1.FlinkDeployment) (*v1beta1.FlinkDeployment, error) {
	if r.fresh.current(fd) {
		return fd, nil
	}
	latest := &v1beta1.FlinkDeployment{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(fd), latest); err != nil {
		return nil, objref.Of("FlinkDeployment", fd).Errorf("read again from the API server (the cached copy is not the version last written): %w", err)
	}
	r.fresh.remember(latest)
	return latest, nil
}

// confirmLatest is the fence: it proves that the status the pass decided
// on, p.persisted, is still the FlinkDeployment's latest, unless a status
// write of this step already did.
func (r *Reconciler) confirmLatest(ctx context.Context, p *gatePass) error {
	if p.confirmed {
		return nil
	}
	fd := p.persisted.DeepCopy()
	// Nothing differs, so the merge patch is {"metadata":{"resourceVersion":…}}.
	patch := client.MergeFromWithOptions(p.persisted, client.MergeFromWithOptimisticLock{})
	if err := r.Client.Status().Patch(ctx, fd, patch); err != nil {
		if apierrors.IsConflict(err) {
			r.fresh.outdated(p.persisted)
		}
		return objref.Of("FlinkDeployment", fd).Errorf("confirm the status is the latest before acting on it: %w", staleIfConflict(err))
	}
	// An unchanged object keeps its resourceVersion; should a server ever
	// assign a new one, later writes of the pass must carry it.
	p.persisted.ResourceVersion = fd.ResourceVersion
	p.fd.ResourceVersion = fd.ResourceVersion
	r.fresh.remember(fd)
	p.confirmed = true
	return nil
}

// The fence reaches the places that send requests (apply, prune, take-down,
// HA data, REST calls) through the context, so that they need not know of
// gate passes; finalization, which acts on a deletion that cannot be
// undone, runs without one.
type sideEffectGuardKey struct{}

// withSideEffectGuard returns ctx carrying the pass's fence.
func withSideEffectGuard(ctx context.Context, guard func(context.Context) error) context.Context {
	return context.WithValue(ctx, sideEffectGuardKey{}, guard)
}

// beforeSideEffect runs the pass's fence. Call it right before every
// request that changes something other than the FlinkDeployment's status.
func beforeSideEffect(ctx context.Context) error {
	if guard, ok := ctx.Value(sideEffectGuardKey{}).(func(context.Context) error); ok {
		return guard(ctx)
	}
	return nil
}
