#!/usr/bin/env bash
# Builds the pendo-triage container image without a Docker engine and smoke-tests it:
#   1. the static <arch>-unknown-linux-musl release binary (cargo, --locked), with paths
#      remapped so two builds of one commit in any directory give the same bytes;
#   2. checks that it is a static ELF for that architecture;
#   3. stages the build host's CA bundle into target/image/ (scratch has none);
#   4. `buildah bud` the default (action) target as $IMAGE and the `nonroot` target as
#      $IMAGE_NONROOT, with vfs storage and chroot isolation (works unprivileged-kernel,
#      no daemon, no registry: the Dockerfile is FROM scratch);
#   5. checks the image holds exactly the binary and the CA bundle, with the right
#      entrypoint, cmd, user, SSL_CERT_FILE and architecture, and that a second build
#      gives the same image id (timestamps come from SOURCE_DATE_EPOCH);
#   6. runs `check` on an example issue inside both images, offline (--network none),
#      and `check --format json` must give a severity. For arm64 (no binfmt here to run
#      a foreign image) the binary runs `check` under qemu-aarch64-static instead;
#   7. prints the binary and image sizes, and fails when the image passes
#      MAX_IMAGE_BYTES (10 MB).
#
# Usage: scripts/build-image.sh
# Env:   ARCH=amd64|arm64  the image's platform (linux/$ARCH); arm64 cross-compiles
#          aarch64-unknown-linux-musl with Debian's gcc-aarch64-linux-gnu
#        IMAGE=pendo-triage:ci (the nonroot target is tagged $IMAGE-nonroot)
#        IMAGE_SOURCE_URL, IMAGE_VERSION  add OCI labels (the release workflow sets them)
#        SMOKE_EXAMPLE=examples/<issue>.md  the issue body for the smoke test
#        SOURCE_DATE_EPOCH  the image's timestamps (default: the last commit's time)
#        MAX_IMAGE_BYTES=10000000  the size gate
#        SKIP_DEPS=1  do not call scripts/install-ci-deps.sh for missing tools
# Not root: buildah and podman run through sudo.
# Idempotent (re-runs reuse cargo's cache and replace the tags); fails loudly on any error.
set -euo pipefail

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
trap 'die "failed at line ${LINENO}: ${BASH_COMMAND}"' ERR

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

ARCH=${ARCH:-amd64}
IMAGE=${IMAGE:-pendo-triage:ci}
IMAGE_NONROOT=${IMAGE_NONROOT:-${IMAGE}-nonroot}
MAX_IMAGE_BYTES=${MAX_IMAGE_BYTES:-10000000}
case "$ARCH" in
  amd64) TARGET=x86_64-unknown-linux-musl CROSS_CC=musl-gcc ELF_MACHINE="Advanced Micro Devices X86-64" ;;
  arm64) TARGET=aarch64-unknown-linux-musl CROSS_CC=aarch64-linux-gnu-gcc ELF_MACHINE=AArch64 ;;
  *) die "ARCH=$ARCH: expected amd64 or arm64" ;;
esac
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 0)
fi
export SOURCE_DATE_EPOCH
STORAGE=(--storage-driver vfs)
# buildah and podman run as root (vfs storage in /var/lib/containers, no subuid set-up);
# cargo keeps running as the calling user, so a CI runner's rustup stays in use.
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "not root and no sudo: buildah/podman need root here"
  SUDO=(sudo --non-interactive)
