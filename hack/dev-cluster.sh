#!/usr/bin/env bash
# A local control plane to try the operator on and to run `make e2e` against,
# without Docker: etcd, kube-apiserver, kube-controller-manager and
# kube-scheduler built from Go modules (hack/envtest.sh --all), and a node:
#
#   DEV_FLINK=real (the default): the node agent (test/nodeagent), whose pods
#     really run: each container is a local process, Flink images run real
#     Flink from the distributions hack/flink-dist.sh fetches (versions in
#     DEV_FLINK_VERSIONS, default "1.20 2.2 2.3"), and the operator reaches each
#     JobManager's REST API through the agent.
#   DEV_FLINK=fake: kwok, which gives the pods scheduled on its node a
#     Running, Ready status without running anything, and dev-jobmanager
#     (test/e2e/devjm), a fake JobManager that plays every Flink cluster. It
#     starts in seconds and can fail on cue.
#
#   hack/dev-cluster.sh up       start it (or reuse a running one); the last
#                                line printed is `export KUBECONFIG=...`
#   hack/dev-cluster.sh down     stop every process it started, delete its data
#   hack/dev-cluster.sh status   say whether it runs (exit 1 when not)
#   hack/dev-cluster.sh env      print the variables that point at it
#
# Everything lives outside the repository, in $DEV_CLUSTER_DIR (default
# ${XDG_CACHE_HOME:-~/.cache}/flink-operator/dev-cluster). Every port is on
# 127.0.0.1, from $DEV_CLUSTER_PORT_BASE (default 27100) up: below the
# kernel's ephemeral range, which is where envtest API servers of concurrent
# `go test` runs take theirs, so the two never clash. Pods of a real node
# take loopback addresses 127.1.x.y; a second dev cluster beside a running
# one needs its own DEV_CLUSTER_PORT_BASE, DEV_CLUSTER_DIR and
# DEV_POD_NETWORK (the first two octets, such as 127.7), or its Flink
# processes would bind the other's addresses.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${FLINK_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flink-operator}
state=${DEV_CLUSTER_DIR:-$cache/dev-cluster}
run=$state/run   # data, keys and pid files of the running cluster
logs=$state/logs # one log per process; kept after `down` for post-mortems
base=${DEV_CLUSTER_PORT_BASE:-27100}
etcd_port=$base
etcd_peer_port=$((base + 1))
apiserver_port=$((base + 2))
kcm_port=$((base + 3))
scheduler_port=$((base + 4))
devjm_port=$((base + 5))
agent_port=$((base + 6))
pod_network=${DEV_POD_NETWORK:-127.1}
kwok_version=v0.8.0
node=kwok-node-0
agent_node=flink-node-0
mode=${DEV_FLINK:-real}
flink_versions=${DEV_FLINK_VERSIONS:-1.20 2.2 2.3}
case $mode in real | fake) ;; *) echo "dev-cluster: DEV_FLINK=$mode: want real or fake" >&2; exit 1 ;; esac

# Start order; `down` stops in reverse. A running cluster's mode is kept in
# $state/mode, so that `down`, `status` and `env` know its processes.
control_plane=(etcd kube-apiserver kube-controller-manager kube-scheduler)
if [ -f "$state/mode" ] && [ "${1:-}" != up ]; then mode=$(cat "$state/mode"); fi
if [ "$mode" = real ]; then
  processes=("${control_plane[@]}" nodeagent)
else
  processes=("${control_plane[@]}" kwok dev-jobmanager)
fi

log() { echo "dev-cluster: $*" >&2; }
die() { log "$*"; exit 1; }

# alive <name>: its recorded process runs. The command line must name our
# state folder, so a pid reused by an unrelated process never counts.
alive() {
  local pidfile=$run/$1.pid pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null || return 1
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$state"* ]]
}

# start <name> <command...>: run it in a session of its own (so `down` can
# stop it and its children as a group), detached from this shell's output.
start() {
  local name=$1
  shift
  setsid "$@" >"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  # Until the forked shell has exec'd the command, its command line is this
  # script's and alive would say no.
  local i
  for i in $(seq 50); do
    alive "$name" && return
    kill -0 "$!" 2>/dev/null || return 0 # exited at once; wait_for reports it
    sleep 0.1
  done
}

