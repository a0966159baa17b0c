#!/usr/bin/env bash
# Builds the control-plane binaries for tests from Go modules (no Docker, no
# downloads of prebuilt binaries) and caches them outside the repository.
#
#   hack/envtest.sh            kube-apiserver + etcd (envtest)
#   hack/envtest.sh --all      also kube-controller-manager, kube-scheduler and kubectl
#                              (dev cluster and end-to-end tests)
#
# The last line printed is the folder holding the binaries, suitable for
# KUBEBUILDER_ASSETS.
set -euo pipefail

KUBE_VERSION=1.34.4
ETCD_VERSION=3.6.5
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FLINK_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flink-operator}
out="$cache/envtest/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION"
mkdir -p "$out"

build() { # build <tools module dir> <package> <binary name>
  local dir=$1 pkg=$2 bin=$3
  if [ -x "$out/$bin" ]; then return; fi
  echo "building $bin (first time only; takes minutes)" >&2
  # A temporary name of this process's own, then an atomic rename: two
  # concurrent runs (make test beside make dev-cluster) may both build, and
  # neither sees the other's half-written file.
  local tmp="$out/.$bin.$$.tmp"
  if ! (cd "$root/hack/tools/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$tmp" "$pkg"); then
    rm -f "$tmp"
    echo "building $bin failed" >&2
    exit 1
  fi
  mv -f "$tmp" "$out/$bin"
}

build etcd go.etcd.io/etcd/server/v3 etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver
if [ "${1:-}" = "--all" ]; then
  build kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager
  build kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler kube-scheduler
  build kube-apiserver k8s.io/kubernetes/cmd/kubectl kubectl
fi
echo "$out"
