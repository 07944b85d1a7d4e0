#!/usr/bin/env python3
"""Schemathesis against the generated server stub of any OpenAPI document.

usage: .ci/conformance.py [options] DOC [DOC ...]

For each document: generate its standalone crate (`cargo xtask codegen
--spec DOC --out DIR`), add a program serving the generated server with the
default `Api` (every method answers the spec's error body saying it is not
implemented) and every credential accepted (a request carrying none of the
document's credentials gets 401), build it offline against the
workspace's Cargo.lock, start it, and run Schemathesis against the document
with the `positive_data_acceptance` and `negative_data_rejection` checks, on
valid and invalid data. Prints, per document:

    valid accepted / sent    invalid rejected / sent

counted from Schemathesis's own check results (its NDJSON events): a valid
request is accepted when `positive_data_acceptance` passes on it, or when the
answer is the default `Api`'s own "not implemented" reply (always a 501:
the request got through every check the stub makes and reached the
implementation), and an invalid one rejected when it did not reach the
implementation and `negative_data_rejection` passes or the HTTP layer
refuses it as too large (413, 414, 431). With --failures, the first
failing requests of each kind are listed, to explain what remains.

Options: --max-examples N (default 10), --seed N, --st PATH (default
target/ci-venv/bin/st), --work DIR (default target/conformance), --target-dir
DIR (cargo's target directory for the generated crates, default WORK/target;
one shared with other builds reuses their compiled dependencies), --json FILE
(the numbers as JSON), --failures N (requests to list per kind, default 0),
--timeout SECONDS (per document's Schemathesis run, default 900), --require
PCT (exit 1 unless both totals reach PCT percent), --objects-as-read
(Schemathesis reads the document with `type: object` added where a schema
has `properties`, `required` or `additionalProperties` but no type, as the
generator reads it; without it, Schemathesis also sends arrays, strings and
null to such schemas, which the stub refuses), --arbiter PYTHON (a Python
with openapi-core: every case the stub and Schemathesis disagree on is
validated again by openapi-core as it went on the wire, and set aside,
counted and listed apart, when the bytes sent are not what Schemathesis
meant: a "valid" case openapi-core refuses, an "invalid" one it accepts;
see .ci/conformance_arbiter.py), --arbiter-twins DIR (the arbiter reads,
for each document, the file of the same name in DIR instead: its OpenAPI 3
conversion, made by another tool, for a Swagger 2.0 document, which
openapi-core does not read).
"""
import argparse
import base64
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SERVE = """//! Serves the generated server with the default `Api` (written by
//! .ci/conformance.py): every credential is accepted, but a request that
//! carries none of the document's credentials is refused with 401.

use {krate}::runtime::server::{{
    AuthError, Authenticate, HeadVerdict, Identity, RequestHead, ServerConfig,
}};

struct Defaults;

impl {krate}::{module}::server::Api for Defaults {{}}

/// Where the document's security schemes carry a credential.
const HEADERS: &[&str] = &[{headers}];
/// The schemes an `Authorization` header may name (`basic`, `bearer`; any
/// when empty).
const AUTHORIZATION: &[&str] = &[{authorization}];
const QUERY: &[&str] = &[{query}];
const COOKIES: &[&str] = &[{cookies}];

/// Accepts a request that carries any of the document's credentials.
struct Present;

impl Authenticate for Present {{
    fn authenticate_head(&self, head: &RequestHead<'_>) -> Result<HeadVerdict, AuthError> {{
        let query = head.uri.query().unwrap_or_default();
        let cookies: Vec<&str> = head
            .headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .collect();
        let authorization = head
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {{
                let scheme = v.split(' ').next().unwrap_or_default().to_ascii_lowercase();
                AUTHORIZATION.is_empty() || AUTHORIZATION.contains(&scheme.as_str())
            }});
        let present = HEADERS
            .iter()
            .any(|n| if *n == "authorization" {{ authorization }} else {{ head.headers.contains_key(*n) }})
            || QUERY.iter().any(|n| query.split('&').any(|p| p.split('=').next() == Some(*n)))
            || COOKIES
                .iter()
                .any(|n| cookies.iter().any(|c| c.trim().split('=').next() == Some(*n)));
        if present {{
            Ok(HeadVerdict::Accepted(Identity {{
                scheme: "any".into(),
                principal: "anyone".into(),
            }}))
        }} else {{
            Err(AuthError::Missing)
        }}
    }}
}}

#[tokio::main]
async fn main() {{
    let router = {krate}::{module}::server::router(Defaults, ServerConfig::new(Present));
    let (url, _handle) = {krate}::runtime::server::serve_local(router)
        .await
        .expect("serve on a free port");
    println!("listening on {{url}}");
    std::future::pending::<()>().await;
}}
"""


