#!/usr/bin/env bash
# Prints the path of the SARIF 2.1.0 JSON schema, which the lint -o sarif test
# validates against. It comes from the npm registry (Microsoft's
# @microsoft/jest-sarif ships the OASIS schema), cached like hack/testbin.sh.
set -euo pipefail
pkg=@microsoft/jest-sarif@1.0.0-beta.0
file=package/lib/schemas/sarif-2.1.0-rtm.5.json
cache="${EKSACCESS_TESTBIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-eksaccess/testbin}/sarif"
out="$cache/sarif-2.1.0-rtm.5.json"
if [[ ! -s $out ]]; then
  command -v npm >/dev/null || { echo "npm is needed to fetch the SARIF schema ($pkg)" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz "$file")
  mkdir -p "$cache"
  mv "$tmp/$file" "$out"
fi
echo "$out"
