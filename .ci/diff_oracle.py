#!/usr/bin/env python3
"""`cargo xtask diff` against an independent checker, Atlassian's
openapi-diff (npm, pinned below), over every fixture pair of
codegen/tests/fixtures/diff: each pair's verdict, breaking or not, must be
the checker's, except for the deliberate differences listed below (each
with its reason). Prints the agreement count; exits 1 on a disagreement
that is not listed, on a listed one that no longer disagrees, and on a
fixture the checker cannot read unless that is listed.

openapi-diff compares paths, methods, request and response bodies (JSON
media types, through json-schema-diff, which reads neither enum, pattern,
format nor default), response statuses and the required-ness of response
headers; it calls a change breaking when it narrows a request or widens a
response. It does not read parameters, security, servers or operationIds.

Usage: .ci/diff_oracle.py [--xtask BIN] [--prefix DIR]
"""

import argparse
import json
import os
import subprocess
import sys

VERSION = "0.24.1"
FIXTURES = "codegen/tests/fixtures/diff"

# Fixture → why our verdict differs from openapi-diff's.
DELIBERATE = {
    # Where the checker does not look.
    "operation-id-changed": "the checker ignores operationIds; generated method and type names follow them",
    "parameter-added-required": "the checker does not read parameters",
    "parameter-removed": "the checker does not read parameters",
    "parameter-became-required": "the checker does not read parameters",
    "parameter-became-optional": "the checker does not read parameters",
    "parameter-location-changed": "the checker does not read parameters",
    "parameter-style-changed": "the checker does not read parameters",
    "parameter-explode-changed": "the checker does not read parameters",
    "parameter-max-decreased": "the checker does not read parameters",
    "security-scheme-added-to-operation": "the checker does not read security",
    "security-alternative-removed": "the checker does not read security",
    "security-scheme-changed": "the checker does not read security",
    "server-removed": "the checker does not read servers",
    "request-enum-value-removed": "json-schema-diff does not read enum",
    "request-pattern-added": "json-schema-diff does not read pattern",
    "request-format-changed": "json-schema-diff does not read format; generated Rust types follow it (i32 to i64)",
    "request-default-changed": "json-schema-diff does not read default",
    "request-media-type-removed": "the checker reads JSON media types only",
    "request-body-became-required": "the checker does not read a request body's required",
    "security-scope-added": "the checker does not read security",
    "request-enum-added": "json-schema-diff does not read enum",
    "request-enum-removed": "json-schema-diff does not read enum; implementations now get any string where the generated type was an enum",
    "response-enum-added": "json-schema-diff does not read enum; implementations must keep to it",
    "response-enum-removed": "json-schema-diff does not read enum",
    "request-pattern-changed": "json-schema-diff does not read pattern",
    "response-pattern-changed": "json-schema-diff does not read pattern",
    "response-pattern-removed": "json-schema-diff does not read pattern",
    "request-multiple-of-changed": "json-schema-diff does not read multipleOf",
    "response-multiple-of-changed": "json-schema-diff does not read multipleOf",
    "response-format-changed": "json-schema-diff does not read format; generated Rust types follow it",
    "request-became-not-nullable": "the checker does not read nullable",
    "response-became-not-nullable": "the checker does not read nullable",
    "response-became-nullable": "the checker does not read nullable",
    "openapi31-response-became-nullable": "the checker cannot read OpenAPI 3.1",
    "recursive-response-max-length-increased": "the checker cannot read recursive schemas",
    # Where the checker reads a schema as a set of values and we read it as
    # the properties callers send (as oasdiff does).
    "request-property-added-optional": "to the checker a new property narrows what an unlisted one could hold; callers never sent it",
    "request-property-removed": "to the checker a property left out may hold anything; generated clients lose the field and servers ignore it",
    "request-body-removed": "to the checker a missing body accepts anything; generated clients lose the body argument and servers ignore it",
    "request-body-added-optional": "to the checker a missing body accepts anything, so describing an optional one narrows it; callers that send none are fine",
    "response-media-type-removed": "the checker reads JSON media types only",
    # Where generated Rust code makes a change breaking that the checker calls safe.
    "response-status-added": "generated outcome and error enums are exhaustive: a caller's match breaks",
    "request-enum-value-added": "an implementation's exhaustive match over the generated request enum breaks",
    "response-enum-value-removed": "implementations that send the value no longer match the generated enum",
    "request-became-nullable": "implementations now get None where the generated field was not an Option",
    "request-body-became-optional": "implementations now get no body where the generated one was not an Option",
    "response-property-added-required": "implementations must now send it: the generated constructor takes it",
    "response-property-became-required": "implementations must now send it: the generated field is no longer an Option",
    "request-property-became-optional": "implementations now get None where the generated field was not an Option",
    "response-header-became-required": "implementations must now send the header",
    "request-type-widened": "implementations get another Rust type (an f64 where it was an i64)",
}


