#!/usr/bin/env bash
# The parameter styles of codegen/tests/fixtures/styles/styles.yaml against
# implementations we did not write:
#
# 1. the generated client's requests, parsed by openapi-core
#    (.ci/style_oracle.py), must give back exactly the values sent;
# 2. Schemathesis against the generated server (an echo of the values it
#    read): every valid request accepted, every invalid one rejected.
#
# Usage: .ci/style_oracle.sh [PYTHON_VENV_WITH_OPENAPI_CORE] [SCHEMATHESIS_VENV]
# (defaults: target/oracle-venv, target/ci-venv; both are created and
# filled with the pinned versions when they lack them).
set -euo pipefail
cd "$(dirname "$0")/.."

oracle_venv=${1:-target/oracle-venv}
st_venv=${2:-target/ci-venv}
openapi_core_version=0.23.1
schemathesis_version=4.32.5
fixture=codegen/tests/fixtures/styles
out=target/style-oracle
crate=$out/styles

# openapi-core 0.23 needs openapi-spec-validator 0.8, while the validator
# step of .ci/run pins 0.7.1 in target/ci-venv: openapi-core gets a venv
# of its own so that neither changes what the other runs.
[ -x "$oracle_venv/bin/python" ] || python3 -m venv "$oracle_venv"
if ! "$oracle_venv/bin/pip" freeze --disable-pip-version-check 2>/dev/null |
  grep -qx "openapi-core==$openapi_core_version"; then
  "$oracle_venv/bin/pip" install --quiet --disable-pip-version-check "openapi-core==$openapi_core_version"
fi
[ -x "$st_venv/bin/python" ] || python3 -m venv "$st_venv"
if [ "$("$st_venv/bin/st" --version 2>/dev/null)" != "st, version $schemathesis_version" ]; then
  "$st_venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

# The fixture's standalone crate with the two programs as examples, built
# offline against the workspace's Cargo.lock (as codegen/tests/round_trips.rs
# does), in the target directory the fixture crates share.
rm -rf "$crate"
mkdir -p "$out"
cargo xtask codegen --spec "$fixture/styles.yaml" --out "$crate"
cp Cargo.lock "$crate/Cargo.lock"
mkdir -p "$crate/examples"
cp "$fixture/oracle_requests.rs" "$crate/examples/oracle_requests.rs"
cp "$fixture/echo_server.rs" "$crate/examples/echo_server.rs"
target_dir=$PWD/target/fixture-crates
(cd "$crate" && CARGO_TARGET_DIR="$target_dir" cargo build --offline --examples)
bin=$target_dir/debug/examples

echo "--- the generated client's requests, read by openapi-core $openapi_core_version"
"$bin/oracle_requests" >"$out/requests.jsonl"
"$oracle_venv/bin/python" .ci/style_oracle.py "$fixture/styles.yaml" "$out/requests.jsonl"

echo "--- schemathesis $schemathesis_version against the generated server"
log=$out/echo-server.log
: >"$log" # before the loop below reads it
"$bin/echo_server" >"$log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^listening on //p' "$log")
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$log" >&2; echo "the echo server did not start" >&2; exit 1; }
# Left out, each for a way Schemathesis 4.32.5 writes the style itself
# against the specification's table (our client's requests for them are read
# by openapi-core above, and the round trip reads them back):
# - pipeDelimited and spaceDelimited objects: it sends `obj=B&obj=G&obj=R`,
#   the keys without their values, where the table says `obj=R|100|G|200`;
# - an exploded object in a cookie: one cookie `obj=B=0,G=0,R=0` (the
#   header style) where form writes one cookie per property;
# - exploded label arrays: its invalid `[0.5]` is `.0.5`, which the table
#   reads as the valid `[0, 5]`.
timeout 300 "$st_venv/bin/st" run "$fixture/styles.yaml" --url "$url" \
  --exclude-operation-id queryPipeDelimitedFlat \
  --exclude-operation-id querySpaceDelimitedFlat \
  --exclude-operation-id cookieExploded \
  --exclude-operation-id pathLabelExploded \
  --checks not_a_server_error,positive_data_acceptance,negative_data_rejection \
  --mode all --seed 20240611 --max-examples 50 --suppress-health-check all \
  --generation-deterministic \
  --report junit --report-dir "$out/report"
