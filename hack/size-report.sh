#!/usr/bin/env bash
# The plugin's binary size and what it is made of.
# Goal (issue 15): the stripped binary (CGO_ENABLED=0, -trimpath, -s -w: the Makefile's and goreleaser's
# flags) at most 20 MiB. Prints the stripped size, then the top contributors by module and by package,
# measured on an unstripped build of the same code (hack/sizereport: every symbol charged to the longest
# package path that prefixes its name, so k8s.io/api/core/v1.(*Pod).Marshal counts for k8s.io/api/core/v1).
#
#   hack/size-report.sh [TOP]     (default 20)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
top=${1:-20}
cd "$root"
export CGO_ENABLED=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -trimpath -ldflags '-s -w' -o "$tmp/stripped" ./cmd/kubectl-eksaccess
go build -trimpath -o "$tmp/unstripped" ./cmd/kubectl-eksaccess
bytes=$(stat -c %s "$tmp/stripped")
awk -v b="$bytes" 'BEGIN { printf "stripped binary (CGO_ENABLED=0 -trimpath -s -w): %d bytes (%.2f MiB), goal <= 20 MiB: %s\n", b, b / 1048576, (b <= 20 * 1048576) ? "met" : "NOT met" }'
printf 'modules linked: %d; packages linked: %d\n' \
  "$(go version -m "$tmp/stripped" | grep -c $'^\tdep')" "$(go list -deps ./cmd/kubectl-eksaccess | wc -l)"
go run ./hack/sizereport -bin "$tmp/unstripped" -pkg ./cmd/kubectl-eksaccess -top "$top"