fi
BUILDAH=("${SUDO[@]}" buildah)
PODMAN=("${SUDO[@]}" podman "${STORAGE[@]}" --runtime runc --cgroup-manager cgroupfs --events-backend file)
RUN_OPTS=(--rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# --- 0. tools --------------------------------------------------------------------------
if [ "${SKIP_DEPS:-0}" != 1 ]; then
  need=0
  for tool in "$CROSS_CC" buildah podman runc file readelf; do
    command -v "$tool" >/dev/null || need=1
  done
  [ "$ARCH" = amd64 ] || command -v qemu-aarch64-static >/dev/null || need=1
  rustup target list --installed 2>/dev/null | grep -qx "$TARGET" || need=1
  if [ "$need" = 1 ]; then
    log "installing image build tools (scripts/install-ci-deps.sh image)"
    "$root/scripts/install-ci-deps.sh" image
  fi
fi
for tool in cargo "$CROSS_CC" buildah podman runc file readelf; do
  command -v "$tool" >/dev/null || die "'$tool' not found (run scripts/install-ci-deps.sh image)"
done

# --- 1. binary -------------------------------------------------------------------------
# ring (rustls' crypto) compiles C: for x86_64 musl it needs musl-gcc, not the glibc gcc;
# for aarch64 Debian's cross gcc compiles it (ring's C uses no libc headers) and links,
# with the musl CRT objects and libc.a that Rust's musl target ships (self-contained).
target_env=$(tr 'a-z-' 'A-Z_' <<<"$TARGET")
export "CC_${TARGET//-/_}=${CROSS_CC}"
[ "$ARCH" = amd64 ] || export "CARGO_TARGET_${target_env}_LINKER=$CROSS_CC"
# Reproducible: panic locations carry source paths; name the checkout and cargo's
# registry by fixed prefixes, so where the tree is checked out changes no byte.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
export "CARGO_TARGET_${target_env}_RUSTFLAGS=--remap-path-prefix=$root=/build/pendo-triage --remap-path-prefix=$cargo_home=/cargo"
target_dir=$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
log "cargo build --release --locked --target $TARGET (target dir $target_dir)"
cargo build --release --locked --target "$TARGET" --bin pendo-triage
binary="$target_dir/$TARGET/release/pendo-triage"
[ -x "$binary" ] || die "cargo did not produce $binary"

# --- 2. static, and for the right machine? -----------------------------------------------
file_out=$(file -b "$binary")
log "file: $file_out"
case "$file_out" in
  *"dynamically linked"*|*"interpreter"*) die "$binary is dynamically linked: $file_out" ;;
  *"statically linked"*|*"static-pie linked"*) ;;
  *) die "cannot tell whether $binary is static: $file_out" ;;
esac
machine=$(readelf -hW "$binary" | sed -n 's/^ *Machine: *//p')
[ "$machine" = "$ELF_MACHINE" ] || die "$binary is for '$machine', not $ELF_MACHINE"
! readelf -lW "$binary" | grep -q INTERP || die "$binary asks for a program interpreter"
! readelf -dW "$binary" 2>/dev/null | grep -q NEEDED || die "$binary needs shared libraries"
# build.rs links the musl binary with -z pack-relative-relocs: its relative relocations
# sit in a DT_RELR table (a few KiB) instead of a 440 KiB .rela.dyn. A linker that ignored
# the flag would cost that size silently.
# (A static binary that is not a PIE has no relative relocations to pack.)
case "$file_out" in
  *"static-pie linked"*)
    readelf -dW "$binary" 2>/dev/null | grep -q '(RELR)' \
      || die "$binary has no DT_RELR table: the linker ignored -z pack-relative-relocs (GNU ld 2.38 or later needed)" ;;
esac
ldd_out=$(ldd "$binary" 2>&1 || true)
case "$ldd_out" in
  *"not a dynamic executable"*|*"statically linked"*) log "ldd: ${ldd_out//$'\n'/ }" ;;
  *) die "ldd lists shared libraries for $binary: $ldd_out" ;;
esac

