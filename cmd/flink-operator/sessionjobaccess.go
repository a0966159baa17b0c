package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// sessionJobResource is the FlinkSessionJob CRD's plural.
const sessionJobResource = "flinksessionjobs"

// sessionJobAccess is what the FlinkSessionJob controller
// (reconciler/sessionjob) does with the API, in every namespace it
// watches: it reads session jobs through the cache (list, watch) and the
// API server (get), adds and removes its finalizer with a patch, writes
// status with a patch, and creates and deletes the pods that fetch s3://
// and gs:// jars. The chart grants exactly these with sessionJobs.enabled
// (charts/sessionjobs_test.go, docs/rbac.md); the events it records, and
// reading pods, need the FlinkDeployment controller's rights, which are
// not the session jobs' to check.
var sessionJobAccess = []struct{ group, resource, verb, subresource string }{
	{v1beta1.GroupVersion.Group, sessionJobResource, "get", ""},
	{v1beta1.GroupVersion.Group, sessionJobResource, "list", ""},
	{v1beta1.GroupVersion.Group, sessionJobResource, "watch", ""},
	{v1beta1.GroupVersion.Group, sessionJobResource, "patch", ""},
	{v1beta1.GroupVersion.Group, sessionJobResource, "patch", "status"},
	{"", "pods", "create", ""},
	{"", "pods", "delete", ""},
}

// sessionJobsFix says how to give the operator what it lacks.
const sessionJobsFix = "with the Helm chart, set sessionJobs.enabled=true (helm upgrade <release> <chart> --reuse-values --set sessionJobs.enabled=true), " +
	"which installs the CRD, grants these rights and passes --session-jobs; without the chart, install schemas/crd/flink.apache.org_flinksessionjobs.yaml " +
	"and grant the rights (docs/rbac.md); or drop --session-jobs"

// errSessionJobAccess is the start-up refusal of --session-jobs: what is
// missing, each permission with its verb, resource and namespace.
type errSessionJobAccess struct {
	// user is who the operator runs as, when the API server says.
	user string
	// noCRD: the API server does not serve the kind.
	noCRD bool
	// missing are the permissions denied, as "verb resource in namespace".
	missing []string
}

func (e *errSessionJobAccess) Error() string {
	var what []string
	if e.noCRD {
		what = append(what, fmt.Sprintf("the API server does not serve %s: the FlinkSessionJob CRD is not installed",
			v1beta1.GroupVersion.WithKind(v1beta1.KindFlinkSessionJob)))
	}
	if len(e.missing) > 0 {
		who := "the operator"
		if e.user != "" {
			who += " (" + e.user + ")"
		}
		what = append(what, fmt.Sprintf("%s may not %s", who, strings.Join(e.missing, "; nor ")))
	}
	return fmt.Sprintf("--session-jobs: %s. Refusing to start: %s", strings.Join(what, "; and "), sessionJobsFix)
}

// checkSessionJobAccess asks the API server, before the FlinkSessionJob
// controller starts, whether it serves the kind and whether this
// operator may do what the controller does in each watched namespace
// (every namespace when namespaces is empty), with a
// SelfSubjectAccessReview each. Without the check a missing right shows
// only as a failing watch or a refused patch in the log, long after start.
// A review the API server refuses to answer is reported through warn, and
// the check skips it, as checkInstalledCRD does.
func checkSessionJobAccess(ctx context.Context, cfg *rest.Config, namespaces []string, warn func(msg string)) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("--session-jobs: create a client to check access: %w", err)
	}
	refusal := &errSessionJobAccess{}
	served, err := servesSessionJobs(cs)
	if err != nil {
		return err
	}
	refusal.noCRD = !served

	if len(namespaces) == 0 {
		namespaces = []string{""}
	}
	for _, ns := range namespaces {
		for _, a := range sessionJobAccess {
			review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace: ns, Verb: a.verb, Group: a.group,
					Resource: a.resource, Subresource: a.subresource,
				},
			}}
			got, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
			if apierrors.IsForbidden(err) {
				warn(fmt.Sprintf("--session-jobs: cannot ask the API server what this operator may do with FlinkSessionJobs (%v); not checked at start-up", err))
				return errOrNil(refusal)
			}
			if err != nil {
				return fmt.Errorf("--session-jobs: check access to %s: %w", sessionJobResource, err)
			}
			if !got.Status.Allowed {
				refusal.missing = append(refusal.missing, permission(a.group, a.resource, a.verb, a.subresource, ns))
			}
		}
	}
	if len(refusal.missing) > 0 {
		refusal.user = whoAmI(ctx, cs)
	}
	return errOrNil(refusal)
}

func errOrNil(e *errSessionJobAccess) error {
	if !e.noCRD && len(e.missing) == 0 {
		return nil
	}
	return e
}

// permission writes one as "patch flinksessionjobs/status (flink.apache.org) in namespace team-a",
// or "create pods (core) in namespace team-a".
func permission(group, resource, verb, subresource, ns string) string {
	if subresource != "" {
		resource += "/" + subresource
	}
	if group == "" {
		group = "core"
	}
	where := "in namespace " + ns
	if ns == "" {
		where = "in every namespace (cluster-wide)"
	}
	return fmt.Sprintf("%s %s (%s) %s", verb, resource, group, where)
}

// servesSessionJobs reports whether discovery lists flinksessionjobs in
// flink.apache.org/v1beta1. Every authenticated user may read discovery.
func servesSessionJobs(cs kubernetes.Interface) (bool, error) {
	list, err := cs.Discovery().ServerResourcesForGroupVersion(v1beta1.GroupVersion.String())
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("--session-jobs: look up %s in discovery: %w", v1beta1.GroupVersion, err)
	}
	return slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == sessionJobResource }), nil
}

// whoAmI is the user the API server sees, for the refusal; empty when it
// cannot say (SelfSubjectReview is GA from Kubernetes 1.28).
func whoAmI(ctx context.Context, cs kubernetes.Interface) string {
	review, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return ""
	}
	return review.Status.UserInfo.Username
}
