#!/usr/bin/env bash
# `make e2e`: the end-to-end tests (test/e2e, build tag e2e) against the dev
# cluster of hack/dev-cluster.sh. A dev cluster that is already running is
# reused and left running; otherwise one is started for the run and stopped
# afterwards, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

if hack/dev-cluster.sh status >/dev/null 2>&1 && hack/dev-cluster.sh env >/dev/null 2>&1; then
  echo "e2e: using the running dev cluster; installing this checkout's CRDs on it" >&2
  eval "$(hack/dev-cluster.sh env)"
  "$KUBECTL" apply --server-side --force-conflicts -f charts/flink-operator/crds/ >/dev/null
else
  start=$SECONDS
  trap 'hack/dev-cluster.sh down' EXIT
  hack/dev-cluster.sh up >/dev/null
  echo "e2e: dev cluster started in $((SECONDS - start))s" >&2
fi
eval "$(hack/dev-cluster.sh env)"
go test -tags e2e -race -count=1 -timeout 20m -v ./test/e2e/ "$@"
