#!/usr/bin/env bash
# Lints the GitHub Actions workflows with the pinned actionlint: expressions and contexts, job and
# step keys, action inputs of well-known actions, `needs`, permissions, and (when shellcheck is on
# PATH, as it is on GitHub's ubuntu runners) every `run:` script.
#
#   hack/actionlint.sh [FILE...]     default: every .github/workflows/*.yml and *.yaml
#
# actionlint is a Go module: the first run installs it from the Go module proxy into a cache
# (~30 s), later runs start at once. Exit status: 0 clean, 1 problems found (printed one per line as
# FILE:LINE:COL: MESSAGE [RULE]), 2 or more: actionlint could not run.
# hack/release-test.sh proves that a broken copy of each workflow fails here.
#
# Environment:
#   EKSACCESS_TOOLS_CACHE  tool cache (default ${XDG_CACHE_HOME:-~/.cache}/kubectl-eksaccess/tools)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

ACTIONLINT_VERSION=v1.7.12
tools="${EKSACCESS_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-eksaccess/tools}"
dir=$tools/actionlint-$ACTIONLINT_VERSION
bin=$dir/actionlint

if [[ ! -x $bin ]]; then
  command -v go >/dev/null || { echo "actionlint.sh: go is not on PATH: install Go 1.26 to build actionlint" >&2; exit 2; }
  echo "installing github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION into $dir (first run only)" >&2
  mkdir -p "$tools"
  tmp=$(mktemp -d "$tools/.actionlint.XXXXXX")
  # Outside the project's module, so that its go.mod does not pick actionlint's dependencies.
  (cd "$tmp" && GOBIN="$tmp" GOFLAGS='' CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2)
  rm -rf "$dir"
  mkdir -p "$dir"
  mv "$tmp/actionlint" "$bin"
  rm -rf "$tmp"
fi

if (($# == 0)); then
  shopt -s nullglob
  set -- "$root"/.github/workflows/*.yml "$root"/.github/workflows/*.yaml
  shopt -u nullglob
  (($#)) || { echo "actionlint.sh: no workflows in $root/.github/workflows" >&2; exit 2; }
fi

shellcheck=
if command -v shellcheck >/dev/null; then
  shellcheck=$(command -v shellcheck)
else
  echo "actionlint.sh: note: shellcheck is not on PATH, so run: scripts are not checked (apt-get install shellcheck)" >&2
fi
exec "$bin" -no-color -shellcheck="$shellcheck" -pyflakes= "$@"
