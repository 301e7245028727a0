#!/usr/bin/env bash
# The local EKS sandbox: kube-apiserver + etcd with the EKS token and
# access-policy webhooks, and local STS, EKS and IAM endpoints.
#
#   hack/sandbox.sh up     start it (EKSACCESS_SANDBOX_CREATOR=user|role,
#                          EKSACCESS_SANDBOX_MODE=CONFIG_MAP|API_AND_CONFIG_MAP|API,
#                          EKSACCESS_SANDBOX_LATENCY=100ms)
#   hack/sandbox.sh env    print the exports: eval "$(hack/sandbox.sh env)"
#   hack/sandbox.sh down   stop exactly the processes `up` started
#
# Everything lives in ${EKSACCESS_SANDBOX_DIR:-/tmp/eksaccess-sandbox}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${EKSACCESS_SANDBOX_DIR:-/tmp/eksaccess-sandbox}
# eks-sandbox (in the test module) and the control plane are built from
# their own go.mod, not through the editors' go.work.
export GOWORK=off

# alive PIDFILE NAME: the pid in PIDFILE runs a process called NAME.
alive() {
  [[ -f $1 ]] || return 1
  local pid
  pid=$(<"$1")
  [[ -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$2" ]]
}

# stop PIDFILE NAME: TERM, then KILL after 30 s, that one process only.
stop() {
  alive "$1" "$2" || { rm -f "$1"; return 0; }
  local pid
  pid=$(<"$1")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    alive "$1" "$2" || { rm -f "$1"; return 0; }
    sleep 0.1
  done
  echo "sandbox: $2 (pid $pid) did not stop in 30 s: killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}

down() {
  # The sandbox process stops etcd and kube-apiserver itself; their pid
  # files are there in case it died first.
  stop "$dir/eks-sandbox.pid" eks-sandbox
  stop "$dir/kube-apiserver.pid" kube-apiserver
  stop "$dir/etcd.pid" etcd
  rm -f "$dir/ready"
}

case "${1:-}" in
up)
  if alive "$dir/eks-sandbox.pid" eks-sandbox; then
    echo "sandbox: already up in $dir (hack/sandbox.sh down to stop it)" >&2
    exit 0
  fi
  down
  assets=${KUBEBUILDER_ASSETS:-$(bash "$root/hack/testbin.sh")}
  rm -rf "$dir"
  mkdir -p "$dir/bin"
  (cd "$root/test/sandbox" && CGO_ENABLED=0 go build -o "$dir/bin/eks-sandbox" ./cmd/eks-sandbox)
  plugin=${EKSACCESS_PLUGIN:-$root/bin/kubectl-eksaccess}
  "$dir/bin/eks-sandbox" up --dir "$dir" --assets "$assets" --plugin "$plugin" \
    --creator "${EKSACCESS_SANDBOX_CREATOR:-user}" --mode "${EKSACCESS_SANDBOX_MODE:-CONFIG_MAP}" \
    >"$dir/sandbox.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/eks-sandbox.pid"
  for _ in $(seq 1 1200); do
    [[ -f $dir/ready ]] && break
    # kill -0, not alive(): until exec, the child is still called bash.
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "sandbox: failed to start:" >&2
      tail -20 "$dir/sandbox.log" >&2
      down
      exit 1
    fi
    sleep 0.1
  done
  if [[ ! -f $dir/ready ]]; then
    echo "sandbox: not ready after 120 s:" >&2
    tail -20 "$dir/sandbox.log" >&2
    down
    exit 1
  fi
  cat "$dir/sandbox.log" >&2
  echo "sandbox: up. Use it with: eval \"\$(hack/sandbox.sh env)\"; kubectl --context designated_user get pods" >&2
  echo "sandbox: contexts: cluster_creator designated_user assume_role_user creator_role platform_admin sandbox-admin" >&2
  ;;
down)
  down
  echo "sandbox: down" >&2
  ;;
env)
  if [[ ! -f $dir/env ]] || ! alive "$dir/eks-sandbox.pid" eks-sandbox; then
    echo "sandbox: not running: hack/sandbox.sh up" >&2
    exit 1
  fi
  cat "$dir/env"
  echo "export KUBECACHEDIR=\"$dir/kubecache\""
  ;;
*)
  echo "usage: hack/sandbox.sh up|down|env" >&2
  exit 2
  ;;
esac
