#!/usr/bin/env bash
# make krew-test: the plugin as a user installs it, on every install path the README gives,
# end to end and offline. Each step names the README command it runs (README "Install").
#
#  1. installs the pinned tools once into a cache: goreleaser v2.15.1 (~7 min cold on 2 cores;
#     the last release that builds with Go 1.26), krew and validate-krew-manifest v0.4.3 (~20 s)
#  2. clones the committed HEAD into a temp dir, with the GitHub remote and a v* tag if there is
#     none, so that goreleaser computes a real version
#  3. builds a goreleaser snapshot for the host only (.goreleaser.yaml narrowed to the host's
#     goos/goarch, as `release` has no --single-target; all six targets take ~20 min)
#     with GOPROXY=off after one `go mod download`
#  4. the archive path: `sha256sum --ignore-missing -c checksums.txt` (and a tampered archive fails
#     it), unpack, `kubectl eksaccess version`
#  5. renders plugin.yaml with the real sha256 (other platforms get placeholders), validates it with
#     validate-krew-manifest, and has the validator install the host's archive from a local server
#  6. `kubectl krew install --manifest --archive` into a temporary KREW_ROOT, `kubectl eksaccess
#     version` through kubectl's plugin discovery, `kubectl krew uninstall`
#  7. a second build, as the release workflow makes it: the clone's CHANGELOG [Unreleased] becomes the
#     next version's section, tagged; `goreleaser release --release-notes` (hack/release-notes.sh)
#     with --skip=publish
#  8. the central index, simulated once accepted: a local git repository holding
#     plugins/eksaccess.yaml (hack/update-krew-index.sh) as krew's default index
#     (KREW_DEFAULT_INDEX_URI): `kubectl krew install eksaccess`, version, uninstall
#  9. the custom index: `kubectl krew index add eksaccess file://...` of a local git repository made
#     by hack/update-krew-index.sh (as the release workflow makes plugins/ on main), `kubectl krew
#     install eksaccess/eksaccess`, version, the completion helper; the second build committed into
#     the index, `kubectl krew update`, `kubectl krew upgrade eksaccess`, the new version;
#     `kubectl krew uninstall eksaccess` leaves no kubectl-eksaccess behind
# 10. `make install` and `go install ...@latest` (the latter from a local file:// module proxy
#     holding the clone as the next version, dependencies from the module cache)
# 11. copies the archive, checksums.txt and the rendered manifest (eksaccess.yaml) to dist/
#
# The archives are served from 127.0.0.1 (krew downloads a manifest's uri over HTTP); nothing
# leaves the machine. Needs Go, git and kubectl (1.26+ for the completion check). Environment:
#   EKSACCESS_TOOLS_CACHE  tool cache (default ${XDG_CACHE_HOME:-~/.cache}/kubectl-eksaccess/tools)
#   KEEP=1                 keep the temp dir
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

GORELEASER_VERSION=v2.15.1
KREW_VERSION=v0.4.3
REMOTE=https://github.com/eksaccess/kubectl-eksaccess.git
tools="${EKSACCESS_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-eksaccess/tools}"

start=$SECONDS
step() { printf '\n==> [%4ds] %s\n' $((SECONDS - start)) "$*"; }
fail() { printf '\nkrew-test: FAIL: %s\n' "$*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/eksaccess-krew-test.XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  if [[ ${KEEP:-} == 1 ]]; then echo "kept $work"; else chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; fi
}
trap cleanup EXIT

# install_tool NAME VERSION "BINARIES" PKG... : go install PKG@VERSION... into $tools/NAME once.
install_tool() {
  local name=$1 version=$2 bins=$3 dir=$tools/$1
  shift 3
  local bin ok=1
  for bin in $bins; do [[ -x $dir/$bin ]] || ok=0; done
  if ((ok)); then
    echo "cached: $dir"
    return
  fi
  echo "installing ${*/%/@$version} into $dir (first run only: goreleaser takes ~7 min on 2 cores)"
  local t0=$SECONDS
  rm -rf "$dir.tmp.$$"
  (cd "$work" && GOBIN="$dir.tmp.$$" GOFLAGS='' go install "${@/%/@$version}")
  rm -rf "$dir"
  mkdir -p "$tools"
  mv "$dir.tmp.$$" "$dir"
  echo "installed in $((SECONDS - t0))s"
}

