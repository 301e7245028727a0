#!/usr/bin/env bash
# Updates a custom krew index with a release: renders plugin.yaml into INDEX/plugins/eksaccess.yaml
# (the layout `kubectl krew index add NAME URL` expects) with hack/render-krew-manifest.sh, and
# commits it in INDEX as "eksaccess TAG". Does not push.
#
#   hack/update-krew-index.sh -i INDEX [-d DIST] [-v TAG] [-b BASE_URI] [-m MISSING]
#
#   -i INDEX     a git work tree (created with `git init` when it does not exist)
#   -d, -v, -b, -m  passed to hack/render-krew-manifest.sh (DIST default ./dist; a release
#                keeps the default -m fail: every platform's archive must be in checksums.txt)
#
# The release workflow runs it on a worktree of main and pushes; hack/krew-test.sh runs it on a
# local repository, installs through it with `kubectl krew index add`, runs it again with a second
# build and upgrades. A rerun with the same release commits nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

index='' render_args=()
while getopts 'i:d:v:b:m:' opt; do
  case $opt in
    i) index=$OPTARG ;;
    d | v | b | m) render_args+=("-$opt" "$OPTARG") ;;
    *) sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
done
[[ -n $index ]] || { echo "update-krew-index: -i INDEX is required: the index repository's work tree" >&2; exit 2; }

[[ -d $index ]] || git init -q "$index"
git -C "$index" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
  { echo "update-krew-index: $index is not a git work tree: clone the index there first" >&2; exit 1; }
mkdir -p "$index/plugins"
manifest=$index/plugins/eksaccess.yaml
bash "$here/render-krew-manifest.sh" -t "$here/../plugin.yaml" -o "$manifest" "${render_args[@]}"
version=$(sed -n 's/^  version: *//p' "$manifest" | head -1)
[[ -n $version ]] || { echo "update-krew-index: no spec.version in $manifest: check plugin.yaml" >&2; exit 1; }

git -C "$index" add plugins/eksaccess.yaml
if git -C "$index" diff --cached --quiet; then
  echo "update-krew-index: $manifest already holds $version: nothing to commit"
  exit 0
fi
# An identity only when git has none (a fresh CI runner, a test's temporary repository).
ident=()
git -C "$index" config user.email >/dev/null || [[ -n ${GIT_COMMITTER_EMAIL:-} ]] ||
  ident=(-c user.name="kubectl-eksaccess release" -c user.email="release@kubectl-eksaccess.invalid")
git -C "$index" "${ident[@]}" commit -q -m "eksaccess $version" -- plugins/eksaccess.yaml
echo "update-krew-index: committed plugins/eksaccess.yaml ($version) in $index: $(git -C "$index" rev-parse --short HEAD)"
