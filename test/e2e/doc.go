// Package e2e holds the end-to-end tests (build tag e2e): the operator
// binary, run outside the cluster, against the dev cluster of
// hack/dev-cluster.sh, whose pods kwok simulates and whose Flink clusters
// the fake JobManager service (devjm) plays. Run them with `make e2e`, which
// starts the dev cluster when it is not running; by hand:
//
//	make dev-cluster
//	eval "$(hack/dev-cluster.sh env)"
//	go test -tags e2e -race -count=1 -v ./test/e2e/
//
// Every scenario works in a namespace of its own and starts from an example
// in examples/, applied with kubectl as a user would.
package e2e
