#!/usr/bin/env bash
# Installs what pendo-triage's tests and container image need on a Debian 12 (bookworm)
# machine or CI runner, and nothing that is already there:
#   tests  - postgresql-15 + postgresql-15-cron (the tests start a real PostgreSQL with pg_cron),
#            pgbouncer (a transaction pooler in front of it),
#            libfaketime (the suite is rerun with the clock moved years ahead)
#   image  - musl-tools (musl-gcc, for C code such as ring built for musl),
#            gcc-aarch64-linux-gnu + libc6-dev-arm64-cross (compile ring, link the aarch64
#            musl binary),
#            qemu-user-static (runs the aarch64 binary's smoke test), binutils (readelf),
#            buildah + podman + runc (build and run the image without a Docker engine),
#            the rustup targets x86_64-unknown-linux-musl and aarch64-unknown-linux-musl
#   browser - Debian's chromium and fonts (emoji) for the report's render test, Node.js
#            and npm when absent, and the npm packages pinned in
#            tests/browser/package-lock.json (`npm ci`; mermaid, playwright-core; no
#            browser download: playwright-core drives /usr/bin/chromium)
#
# Usage: scripts/install-ci-deps.sh [all|tests|image|browser]...   (default: all)
# Idempotent: a second run makes no network call. Quiet: prints one line per action.
# Fails loudly: any error stops the script with a message naming the step.
set -euo pipefail

log() { printf 'install-ci-deps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
trap 'die "failed at line ${LINENO}: ${BASH_COMMAND}"' ERR

want_tests=0 want_image=0 want_browser=0
[ "$#" -eq 0 ] && set -- all
for arg in "$@"; do
  case "$arg" in
    all) want_tests=1 want_image=1 want_browser=1 ;;
    tests) want_tests=1 ;;
    image) want_image=1 ;;
    browser) want_browser=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown argument '$arg' (expected all, tests, image or browser)" ;;
  esac
done

packages=()
[ "$want_tests" = 1 ] && packages+=(postgresql-15 postgresql-15-cron pgbouncer libfaketime)
[ "$want_image" = 1 ] && packages+=(musl-tools gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static binutils
  buildah podman runc file ca-certificates)
if [ "$want_browser" = 1 ]; then
  packages+=(chromium fonts-noto-color-emoji fonts-dejavu-core)
  command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
fi

# --- Debian packages --------------------------------------------------------------------
# A tool that is already on PATH counts as installed whichever package brought it: on
# GitHub's Ubuntu runners runc comes with Docker's containerd.io, which conflicts with
# the runc package, and buildah/podman are preinstalled.
provides() {
  case "$1" in
    musl-tools) echo musl-gcc ;;
    nodejs) echo node ;;
    npm) echo npm ;;
    gcc-aarch64-linux-gnu) echo aarch64-linux-gnu-gcc ;;
    qemu-user-static) echo qemu-aarch64-static ;;
    binutils) echo readelf ;;
    buildah|podman|runc|file) echo "$1" ;;
    *) echo "" ;;
  esac
}
missing=()
for p in "${packages[@]}"; do
  tool=$(provides "$p")
  if [ -n "$tool" ] && command -v "$tool" >/dev/null; then continue; fi
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo: cannot install ${missing[*]}"
    SUDO=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "apt-get update"
  "${SUDO[@]}" apt-get update -qq >/dev/null || die "apt-get update failed"
  for p in "${missing[@]}"; do
    # apt-cache policy prints 'Candidate: (none)' for a name the configured suites lack.
    candidate=$(apt-cache policy "$p" | awk '/Candidate:/ {print $2}')
    [ -n "$candidate" ] && [ "$candidate" != "(none)" ] \
      || die "package '$p' has no install candidate (is this Debian 12 / bookworm?)"
  done
  log "apt-get install ${missing[*]}"
  # Recommends stay off to keep the install small; what podman/buildah need to run
  # rootful with vfs storage and runc is in the list above or a hard dependency.
  out=$(mktemp)
  if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$out" 2>&1; then
    tail -n 40 "$out" >&2
    rm -f "$out"
    die "apt-get install failed"
  fi
  rm -f "$out"
else
  log "Debian packages already installed: ${packages[*]}"
fi

# --- Rust musl targets ------------------------------------------------------------------
if [ "$want_image" = 1 ]; then
  command -v rustup >/dev/null || die "rustup not found: the musl targets need a rustup toolchain"
  for target in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
    if rustup target list --installed | grep -qx "$target"; then
      log "rustup target $target already installed"
    else
      log "rustup target add $target"
      rustup target add "$target" >/dev/null 2>&1 || die "rustup target add $target failed"
    fi
  done
  command -v musl-gcc >/dev/null || die "musl-gcc still missing after installing musl-tools"
fi

# --- npm packages of the browser test ----------------------------------------------------
if [ "$want_browser" = 1 ]; then
  # playwright-core 1.64 needs Node.js 20 or later (Debian 12's own nodejs is 18).
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
    || die "the browser test needs Node.js 20 or later; found $(node --version)"
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  dir=$root/tests/browser
  stamp=$dir/node_modules/.lock-stamp
  if [ -f "$stamp" ] && cmp -s "$stamp" "$dir/package-lock.json"; then
    log "npm packages of tests/browser already installed"
  else
    log "npm ci (tests/browser, pinned by package-lock.json)"
    out=$(mktemp)
    # --ignore-scripts: no install script runs (and none downloads a browser).
    if ! (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund) >"$out" 2>&1; then
      tail -n 40 "$out" >&2
      rm -f "$out"
      die "npm ci failed in tests/browser"
    fi
    rm -f "$out"
    cp "$dir/package-lock.json" "$stamp"
  fi
  command -v chromium >/dev/null || die "chromium still missing after installing it"
fi

log "ok"