step "tools"
command -v go >/dev/null || fail "go is not on PATH"
# Build as the release does, from go.mod alone: go.work is for editors.
export GOWORK=off
command -v git >/dev/null || fail "git is not on PATH"
command -v kubectl >/dev/null || PATH="$PATH:$(bash "$root/hack/testbin.sh")"
command -v kubectl >/dev/null || fail "kubectl is not on PATH: the test runs the plugin through kubectl's plugin discovery"
install_tool "goreleaser-$GORELEASER_VERSION" "$GORELEASER_VERSION" goreleaser github.com/goreleaser/goreleaser/v2
install_tool "krew-$KREW_VERSION" "$KREW_VERSION" "krew validate-krew-manifest" sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest
goreleaser=$tools/goreleaser-$GORELEASER_VERSION/goreleaser
validate=$tools/krew-$KREW_VERSION/validate-krew-manifest
# kubectl finds krew as the plugin kubectl-krew.
mkdir -p "$work/bin"
ln -s "$tools/krew-$KREW_VERSION/krew" "$work/bin/kubectl-krew"
export PATH="$work/bin:$PATH"
# krew's own upgrade check would ask GitHub.
export KREW_NO_UPGRADE_CHECK=1
"$goreleaser" --version 2>/dev/null | grep GitVersion || true
kubectl krew version 2>/dev/null | grep GitTag || true
kubectl version --client 2>/dev/null | sed -n 1p

step "clone HEAD into $work/src"
if [[ -n $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
  echo "note: $root has uncommitted changes; this tests the committed HEAD only"
fi
git clone -q "$root" "$work/src"
cd "$work/src"
git remote set-url origin "$REMOTE"
git config user.name "krew-test"
git config user.email "krew-test@kubectl-eksaccess.invalid"
if ! git describe --tags --abbrev=0 --match 'v*' >/dev/null 2>&1; then
  git tag v0.0.0
  echo "no v* tag: tagged v0.0.0 in the clone"
fi
commit=$(git rev-parse --short HEAD)
echo "HEAD $commit, last tag $(git describe --tags --abbrev=0 --match 'v*')"

step "goreleaser snapshot (host target only: $(go env GOOS)/$(go env GOARCH))"
go mod download
# `release` has no --single-target (only `build` has, and it makes no archives): build the same
# config narrowed to the host's goos/goarch.
goos=$(go env GOOS) goarch=$(go env GOARCH)
sed -e "s/^\( *goos:\).*/\1 [$goos]/" -e "s/^\( *goarch:\).*/\1 [$goarch]/" .goreleaser.yaml >"$work/goreleaser.host.yaml"
grep -q "goos: \[$goos\]" "$work/goreleaser.host.yaml" && grep -q "goarch: \[$goarch\]" "$work/goreleaser.host.yaml" ||
  fail ".goreleaser.yaml has no 'goos:'/'goarch:' lines to narrow to the host"
GOPROXY=off "$goreleaser" release --snapshot --clean --config "$work/goreleaser.host.yaml"
version=v$(grep -o '"version":"[^"]*"' dist/metadata.json | sed -n 1p | cut -d'"' -f4)
archive=$(ls "$work/src/dist/kubectl-eksaccess_${version}_${goos}_${goarch}".* 2>/dev/null | sed -n 1p)
[[ -f $archive ]] || fail "no archive for $version in dist/: $(ls dist)"
name=$(basename "$archive")
sum=$(sha256sum "$archive" | cut -d' ' -f1)
grep -q "^$sum  $name\$" dist/checksums.txt || fail "checksums.txt does not list $sum for $name"
contents=$(case $name in *.zip) unzip -Z1 "$archive" ;; *) tar -tzf "$archive" ;; esac)
for f in LICENSE kubectl-eksaccess; do
  grep -qx "$f\(.exe\)\{0,1\}" <<<"$contents" || fail "$name lacks $f (has: $contents)"
done
echo "archive $name ($(du -h "$archive" | cut -f1)), sha256 $sum, contents: $(tr '\n' ' ' <<<"$contents")"
# The first build's dist/ is kept: the second build (--clean) empties dist/.
cp -r dist "$work/dist1"
archive=$work/dist1/$name
mkdir -p "$work/srv"
cp "$archive" "$work/srv/"

# want_version VERSION COMMIT: `kubectl eksaccess version` through kubectl's plugin discovery.
want_version() {
  local out want="kubectl-eksaccess $1 (commit $2, built "
  out=$(kubectl eksaccess version) || fail "kubectl eksaccess version failed"
  echo "kubectl eksaccess version: $out"
  [[ $out == "$want"* ]] || fail "kubectl eksaccess version printed '$out', want it to start with '$want'"
}
# found_at PATH: the kubectl-eksaccess that kubectl finds is PATH.
found_at() {
  [[ $(command -v kubectl-eksaccess) == "$1" ]] || fail "kubectl-eksaccess on PATH is '$(command -v kubectl-eksaccess)', want $1"
}

