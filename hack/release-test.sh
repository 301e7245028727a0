#!/usr/bin/env bash
# The release plumbing that runs only on a tag, checked on every push (seconds once actionlint is
# cached; its first install takes ~30 s from the Go module proxy):
#  1. actionlint passes on .github/workflows (hack/actionlint.sh)
#  2. a deliberately broken copy of each workflow fails it, each for the reason planted
#  3. release.yml pins the same goreleaser and krew as hack/krew-test.sh, and both workflows the Go
#     release go.mod names
#  4. hack/release-notes.sh extracts a tag's CHANGELOG section (fixture cases, and the real
#     CHANGELOG.md's [Unreleased]), and refuses a missing or empty section
#  5. hack/update-krew-index.sh writes plugins/eksaccess.yaml into a new index repository, commits
#     it, and commits nothing on a rerun
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/eksaccess-release-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
ok() { printf 'ok    %s\n' "$*"; }
bad() { printf 'FAIL  %s\n' "$*" >&2; failures=$((failures + 1)); }

echo "== 1. actionlint on .github/workflows"
if out=$(bash hack/actionlint.sh 2>&1); then
  ok "actionlint: $(cd .github/workflows && echo *.y*ml)"
else
  bad "actionlint found problems in .github/workflows:"
  printf '%s\n' "$out" >&2
fi

echo "== 2. broken copies fail actionlint"
mkdir -p "$tmp/wf/.github/workflows"
# broken FILE 'SED EXPRESSION' 'EXPECTED MESSAGE' DESCRIPTION
broken() {
  local file=$1 expr=$2 want=$3 what=$4 copy status
  copy=$tmp/wf/.github/workflows/broken-$(basename "$file")
  sed -e "$expr" ".github/workflows/$file" >"$copy"
  if cmp -s ".github/workflows/$file" "$copy"; then
    bad "$file: the mutation '$expr' changed nothing: update hack/release-test.sh to the workflow"
    return
  fi
  status=0
  out=$(bash hack/actionlint.sh "$copy" 2>&1) || status=$?
  if ((status != 1)); then
    bad "$file with $what: actionlint exited $status, want 1 (problems found): $out"
  elif ! grep -qF -- "$want" <<<"$out"; then
    bad "$file with $what: actionlint failed without '$want': $out"
  else
    ok "$file with $what fails: $(grep -F -- "$want" <<<"$out" | head -1 | sed 's/^[^:]*://')"
  fi
  rm -f "$copy"
}
broken ci.yml 's/runner\.os/runner.oss/' 'property "oss" is not defined' 'a misspelt context property'
broken ci.yml 's/^    runs-on:/    run-on:/' 'unexpected key "run-on"' 'a misspelt job key'
broken ci.yml 's/check-latest:/checks-latest:/' 'input "checks-latest" is not defined in action "actions/setup-go@v6"' 'an unknown action input'
broken release.yml 's/^    tags:/    tag:/' 'unexpected key "tag" for "push" section' 'a misspelt trigger filter'
broken release.yml 's/args: release/arg: release/' 'input "arg" is not defined' 'a misspelt goreleaser-action input'
broken release.yml 's/vars\.KREW_CENTRAL_INDEX/var.KREW_CENTRAL_INDEX/' 'undefined variable "var"' 'an unknown context'
if command -v shellcheck >/dev/null; then
  # shellcheck disable=SC2016 # the sed expression names the workflow's own $RUNNER_TEMP
  broken release.yml 's/>"\$RUNNER_TEMP\/release-notes.md"/>$RUNNER_TEMP\/release-notes.md/' 'SC2086' 'an unquoted variable in run: (shellcheck)'
else
  echo "note: no shellcheck on PATH: the run: script case is skipped"
fi

echo "== 3. the workflows pin the goreleaser and krew hack/krew-test.sh tests, and go.mod's Go"
for pin in GORELEASER_VERSION KREW_VERSION; do
  want=$(sed -n "s/^$pin=//p" hack/krew-test.sh)
  got=$(sed -n "s/^  $pin: *//p" .github/workflows/release.yml)
  if [[ -n $want && $got == "$want" ]]; then ok "$pin $got"; else bad "$pin: release.yml has '$got', hack/krew-test.sh '$want': make them the same"; fi
done

