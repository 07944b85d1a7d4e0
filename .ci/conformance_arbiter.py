"""openapi-core's verdict on requests as they went on the wire.

Usage: conformance_arbiter.py SPEC < REQUESTS.json > VERDICTS.json

REQUESTS.json is a list of `{"method", "url", "headers", "body"}` (headers a
list of pairs, body base64 or null), written by .ci/conformance.py for the
cases where the generated server stub and Schemathesis disagree. Each is
rebuilt as a Werkzeug request (as .ci/style_oracle.py does) and validated
by openapi-core against SPEC. Prints a list of `{"valid": bool, "why":
str}`, one per request, in order.

Schemathesis decides whether a case is valid from the values it drew, before
serializing them; some values serialize to bytes that mean something else
(`true` drawn for an array of strings is sent as `tags=true`, a list of one
empty string as `tags=`). openapi-core reads the bytes, as a server must,
so it arbitrates which side of the line the request that was sent is on.
The same location adaptations as the style oracle apply (see
`AdaptedParameters` there), for openapi-core's own gaps.
"""

import base64
import json
import os
import pathlib
import sys
from urllib.parse import unquote_plus, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from jsonschema_path import SchemaPath  # noqa: E402
from openapi_core import Config, OpenAPI  # noqa: E402
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest  # noqa: E402
from openapi_core.templating.paths.finders import APICallPathFinder  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402
from werkzeug.wrappers import Request  # noqa: E402

import document_json  # noqa: E402
from style_oracle import DEFAULT_STYLE, AdaptedParameters  # noqa: E402


def params_of(path, operation):
    """The operation's parameters (its path's too), as the style oracle's
    `AdaptedParameters` takes them."""
    out = {}
    for owner in (path, operation):
        if "parameters" not in owner:
            continue
        for p in owner / "parameters":
            with p.open() as raw:
                name, location = raw["name"], raw["in"]
                entry = {"name": name, "in": location}
                if "content" in raw or "schema" not in raw:
                    entry.update(style="content", explode=False, type="object", properties=[])
                else:
                    style = raw.get("style", DEFAULT_STYLE.get(location, "simple"))
                    with (p / "schema").open() as schema:
                        entry.update(
                            style=style,
                            explode=raw.get("explode", style == "form"),
                            type=schema.get("type", "object"),
                            properties=list(schema.get("properties", {})),
                        )
            out[(location, name)] = entry
    return list(out.values())


IGNORED_HEADERS = ("accept", "content-type", "authorization")


def misread(error, query, params):
    """Whether `error` is one of openapi-core 0.23.1's own misreadings of a
    query parameter, each checked against the specification's style table:

    - a `deepObject` parameter that is absent (no `name[…]` key) fails to
      deserialize, though it is optional;
    - a parameter of a format openapi-core has no reader for (`uint32`)
      fails instead of being read by its type;
    - a header parameter named `Accept`, `Content-Type` or `Authorization`
      is checked, where the specification says its definition "SHALL be
      ignored" (Parameter Object, `name`);
    - `name=` for a `form` (or delimited) array is the table's empty array; openapi-core
      reads a list of one empty string, which the items' schema may refuse.
    """
    # A format openapi-core has no reader for (`uint32`): its own limit.
    if type(error.__cause__).__name__ == "FormatterNotFoundError":
        return True
    name = getattr(error, "name", None)
    location = getattr(error, "location", None)
    if location == "header" and str(name).lower() in IGNORED_HEADERS:
        return True
    if location != "query" or name is None:
        return False
    param = next((p for p in params if p["in"] == "query" and p["name"] == name), None)
    if param is None:
        return False
    pairs = [pair.partition("=") for pair in query.split("&") if pair]
    keys = [unquote_plus(k) for k, _, _ in pairs]
    if param["style"] == "deepObject":
        return not any(k.startswith(name + "[") for k in keys)
    if param["style"] in ("form", "spaceDelimited", "pipeDelimited") and param["type"] == "array":
        values = [unquote_plus(v) for k, _, v in pairs if unquote_plus(k) == name]
        return values == [""]
    return False


def media_types(operation):
    """The request body's media types as the document spells them."""
    try:
        with (operation / "requestBody" / "content").open() as content:
            return list(content)
    except Exception:  # no request body
        return []