step "README: the archive, checked against checksums.txt, on PATH"
mkdir -p "$work/download" "$work/archive-bin"
cp "$archive" "$work/dist1/checksums.txt" "$work/download/"
(
  cd "$work/download"
  # README: sha256sum --ignore-missing -c checksums.txt
  sha256sum --ignore-missing -c checksums.txt
  # README: tar -xzf kubectl-eksaccess_<version>_<os>_<arch>.tar.gz kubectl-eksaccess
  case $name in *.zip) unzip -q "$name" kubectl-eksaccess.exe ;; *) tar -xzf "$name" kubectl-eksaccess ;; esac
  # README: install -m 0755 kubectl-eksaccess ~/.local/bin/  (here: a bin directory on PATH)
  install -m 0755 kubectl-eksaccess "$work/archive-bin/"
  # A changed archive must fail the same check.
  cp "$name" "$name.orig" && printf 'x' >>"$name"
  if sha256sum --ignore-missing -c checksums.txt >/dev/null 2>&1; then fail "sha256sum -c accepted a tampered $name"; fi
  echo "a tampered $name fails sha256sum -c"
  mv "$name.orig" "$name"
)
(PATH="$work/archive-bin:$PATH" && found_at "$work/archive-bin/kubectl-eksaccess" && want_version "$version" "$commit")

step "render and validate the krew manifest"
mkdir -p "$work/all" "$work/host"
# Every platform, the ones not built with a placeholder sha256: structure, selectors, overlaps.
bash hack/render-krew-manifest.sh -t plugin.yaml -d "$work/dist1" -m placeholder -o "$work/all/eksaccess.yaml"
"$validate" -skip-install -manifest "$work/all/eksaccess.yaml" 2>&1 | sed 's/^/    /'
# A local file server of $work/srv: krew downloads a manifest's uri over HTTP.
(cd "$work" && printf '%s\n' 'package main' \
  'import ("fmt"; "net"; "net/http"; "os")' \
  'func main() {' \
  '	l, err := net.Listen("tcp", "127.0.0.1:0")' \
  '	if err != nil { fmt.Fprintln(os.Stderr, err); os.Exit(1) }' \
  '	fmt.Println(l.Addr())' \
  '	fmt.Fprintln(os.Stderr, http.Serve(l, http.FileServer(http.Dir(os.Args[1]))))' \
  '	os.Exit(1)' \
  '}' >serve.go && GOFLAGS='' GOPROXY=off go build -o serve serve.go)
"$work/serve" "$work/srv" >"$work/serve.addr" &
server_pid=$!
deadline=$((SECONDS + 30))
until [[ -s $work/serve.addr ]]; do
  ((SECONDS < deadline)) || fail "the local file server did not start"
  kill -0 "$server_pid" 2>/dev/null || fail "the local file server exited"
  sleep 0.1
done
base=http://$(head -1 "$work/serve.addr")
echo "serving $work/srv at $base"
# The host's platform alone, served locally: the validator installs it as krew would.
bash hack/render-krew-manifest.sh -t plugin.yaml -d "$work/dist1" -m drop -b "$base" -o "$work/host/eksaccess.yaml"
"$validate" -manifest "$work/host/eksaccess.yaml" 2>&1 | sed 's/^/    /'

