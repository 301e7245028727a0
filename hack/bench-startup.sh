#!/usr/bin/env bash
# Binary size and start-up of the plugin against kubectl's own.
# Goals (issue 7): stripped binary < 32 MiB; `kubectl eksaccess version` at most half the time of
# `kubectl version --client`. Needs hyperfine (apt-get install hyperfine) and kubectl.
#
#   hack/bench-startup.sh [RUNS]     (default 30 runs each, after 3 warm-ups)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-30}
command -v hyperfine >/dev/null || { echo "bench-startup: hyperfine not found: apt-get install -y hyperfine" >&2; exit 1; }
command -v kubectl >/dev/null || { echo "bench-startup: kubectl not found" >&2; exit 1; }

make -C "$root" --no-print-directory build >/dev/null
bin=$root/bin/kubectl-eksaccess
bytes=$(stat -c %s "$bin")
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
# Built with -s -w (the Makefile's and goreleaser's flags): no symbol table, no DWARF.
stripped=no
file "$bin" 2>/dev/null | grep -q 'stripped' && ! file "$bin" | grep -q 'not stripped' && stripped=yes
echo "binary: $bin: $bytes bytes ($mib MiB), stripped: $stripped, goal < 32 MiB: $(awk -v b="$bytes" 'BEGIN { print (b < 32 * 1048576) ? "met" : "NOT met" }')"
echo "kubectl: $(command -v kubectl) $(kubectl version --client 2>/dev/null | head -1)"

# The plugin through kubectl's plugin discovery, as a user runs it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$bin" "$tmp/kubectl-eksaccess"
export PATH="$tmp:$PATH"
hyperfine --warmup 3 --runs "$runs" -N --export-json "$tmp/h.json" \
  'kubectl version --client' \
  'kubectl eksaccess version' \
  "$bin version"
awk -v bin="$bin version" '
  /"command":/ { sub(/.*"command": *"/, ""); sub(/".*/, ""); cmd = $0 }
  /"mean":/ { sub(/.*"mean": */, ""); sub(/,.*/, ""); mean[cmd] = $0 + 0 }
  END {
    k = mean["kubectl version --client"]; p = mean["kubectl eksaccess version"]; b = mean[bin]
    # Through kubectl, the plugin pays kubectl'"'"'s own start-up and plugin lookup first.
    printf "start-up (means): kubectl version --client %.1f ms; kubectl-eksaccess version %.1f ms (%.2f of kubectl, goal <= 0.50: %s); kubectl eksaccess version (through kubectl) %.1f ms (%.2f of kubectl)\n",
      k * 1000, b * 1000, b / k, (b / k <= 0.5) ? "met" : "NOT met", p * 1000, p / k
  }
' "$tmp/h.json"