def carriers(document):
    """(headers, query parameters, cookies, `Authorization` schemes) that
    carry the credentials of the document's security schemes (3.x `securitySchemes`, 2.0
    `securityDefinitions`)."""
    schemes = dict((document.get("components") or {}).get("securitySchemes") or {})
    schemes.update(document.get("securityDefinitions") or {})
    headers, query, cookies, authorization = set(), set(), set(), set()
    for scheme in schemes.values():
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        if kind == "apiKey":
            where = {"header": headers, "query": query, "cookie": cookies}.get(scheme.get("in"))
            if where is not None and isinstance(scheme.get("name"), str):
                where.add(scheme["name"].lower() if scheme.get("in") == "header" else scheme["name"])
            continue
        headers.add("authorization")
        if kind == "basic" or (kind == "http" and str(scheme.get("scheme")).lower() == "basic"):
            authorization.add("basic")
        elif kind == "http":
            authorization.add(str(scheme.get("scheme", "bearer")).lower())
        else:  # oauth2, openIdConnect
            authorization.add("bearer")
    return sorted(headers), sorted(query), sorted(cookies), sorted(authorization)


def rust_list(names):
    return ", ".join(json.dumps(n) for n in names)


def read_document(doc, st):
    """The document as Python values, read by Schemathesis's Python (which
    has PyYAML)."""
    python = os.path.join(os.path.dirname(st), "python")
    read = run([python, os.path.join(ROOT, ".ci", "document_json.py"), doc])
    if read.returncode != 0:
        raise RuntimeError(f"cannot read {doc}: {read.stderr.strip()[-500:]}")
    return json.loads(read.stdout)


class NoOperations(Exception):
    """A document without operations: nothing to serve."""


def crate_name(path):
    base = os.path.splitext(os.path.basename(path))[0]
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    return re.sub(r"[^A-Za-z0-9]+", "-", f"{parent}-{base}").strip("-").lower()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def xtask_binary():
    r = run(["cargo", "build", "-q", "-p", "xtask"], cwd=ROOT)
    if r.returncode != 0:
        sys.exit(f"cannot build xtask:\n{r.stderr}")
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "debug", "xtask")


def build(doc, work, xtask, target_dir, st):
    """Generates and builds the document's server; returns the binary or
    raises RuntimeError with what failed."""
    name = crate_name(doc)
    crate = os.path.join(work, name)
    shutil.rmtree(crate, ignore_errors=True)
    r = run([xtask, "codegen", "--spec", doc, "--out", crate])
    if r.returncode != 0:
        raise RuntimeError("generation failed: " + (r.stderr or r.stdout)[-2000:])
    manifest = open(os.path.join(crate, "Cargo.toml")).read()
    krate = re.search(r'^name = "([^"]+)"', manifest, re.M).group(1).replace("-", "_")
    lib = open(os.path.join(crate, "src", "lib.rs")).read()
    modules = [m for m in re.findall(r"^pub mod (\w+);", lib, re.M) if m != "runtime"]
    if len(modules) != 1:
        raise RuntimeError(f"expected one API module, found {modules}")
    server = os.path.join(crate, "src", modules[0], "server.rs")
    # Webhooks alone make a `Webhooks` receiver, which Schemathesis does
    # not call: nothing to serve either.
    if not os.path.exists(server) or "pub trait Api" not in open(server).read():
        raise NoOperations()
    os.makedirs(os.path.join(crate, "examples"), exist_ok=True)
    with open(os.path.join(crate, "examples", "serve.rs"), "w") as f:
        headers, query, cookies, authorization = carriers(read_document(doc, st))
        f.write(SERVE.format(krate=krate, module=modules[0], headers=rust_list(headers),
                             query=rust_list(query), cookies=rust_list(cookies),
                             authorization=rust_list(authorization)))
    shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(crate, "Cargo.lock"))
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir)
    r = run(["cargo", "build", "--offline", "-q", "--example", "serve"], cwd=crate, env=env)
    if r.returncode != 0:
        raise RuntimeError("build failed: " + r.stderr[-3000:])
    return os.path.join(target_dir, "debug", "examples", "serve")


