#!/usr/bin/env bash
# The release's steps, one subcommand each, so .github/workflows/release.yml and CI's dry
# run execute the same code:
#   build          both images (scripts/build-image.sh, ARCH=amd64 and arm64: static
#                  binary, smoke test, size gate, reproducible image id), one manifest list
#                  `pendo-triage:release` over them, and dist/: the binaries, the SBOM
#                  (scripts/sbom.py, validated), SHA256SUMS, sizes
#   push IMAGE     push the list and both images to docker://IMAGE:$VERSION (and :vX.Y,
#                  :vX unless a pre-release); writes the list's digest to dist/image-digest
#   finish REF     dist/action.yml with `image: docker://REF` (REF = IMAGE@sha256:…), and
#                  dist/RELEASE_NOTES.md printing that digest, sizes and how to verify
#   publish        (GitHub only, needs GH_TOKEN with contents: write) the release commit:
#                  this commit's tree with dist/action.yml, made through the API; tags
#                  $VERSION, vX.Y, vX on it; the GitHub release with dist/'s files
#   dry-run        build, then "push" the list to a local OCI layout instead of a registry
#                  (its digest stands in), finish, and check-release-action.sh on the
#                  result: everything but the push, the attestation and publish
# Env: VERSION (vX.Y.Z[-pre]; dry-run: v0.0.0-dry-run), SOURCE_DATE_EPOCH (default: the
#      last commit's time), IMAGE_SOURCE_URL.
set -euo pipefail

log() { printf 'release: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
trap 'die "failed at line ${LINENO}: ${BASH_COMMAND}"' ERR

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dist=$root/dist
LIST=localhost/pendo-triage:release
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo --non-interactive)
BUILDAH=("${SUDO[@]}" buildah --storage-driver vfs)
declare -A TARGET=([amd64]=x86_64-unknown-linux-musl [arm64]=aarch64-unknown-linux-musl)

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
fi
export SOURCE_DATE_EPOCH

version_parts() { # sets major and minor, empty for a pre-release
  [[ "$VERSION" =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+)(-[0-9A-Za-z.-]+)?$ ]] \
    || die "VERSION '$VERSION' is not vMAJOR.MINOR.PATCH[-PRERELEASE]"
  major="v${BASH_REMATCH[1]}" minor="v${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
  [ -z "${BASH_REMATCH[4]}" ] || major="" minor=""
}

cmd_build() {
  rm -rf "$dist"
  mkdir -p "$dist"
  local target_dir arch
  target_dir=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  for arch in amd64 arm64; do
    log "image for linux/$arch"
    ARCH=$arch IMAGE="pendo-triage:release-$arch" "$root/scripts/build-image.sh"
    install -m 0755 "$target_dir/${TARGET[$arch]}/release/pendo-triage" \
      "$dist/pendo-triage-${TARGET[$arch]}"
    printf '%s %s\n' "$arch" "$("${SUDO[@]}" podman --storage-driver vfs image inspect \
      --format '{{.Size}}' "pendo-triage:release-$arch")" >>"$dist/image-sizes"
  done
  "${BUILDAH[@]}" manifest rm "$LIST" >/dev/null 2>&1 || true
  "${BUILDAH[@]}" manifest create "$LIST" >/dev/null
  for arch in amd64 arm64; do
    "${BUILDAH[@]}" manifest add --os linux --arch "$arch" "$LIST" \
      "containers-storage:localhost/pendo-triage:release-$arch" >/dev/null
  done
  local archs
  archs=$("${BUILDAH[@]}" manifest inspect "$LIST" \
    | python3 -c 'import json,sys; print(" ".join(sorted(m["platform"]["architecture"] for m in json.load(sys.stdin)["manifests"])))')
  [ "$archs" = "amd64 arm64" ] || die "manifest list holds '$archs', not amd64 and arm64"
  log "manifest list $LIST: linux/amd64 + linux/arm64"

  python3 "$root/scripts/sbom.py" generate "$dist/pendo-triage.cdx.json"
  local py=python3 lint_py=${XDG_CACHE_HOME:-$HOME/.cache}/pendo-triage-lint/venv/bin/python
  [ -x "$lint_py" ] && py=$lint_py # has cyclonedx-python-lib: checks the official schema
  "$py" "$root/scripts/sbom.py" validate "$dist/pendo-triage.cdx.json"
  (cd "$dist" && sha256sum pendo-triage-* pendo-triage.cdx.json >SHA256SUMS)
  log "dist/: $(cd "$dist" && echo *)"
}