def as_documented(headers, documented):
    """`headers` with a Content-Type that equals one of the `documented`
    media types but for case and spaces (`charset=UTF-8` for the document's
    `charset=utf-8`: RFC 9110 makes both case-insensitive), or only in its
    parameters, spelled as the document does: openapi-core 0.23.1 compares
    them as they are written."""
    squash = lambda t: t.replace(" ", "").lower()  # noqa: E731
    essence = lambda t: squash(t).split(";")[0]  # noqa: E731
    out = []
    for name, value in headers:
        if name.lower() == "content-type":
            same = [d for d in documented if squash(d) == squash(value)]
            # Else the one documented type of the same essence: a document's
            # `application/json;charset=UTF-8` for a request's
            # `application/json` (JSON has no charset parameter, RFC 8259;
            # a server dispatches on the essence, as the generated one does).
            if not same:
                same = [d for d in documented if essence(d) == essence(value)]
            if len(same) == 1:
                value = same[0]
        out.append((name, value))
    return out


def verdict(api, finder, req):
    url = urlsplit(req["url"])
    body = base64.b64decode(req["body"]) if req.get("body") else None
    headers = [tuple(h) for h in req["headers"]]
    params, operation = [], None
    try:
        path, operation, *_ = finder.find(req["method"].lower(), "http://localhost" + url.path)
        params = params_of(path, operation)
        headers = as_documented(headers, media_types(operation))
    except Exception as e:  # no such operation: openapi-core says why below
        del e
    environ = EnvironBuilder(
        method=req["method"],
        base_url="http://localhost",
        path=url.path,
        query_string=url.query,
        headers=headers,
        data=body,
    ).get_environ()
    request = WerkzeugOpenAPIRequest(Request(environ))
    if operation is not None:
        request.parameters = AdaptedParameters(request.parameters, params)
    try:
        result = api.unmarshal_request(request)
    except Exception as e:  # openapi-core could not read it at all
        return {"valid": False, "why": f"openapi-core: {e!r}"[:300]}
    errors = [e for e in result.errors if not misread(e, url.query, params)]
    if errors:
        why = "; ".join(f"{e!r} ({e.__cause__!r})" for e in errors)
        return {"valid": False, "why": why[:300]}
    return {"valid": True, "why": "openapi-core reads it as valid"}


def without_servers(node, base):
    """A path item or operation without its own `servers`. One that a `$ref`
    takes from a file of its own (`post: {$ref: ops/create.yml}`) is read in
    place for that, with its references rewritten to stay where they were."""
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#") and "#" not in ref:
        path = os.path.normpath(os.path.join(base, ref))
        target = document_json.read(path)
        if isinstance(target, dict) and "servers" in target:
            node = rebased(target, os.path.relpath(path, base))
    if "servers" in node:
        node = {k: v for k, v in node.items() if k != "servers"}
    return node


def rebased(node, file):
    """`node`, read from `file` (relative to the document), with each `$ref`
    rewritten relative to the document: `#/x` to `file#/x`, `m.yml#/x` to
    `dir(file)/m.yml#/x`."""
    if isinstance(node, list):
        return [rebased(v, file) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "$ref" and isinstance(v, str) and "://" not in v:
            target, _, pointer = v.partition("#")
            target = os.path.normpath(os.path.join(os.path.dirname(file), target)) if target else file
            out[k] = target + ("#" + pointer if pointer or "#" in v else "")
        else:
            out[k] = rebased(v, file)
    return out


def load(spec_path):
    """The document with one server, `http://localhost` (where the requests
    are rebuilt), and none per path or operation, its relative references
    still read beside the file."""
    data = document_json.read(spec_path)
    data["servers"] = [{"url": "http://localhost"}]
    # The stub serves every path at its key, whatever servers a path item or
    # an operation names: so are the requests judged (else openapi-core finds
    # no server for them, and they could only be set aside).
    base = os.path.dirname(os.path.abspath(spec_path))
    paths = data.get("paths") or {}
    for key, item in list(paths.items()):
        item = paths[key] = without_servers(item, base)
        if isinstance(item, dict):
            for method, operation in list(item.items()):
                item[method] = without_servers(operation, base)
    spec = SchemaPath.from_dict(data, base_uri=pathlib.Path(os.path.abspath(spec_path)).as_uri())
    # Real documents are not always valid ones (`required: "true"`): the
    # requests are judged, not the document.
    return OpenAPI(spec, config=Config(spec_validator_cls=None))


def main():
    spec_path = sys.argv[1]
    api = load(spec_path)
    finder = APICallPathFinder(api.spec, base_url=None)
    requests = json.load(sys.stdin)
    json.dump([verdict(api, finder, r) for r in requests], sys.stdout)


if __name__ == "__main__":
    main()
