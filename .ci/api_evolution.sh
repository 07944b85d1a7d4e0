#!/usr/bin/env bash
# The API-evolution step of CI, runnable on its own:
#
#   .ci/api_evolution.sh            # against the base of the change
#   CI_BASE_REV=REV .ci/api_evolution.sh
#
# 1. `cargo xtask diff --base BASE --fail-on unbumped`: every change to
#    specs/ since BASE, and exit 1 when a breaking one (or a public Rust API
#    change that needs a major release) comes without a SemVer-incompatible
#    version of the generated crate.
# 2. `.ci/semver_check.sh BASE`: cargo-semver-checks (installed here,
#    pinned, under target/ci-tools) must agree with the Rust-level view.
#
# The base: CI_BASE_REV, else the merge base with origin/main on a branch,
# else the previous commit (on main itself).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

base="${CI_BASE_REV:-}"
if [ -z "$base" ] && git rev-parse -q --verify origin/main >/dev/null; then
  base=$(git merge-base origin/main HEAD)
  [ "$base" = "$(git rev-parse HEAD)" ] && base=
fi
if [ -z "$base" ] && git rev-parse -q --verify 'HEAD^' >/dev/null; then
  base=$(git rev-parse 'HEAD^')
fi
if [ -z "$base" ]; then
  echo "no base revision (a single commit): nothing to compare" >&2
  exit 0
fi
echo "base: $(git log -1 --format='%h %s' "$base" | cut -c1-120)"

cargo xtask diff --base "$base" --fail-on unbumped

version=0.51.0
tools=target/ci-tools
if [ "$("$tools/bin/cargo-semver-checks" semver-checks --version 2>/dev/null)" != "cargo-semver-checks $version" ]; then
  cargo install cargo-semver-checks --version "$version" --locked --root "$tools"
fi
CARGO_SEMVER_CHECKS="$tools/bin/cargo-semver-checks" .ci/semver_check.sh "$base"
