"""The generated client's parameters, read back by openapi-core.

Usage: style_oracle.py SPEC REQUESTS.jsonl

REQUESTS.jsonl is written by the fixture's `oracle_requests` example
(codegen/tests/fixtures/styles/oracle_requests.rs): one request of the
generated client per line, `{"operation", "method", "url", "headers",
"expected"}`. Each request is rebuilt as a Werkzeug request (Werkzeug
decodes the URL, the query string and the cookies, as a Flask server
would) and unmarshalled by openapi-core against SPEC; every parameter
must come back exactly as `expected` says. Prints one row per cell
(location, style, explode, shape) and exits 1 on any mismatch.

openapi-core (0.23.1) does not read some cells the way the
specification's style table writes them; for those, and only those, the
location openapi-core reads from is adapted (see `AdaptedParameters`),
never the value it parses: its own splitting and casting still decide.
"""

import json
import sys
from collections import defaultdict
from urllib.parse import urlsplit


import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

DEFAULT_STYLE = {"path": "simple", "header": "simple", "query": "form", "cookie": "form"}


class AdaptedParameters(RequestParameters):
    """The request's locations as openapi-core's style readers expect them.

    Three gaps of openapi-core 0.23.1
    (openapi_core/deserializing/styles/util.py), each checked against the
    specification's style table (OpenAPI 3.0.3, "Style Examples"):

    - `label` and `matrix` path parameters: `label_loads` and `matrix_loads`
      look the value up under `.name`, `.name*`, `;name` and `;name*` (RFC
      6570's operator-prefixed names), but its path finder stores a
      template's `{name}` under `name`, the only form an OpenAPI path
      template has ("Path Templating"). The same raw segment (`.blue`,
      `;color=blue`, as the table writes them) is offered under those keys.
    - `form` with `explode: true` for an object, in the query or a cookie:
      the table writes `R=100&G=200` (each property a pair of its own), but
      `form_loads` reads `location[name]` and splits it on `&` and `=`. The
      properties' pairs are joined back into that one text, under `name`.
    - `spaceDelimited`: the table writes `color=blue%20black`;
      `delimited_loads` splits on the literal text `%20`, but the query it is
      given is already percent-decoded (`blue black`). The space is given
      back as `%20`. (The values sent hold no `%`.)
    """

    def __init__(self, base, params):
        super().__init__(
            query=base.query, header=base.header, cookie=base.cookie, path=base.path
        )
        self._params = params
        self.adapted = set()

    def __getitem__(self, location):
        value = getattr(self, location)
        if location == "path":
            return self._path(value)
        if location in ("query", "cookie"):
            return self._form(location, value)
        return value

    def _path(self, variables):
        adapted = dict(variables)
        for p in self._params:
            if p["in"] == "path" and p["style"] in ("label", "matrix"):
                name = p["name"]
                if name in variables:
                    prefix = "." if p["style"] == "label" else ";"
                    suffix = "*" if p["explode"] else ""
                    adapted[prefix + name + suffix] = variables[name]
                    self.adapted.add((p["in"], p["style"], p["explode"], name))
        return adapted

    def _form(self, location, values):
        adapted = MultiDict(values)
        for p in self._params:
            if p["in"] != location:
                continue
            name = p["name"]
            if p["style"] == "form" and p["explode"] and p["type"] == "object":
                pairs = [
                    f"{key}={adapted[key]}" for key in p["properties"] if key in adapted
                ]
                if pairs and name not in adapted:
                    adapted[name] = "&".join(pairs)
                    self.adapted.add((p["in"], p["style"], p["explode"], name))
            elif p["style"] == "spaceDelimited" and name in adapted:
                adapted.setlist(
                    name, [v.replace(" ", "%20") for v in adapted.getlist(name)]
                )
                self.adapted.add((p["in"], p["style"], p["explode"], name))
        return adapted


