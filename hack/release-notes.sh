#!/usr/bin/env bash
# Prints the body of one version's section of CHANGELOG.md (Keep a Changelog style), which the
# release workflow passes to `goreleaser release --release-notes`.
#
#   hack/release-notes.sh TAG [CHANGELOG]      default CHANGELOG: CHANGELOG.md next to hack/
#
# TAG is the git tag (v1.2.3, v1.2.3-rc.1) or the bare version; it selects the section headed
# `## [1.2.3]` or `## [1.2.3] - 2026-01-31`. `Unreleased` selects `## [Unreleased]`. The body is
# everything up to the next `## ` heading, without the link definitions (`[1.2.3]: https://...`)
# Keep a Changelog puts at the end and without leading or trailing blank lines.
# Fails (exit 1, one line on stderr) when the section is missing or has no entry: a tag whose
# notes were not written must stop the release before anything is published.
set -euo pipefail

if (($# < 1 || $# > 2)); then
  sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
  exit 2
fi
tag=$1
changelog=${2:-$(dirname "$0")/../CHANGELOG.md}
[[ -f $changelog ]] || { echo "release-notes: $changelog not found: give the path of CHANGELOG.md" >&2; exit 1; }
want=${tag#v}
if [[ $tag == [Uu]nreleased ]]; then want=Unreleased; fi

awk -v want="$want" -v tag="$tag" -v file="$changelog" '
  # A version heading: "## [1.2.3]" or "## [1.2.3] - date"; the version is what is in brackets.
  /^## / {
    if (found) { done = 1 }
    v = $0; sub(/^## +\[/, "", v)
    if (v != $0 && index(v, "]") > 0) { v = substr(v, 1, index(v, "]") - 1) } else { v = "" }
    if (!done && v == want) { found = 1; next }
  }
  !found || done { next }
  /^\[[^]]+\]: / { next }
  {
    line[++n] = $0
    if ($0 ~ /[^[:space:]]/ && $0 !~ /^#/) entries++
  }
  END {
    if (!found) { printf "release-notes: %s has no \"## [%s]\" section for tag %s: add it (rename [Unreleased] when you tag)\n", file, want, tag > "/dev/stderr"; exit 1 }
    if (!entries) { printf "release-notes: the \"## [%s]\" section of %s is empty: write what changed before tagging %s\n", want, file, tag > "/dev/stderr"; exit 1 }
    first = 1; while (first <= n && line[first] !~ /[^[:space:]]/) first++
    last = n; while (last >= first && line[last] !~ /[^[:space:]]/) last--
    for (i = first; i <= last; i++) print line[i]
  }
' "$changelog"
