#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (Debian
# packages, via scripts/install-ci-deps.sh when run as root), then runs every unit,
# property and integration test with cargo-nextest (cargo test when nextest is absent).
# Usage: scripts/test.sh [extra nextest/cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  scripts/install-ci-deps.sh tests
else
  echo "test.sh: not root; skipping package installs (run scripts/install-ci-deps.sh tests as root if tests need them)" >&2
fi

# Property tests run thousands of cases; CI gets the same count as developers.
export PROPTEST_CASES="${PROPTEST_CASES:-3000}"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --no-fail-fast "$@"
else
  cargo test --locked --lib --bins --tests "$@"
fi
