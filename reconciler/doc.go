// Package reconciler is the FlinkDeployment controller: each pass validates
// and renders the CR (package renderer), asks the upgrade gate whether the
// change may be applied now, server-side-applies the objects, prunes what
// the render no longer contains, observes the cluster and writes status.
//
// The controller holds no state that matters for correctness: everything it
// needs to continue after a restart is in the API server (status, labels,
// owner references). The only in-memory state is two memos: of what was
// applied (applyMemo), which lets a no-op pass skip the apply requests
// entirely, and of what was rendered (renderMemo), which lets it skip the
// render too.
package reconciler
