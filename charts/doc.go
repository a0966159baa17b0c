// Package charts holds the tests of the Helm chart in flink-operator/: it
// is linted and rendered with several values files, every rendered object
// is server-side dry-run applied to a real API server, the RBAC it grants
// is checked for least privilege, and the operator binary is run with
// exactly the chart's flags and the chart's service account.
//
// The tests run the helm binary named by $HELM (`make test` builds it into
// the tools cache), or `go run` of the pinned version when $HELM is unset.
package charts
