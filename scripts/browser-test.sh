#!/usr/bin/env bash
# The report as people see it, in a real browser: renders the whole report comment (a
# failing and a healthy sync) to HTML as GitHub does (comrak, in tests/it/report_render.rs),
# then draws every Mermaid block with the pinned mermaid from npm in Debian's headless
# Chromium (tests/browser/render.mjs) and fails unless each block parses and draws an SVG
# with the expected number of bars. Screenshots go to target/report-html/; with
# --update-docs they replace docs/report-failing.png and docs/report-healthy.png.
#
# Usage: scripts/browser-test.sh [--update-docs]
# Installs what it needs when run as root (scripts/install-ci-deps.sh browser). It never
# skips: when Chromium cannot start, it fails (in CI and on a laptop alike).
set -euo pipefail
cd "$(dirname "$0")/.."

shots=target/report-html
if [ "${1:-}" = "--update-docs" ]; then
  shots=docs
elif [ -n "${1:-}" ]; then
  echo "browser-test: unknown argument '$1' (expected --update-docs)" >&2
  exit 2
fi

if [ "$(id -u)" = 0 ]; then
  scripts/install-ci-deps.sh browser
fi
command -v node >/dev/null || { echo "browser-test: node not found (scripts/install-ci-deps.sh browser)" >&2; exit 1; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "browser-test: ${CHROMIUM:-/usr/bin/chromium} not found (scripts/install-ci-deps.sh browser)" >&2; exit 1; }
[ -d tests/browser/node_modules/mermaid ] || { echo "browser-test: npm packages missing (scripts/install-ci-deps.sh browser)" >&2; exit 1; }
echo "browser-test: $("${CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null || echo 'chromium (version unknown)')" >&2

rm -rf target/report-html
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --test it report_render::
else
  cargo test --locked --test it report_render::
fi
mkdir -p "$shots"
node tests/browser/render.mjs target/report-html "$shots"
