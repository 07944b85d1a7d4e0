"""An OpenAPI document (JSON or YAML) read into Python values.

As a script, `document_json.py DOC` prints the document as JSON, for a
Python without PyYAML (.ci/conformance.py runs it with Schemathesis's).
"""

import json
import sys


def read(path):
    """The document at `path`: JSON, else YAML."""
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        import yaml  # Schemathesis and openapi-core both depend on PyYAML.

        return yaml.safe_load(text)


if __name__ == "__main__":
    json.dump(read(sys.argv[1]), sys.stdout)