# --- 3. build context --------------------------------------------------------------------
# The Dockerfile copies paths relative to the repository root; .dockerignore admits only
# these. A binary outside ./target (CARGO_TARGET_DIR elsewhere) is staged next to the CA.
ca_src=${CA_BUNDLE_SOURCE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$ca_src" ] || die "no CA bundle at $ca_src (apt-get install ca-certificates)"
mkdir -p target/image
install -m 0444 "$ca_src" target/image/ca-certificates.crt
build_args=()
[ -n "${IMAGE_SOURCE_URL:-}" ] && build_args+=(--label "org.opencontainers.image.source=$IMAGE_SOURCE_URL")
[ -n "${IMAGE_VERSION:-}" ] && build_args+=(--label "org.opencontainers.image.version=$IMAGE_VERSION")
rel_binary="target/$TARGET/release/pendo-triage"
build_args+=(--platform "linux/$ARCH" --timestamp "$SOURCE_DATE_EPOCH")
if [ "$ARCH" != amd64 ] || [ "$(realpath "$binary")" != "$(realpath -m "$root/$rel_binary")" ]; then
  install -m 0555 "$binary" target/image/pendo-triage
  build_args+=(--build-arg BINARY=target/image/pendo-triage)
fi

# --- 4. image --------------------------------------------------------------------------
old_ids=$(for ref in "$IMAGE" "$IMAGE_NONROOT"; do
  "${PODMAN[@]}" image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true
done)
log "buildah bud -t $IMAGE (target action) and -t $IMAGE_NONROOT (target nonroot)"
# The label keeps the nonroot image's id apart from the action build's intermediate
# nonroot stage: with fixed timestamps they would be the same image, and buildah removes
# a multi-stage build's intermediate images at its end, tag or no tag.
"${BUILDAH[@]}" bud --isolation chroot "${STORAGE[@]}" --quiet "${build_args[@]}" \
  --label org.opencontainers.image.ref.name=nonroot \
  --target nonroot -t "$IMAGE_NONROOT" . >/dev/null
"${BUILDAH[@]}" bud --isolation chroot "${STORAGE[@]}" --quiet "${build_args[@]}" \
  -t "$IMAGE" . >/dev/null
# Drop the images the previous run left untagged, so re-runs do not pile up vfs copies.
# An unchanged rebuild gives the same ids (timestamps are fixed): keep those.
new_ids=$(for ref in "$IMAGE" "$IMAGE_NONROOT"; do
  "${PODMAN[@]}" image inspect --format '{{.Id}}' "$ref"
done)
for id in $old_ids; do
  grep -qx "$id" <<<"$new_ids" || "${PODMAN[@]}" rmi "$id" >/dev/null 2>&1 || true
done

# --- 5. image contents and config -----------------------------------------------------
inspect() { "${PODMAN[@]}" image inspect --format "$2" "$1"; }
for img in "$IMAGE" "$IMAGE_NONROOT"; do
  ep=$(inspect "$img" '{{json .Config.Entrypoint}}')
  cmd=$(inspect "$img" '{{json .Config.Cmd}}')
  env=$(inspect "$img" '{{json .Config.Env}}')
  [ "$ep" = '["/pendo-triage"]' ] || die "$img: entrypoint is $ep"
  [ "$cmd" = '["run"]' ] || die "$img: cmd is $cmd"
  case "$env" in
    *'"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"'*) ;;
    *) die "$img: SSL_CERT_FILE not set: $env" ;;
  esac
done
[ "$(inspect "$IMAGE" '{{.Config.User}}')" = 0:0 ] || die "$IMAGE: user is not 0:0"
[ "$(inspect "$IMAGE" '{{.Architecture}}')" = "$ARCH" ] || die "$IMAGE: architecture is not $ARCH"
# Reproducible: the same binary, CA bundle and SOURCE_DATE_EPOCH give the same image id.
"${BUILDAH[@]}" bud --isolation chroot "${STORAGE[@]}" --quiet "${build_args[@]}" \
  -t "$IMAGE-again" . >/dev/null
first_id=$(inspect "$IMAGE" '{{.Id}}') again_id=$(inspect "$IMAGE-again" '{{.Id}}')
"${PODMAN[@]}" untag "$IMAGE-again" "$IMAGE-again" >/dev/null
[ "$first_id" = "$again_id" ] || die "two builds gave two images: $first_id and $again_id"
log "reproducible: rebuilding gave the same image id $first_id"
[ "$(inspect "$IMAGE_NONROOT" '{{.Config.User}}')" = 65532:65532 ] || die "$IMAGE_NONROOT: user is not 65532:65532"

ctr=$("${BUILDAH[@]}" "${STORAGE[@]}" from --quiet --pull-never "$IMAGE")
cleanup_ctr() { "${BUILDAH[@]}" "${STORAGE[@]}" rm "$ctr" >/dev/null 2>&1 || true; }
trap cleanup_ctr EXIT
mnt=$("${BUILDAH[@]}" "${STORAGE[@]}" mount "$ctr")
files=$("${SUDO[@]}" find "$mnt" -mindepth 1 \( -type f -o -type l \) -printf '%P %m\n' | LC_ALL=C sort)
expected=$'etc/ssl/certs/ca-certificates.crt 444\npendo-triage 555'
if [ "$files" != "$expected" ]; then
  # Modes depend on the checkout (umask); the file list must match exactly.
  [ "$(cut -d' ' -f1 <<<"$files")" = "$(cut -d' ' -f1 <<<"$expected")" ] \
    || die "image files differ from the binary + CA bundle:"$'\n'"$files"
fi
"${SUDO[@]}" cmp -s "$mnt/pendo-triage" "$binary" || die "/pendo-triage in the image is not the binary just built"
"${SUDO[@]}" cmp -s "$mnt/etc/ssl/certs/ca-certificates.crt" "$ca_src" || die "CA bundle in the image differs from $ca_src"
"${BUILDAH[@]}" "${STORAGE[@]}" umount "$ctr" >/dev/null
cleanup_ctr
trap - EXIT