def start(binary, log_path):
    log = open(log_path, "w")
    proc = subprocess.Popen([binary], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited: " + open(log_path).read()[-2000:])
        m = re.search(r"^listening on (\S+)", open(log_path).read(), re.M)
        if m:
            return proc, m.group(1)
        time.sleep(0.1)
    stop(proc)
    raise RuntimeError("the server did not start within 60 s")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def count(ndjson, failures_wanted, arbiter=None, doc=None):
    """(valid sent, accepted, invalid sent, rejected, examples of failures,
    cases the arbiter moved). With an arbiter (a Python with openapi-core),
    each case the stub and Schemathesis disagree on is judged again as it
    went on the wire: a "valid" case openapi-core finds invalid, or an
    "invalid" one it finds valid, is set aside and counted apart."""
    totals = {"positive_data_acceptance": [0, 0], "negative_data_rejection": [0, 0]}
    failed = {"positive_data_acceptance": [], "negative_data_rejection": []}
    disputed = []  # (check name, request, one-line description)
    framing = {"positive_data_acceptance": [], "negative_data_rejection": []}
    for line in open(ndjson):
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        checks = recorder.get("checks") or {}
        interactions = recorder.get("interactions") or {}
        cases = recorder.get("cases") or {}
        for case_id, results in checks.items():
            case = (cases.get(case_id) or {}).get("value") or {}
            mode = ((case.get("meta") or {}).get("generation") or {}).get("mode")
            # Both checks are recorded on every case; each applies to one mode.
            wanted = {"positive": "positive_data_acceptance", "negative": "negative_data_rejection"}
            for check in results:
                name = check.get("name")
                if name not in totals or wanted.get(mode) != name:
                    continue
                totals[name][0] += 1
                i = interactions.get(case_id) or {}
                req, resp = i.get("request") or {}, i.get("response") or {}
                body = (resp.get("content") or {}).get("$base64") or ""
                body = base64.b64decode(body).decode("utf-8", "replace") if body else ""
                # The default `Api` answered: the request passed every check
                # the stub makes and reached the implementation.
                reached = resp.get("status_code") == 501 and bool(NOT_IMPLEMENTED.search(body))
                if name == "positive_data_acceptance":
                    passed = reached or check.get("status") == "success"
                else:
                    passed = not reached and (
                        check.get("status") == "success"
                        or resp.get("status_code") in REFUSED_BY_SIZE
                    )
                headers = {k.lower(): v for k, v in (resp.get("headers") or {}).items()}
                if passed:
                    totals[name][1] += 1
                elif name == "positive_data_acceptance" and http_layer_refusal(resp, headers):
                    # Refused before the stub saw it (no request id): the
                    # HTTP layer's answer to a malformed request head, such
                    # as a `Content-Length` parameter's drawn value, which
                    # RFC 9112 (section 6.3) requires a server to refuse.
                    totals[name][0] -= 1
                    framing[name].append(f"{req.get('method')} {req.get('uri')} -> 400 from the HTTP layer")
                else:
                    phase = ((case.get("meta") or {}).get("phase") or {}).get("data") or {}
                    what = phase.get("description") or phase.get("scenario") or ""
                    line = (f"{req.get('method')} {req.get('uri')} -> {resp.get('status_code')} "
                            f"{body[:200]}" + (f" [{what}]" if what else ""))
                    disputed.append((name, req, line))
    moved = framing
    verdicts = judge(arbiter, doc, [r for _, r, _ in disputed]) if arbiter and disputed else None
    for i, (name, _, line) in enumerate(disputed):
        v = verdicts[i] if verdicts else None
        # A "valid" case sent as invalid bytes, an "invalid" one sent as valid.
        if v is not None and v["valid"] == (name == "negative_data_rejection"):
            totals[name][0] -= 1
            moved[name].append(f"{line} (openapi-core: {v['why']})")
        elif len(failed[name]) < failures_wanted:
            failed[name].append(line + (f" (openapi-core: {v['why']})" if v else ""))
    (vs, va), (ns, nr) = totals["positive_data_acceptance"], totals["negative_data_rejection"]
    return vs, va, ns, nr, failed, moved


def http_layer_refusal(resp, headers):
    """A 400 the HTTP layer sent before the stub ran: no `x-request-id` (the
    stub puts one on every answer), the connection closed, nothing in it."""
    return (
        resp.get("status_code") == 400
        and "x-request-id" not in headers
        and headers.get("connection") == ["close"]
        and not (resp.get("content") or {}).get("$base64")
    )


def judge(python, doc, requests):
    """openapi-core's verdicts on `requests` (.ci/conformance_arbiter.py),
    or None when it cannot read the document (Swagger 2.0, say)."""
    payload = [
        {
            "method": r.get("method"),
            "url": r.get("uri"),
            "headers": [[k, v] for k, vs in (r.get("headers") or {}).items() for v in vs],
            "body": (r.get("body") or {}).get("$base64"),
        }
        for r in requests
    ]
    p = subprocess.run(
        [python, os.path.join(ROOT, ".ci", "conformance_arbiter.py"), doc],
        input=json.dumps(payload), capture_output=True, text=True, timeout=600,
    )
    if p.returncode != 0:
        print(f"    (openapi-core cannot judge {doc}: {p.stderr.strip().splitlines()[-1:]})",
              flush=True)
        return None
    return json.loads(p.stdout)


# Statuses the HTTP layer refuses oversized input with (a header or URI over
# its limit, a body over the server's): rejections, though Schemathesis's
# `negative_data_rejection` lists none of them.
REFUSED_BY_SIZE = (413, 414, 431)

# The default `Api`'s answer (runtime `server::not_implemented`).
NOT_IMPLEMENTED = re.compile(r"the operation \S+ is not implemented by this server")


# Keys whose values map names to what they name, never a schema themselves.
NAMED_MAPS = ("properties", "patternProperties", "definitions", "$defs", "schemas",
              "paths", "responses", "parameters", "requestBodies", "headers",
              "securitySchemes", "content", "encoding", "callbacks", "links",
              "webhooks", "dependentSchemas")
# Keys whose values are data, not schemas.
DATA_KEYS = ("example", "examples", "default", "enum", "const", "x-examples")


def objects_as_read(doc, work, name, st):
    """The document as the generator reads it, for Schemathesis: `type:
    object` added to every schema that has `properties`, `required` or
    `additionalProperties` and no `type` (nor `$ref` or a composition).
    By JSON Schema such a schema also allows arrays, strings, numbers and
    null; the generator reads it as the object it describes, and so does
    every service we know. Returns (path, how many schemas were changed).
    A document that is not one self-contained file is served as it is."""
    data = read_document(doc, st)
    implied = 0

    def walk(node, key=None):
        nonlocal implied
        if isinstance(node, dict) and key in NAMED_MAPS:
            # Names to schemas (or to responses, paths, …): a property may
            # be called `properties` or `required` without this being a schema.
            for v in node.values():
                walk(v)
        elif isinstance(node, dict):
            if (
                key not in DATA_KEYS
                and (
                    isinstance(node.get("properties"), dict)
                    or isinstance(node.get("required"), list)
                    or isinstance(node.get("additionalProperties"), (dict, bool))
                )
                and not any(k in node for k in ("type", "$ref", "allOf", "oneOf", "anyOf", "in"))
            ):
                node["type"] = "object"
                implied += 1
            for k, v in node.items():
                if k not in DATA_KEYS:
                    walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)

    if any(isinstance(v, str) and not v.startswith("#") for v in refs(data)):
        return doc, 0
    walk(data)
    path = os.path.join(work, f"{name}.as-read.json")
    with open(path, "w") as f:
        json.dump(data, f)
    return path, implied


