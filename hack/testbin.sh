#!/usr/bin/env bash
# Builds the control-plane binaries (kube-apiserver, etcd) the e2e tests use,
# from the Go module proxy, into a cache directory keyed by hack/testbin/go.sum,
# so only the first run pays (~11 minutes on 2 cores). Prints the directory,
# suitable for KUBEBUILDER_ASSETS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mod="$root/hack/testbin"
key=$(cat "$mod/go.mod" "$mod/go.sum" "$0" | sha256sum | cut -c1-16)
cache="${EKSACCESS_TESTBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-eksaccess/testbin}"
dir="$cache/$key"
# kubectl: the machine's own when there is one; else build it here too
# (append the printed directory to PATH to use it).
build_kubectl() {
  command -v kubectl >/dev/null && return 0
  [[ -x "$dir/kubectl" ]] && return 0
  echo "no kubectl on PATH: building kubectl into $dir" >&2
  (cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$dir/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl >&2)
  mv "$dir/kubectl.tmp" "$dir/kubectl"
}
if [[ -x "$dir/kube-apiserver" && -x "$dir/etcd" ]]; then
  build_kubectl
  echo "$dir"
  exit 0
fi
mkdir -p "$dir.tmp"
cd "$mod"
export CGO_ENABLED=0
echo "building kube-apiserver and etcd into $dir (first run only, ~11 min)" >&2
# Stamp the real version: an unstamped build reports v0.0.0-master.
k8sv=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
minor=$(echo "$k8sv" | cut -d. -f2)
vpkg=k8s.io/component-base/version
go build -trimpath -ldflags="-s -w -X $vpkg.gitVersion=$k8sv -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean" \
  -o "$dir.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver >&2
go build -trimpath -ldflags='-s -w' -o "$dir.tmp/etcd" go.etcd.io/etcd/server/v3 >&2
rm -rf "$dir"
mv "$dir.tmp" "$dir"
build_kubectl
echo "$dir"