step "kubectl krew install --manifest --archive (KREW_ROOT=$work/krew)"
export KREW_ROOT=$work/krew
export PATH="$KREW_ROOT/bin:$PATH"
# krew's default index, as if the plugin were accepted there: a local repository in the layout
# of kubernetes-sigs/krew-index, made by the script the release workflow runs for the custom index.
bash hack/update-krew-index.sh -i "$work/central" -d "$work/dist1" -m drop -b "$base"
export KREW_DEFAULT_INDEX_URI=file://$work/central
kubectl krew update 2>&1 | sed 's/^/    /'
kubectl krew install --manifest="$work/all/eksaccess.yaml" --archive="$archive" </dev/null 2>&1 | sed 's/^/    /'
# A plugin installed from a manifest is listed as detached/eksaccess.
listed=$(kubectl krew list 2>/dev/null)
grep -Eqx '([^/]+/)?eksaccess' <<<"$listed" || fail "kubectl krew list does not show eksaccess: $listed"
echo "kubectl krew list: $listed"
[[ -f $(ls -d "$KREW_ROOT"/store/eksaccess/*/)LICENSE ]] || fail "LICENSE not installed in $KREW_ROOT/store/eksaccess"
found_at "$KREW_ROOT/bin/kubectl-eksaccess"
want_version "$version" "$commit"
kubectl krew uninstall eksaccess 2>&1 | sed 's/^/    /'

step "second build, as the release workflow makes it: CHANGELOG section, tag, goreleaser --release-notes"
# What a maintainer does before tagging: [Unreleased] becomes the version's section.
tag2=${version%%-*}
git rev-parse -q --verify "refs/tags/$tag2" >/dev/null && fail "the clone already has a tag $tag2"
awk -v v="${tag2#v}" -v d="$(date -u +%F)" '/^## \[Unreleased\]$/ && !done { print; print ""; print "## [" v "] - " d; done = 1; next } { print }' CHANGELOG.md >"$work/CHANGELOG.md"
mv "$work/CHANGELOG.md" CHANGELOG.md
git commit -q -am "release $tag2 (krew-test)"
git tag "$tag2"
commit2=$(git rev-parse --short HEAD)
# release.yml: bash hack/release-notes.sh "$GITHUB_REF_NAME" >"$RUNNER_TEMP/release-notes.md"
bash hack/release-notes.sh "$tag2" >"$work/release-notes.md"
echo "release notes for $tag2: $(wc -l <"$work/release-notes.md") lines, from: $(head -1 "$work/release-notes.md")"
# release.yml: goreleaser release --clean --release-notes ...; here without publishing.
GOPROXY=off "$goreleaser" release --clean --release-notes "$work/release-notes.md" --skip=publish --config "$work/goreleaser.host.yaml"
version2=v$(grep -o '"version":"[^"]*"' dist/metadata.json | sed -n 1p | cut -d'"' -f4)
[[ $version2 == "$tag2" ]] || fail "the release build of $tag2 reports version $version2"
archive2=$(ls "$work/src/dist/kubectl-eksaccess_${version2}_${goos}_${goarch}".* 2>/dev/null | sed -n 1p)
[[ -f $archive2 ]] || fail "no archive for $version2 in dist/: $(ls dist)"
cp -r dist "$work/dist2"
cp "$archive2" "$work/srv/"
echo "second build: $(basename "$archive2") ($version2 > $version)"

step "README: kubectl krew install eksaccess (the central index, once accepted)"
kubectl krew install eksaccess </dev/null 2>&1 | sed 's/^/    /'
found_at "$KREW_ROOT/bin/kubectl-eksaccess"
want_version "$version" "$commit"
kubectl krew uninstall eksaccess 2>&1 | sed 's/^/    /'

step "README: kubectl krew index add eksaccess URL; kubectl krew install eksaccess/eksaccess"
# The custom index, made as release.yml makes plugins/ on main (without -m drop and -b there).
bash hack/update-krew-index.sh -i "$work/index" -d "$work/dist1" -m drop -b "$base"
"$validate" -manifest "$work/index/plugins/eksaccess.yaml" 2>&1 | sed 's/^/    /'
kubectl krew index add eksaccess "file://$work/index" 2>&1 | sed 's/^/    /'
kubectl krew index list | sed 's/^/    /'
kubectl krew install eksaccess/eksaccess </dev/null 2>&1 | sed 's/^/    /'
listed=$(kubectl krew list 2>/dev/null)
grep -qx 'eksaccess/eksaccess' <<<"$listed" || fail "kubectl krew list does not show eksaccess/eksaccess: $listed"
echo "kubectl krew list: $listed"
found_at "$KREW_ROOT/bin/kubectl-eksaccess"
want_version "$version" "$commit"

step "completion helper kubectl_complete-eksaccess (as the manifest's caveats and the README say)"
minor=$(kubectl version --client -o json 2>/dev/null | grep -o '"minor": *"[0-9]*' | grep -o '[0-9]*$' || echo 0)
# README: ln -s "$(command -v kubectl-eksaccess)" "$(dirname "$(command -v kubectl-eksaccess)")/kubectl_complete-eksaccess"
ln -s "$(command -v kubectl-eksaccess)" "$(dirname "$(command -v kubectl-eksaccess)")/kubectl_complete-eksaccess"
if ((minor >= 26)); then
  comp=$(kubectl __complete eksaccess li 2>/dev/null)
  grep -q '^list' <<<"$comp" || fail "kubectl __complete eksaccess li gave: $comp"
  echo "kubectl __complete eksaccess li -> $(head -1 <<<"$comp" | cut -f1)"
else
  comp=$(kubectl_complete-eksaccess li 2>/dev/null)
  grep -q '^list' <<<"$comp" || fail "kubectl_complete-eksaccess li gave: $comp"
  echo "kubectl 1.$minor predates plugin completion; the helper alone answers: $(head -1 <<<"$comp" | cut -f1)"
fi
rm "$KREW_ROOT/bin/kubectl_complete-eksaccess"

step "README: kubectl krew update; kubectl krew upgrade eksaccess (the next release in the custom index)"
bash hack/update-krew-index.sh -i "$work/index" -d "$work/dist2" -m drop -b "$base"
"$validate" -manifest "$work/index/plugins/eksaccess.yaml" 2>&1 | sed 's/^/    /'
kubectl krew update 2>&1 | sed 's/^/    /'
kubectl krew upgrade eksaccess </dev/null 2>&1 | sed 's/^/    /'
found_at "$KREW_ROOT/bin/kubectl-eksaccess"
want_version "$version2" "$commit2"

step "README: kubectl krew uninstall eksaccess"
kubectl krew uninstall eksaccess 2>&1 | sed 's/^/    /'
if command -v kubectl-eksaccess >/dev/null; then fail "kubectl-eksaccess still on PATH after uninstall: $(command -v kubectl-eksaccess)"; fi
[[ ! -e $KREW_ROOT/store/eksaccess ]] || fail "$KREW_ROOT/store/eksaccess is left after uninstall"
if kubectl eksaccess version >/dev/null 2>&1; then fail "kubectl eksaccess still runs after uninstall"; fi
echo "uninstalled: no kubectl-eksaccess on PATH, nothing in $KREW_ROOT/store"
kubectl krew index remove eksaccess 2>&1 | sed 's/^/    /'

step "README: make install; go install github.com/eksaccess/kubectl-eksaccess/cmd/kubectl-eksaccess@latest"
# Same compile flags as goreleaser (CGO_ENABLED=0, -trimpath), so only the link step runs.
mkdir -p "$work/gobin"
(GOBIN="$work/gobin" GOPROXY=off make install >/dev/null)
(PATH="$work/gobin:$PATH" && found_at "$work/gobin/kubectl-eksaccess" && want_version "$version2" "$commit2")
rm "$work/gobin/kubectl-eksaccess"
# go install MODULE@latest from a module proxy: a local file:// proxy that holds this clone as the
# next version (the module's files as git archive gives them, without the nested modules), with
# every dependency served from the module cache.
mod=github.com/eksaccess/kubectl-eksaccess
v3=$(awk -F. '{ printf "%s.%s.%d", $1, $2, $3 + 1 }' <<<"$tag2")
proxy=$work/goproxy/$mod/@v
mkdir -p "$proxy"
nested=$(git ls-files '*/go.mod' | xargs -r -n1 dirname | sed 's/^/:(exclude)/')
# shellcheck disable=SC2086 # one pathspec per nested module
git archive --format=zip --prefix="$mod@$v3/" -o "$proxy/$v3.zip" HEAD -- . $nested
cp go.mod "$proxy/$v3.mod"
printf '{"Version":"%s","Time":"%s"}\n' "$v3" "$(git log -1 --format=%cI | sed 's/+00:00$/Z/')" >"$proxy/$v3.info"
echo "$v3" >"$proxy/list"
modcache=$(go env GOMODCACHE)
# A module cache of its own, so this version of the module never enters the real one.
(cd "$work" && GOBIN="$work/gobin" GOFLAGS='-trimpath -modcacherw' CGO_ENABLED=0 GOSUMDB=off \
  GOMODCACHE="$work/gomodcache" GOPROXY="file://$work/goproxy,file://$modcache/cache/download" \
  go install "$mod/cmd/kubectl-eksaccess@latest")
out=$(PATH="$work/gobin:$PATH" && found_at "$work/gobin/kubectl-eksaccess" && kubectl eksaccess version) || fail "kubectl eksaccess version (go install) failed"
[[ $out == "kubectl-eksaccess "* ]] || fail "kubectl eksaccess version (go install) printed '$out'"
echo "go install $mod/cmd/kubectl-eksaccess@latest ($v3 from the local proxy): $out"

step "copy the snapshot to $root/dist"
mkdir -p "$root/dist"
cp "$archive" "$work/dist1/checksums.txt" "$work/dist1/metadata.json" "$root/dist/"
cp "$work/all/eksaccess.yaml" "$root/dist/eksaccess.yaml"
echo "dist/$name, dist/checksums.txt, dist/eksaccess.yaml (other platforms: placeholder sha256)"

printf '\nkrew-test: OK (%s, then %s) in %ds\n' "$version" "$version2" $((SECONDS - start))
