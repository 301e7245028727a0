#!/usr/bin/env bash
# make krew-test: the plugin as a krew user gets it, end to end and offline.
#
#  1. installs the pinned tools once into a cache: goreleaser v2.15.1 (~7 min cold on 2 cores;
#     the last release that builds with Go 1.26), krew and validate-krew-manifest v0.4.3 (~20 s)
#  2. clones the committed HEAD into a temp dir, with the GitHub remote and a v* tag if there is
#     none, so that goreleaser computes a real version
#  3. builds a goreleaser snapshot for the host only (.goreleaser.yaml narrowed to the host's
#     goos/goarch, as `release` has no --single-target; all six targets take ~20 min)
#     with GOPROXY=off after one `go mod download`
#  4. renders plugin.yaml with the real sha256 (other platforms get placeholders), validates it with
#     validate-krew-manifest, and has the validator install the host's archive from a local server
#  5. installs it with `kubectl krew install --manifest --archive` into a temporary KREW_ROOT and runs
#     `kubectl eksaccess version` through kubectl's plugin discovery; checks the completion helper
#  6. copies the archive, checksums.txt and the rendered manifest (eksaccess.yaml) to dist/
#
# Needs Go, git and kubectl (1.26+ for the completion check). Environment:
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
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  if [[ ${KEEP:-} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
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
  (cd "$work" && GOBIN="$dir.tmp.$$" GOFLAGS= go install "${@/%/@$version}")
  rm -rf "$dir"
  mkdir -p "$tools"
  mv "$dir.tmp.$$" "$dir"
  echo "installed in $((SECONDS - t0))s"
}

step "tools"
command -v go >/dev/null || fail "go is not on PATH"
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
"$goreleaser" --version 2>/dev/null | grep GitVersion || true
kubectl krew version 2>/dev/null | grep GitTag || true
kubectl version --client 2>/dev/null | head -1

step "clone HEAD into $work/src"
if [[ -n $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
  echo "note: $root has uncommitted changes; this tests the committed HEAD only"
fi
git clone -q "$root" "$work/src"
cd "$work/src"
git remote set-url origin "$REMOTE"
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
version=v$(grep -o '"version":"[^"]*"' dist/metadata.json | head -1 | cut -d'"' -f4)
archive=$(ls "$work/src/dist/kubectl-eksaccess_${version}_${goos}_${goarch}".* 2>/dev/null | head -1)
[[ -f $archive ]] || fail "no archive for $version in dist/: $(ls dist)"
name=$(basename "$archive")
sum=$(sha256sum "$archive" | cut -d' ' -f1)
grep -q "^$sum  $name\$" dist/checksums.txt || fail "checksums.txt does not list $sum for $name"
contents=$(case $name in *.zip) unzip -Z1 "$archive" ;; *) tar -tzf "$archive" ;; esac)
for f in LICENSE kubectl-eksaccess; do
  grep -qx "$f\(.exe\)\{0,1\}" <<<"$contents" || fail "$name lacks $f (has: $contents)"
done
echo "archive $name ($(du -h "$archive" | cut -f1)), sha256 $sum, contents: $(tr '\n' ' ' <<<"$contents")"

step "render and validate the krew manifest"
mkdir -p "$work/all" "$work/host"
# Every platform, the ones not built with a placeholder sha256: structure, selectors, overlaps.
bash hack/render-krew-manifest.sh -t plugin.yaml -d dist -m placeholder -o "$work/all/eksaccess.yaml"
"$validate" -skip-install -manifest "$work/all/eksaccess.yaml" 2>&1 | sed 's/^/    /'
# The host's platform alone, served locally: the validator installs it as krew would.
(cd "$work" && printf '%s\n' 'package main' \
  'import ("fmt"; "net"; "net/http"; "os")' \
  'func main() {' \
  '	l, err := net.Listen("tcp", "127.0.0.1:0")' \
  '	if err != nil { fmt.Fprintln(os.Stderr, err); os.Exit(1) }' \
  '	fmt.Println(l.Addr())' \
  '	fmt.Fprintln(os.Stderr, http.Serve(l, http.FileServer(http.Dir(os.Args[1]))))' \
  '	os.Exit(1)' \
  '}' >serve.go && GOFLAGS= GOPROXY=off go build -o serve serve.go)
"$work/serve" "$work/src/dist" >"$work/serve.addr" &
server_pid=$!
deadline=$((SECONDS + 30))
until [[ -s $work/serve.addr ]]; do
  ((SECONDS < deadline)) || fail "the local file server did not start"
  kill -0 "$server_pid" 2>/dev/null || fail "the local file server exited"
  sleep 0.1
done
base=http://$(head -1 "$work/serve.addr")
bash hack/render-krew-manifest.sh -t plugin.yaml -d dist -m drop -b "$base" -o "$work/host/eksaccess.yaml"
"$validate" -manifest "$work/host/eksaccess.yaml" 2>&1 | sed 's/^/    /'
kill "$server_pid" 2>/dev/null || true
server_pid=

step "kubectl krew install --manifest --archive (offline, KREW_ROOT=$work/krew)"
export KREW_ROOT=$work/krew
git init -q "$KREW_ROOT/index/default"
kubectl krew install --manifest="$work/all/eksaccess.yaml" --archive="$archive" </dev/null 2>&1 | sed 's/^/    /'
# A plugin installed from a manifest is listed as detached/eksaccess.
listed=$(kubectl krew list 2>/dev/null)
grep -Eqx '([^/]+/)?eksaccess' <<<"$listed" || fail "kubectl krew list does not show eksaccess: $listed"
echo "kubectl krew list: $listed"
[[ -f $(ls -d "$KREW_ROOT"/store/eksaccess/*/)LICENSE ]] || fail "LICENSE not installed in $KREW_ROOT/store/eksaccess"

step "kubectl eksaccess version, through kubectl's plugin discovery"
export PATH="$KREW_ROOT/bin:$PATH"
[[ $(command -v kubectl-eksaccess) == "$KREW_ROOT/bin/kubectl-eksaccess" ]] || fail "kubectl-eksaccess on PATH is $(command -v kubectl-eksaccess), not krew's"
out=$(kubectl eksaccess version)
echo "$out"
want="kubectl-eksaccess $version (commit $commit, built "
[[ $out == "$want"* ]] || fail "kubectl eksaccess version printed '$out', want it to start with '$want'"

step "completion helper kubectl_complete-eksaccess (as the manifest's caveats say)"
minor=$(kubectl version --client -o json 2>/dev/null | grep -o '"minor": *"[0-9]*' | grep -o '[0-9]*$' || echo 0)
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

step "copy the snapshot to $root/dist"
mkdir -p "$root/dist"
cp "$archive" dist/checksums.txt dist/metadata.json "$root/dist/"
cp "$work/all/eksaccess.yaml" "$root/dist/eksaccess.yaml"
echo "dist/$name, dist/checksums.txt, dist/eksaccess.yaml (other platforms: placeholder sha256)"

printf '\nkrew-test: OK (%s) in %ds\n' "$version" $((SECONDS - start))