def refs(node):
    """Every `$ref` value in a document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def pct(a, b):
    return f"{100.0 * a / b:.1f}%" if b else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("docs", nargs="+")
    ap.add_argument("--max-examples", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--st", default=os.path.join(ROOT, "target", "ci-venv", "bin", "st"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "conformance"))
    ap.add_argument("--json")
    ap.add_argument("--target-dir", help="cargo target directory for the generated crates "
                    "(default WORK/target); one shared with other builds reuses their dependencies")
    ap.add_argument("--failures", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--require", type=float)
    ap.add_argument("--objects-as-read", action="store_true")
    ap.add_argument("--arbiter")
    ap.add_argument("--arbiter-twins")
    args = ap.parse_args()
    if not os.access(args.st, os.X_OK):
        sys.exit(f"no Schemathesis at {args.st} (pip install schemathesis==4.32.5)")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    target_dir = os.path.abspath(args.target_dir) if args.target_dir else os.path.join(work, "target")
    xtask = xtask_binary()
    results = []
    sums = [0, 0, 0, 0]
    for doc in args.docs:
        name = crate_name(doc)
        started = time.time()
        row = {"document": doc, "name": name}
        proc = None
        try:
            binary = build(doc, work, xtask, target_dir, args.st)
            proc, url = start(binary, os.path.join(work, f"{name}.server.log"))
            report = os.path.join(work, f"{name}.ndjson")
            if os.path.exists(report):
                os.remove(report)
            served = doc
            if args.objects_as_read:
                served, implied = objects_as_read(doc, work, name, args.st)
                row["objects_implied"] = implied
            cmd = [
                args.st, "run", served, "--url", url,
                "--checks", "positive_data_acceptance,negative_data_rejection",
                "--mode", "all", "--max-examples", str(args.max_examples),
                "--seed", str(args.seed), "--suppress-health-check", "all",
                "--phases", "examples,coverage,fuzzing",
                "--report", "ndjson", "--report-ndjson-path", report,
                # The requests as sent: the arbiter judges them again.
                "--output-sanitize", "false",
                "--no-color",
            ]
            st = run(cmd, timeout=args.timeout)
            with open(os.path.join(work, f"{name}.schemathesis.log"), "w") as f:
                f.write(st.stdout + st.stderr)
            if not os.path.exists(report):
                raise RuntimeError("Schemathesis wrote no report: " + (st.stdout + st.stderr)[-2000:])
            judged = served
            if args.arbiter_twins:
                judged = os.path.join(args.arbiter_twins, os.path.basename(doc))
                if args.objects_as_read:
                    judged, _ = objects_as_read(judged, work, name + "-twin", args.st)
            vs, va, ns, nr, failed, moved = count(report, args.failures, args.arbiter, judged)
            if vs + ns == 0:
                # Schemathesis stopped before sending anything (it could
                # not read the document, say): no figures, an error.
                raise RuntimeError("Schemathesis sent no request: " + (st.stdout + st.stderr).strip()[-300:])
            row.update(valid_sent=vs, valid_accepted=va, invalid_sent=ns, invalid_rejected=nr,
                       failures=failed, set_aside={k: len(v) for k, v in moved.items()},
                       set_aside_examples={k: v[:args.failures] for k, v in moved.items()})
            for i, v in enumerate((vs, va, ns, nr)):
                sums[i] += v
            line = (f"{name}\tvalid {va}/{vs} ({pct(va, vs)})\t"
                    f"invalid {nr}/{ns} ({pct(nr, ns)})")
            if args.objects_as_read:
                line += f"\t{row['objects_implied']} objects implied"
            if args.arbiter:
                line += (f"\tset aside: {len(moved['positive_data_acceptance'])} valid, "
                         f"{len(moved['negative_data_rejection'])} invalid")
        except NoOperations:
            row["skipped"] = "no operations"
            line = f"{name}\tno operations to serve"
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            row["error"] = str(e)
            line = f"{name}\tERROR {str(e).splitlines()[0] if str(e) else e!r}"
        finally:
            if proc:
                stop(proc)
        row["seconds"] = round(time.time() - started, 1)
        print(f"{line}\t{row['seconds']} s", flush=True)
        for kind, examples in (row.get("failures") or {}).items():
            for ex in examples:
                print(f"    {kind}: {ex}", flush=True)
        for kind, examples in (row.get("set_aside_examples") or {}).items():
            for ex in examples:
                print(f"    set aside, {kind}: {ex}", flush=True)
        results.append(row)
    vs, va, ns, nr = sums
    errors = sum(1 for r in results if "error" in r)
    print(f"total\tvalid {va}/{vs} ({pct(va, vs)})\tinvalid {nr}/{ns} ({pct(nr, ns)})\t"
          f"{len(results) - errors}/{len(results)} documents run")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if errors:
        return 1
    if args.require is not None:
        for what, a, b in (("valid accepted", va, vs), ("invalid rejected", nr, ns)):
            if not b or 100.0 * a / b < args.require:
                print(f"{what}: {pct(a, b)} of {b}, under the required {args.require}%")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
