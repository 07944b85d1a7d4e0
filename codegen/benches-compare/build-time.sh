#!/usr/bin/env bash
# Non-incremental build time of a client-only crate generated from nexus.json:
# ours (`cargo xtask codegen --spec`, built with `--no-default-features
# --features client,nexus`) against progenitor's (`cargo progenitor` 0.15.1,
# which generates clients only). Dependencies warm: each crate is built once,
# then `cargo clean -p <crate>` and the rebuild is timed, RUNS times per
# profile, alternating which crate goes first; medians and ratios printed.
#
#   cargo install cargo-progenitor@0.15.1 --locked   # once
#   [PROFILES=dev|release] bash codegen/benches-compare/build-time.sh [RUNS]
#
# BUILD_TARGET_DIR (default /work/target-bench, else a temp dir) holds both
# builds; WORK (default a temp dir) the two generated crates.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
spec=codegen/tests/fixtures/public/nexus.json
work=${WORK:-$(mktemp -d)}
target=${BUILD_TARGET_DIR:-/work/target-bench}
mkdir -p "$target" 2>/dev/null || target=$(mktemp -d)
export CARGO_INCREMENTAL=0

command -v cargo-progenitor >/dev/null || {
  echo "cargo-progenitor not found: cargo install cargo-progenitor@0.15.1 --locked" >&2
  exit 2
}

rm -rf "$work/ours" "$work/progenitor"
cargo xtask codegen --spec "$spec" --out "$work/ours" >/dev/null
cargo progenitor -i "$spec" -o "$work/progenitor" -n nexus-progenitor -v 0.1.0 >/dev/null

ours=(cargo build --quiet --manifest-path "$work/ours/Cargo.toml" --no-default-features --features client,nexus)
theirs=(cargo build --quiet --manifest-path "$work/progenitor/Cargo.toml")

echo "ours: $(find "$work/ours/src" -name '*.rs' -exec cat {} + | wc -l) lines of Rust in src/ (the server modules are not compiled client-only)"
echo "progenitor: $(find "$work/progenitor/src" -name '*.rs' -exec cat {} + | wc -l) lines of Rust in src/"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# One rebuild of the crate alone, in seconds.
rebuild() { # name manifest profile-flag cmd...
  local name=$1 manifest=$2 profile=$3
  shift 3
  CARGO_TARGET_DIR=$target cargo clean --quiet -p "$name" $profile --manifest-path "$manifest"
  local start end
  start=$(date +%s.%N)
  CARGO_TARGET_DIR=$target "$@" $profile
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# PROFILES="dev release" (default) or one of them.
profiles=()
for p in ${PROFILES:-dev release}; do
  case $p in
    dev) profiles+=("") ;;
    release) profiles+=("--release") ;;
    *) echo "PROFILES: dev, release" >&2; exit 2 ;;
  esac
done
for profile in "${profiles[@]}"; do
  label=${profile:-"(dev profile)"}; [ -n "$profile" ] && label="(release profile)"
  # Dependencies warm.
  CARGO_TARGET_DIR=$target "${ours[@]}" $profile
  CARGO_TARGET_DIR=$target "${theirs[@]}" $profile
  o=() t=()
  for i in $(seq "$runs"); do
    if [ $((i % 2)) -eq 1 ]; then
      o+=("$(rebuild nexus "$work/ours/Cargo.toml" "$profile" "${ours[@]}")")
      t+=("$(rebuild nexus-progenitor "$work/progenitor/Cargo.toml" "$profile" "${theirs[@]}")")
    else
      t+=("$(rebuild nexus-progenitor "$work/progenitor/Cargo.toml" "$profile" "${theirs[@]}")")
      o+=("$(rebuild nexus "$work/ours/Cargo.toml" "$profile" "${ours[@]}")")
    fi
  done
  om=$(printf '%s\n' "${o[@]}" | median)
  tm=$(printf '%s\n' "${t[@]}" | median)
  printf 'nexus client-only build %s: ours %.1f s, progenitor %.1f s, ratio %.2fx (time, lower is better; median of %d paired rebuilds; ours %s; progenitor %s)\n' \
    "$label" "$om" "$tm" "$(echo "$om / $tm" | bc -l)" "$runs" "${o[*]}" "${t[*]}"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