# stop <name>: SIGTERM its process group, SIGKILL after 15 s.
stop() {
  local pidfile=$run/$1.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if alive "$1"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do alive "$1" || break; sleep 0.1; done
    if alive "$1"; then
      log "$1 (pid $pid) did not stop in 15 s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

# wait_for <name> <seconds> <check command...>: poll until the check passes;
# fail with the process's log when it dies or the time is up.
wait_for() {
  local name=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$name"; then
      tail -n 30 "$logs/$name.log" >&2 || true
      die "$name exited; its log is $logs/$name.log"
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail -n 30 "$logs/$name.log" >&2 || true
      die "$name not ready after ${seconds}s; its log is $logs/$name.log"
    fi
    sleep 0.2
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

all_alive() {
  local p
  for p in "${processes[@]}"; do alive "$p" || return 1; done
}

print_env() {
  cat <<EOF
export KUBECONFIG=$run/kubeconfig
export KUBECTL=$bin/kubectl
export DEV_FLINK=$mode
export KUBE_VERSION=$(kube_version)
export FLINK_OPERATOR_REST_URL_TEMPLATE='$(rest_template)'
EOF
  if [ "$mode" = real ]; then
    cat <<EOF
export DEV_NODEAGENT_URL=http://127.0.0.1:$agent_port
export DEV_NODE_ROOT=$run/node/node-root
export DEV_CLUSTER_LOGS=$logs
EOF
  else
    echo "export DEV_JOBMANAGER_URL=http://127.0.0.1:$devjm_port"
  fi
}

rest_template() {
  if [ "$mode" = real ]; then
    echo "http://127.0.0.1:$agent_port/{{namespace}}/{{name}}"
  else
    echo "http://127.0.0.1:$devjm_port/{{namespace}}/{{name}}"
  fi
}

# build_tools: the control plane and kubectl (hack/envtest.sh --all), kwok
# and its Stage configs, and dev-jobmanager from this checkout.
build_tools() {
  bin=$("$root/hack/envtest.sh" --all | tail -n 1)
  kwok_dir=$cache/kwok-$kwok_version
  if [ ! -x "$kwok_dir/kwok" ]; then
    log "building kwok (first time only; takes minutes)"
    mkdir -p "$kwok_dir"
    # Per-process temporary name, then an atomic rename (see hack/envtest.sh).
    (cd "$root/hack/tools/kwok" && CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$kwok_dir/.kwok.$$.tmp" sigs.k8s.io/kwok/cmd/kwok)
    mv -f "$kwok_dir/.kwok.$$.tmp" "$kwok_dir/kwok"
  fi
  kwok_src=$(cd "$root/hack/tools/kwok" && go mod download sigs.k8s.io/kwok && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  [ -d "$kwok_src/kustomize/stage" ] || die "kwok's Stage configs not found in the module cache ($kwok_src)"
  mkdir -p "$state/bin"
  # Built aside and renamed: a running process keeps its old binary.
  local cmd
  # flink-fetch: the node serves it as the flink-fetch image, so the operator's
  # init container for a remote jarURI runs this checkout's fetcher.
  for cmd in test/e2e/cmd/dev-jobmanager test/nodeagent/cmd/nodeagent test/nodeagent/cmd/flink-image cmd/flink-fetch; do
    (cd "$root" && CGO_ENABLED=0 go build -o "$state/bin/.${cmd##*/}.$$.tmp" "./$cmd")
    mv -f "$state/bin/.${cmd##*/}.$$.tmp" "$state/bin/${cmd##*/}"
  done
  agent_flags=()
  if [ "$mode" = real ]; then
    local v dist version jar
    for v in $flink_versions; do
      # The node serves images by minor (flink:1.20, flink:1.20.3 -> 1.20).
      [[ $v =~ ^[0-9]+\.[0-9]+$ ]] || die "DEV_FLINK_VERSIONS: \"$v\" is not a Flink minor; want minors such as \"1.20 2.2\""
      dist=$("$root/hack/flink-dist.sh" "$v" | tail -n 1)
      version=$(basename "$dist")
      jar=$("$root/hack/flink-testjob.sh" "$version" | tail -n 1)
      agent_flags+=(--flink "$v=$dist" --example-jar "$v=$jar")
    done
  fi
}

# write_config: keys, the admin token and the kubeconfig every process uses.
write_config() {
  mkdir -p "$run/pki"
  command -v openssl >/dev/null || die "openssl is needed to create the service account key (apt-get install openssl)"
  openssl genrsa -out "$run/pki/sa.key" 2048 2>/dev/null
  local token
  token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # One user in system:masters, for the components and for you.
  echo "$token,dev-admin,dev-admin,system:masters" >"$run/pki/tokens.csv"
  cat >"$run/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: dev-cluster
  cluster:
    server: https://127.0.0.1:$apiserver_port
    # The API server signs its own serving certificate; this cluster is only
    # reachable on loopback.
    insecure-skip-tls-verify: true
users:
- name: dev-admin
  user:
    token: $token
contexts:
- name: dev-cluster
  context:
    cluster: dev-cluster
    user: dev-admin
current-context: dev-cluster
EOF
  # kwok's Stage configs: nodes become Ready, pods Running and Ready, and
  # deleted pods go away (the "fast" set: no simulated delays).
  local f first=1
  : >"$run/kwok.yaml"
  for f in node/fast/node-initialize pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    [ $first = 1 ] || echo "---" >>"$run/kwok.yaml"
    first=0
    cat "$kwok_src/kustomize/stage/$f.yaml" >>"$run/kwok.yaml"
  done
}

kubectl() { "$bin/kubectl" --kubeconfig "$run/kubeconfig" "$@"; }

up() {
  mkdir -p "$state" "$logs"
  build_tools
  if [ -f "$state/env" ] && [ "$(cat "$state/mode" 2>/dev/null)" = "$mode" ] && all_alive && kubectl get --raw /readyz >/dev/null 2>&1; then
    log "already running"
    print_env
    return
  fi
  down_quiet
  local port
  for port in $etcd_port $etcd_peer_port $apiserver_port $kcm_port $scheduler_port $devjm_port $agent_port; do
    port_free "$port" || die "port 127.0.0.1:$port is taken; set DEV_CLUSTER_PORT_BASE to use other ports"
  done
  mkdir -p "$run"
  # A start that fails half-way leaves nothing running behind it.
  trap '[ -n "${up_done:-}" ] || { log "start failed; stopping what was started"; down_quiet; }' EXIT
  write_config
  local kc=$run/kubeconfig

  start etcd "$bin/etcd" --name dev --data-dir "$run/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "dev=http://127.0.0.1:$etcd_peer_port" --unsafe-no-fsync
  wait_for etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health"

  start kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
    --cert-dir "$run/pki" --token-auth-file "$run/pki/tokens.csv" --authorization-mode Node,RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$run/pki/sa.key" --service-account-signing-key-file "$run/pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16
  wait_for kube-apiserver 90 kubectl get --raw /readyz

  # The serviceaccount-token controller would need a signing setup this
  # cluster does without; pods get projected tokens anyway.
  start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --leader-elect=false \
    --controllers '*,-serviceaccount-token' --service-account-private-key-file "$run/pki/sa.key" \
    --root-ca-file "$run/pki/apiserver.crt"
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --bind-address 127.0.0.1 --secure-port "$scheduler_port" --leader-elect=false
  wait_for kube-controller-manager 60 curl -ksf "https://127.0.0.1:$kcm_port/healthz"
  wait_for kube-scheduler 60 curl -ksf "https://127.0.0.1:$scheduler_port/healthz"

  if [ "$mode" = real ]; then
    start_nodeagent
  else
    start_kwok
  fi

  # Both CRDs: FlinkSessionJob too, which the chart installs with
  # sessionJobs.enabled and make e2e's operator runs (--session-jobs).
  kubectl apply --server-side -f "$root/charts/flink-operator/crds/" -f "$root/schemas/crd/flink.apache.org_flinksessionjobs.yaml" >/dev/null
  # (kubectl wait fails rather than waits while a new CRD has no conditions.)
  wait_for kube-apiserver 60 kubectl wait --for=condition=Established crd --all --timeout=1s
  # The examples run their Flink pods as service account "flink", with the
  # permissions the chart gives it (native mode: TaskManager pods, HA
  # ConfigMaps).
  job_rbac default | kubectl apply -f - >/dev/null
  echo "$mode" >"$state/mode"
  up_done=1
  print_env >"$state/env"
  log "running ($mode Flink); logs in $logs. Run the operator against it with:"
  log "  KUBECONFIG=$run/kubeconfig go run ./cmd/flink-operator --rest-url-template '$(rest_template)' --leader-elect=false --metrics-bind-address=0 --health-probe-bind-address=0"
  log "stop it with: make dev-cluster-down"
  print_env
}

# job_rbac NAMESPACE: the chart's ServiceAccount "flink" and its Role, for
# one namespace.
job_rbac() {
  local helm
  helm=$(make -s -C "$root" helm | tail -n 1)
  "$helm" template flink-operator "$root/charts/flink-operator" --namespace "$1" \
    --kube-version "$(kube_version)" \
    --set "watchNamespaces={$1}" --show-only templates/job-serviceaccount.yaml
}

# kube_version: the control plane's version, from its build folder's name
# (its binaries, built from source, report v0.0.0): helm checks the chart's
# kubeVersion against it.
kube_version() { basename "$bin" | sed -n 's/^k8s-\([0-9.]*\)-.*/\1/p'; }

start_nodeagent() {
  start nodeagent "$state/bin/nodeagent" --kubeconfig "$run/kubeconfig" --node-name "$agent_node" \
    --state-dir "$run/node" --log-dir "$logs/pods" --listen "127.0.0.1:$agent_port" \
    --flink-image-binary "$state/bin/flink-image" --fetch-binary "$state/bin/flink-fetch" --pod-network "$pod_network" "${agent_flags[@]}"
  wait_for nodeagent 60 kubectl wait --for=condition=Ready "node/$agent_node" --timeout=1s
  wait_for nodeagent 30 curl -sf "http://127.0.0.1:$agent_port/_agent/healthz"
}

start_kwok() {
  local kc=$run/kubeconfig
  # kwok renews the node's Lease: without heartbeats the node lifecycle
  # controller marks the node NotReady after its grace period (about 50 s),
  # and with it every pod on it.
  start kwok "$kwok_dir/kwok" --kubeconfig "$kc" --config "$run/kwok.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --cidr 10.244.0.0/16 --node-ip 127.0.0.1 --node-lease-duration-seconds 40
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $node
  annotations:
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: $node
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: {cpu: "64", memory: 256Gi, ephemeral-storage: 500Gi, pods: "500"}
  capacity: {cpu: "64", memory: 256Gi, ephemeral-storage: 500Gi, pods: "500"}
EOF
  wait_for kwok 60 kubectl wait --for=condition=Ready "node/$node" --timeout=1s

  start dev-jobmanager "$state/bin/dev-jobmanager" --kubeconfig "$kc" --listen "127.0.0.1:$devjm_port"
  wait_for dev-jobmanager 60 curl -sf "http://127.0.0.1:$devjm_port/_devjm/healthz"
}

down_quiet() {
  # Whichever mode last ran: stopping a process that never started is a no-op.
  local all=("${control_plane[@]}" kwok dev-jobmanager nodeagent) i
  for ((i = ${#all[@]} - 1; i >= 0; i--)); do stop "${all[$i]}"; done
  rm -rf "$run" "$state/env" "$state/mode"
}

down() {
  [ -d "$run" ] || { log "not running"; return; }
  down_quiet
  log "stopped"
}

status() {
  local p ok=0
  for p in "${processes[@]}"; do
    if alive "$p"; then echo "$p: running (pid $(cat "$run/$p.pid"))"; else echo "$p: not running"; ok=1; fi
  done
  return $ok
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
env)
  [ -f "$state/env" ] || die "not running; start it with: make dev-cluster"
  cat "$state/env"
  ;;
*) die "usage: $0 up|down|status|env" ;;
esac