cmd_push() {
  local image=${1:?push needs IMAGE, e.g. ghcr.io/owner/pendo-triage}
  version_parts
  [[ "$image" == "${image,,}" ]] || die "image path '$image' must be lowercase"
  log "push $LIST to docker://$image:$VERSION"
  "${BUILDAH[@]}" manifest push --all --format v2s2 --digestfile "$dist/image-digest" \
    "$LIST" "docker://$image:$VERSION"
  local tag
  for tag in $minor $major; do
    # The same list again: same digest, one more tag (main's action.yml uses :vX).
    "${BUILDAH[@]}" manifest push --all --format v2s2 "$LIST" "docker://$image:$tag"
  done
  grep -Eqx 'sha256:[0-9a-f]{64}' "$dist/image-digest" || die "no digest from the push"
  log "pushed $image@$(cat "$dist/image-digest")"
}

cmd_finish() {
  local ref=${1:?finish needs IMAGE@sha256:DIGEST}
  [[ "$ref" =~ ^(.+)@(sha256:[0-9a-f]{64})$ ]] || die "'$ref' is not IMAGE@sha256:<digest>"
  local image=${BASH_REMATCH[1]} digest=${BASH_REMATCH[2]}
  version_parts
  # Only the runs.image line changes; the comment above it says what the release did.
  awk -v ref="docker://$ref" -v ver="$VERSION" '
    /^runs:/ { in_runs = 1 }
    in_runs && /^[[:space:]]+#/ { next }
    in_runs && /^[[:space:]]+image:/ {
      print "  # Release " ver ": the image by digest, so this commit names exactly one image."
      print "  image: " ref; done = 1; next
    }
    { print }
    END { if (!done) exit 1 }' action.yml >"$dist/action.yml" || die "action.yml has no runs.image"
  "$root/scripts/check-release-action.sh" "$dist/action.yml"

  local sizes
  sizes=$(awk '{ printf "| linux/%s | %d bytes (%.2f MB) |\n", $1, $2, $2 / 1e6 }' "$dist/image-sizes")
  cat >"$dist/RELEASE_NOTES.md" <<EOF
## pendo-triage $VERSION

Image (multi-arch manifest list, linux/amd64 + linux/arm64):

    $image@$digest

The release commit's \`action.yml\` names that digest, so
\`uses: <owner>/pendo-triage@<release commit SHA> # $VERSION\` runs exactly this image.

| platform | image size (uncompressed) |
|---|---|
$sizes

Binaries (static musl), SBOM (CycloneDX 1.5, from Cargo.lock) and their SHA-256:

\`\`\`
$(cat "$dist/SHA256SUMS")
\`\`\`

Verify the build provenance (GitHub CLI):

\`\`\`sh
gh attestation verify oci://$image@$digest --repo <owner>/pendo-triage
gh attestation verify pendo-triage-x86_64-unknown-linux-musl --repo <owner>/pendo-triage
\`\`\`
EOF
  log "dist/action.yml pins $ref; dist/RELEASE_NOTES.md written"
}

cmd_publish() {
  version_parts
  : "${GITHUB_REPOSITORY:?publish runs in GitHub Actions}" "${GITHUB_SHA:?}" "${GH_TOKEN:?}"
  local repo=$GITHUB_REPOSITORY base_tree blob tree commit tag digest
  digest=$(cat "$dist/image-digest")
  "$root/scripts/check-release-action.sh" "$dist/action.yml" --owner "${GITHUB_REPOSITORY_OWNER:?}"
  if gh api "repos/$repo/git/ref/tags/$VERSION" >/dev/null 2>&1; then
    die "tag $VERSION exists already"
  fi
  # Through the Git data API: no credentials on disk, and no branch moves. The commit's
  # parent is the commit the workflow built from, so its history is main's.
  base_tree=$(gh api "repos/$repo/git/commits/$GITHUB_SHA" --jq .tree.sha)
  blob=$(gh api "repos/$repo/git/blobs" -f encoding=base64 \
    -f content="$(base64 -w0 "$dist/action.yml")" --jq .sha)
  tree=$(gh api "repos/$repo/git/trees" -f base_tree="$base_tree" \
    -f 'tree[][path]=action.yml' -f 'tree[][mode]=100644' -f 'tree[][type]=blob' \
    -f "tree[][sha]=$blob" --jq .sha)
  commit=$(gh api "repos/$repo/git/commits" -f tree="$tree" -f "parents[]=$GITHUB_SHA" \
    -f message="Release $VERSION: action.yml pins the image by digest ($digest)" --jq .sha)
  gh api "repos/$repo/git/refs" -f ref="refs/tags/$VERSION" -f sha="$commit" >/dev/null
  log "tag $VERSION -> $commit"
  for tag in $minor $major; do
    if gh api "repos/$repo/git/ref/tags/$tag" >/dev/null 2>&1; then
      gh api --method PATCH "repos/$repo/git/refs/tags/$tag" -f sha="$commit" -F force=true >/dev/null
    else
      gh api "repos/$repo/git/refs" -f ref="refs/tags/$tag" -f sha="$commit" >/dev/null
    fi
    log "tag $tag -> $commit"
  done
  local pre=()
  [ -n "$major" ] || pre=(--prerelease)
  gh release create "$VERSION" --repo "$repo" --verify-tag --title "$VERSION" \
    --notes-file "$dist/RELEASE_NOTES.md" "${pre[@]}" \
    "$dist"/pendo-triage-* "$dist/pendo-triage.cdx.json" "$dist/SHA256SUMS"
  log "released $VERSION at $commit: $digest"
}

cmd_dry_run() {
  VERSION=${VERSION:-v0.0.0-dry-run}
  cmd_build
  local layout
  layout=$(mktemp -d)
  "${BUILDAH[@]}" manifest push --all --format oci --digestfile "$dist/image-digest" \
    "$LIST" "oci:$layout/pendo-triage:$VERSION" >/dev/null
  "${SUDO[@]}" rm -rf "$layout"
  local owner=${GITHUB_REPOSITORY_OWNER:-pendo-triage}
  cmd_finish "ghcr.io/${owner,,}/pendo-triage@$(cat "$dist/image-digest")"
  "$root/scripts/check-release-action.sh" "$dist/action.yml" --owner "$owner"
  local lint_bin=${XDG_CACHE_HOME:-$HOME/.cache}/pendo-triage-lint/venv/bin
  if [ -x "$lint_bin/check-jsonschema" ]; then
    "$lint_bin/check-jsonschema" --builtin-schema vendor.github-actions "$dist/action.yml"
  fi
  diff <(grep -v -e '^  image:' -e '^  #' action.yml) <(grep -v -e '^  image:' -e '^  #' "$dist/action.yml") \
    || die "the released action.yml differs from action.yml beyond runs.image"
  sed -n '1,8p' "$dist/RELEASE_NOTES.md"
  log "dry run ok: everything but the push, the attestation and the release commit"
}

VERSION=${VERSION:-}
case "${1:-}" in
  build) VERSION=${VERSION:-v0.0.0-dev} cmd_build ;;
  push) shift; cmd_push "$@" ;;
  finish) shift; cmd_finish "$@" ;;
  publish) cmd_publish ;;
  dry-run) cmd_dry_run ;;
  *) sed -n '2,21p' "$0" >&2; exit 2 ;;
esac