gomod=$(sed -n 's/^go \([0-9]*\.[0-9]*\).*/\1/p' go.mod)
for wf in .github/workflows/*.yml; do
  got=$(sed -n "s/^ *go-version: *'\{0,1\}\([^']*\)'\{0,1\}$/\1/p" "$wf")
  if [[ -n $got && $got == "$gomod.x" ]]; then ok "$wf: Go $got (go.mod: go $gomod)"; else bad "$wf: go-version '$got', want '$gomod.x' as go.mod says: make them the same"; fi
done

echo "== 4. hack/release-notes.sh"
cat >"$tmp/CHANGELOG.md" <<'EOF'
# Changelog

All notable changes.

## [Unreleased]

## [1.2.30] - 2026-03-01

### Fixed
- thirty

## [1.2.3] - 2026-02-01

### Added
- `list -o name`

### Fixed
- a [link][1.2.3]

## [1.2.3-rc.1] - 2026-01-15
### Added
- rc

## [1.0.0] - 2026-01-01

### Added

## [0.9.0] - 2025-12-01
- first

[Unreleased]: https://github.com/eksaccess/kubectl-eksaccess/compare/v1.2.30...HEAD
[1.2.3]: https://github.com/eksaccess/kubectl-eksaccess/releases/tag/v1.2.3
EOF
# notes TAG WANT_STATUS WANT_OUTPUT (stdout when 0, a stderr fragment otherwise)
notes() {
  local tag=$1 want_status=$2 want=$3 status=0 out
  out=$(bash hack/release-notes.sh "$tag" "$tmp/CHANGELOG.md" 2>"$tmp/err") || status=$?
  if ((status != want_status)); then
    bad "release-notes $tag: exit $status, want $want_status: $out$(cat "$tmp/err")"
  elif ((status == 0)) && [[ $out != "$want" ]]; then
    bad "release-notes $tag: got"$'\n'"$out"$'\n'"want"$'\n'"$want"
  elif ((status != 0)) && ! grep -qF -- "$want" "$tmp/err"; then
    bad "release-notes $tag: error '$(cat "$tmp/err")' lacks '$want'"
  elif ((status != 0)) && (($(wc -l <"$tmp/err") != 1)); then
    bad "release-notes $tag: the error is not one line: $(cat "$tmp/err")"
  else
    ok "release-notes $tag -> exit $status$( ((status)) && echo ": $(cat "$tmp/err")")"
  fi
}
notes v1.2.3 0 $'### Added\n- `list -o name`\n\n### Fixed\n- a [link][1.2.3]'
notes 1.2.3 0 $'### Added\n- `list -o name`\n\n### Fixed\n- a [link][1.2.3]'
notes v1.2.30 0 $'### Fixed\n- thirty'
notes v1.2.3-rc.1 0 $'### Added\n- rc'
notes v0.9.0 0 '- first'
notes v1.2 1 'has no "## [1.2]" section for tag v1.2'
notes v2.0.0 1 'has no "## [2.0.0]" section'
notes Unreleased 1 'the "## [Unreleased]" section'
notes v1.0.0 1 'is empty'
status=0
bash hack/release-notes.sh v1.2.3 "$tmp/nope.md" 2>"$tmp/err" >/dev/null || status=$?
if ((status == 1)) && grep -q 'not found' "$tmp/err"; then ok "release-notes on a missing file -> $(cat "$tmp/err")"; else bad "release-notes on a missing file: exit $status: $(cat "$tmp/err")"; fi
# The real CHANGELOG.md: Keep a Changelog headings, an [Unreleased] section first that has entries.
first=$(grep -m1 '^## ' CHANGELOG.md || true)
if [[ $first == '## [Unreleased]' ]]; then ok "CHANGELOG.md starts with ## [Unreleased]"; else bad "CHANGELOG.md's first section is '$first', want '## [Unreleased]'"; fi
if badh=$(grep '^## ' CHANGELOG.md | grep -Ev '^## \[(Unreleased|[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)\]( - [0-9]{4}-[0-9]{2}-[0-9]{2})?$'); then
  bad "CHANGELOG.md headings not in the '## [1.2.3] - 2026-01-31' form: $badh"
else
  ok "CHANGELOG.md headings: $(grep -c '^## ' CHANGELOG.md)"
fi
if out=$(bash hack/release-notes.sh Unreleased 2>&1) && [[ -n $out ]]; then ok "CHANGELOG.md [Unreleased]: $(wc -l <<<"$out") lines of notes"; else bad "CHANGELOG.md [Unreleased]: $out"; fi

echo "== 5. hack/update-krew-index.sh"
mkdir -p "$tmp/dist"
for p in linux_amd64.tar.gz linux_arm64.tar.gz darwin_amd64.tar.gz darwin_arm64.tar.gz windows_amd64.zip windows_arm64.zip; do
  printf '%064d  kubectl-eksaccess_v9.8.7_%s\n' 7 "$p"
done >"$tmp/dist/checksums.txt"
echo '{"project_name":"kubectl-eksaccess","tag":"v9.8.7","version":"9.8.7"}' >"$tmp/dist/metadata.json"
if out=$(bash hack/update-krew-index.sh -i "$tmp/index" -d "$tmp/dist" 2>&1) &&
  [[ $(git -C "$tmp/index" log --format=%s) == "eksaccess v9.8.7" ]] &&
  grep -q '^  version: v9.8.7$' "$tmp/index/plugins/eksaccess.yaml" &&
  [[ $(grep -c "sha256: \"$(printf '%064d' 7)\"" "$tmp/index/plugins/eksaccess.yaml") == 6 ]] &&
  grep -q 'uri: https://github.com/eksaccess/kubectl-eksaccess/releases/download/v9.8.7/kubectl-eksaccess_v9.8.7_windows_arm64.zip' "$tmp/index/plugins/eksaccess.yaml"; then
  ok "index: $out"
else
  bad "update-krew-index into a new repository: $out"
fi
if out=$(bash hack/update-krew-index.sh -i "$tmp/index" -d "$tmp/dist" 2>&1) && [[ $(git -C "$tmp/index" rev-list --count HEAD) == 1 ]]; then
  ok "rerun: $out"
else
  bad "update-krew-index rerun: $out"
fi
sed -i '/windows_arm64/d' "$tmp/dist/checksums.txt"
status=0
out=$(bash hack/update-krew-index.sh -i "$tmp/index" -d "$tmp/dist" 2>&1) || status=$?
if ((status != 0)) && [[ $(git -C "$tmp/index" rev-list --count HEAD) == 1 ]] && grep -q 'windows_arm64.zip is not in' <<<"$out"; then
  ok "a release missing an archive is refused, nothing committed: $out"
else
  bad "update-krew-index with an archive missing: exit $status: $out"
fi

if ((failures)); then
  printf '\nrelease-test: %d FAILED\n' "$failures" >&2
  exit 1
fi
printf '\nrelease-test: OK\n'