def ours(xtask, old, new):
    out = subprocess.run(
        [xtask, "diff", old, new, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"xtask diff failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)["summary"]["breaking"] > 0


def theirs(checker, directory):
    # Run in the fixture's folder, so that references to other files
    # resolve against it.
    out = subprocess.run(
        ["node", checker, "old.yaml", "new.yaml"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if "Breaking changes found" in out.stdout:
        return True
    if out.returncode == 0 and (
        "Non breaking changes found" in out.stdout or "No changes found" in out.stdout
    ):
        return False
    return None  # the checker could not read the pair


def install(prefix):
    checker = os.path.join(prefix, "node_modules", "openapi-diff", "bin", "openapi-diff")
    package = os.path.join(prefix, "node_modules", "openapi-diff", "package.json")
    try:
        with open(package, encoding="utf-8") as f:
            installed = json.load(f).get("version")
    except OSError:
        installed = None
    if installed != VERSION:
        os.makedirs(prefix, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", prefix, "--no-save", "--no-audit",
             "--no-fund", "--loglevel=error", f"openapi-diff@{VERSION}"],
            check=True,
        )
    return checker


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xtask", default="target/debug/xtask")
    parser.add_argument("--prefix", default="target/diff-oracle")
    args = parser.parse_args()
    checker = os.path.abspath(install(args.prefix))
    names = sorted(os.listdir(FIXTURES))
    agree, listed, problems = 0, 0, []
    for name in names:
        directory = os.path.join(FIXTURES, name)
        mine = ours(args.xtask, os.path.join(directory, "old.yaml"), os.path.join(directory, "new.yaml"))
        other = theirs(checker, directory)
        verdict = lambda b: "breaking" if b else "non-breaking"
        if other is None:
            if name in DELIBERATE:
                listed += 1
                print(f"listed   {name}: the checker cannot read it ({DELIBERATE[name]})")
            else:
                problems.append(f"{name}: openapi-diff cannot read the pair")
            continue
        if mine == other:
            agree += 1
            if name in DELIBERATE:
                problems.append(f"{name}: listed as a deliberate difference, but both say {verdict(mine)}")
            else:
                print(f"agree    {name}: {verdict(mine)}")
        elif name in DELIBERATE:
            listed += 1
            print(f"listed   {name}: ours {verdict(mine)}, openapi-diff {verdict(other)} ({DELIBERATE[name]})")
        else:
            problems.append(f"{name}: ours {verdict(mine)}, openapi-diff {verdict(other)}")
    stale = sorted(set(DELIBERATE) - set(names))
    problems.extend(f"{name}: listed, but there is no such fixture" for name in stale)
    print(
        f"openapi-diff {VERSION}: {agree} of {len(names)} fixture pairs agree, "
        f"{listed} listed deliberate differences, {len(problems)} unexpected"
    )
    for p in problems:
        print(f"UNEXPECTED {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