def resolve(document, schema):
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def operations(document):
    """operationId -> its parameters, with style, explode and shape resolved."""
    found = {}
    for item in document["paths"].values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            params = []
            for p in operation.get("parameters", []):
                p = resolve(document, p)
                entry = {"name": p["name"], "in": p["in"]}
                if "content" in p:
                    entry.update(
                        style="content " + next(iter(p["content"])),
                        explode=False,
                        type="object",
                        properties=[],
                    )
                else:
                    style = p.get("style", DEFAULT_STYLE[p["in"]])
                    if p.get("allowReserved"):
                        style += " allowReserved"
                    schema = resolve(document, p["schema"])
                    entry.update(
                        style=style,
                        explode=p.get("explode", style.startswith("form")),
                        type=schema.get("type", "object"),
                        properties=list(schema.get("properties", {})),
                    )
                params.append(entry)
            found[operation["operationId"]] = params
    return found


def shape(param, value):
    if param["type"] == "array":
        return f"array of {len(value)}"
    return "object" if param["type"] == "object" else "primitive"


def main():
    spec_path, requests_path = sys.argv[1], sys.argv[2]
    api = OpenAPI.from_file_path(spec_path)
    with open(spec_path) as f:
        document = yaml.safe_load(f)  # PyYAML comes with openapi-core
    ops = operations(document)

    cells = defaultdict(lambda: [0, 0])  # cell -> [passed, failed]
    adapted_cells = set()
    failures = []
    seen_ops = set()
    with open(requests_path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    for line in lines:
        op = line["operation"]
        seen_ops.add(op)
        url = urlsplit(line["url"])
        environ = EnvironBuilder(
            method=line["method"],
            base_url="http://localhost",
            path=url.path,
            query_string=url.query,
            headers=[tuple(h) for h in line["headers"]],
        ).get_environ()
        request = WerkzeugOpenAPIRequest(Request(environ))
        request.parameters = AdaptedParameters(request.parameters, ops[op])
        result = api.unmarshal_request(request)
        got = {}
        for location in ("path", "query", "header", "cookie"):
            got.update(getattr(result.parameters, location))
        errors = [f"{e!r} ({e.__cause__!r})" for e in result.errors]
        for p in ops[op]:
            name = p["name"]
            if name not in line["expected"]:
                continue
            expected = line["expected"][name]
            key = (p["in"], p["style"], p["explode"], shape(p, expected))
            if (p["in"], p["style"], p["explode"], name) in request.parameters.adapted:
                adapted_cells.add(key)
            ok = name in got and got[name] == expected and json.dumps(got[name]) == json.dumps(expected)
            cells[key][0 if ok else 1] += 1
            if not ok:
                failures.append(
                    f"{op} {name}: sent {json.dumps(expected)} as {line['url']} "
                    f"{line['headers']}, openapi-core read {got.get(name, '(nothing)')!r}; {errors}"
                )
        if errors:
            failures.append(f"{op}: {line['url']} {line['headers']}: {errors}")

    width = max(len(c[1]) for c in cells) + 2
    print(f"{'location':<9}{'style':<{width}}{'explode':<9}{'shape':<13}{'result':<8}adapter")
    for key in sorted(cells, key=lambda k: (["path", "query", "header", "cookie"].index(k[0]), k[1], k[2], k[3])):
        passed, failed = cells[key]
        location, style, explode, kind = key
        verdict = f"pass {passed}" if not failed else f"FAIL {failed}/{passed + failed}"
        note = "yes" if key in adapted_cells else ""
        print(f"{location:<9}{style:<{width}}{str(explode).lower():<9}{kind:<13}{verdict:<8} {note}")
    missing = sorted(set(ops) - seen_ops)
    if missing:
        failures.append(f"operations never sent: {', '.join(missing)}")
    total = sum(p + f for p, f in cells.values())
    print(f"{len(lines)} requests, {len(seen_ops)}/{len(ops)} operations, {total} parameter values, "
          f"{len(cells)} cells, {len(adapted_cells)} read through an adapter")
    if failures:
        print("\nmismatches:", file=sys.stderr)
        for failure in failures:
            print("  " + failure, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
