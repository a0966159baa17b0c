#!/usr/bin/env bash
# `make e2e`: the end-to-end tests (test/e2e) on the dev cluster of
# hack/dev-cluster.sh, in two phases:
#
#   1. DEV_FLINK=fake: every scenario against the fake JobManager (fast, and
#      it fails on cue), build tag e2e;
#   2. DEV_FLINK=real: the scenarios on real Flink run by the node agent,
#      build tags e2e,realflink.
#
# E2E_PHASES picks phases (default "fake real"). A dev cluster that is
# already running in a phase's mode is reused and left running; otherwise
# one is started for the phase and stopped afterwards, whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM=$(make -s helm | tail -n 1)
export HELM

phase() {
  local mode=$1 tags=$2 timeout=$3
  shift 3
  local started=
  if hack/dev-cluster.sh status >/dev/null 2>&1 && [ "$(hack/dev-cluster.sh env | sed -n 's/^export DEV_FLINK=//p')" = "$mode" ]; then
    echo "e2e: using the running $mode dev cluster; installing this checkout's CRDs on it" >&2
    eval "$(hack/dev-cluster.sh env)"
    "$KUBECTL" apply --server-side --force-conflicts -f charts/flink-operator/crds/ -f schemas/crd/flink.apache.org_flinksessionjobs.yaml >/dev/null
  else
    local start=$SECONDS
    # A cluster of the other mode holds the same ports.
    if hack/dev-cluster.sh status >/dev/null 2>&1; then echo "e2e: stopping the running dev cluster (another DEV_FLINK mode)" >&2; fi
    hack/dev-cluster.sh down >/dev/null 2>&1 || true
    started=1
    DEV_FLINK=$mode hack/dev-cluster.sh up >/dev/null
    echo "e2e: $mode dev cluster started in $((SECONDS - start))s" >&2
  fi
  eval "$(hack/dev-cluster.sh env)"
  local rc=0
  go test -tags "$tags" -race -count=1 -timeout "$timeout" -v ./test/e2e/ "$@" || rc=$?
  if [ -n "$started" ]; then hack/dev-cluster.sh down >/dev/null; fi
  return $rc
}

for p in ${E2E_PHASES:-fake real}; do
  case $p in
  fake) phase fake e2e 20m "$@" ;;
  real) phase real e2e,realflink 40m "$@" ;;
  *) echo "e2e: unknown phase $p (want fake or real)" >&2; exit 1 ;;
  esac
done
