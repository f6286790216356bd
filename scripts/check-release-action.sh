#!/usr/bin/env bash
# Checks that a released action.yml names exactly one image: its `runs.image` must be
#   docker://ghcr.io/<owner>/pendo-triage@sha256:<64 lowercase hex>
# with <owner> lowercase (GHCR paths are), and nothing else may name an image by tag.
# Main's action.yml keeps a tag between releases; the release commit is the one users pin,
# and .github/workflows/release.yml runs this on the file it is about to commit.
#
# Usage: scripts/check-release-action.sh FILE [--owner OWNER]
#   --owner OWNER   the image must live under ghcr.io/<lowercased OWNER>/
#   --self-test     check that a digest-pinned file passes and tag-pinned ones fail
# Exit status: 0 when FILE is a released action.yml, 1 (with the reason) when not.
set -euo pipefail

prog=check-release-action
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }

self_test() {
  local dir digest
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' RETURN
  digest=sha256:$(printf 'self-test' | sha256sum | cut -d' ' -f1)
  write() { printf 'name: t\nruns:\n  using: docker\n  image: %s\n  args:\n    - run\n' "$1" >"$dir/a.yml"; }
  write "docker://ghcr.io/acme-forks/pendo-triage@$digest"
  "$0" "$dir/a.yml" --owner Acme-Forks >/dev/null || die "self-test: a digest-pinned file was refused"
  for bad in \
    "docker://ghcr.io/acme/pendo-triage:v1" \
    "docker://ghcr.io/acme/pendo-triage:v1@$digest" \
    "docker://ghcr.io/Acme/pendo-triage@$digest" \
    "docker://ghcr.io/acme/pendo-triage@sha256:abc" \
    "docker://ghcr.io/acme/other@$digest" \
    "Dockerfile"; do
    write "$bad"
    if "$0" "$dir/a.yml" >/dev/null 2>&1; then die "self-test: '$bad' was accepted"; fi
  done
  write "docker://ghcr.io/acme/pendo-triage@$digest"
  if "$0" "$dir/a.yml" --owner other >/dev/null 2>&1; then die "self-test: a wrong owner was accepted"; fi
  echo "$prog: self-test ok"
}

file="" owner=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --owner) owner=${2:?--owner needs a value}; shift 2 ;;
    --self-test) self_test; exit 0 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) file=$1; shift ;;
  esac
done
[ -n "$file" ] || die "usage: $0 FILE [--owner OWNER]"
[ -f "$file" ] || die "$file does not exist"

# action.yml is YAML, but its `runs:` block is ours and flat: read `image:` under it
# without a YAML library (the CI lint step runs this before any venv exists).
images=$(awk '
  /^[^[:space:]#]/ { in_runs = ($0 ~ /^runs:[[:space:]]*$/) }
  in_runs && /^[[:space:]]+image:/ {
    sub(/^[[:space:]]+image:[[:space:]]*/, ""); sub(/[[:space:]]+#.*$/, "");
    gsub(/^["\047]|["\047]$/, ""); print
  }' "$file")
[ -n "$images" ] || die "$file: no runs.image"
[ "$(wc -l <<<"$images")" -eq 1 ] || die "$file: more than one runs.image"
image=$images

re='^docker://ghcr\.io/([a-z0-9]([a-z0-9-]*[a-z0-9])?)/pendo-triage@sha256:[0-9a-f]{64}$'
[[ "$image" =~ $re ]] \
  || die "$file: runs.image is '$image', not docker://ghcr.io/<lowercase owner>/pendo-triage@sha256:<digest>"
if [ -n "$owner" ] && [ "${BASH_REMATCH[1]}" != "${owner,,}" ]; then
  die "$file: image owner is '${BASH_REMATCH[1]}', expected '${owner,,}'"
fi
grep -Eq '^[[:space:]]+using:[[:space:]]*["\047]?docker["\047]?[[:space:]]*$' "$file" \
  || die "$file: runs.using is not docker"
echo "$prog: $file pins $image"
