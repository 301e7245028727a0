#!/usr/bin/env bash
# Paired A/B benchmark of the plugin against kubectl, whole processes as a user runs them, in one run
# on this machine (test/benchpair): plugin and kubectl interleaved, order alternating, median and spread
# (min/p25/p75/max) of each and of the paired ratio plugin/kubectl. Then the binary's size (hack/size-report.sh
# prints what it is made of).
# Goals (issue 15): `kubectl-eksaccess version` median <= 15 ms and <= 0.15x `kubectl version --client`;
# `list` on a 2,000-entry aws-auth <= 0.5x `kubectl get cm aws-auth -o yaml` against a real kube-apiserver
# (envtest, hack/testbin.sh); stripped binary <= 20 MiB. hack/startfloor (the plugin's libraries linked in, a
# main that does nothing) is timed against kubectl too: no plugin built on those libraries starts faster.
# The machine's load shows in the spread: the load average is printed at the start and the end.
#
#   hack/bench-startup.sh [RUNS] [ENTRIES]     (default 30 timed pairs each after 3 warm-ups; 2000 entries)
set -euo pipefail
export GOWORK=off
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-30}
entries=${2:-2000}
command -v kubectl >/dev/null || { echo "bench-startup: kubectl not found: install kubectl" >&2; exit 1; }
cd "$root"
make --no-print-directory build >/dev/null
bin=$root/bin/kubectl-eksaccess
bytes=$(stat -c %s "$bin")
awk -v b="$bytes" 'BEGIN { printf "binary: bin/kubectl-eksaccess (make build: CGO_ENABLED=0 -trimpath -s -w): %d bytes (%.2f MiB), goal <= 20 MiB: %s\n", b, b / 1048576, (b <= 20 * 1048576) ? "met" : "NOT met" }'
echo "kubectl: $(kubectl version --client 2>/dev/null | head -1)"
assets=$(bash hack/testbin.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd test && go build -o "$tmp/benchpair" ./benchpair)
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$tmp/startfloor" ./hack/startfloor
KUBEBUILDER_ASSETS="$assets" "$tmp/benchpair" -runs "$runs" -entries "$entries" -plugin "$bin" -floor "$tmp/startfloor"
