#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (Debian
# packages, via scripts/install-ci-deps.sh when run as root), then runs every unit,
# property and integration test with cargo-nextest (cargo test when nextest is absent).
#
# Usage: scripts/test.sh [--clock +OFFSET] [extra nextest/cargo test arguments]
#   --clock +1100d   run the test binaries (and the pendo-triage binary they start) with
#                    the clock moved ahead by libfaketime, to prove no result depends on
#                    today's date. Only the test processes get the fake clock: libfaketime
#                    under cargo or rustc hangs.
set -euo pipefail
cd "$(dirname "$0")/.."

clock=""
if [ "${1:-}" = "--clock" ]; then
  clock="${2:?--clock needs an offset such as +1100d}"
  shift 2
fi

if [ "$(id -u)" = 0 ]; then
  scripts/install-ci-deps.sh tests
else
  echo "test.sh: not root; skipping package installs (run scripts/install-ci-deps.sh tests as root if tests need them)" >&2
fi

if [ -n "$clock" ]; then
  lib=$(find /usr/lib -path "*/faketime/libfaketime.so.1" 2>/dev/null | head -n 1)
  [ -n "$lib" ] || { echo "test.sh: libfaketime not found (install the libfaketime package)" >&2; exit 1; }
  host=$(rustc -vV | sed -n 's/^host: //p')
  runner_var="CARGO_TARGET_$(echo "$host" | tr 'a-z-' 'A-Z_')_RUNNER"
  # FAKETIME_DONT_RESET keeps the offset for child processes started by the tests.
  export "$runner_var=env FAKETIME=$clock FAKETIME_DONT_RESET=1 LD_PRELOAD=$lib"
  echo "test.sh: test binaries run with the clock moved $clock ($runner_var)" >&2
fi

# Property tests run thousands of cases; CI gets the same count as developers.
export PROPTEST_CASES="${PROPTEST_CASES:-3000}"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --no-fail-fast "$@"
else
  cargo test --locked --lib --bins --tests "$@"
fi
