#!/usr/bin/env bash
# Renders the krew manifest template (plugin.yaml) from a goreleaser dist/ directory, the way
# krew-release-bot renders it on a release: {{ .TagName }} becomes the version, and each
# {{ addURIAndSha "URL" .TagName }} becomes `uri: URL` and `sha256: <sum from checksums.txt>`.
#
#   hack/render-krew-manifest.sh [-d DIST] [-t TEMPLATE] [-o OUT] [-v TAG] [-b BASE_URI] [-m MISSING]
#
#   -d DIST      goreleaser's output directory (default ./dist); reads checksums.txt and metadata.json
#   -t TEMPLATE  the template (default: plugin.yaml next to this script's hack/)
#   -v TAG       the version, e.g. v1.2.3 (default: "v" + the version in DIST/metadata.json)
#   -b BASE_URI  replace each URI's directory with BASE_URI (e.g. a local server of DIST)
#   -m MISSING   what to do with a platform whose archive is not in checksums.txt (a --single-target
#                snapshot builds only the host's): fail (default), drop (leave the platform out) or
#                placeholder (keep it, with an all-zero sha256: for structural validation only)
#   -o OUT       write here (default stdout)
set -euo pipefail

dist=dist template=$(dirname "$0")/../plugin.yaml out=- tag='' base='' missing=fail
while getopts 'd:t:o:v:b:m:' opt; do
  case $opt in
    d) dist=$OPTARG ;; t) template=$OPTARG ;; o) out=$OPTARG ;; v) tag=$OPTARG ;;
    b) base=$OPTARG ;; m) missing=$OPTARG ;;
    *) sed -n '2,18s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
done
case $missing in fail | drop | placeholder) ;; *) echo "render-krew-manifest: -m must be fail, drop or placeholder" >&2; exit 2 ;; esac

sums=$dist/checksums.txt
[[ -f $sums ]] || { echo "render-krew-manifest: $sums not found: run goreleaser first (make krew-test does)" >&2; exit 1; }
if [[ -z $tag ]]; then
  # metadata.json is one line of JSON; no jq on a fresh machine.
  v=$(grep -o '"version":"[^"]*"' "$dist/metadata.json" | head -1 | cut -d'"' -f4) || true
  [[ -n $v ]] || { echo "render-krew-manifest: no version in $dist/metadata.json: give -v TAG" >&2; exit 1; }
  tag=v${v#v}
fi

render() {
  awk -v tag="$tag" -v base="$base" -v missing="$missing" -v sums="$sums" '
    BEGIN {
      while ((getline line < sums) > 0) { split(line, f, /[ \t]+/); sha[f[2]] = f[1] }
      zero = sprintf("%064d", 0)
      header = 1
    }
    function flush(   i) {
      if (inblock && drop) { dropped++ } else { for (i = 1; i <= n; i++) print buf[i] }
      n = 0; inblock = 0; drop = 0
    }
    # The template'"'"'s own header comments are not part of the manifest.
    header && /^#/ { next }
    { header = 0; gsub(/\{\{ *\.TagName *\}\}/, tag) }
    /^  - selector:/ { flush(); inblock = 1 }
    /^[ \t]*\{\{ *addURIAndSha / {
      indent = $0; sub(/[^ ].*$/, "", indent)
      uri = $0; sub(/^[^"]*"/, "", uri); sub(/".*$/, "", uri)
      file = uri; sub(/^.*\//, "", file)
      if (base != "") uri = base "/" file
      s = sha[file]
      if (s == "") {
        if (missing == "fail") { print "render-krew-manifest: " file " is not in " sums > "/dev/stderr"; failed = 1; exit 1 }
        if (missing == "drop") drop = 1
        s = zero
      }
      buf[++n] = indent "uri: " uri
      buf[++n] = indent "sha256: \"" s "\""  # quoted: an all-digit sum must stay a string
      next
    }
    { if (inblock) buf[++n] = $0; else print }
    END {
      if (failed) exit 1
      flush()
      if (dropped) printf "render-krew-manifest: left out %d platform(s) without an archive\n", dropped > "/dev/stderr"
    }
  ' "$template"
}

if [[ $out == - ]]; then
  render
else
  tmp=$(mktemp "$out.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  render >"$tmp"
  mv "$tmp" "$out"
fi
