#!/usr/bin/env bash
# Cross-check of `cargo xtask diff`'s Rust-level view against
# cargo-semver-checks, which compares the rustdoc JSON of two builds of the
# crate: is a major release of huaweicloud-batch-delete (generated/) needed
# since REV, and do both say the same?
#
#   .ci/semver_check.sh [REV]      # default: the merge base with origin/main
#
# Needs cargo-semver-checks (`cargo install cargo-semver-checks --locked`;
# a binary at $CARGO_SEMVER_CHECKS is used instead when set). Builds the
# crate's documentation twice (at REV and now), with every feature: minutes,
# not seconds. Not run by .ci/run.
#
# Exit status: 0 when both agree; 1 when they disagree; 2 when either cannot
# run. The two may rightly disagree when the generator itself changed since
# REV (semver-checks sees the generated code, `cargo xtask diff --base`
# only what the documents in specs/ changed), or on a change only one of
# them looks at (`cargo xtask diff` compares items, fields, variants,
# signatures and the traits a type names, as text; it does not resolve
# types or follow trait bounds).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

rev="${1:-$(git merge-base origin/main HEAD)}"
package=huaweicloud-batch-delete

if [ -n "${CARGO_SEMVER_CHECKS:-}" ]; then
  semver_checks=("$CARGO_SEMVER_CHECKS" semver-checks)
elif command -v cargo-semver-checks >/dev/null 2>&1; then
  semver_checks=(cargo semver-checks)
else
  echo "cargo-semver-checks not found: cargo install cargo-semver-checks --locked" >&2
  exit 2
fi

# cargo-semver-checks: `--release-type minor` asks whether a minor release
# would do; the summary names a major version when it would not.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
"${semver_checks[@]}" check-release --package "$package" --baseline-rev "$rev" \
  --release-type minor --all-features >"$log" 2>&1
status=$?
set -e
cat "$log"
if grep -q "requires new major version" "$log"; then
  theirs=major
elif [ "$status" -eq 0 ]; then
  theirs=not-major
else
  echo "error: cargo-semver-checks could not decide (exit $status)" >&2
  exit 2
fi

# cargo xtask diff: the Rust-level bump over every document of specs/.
set +e
json="$(cargo xtask diff --base "$rev" --format json)"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "error: cargo xtask diff --base $rev failed (exit $status)" >&2
  exit 2
fi
bump="$(printf '%s' "$json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["rust"]["bump"])')"
if [ "$bump" = major ]; then ours=major; else ours=not-major; fi

echo "cargo-semver-checks: $theirs; cargo xtask diff --base $rev: $bump ($ours)"
if [ "$theirs" != "$ours" ]; then
  echo "error: the two disagree on whether $package needs a major release since $rev" >&2
  exit 1
fi
