# pendo-triage container image: one static musl binary and a CA bundle on `scratch`.
#
# Nothing is compiled here. The binary and the CA bundle are built/staged beforehand by
# scripts/build-image.sh (locally) or by .github/workflows/release.yml (on GitHub), so the
# build needs no base image, no package manager and no network, and a user's workflow run
# only pulls a few MB: it never compiles Rust.
#
#   scripts/build-image.sh                       # binary + CA bundle + image + smoke test
#   buildah bud --isolation chroot --storage-driver vfs -t pendo-triage:ci .   # by hand
#   docker build -t pendo-triage .               # same, with a Docker engine
#
# Build arguments (both paths are relative to the build context, i.e. the repository root;
# .dockerignore lets nothing else in):
#   BINARY     the static musl release binary for the image's platform: x86_64 by default;
#              for `--platform linux/arm64` the aarch64 one, which build-image.sh stages
#              as target/image/pendo-triage (scratch runs no command: building needs no
#              emulation)
#   CA_BUNDLE  a PEM CA bundle, staged from the build host's /etc/ssl/certs/ca-certificates.crt
#
# Targets:
#   action  (last stage, the default) - what action.yml runs; see the USER note below.
#   nonroot - the same files running as 65532:65532, for `pendo-triage check` / `parse`
#             outside GitHub Actions (e.g. `podman run ... pendo-triage:nonroot check -`).

FROM scratch AS nonroot
ARG BINARY=target/x86_64-unknown-linux-musl/release/pendo-triage
ARG CA_BUNDLE=target/image/ca-certificates.crt
COPY ${CA_BUNDLE} /etc/ssl/certs/ca-certificates.crt
COPY ${BINARY} /pendo-triage
# Where the binary finds its trust roots (rustls-native-certs and OpenSSL both read it;
# scratch has no other). On GHES or behind a TLS-inspecting proxy with a private CA,
# point it at a bundle holding the public roots and yours, e.g.
# `env: SSL_CERT_FILE: /github/workspace/.github/ca-bundle.pem` on the action step.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
# Exec form: no shell exists in the image, and a shell would drop INPUT_GITHUB-TOKEN
# (a hyphenated name is not a valid shell variable).
ENTRYPOINT ["/pendo-triage"]
CMD ["run"]

FROM nonroot AS action
# GitHub runs a Docker action as the image's user and bind-mounts GITHUB_WORKSPACE and the
# file-command files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) owned by the runner's account
# (uid 1001 on hosted runners) with no write bit for others, and action.yml cannot pass
# `--user`. GitHub's own "Dockerfile support for GitHub Actions" says Docker actions must
# run as the default user (root); under 65532 every run would fail writing its outputs.
# The container holds nothing but this binary and is removed after the step; the runner
# mounts the host's Docker socket into every container action (see docs/action.md, "The
# Docker socket"), which this binary never opens. The `nonroot` target above keeps
# 65532 for every other use.
# hadolint ignore=DL3002
USER 0:0