# --- 6. smoke test ---------------------------------------------------------------------
# SMOKE_EXAMPLE picks the issue body; default: examples/prod-auth-401.md, else the first
# examples/*.md that is not the README, else the template itself.
example=${SMOKE_EXAMPLE:-}
if [ -z "$example" ] && [ -f examples/prod-auth-401.md ]; then
  example=examples/prod-auth-401.md
fi
if [ -z "$example" ] && [ -d examples ]; then
  example=$(find examples -maxdepth 1 -type f -name '*.md' ! -iname 'README.md' | LC_ALL=C sort | head -n 1)
fi
[ -z "$example" ] || [ -f "$example" ] || die "SMOKE_EXAMPLE=$example does not exist"
if [ -z "$example" ]; then
  example=templates/pendo-api-issue.md
  log "no examples/*.md yet; smoke-testing on $example"
fi
ex_dir=$(cd "$(dirname "$example")" && pwd)
ex_name=$(basename "$example")

if [ "$ARCH" != amd64 ]; then
  # No binfmt_misc here to run a foreign image: run the binary itself under user-mode
  # emulation, the same bytes as /pendo-triage in the image (compared above).
  command -v qemu-aarch64-static >/dev/null \
    || die "qemu-aarch64-static not found (apt-get install qemu-user-static)"
  log "qemu-aarch64-static pendo-triage check $example"
  report=$(qemu-aarch64-static "$binary" check "$example") || die "'check $example' failed under qemu"
  printf '%s\n' "$report" | head -n 5
  json=$(qemu-aarch64-static "$binary" check "$example" --format json) \
    || die "'check --format json' failed under qemu"
  python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["severity"] in ("P0","P1","P2"), d.get("severity")' <<<"$json" \
    || die "'check --format json' under qemu did not print a report with a severity"
else
  help_out=$("${PODMAN[@]}" run "${RUN_OPTS[@]}" "$IMAGE" --help 2>&1) \
    || die "'pendo-triage --help' failed in $IMAGE: $help_out"
  if grep -qw check <<<"$help_out"; then
    for img in "$IMAGE" "$IMAGE_NONROOT"; do
      log "podman run $img check /ex/$ex_name"
      report=$("${PODMAN[@]}" run "${RUN_OPTS[@]}" -v "$ex_dir:/ex:ro" "$img" check "/ex/$ex_name") \
        || die "'check /ex/$ex_name' failed in $img"
      [ -n "$report" ] || die "'check /ex/$ex_name' printed no report in $img"
      printf '%s\n' "$report" | head -n 15
      [ "$(printf '%s\n' "$report" | wc -l)" -le 15 ] || echo "... ($(printf '%s\n' "$report" | wc -l) lines)"
    done
    json=$("${PODMAN[@]}" run "${RUN_OPTS[@]}" -v "$ex_dir:/ex:ro" "$IMAGE" check "/ex/$ex_name" --format json) \
      || die "'check --format json' failed in $IMAGE"
    python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["severity"] in ("P0","P1","P2"), d.get("severity")' <<<"$json" \
      || die "'check --format json' did not print a report with a severity"
  else
    # Until the CLI has its `check` subcommand, prove the image starts the binary at all.
    log "WARNING: the binary has no 'check' subcommand yet; smoke test ran only '--help'"
    "${PODMAN[@]}" run "${RUN_OPTS[@]}" "$IMAGE_NONROOT" --help >/dev/null \
      || die "'pendo-triage --help' failed in $IMAGE_NONROOT"
  fi
fi

# --- 7. sizes --------------------------------------------------------------------------
bin_size=$(stat -c %s "$binary")
img_size=$(inspect "$IMAGE" '{{.Size}}')
log "binary $binary: $bin_size bytes ($((bin_size / 1024)) KiB)"
log "image $IMAGE ($ARCH): $img_size bytes ($((img_size / 1024)) KiB)"
[ "$img_size" -le "$MAX_IMAGE_BYTES" ] \
  || die "image $IMAGE is $img_size bytes, over the $MAX_IMAGE_BYTES-byte gate (per crate: CARGO_PROFILE_RELEASE_STRIP=false cargo bloat --release --crates --target x86_64-unknown-linux-musl)"
log "ok: $IMAGE and $IMAGE_NONROOT built and smoke-tested"
