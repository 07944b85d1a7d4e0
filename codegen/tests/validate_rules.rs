//! Every validation rule against a fixture built to break exactly that rule:
//! the rule must fire, name the right node (JSON pointer) and the right line,
//! and nothing else may be reported.

use std::path::{Path, PathBuf};

use codegen::diagnostic::{Diagnostic, Rule, Severity};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Checks `tests/fixtures/{name}`, naming it `name` in diagnostics.
fn check(name: &str) -> Vec<Diagnostic> {
    codegen::check_file(&fixtures().join(name), name)
        .unwrap_or_else(|e| panic!("{name} is unreadable: {e}"))
}

type Found = (Rule, String, usize);

fn triples(diagnostics: &[Diagnostic]) -> Vec<Found> {
    let mut found: Vec<Found> = diagnostics
        .iter()
        .map(|d| (d.rule, d.pointer.clone(), d.position.line))
        .collect();
    found.sort();
    found
}

/// One fixture and everything it must report: (rule, pointer, line).
struct Case {
    file: &'static str,
    expect: &'static [(Rule, &'static str, usize)],
}

const CASES: &[Case] = &[
    Case {
        file: "invalid/syntax.yaml",
        expect: &[(Rule::Syntax, "", 8)],
    },
    // A trailing comma: valid YAML flow syntax, but not JSON.
    Case {
        file: "invalid/syntax-json.json",
        expect: &[(Rule::Syntax, "", 9)],
    },
    // Latin-1, not UTF-8: located at the first byte that is not.
    Case {
        file: "invalid/syntax-utf8.yaml",
        expect: &[(Rule::Syntax, "", 3)],
    },
    // Aliases nested nine deep would copy 387 million nodes: refused at the
    // alias that passes the budget.
    Case {
        file: "invalid/syntax-alias-bomb.yaml",
        expect: &[(Rule::Syntax, "/f/6", 7)],
    },
    Case {
        file: "invalid/duplicate-key.yaml",
        expect: &[(Rule::DuplicateKey, "/paths/~1a/get/operationId", 12)],
    },
    Case {
        file: "invalid/invalid-document-swagger.yaml",
        expect: &[(Rule::InvalidDocument, "/swagger", 1)],
    },
    Case {
        file: "invalid/meta-schema-swagger.yaml",
        expect: &[(
            Rule::InvalidDocument,
            "/paths/~1items/get/responses/200",
            11,
        )],
    },
    Case {
        file: "invalid/meta-schema-3.1.yaml",
        expect: &[(Rule::InvalidDocument, "/info/license", 7)],
    },
    Case {
        file: "invalid/invalid-document-no-version.yaml",
        expect: &[(Rule::InvalidDocument, "", 1)],
    },
    Case {
        file: "invalid/invalid-document-version.yaml",
        expect: &[(Rule::InvalidDocument, "/openapi", 1)],
    },
    Case {
        file: "invalid/invalid-document-shape.yaml",
        expect: &[(Rule::InvalidDocument, "/paths/~1a/get/responses", 9)],
    },
    Case {
        file: "invalid/unresolved-ref.yaml",
        expect: &[(
            Rule::UnresolvedRef,
            "/paths/~1a/get/responses/200/content/application~1json/schema/$ref",
            15,
        )],
    },
    Case {
        file: "invalid/ref-cycle.yaml",
        expect: &[(Rule::RefCycle, "/components/parameters/A/$ref", 17)],
    },
    Case {
        file: "invalid/path-param-undeclared.yaml",
        expect: &[(Rule::PathParamUndeclared, "/paths/~1items~1{id}/get", 7)],
    },
    Case {
        file: "invalid/path-param-unused.yaml",
        expect: &[(Rule::PathParamUnused, "/paths/~1items/get/parameters/0", 10)],
    },
    Case {
        file: "invalid/operation-id-missing.yaml",
        expect: &[(Rule::OperationIdMissing, "/paths/~1a/get", 7)],
    },
    Case {
        file: "invalid/operation-id-duplicate.yaml",
        expect: &[(Rule::OperationIdDuplicate, "/paths/~1b/get/operationId", 14)],
    },
    Case {
        file: "invalid/operation-id-collision.yaml",
        expect: &[(
            Rule::OperationIdCollision,
            "/paths/~1foo/post/operationId",
            13,
        )],
    },
    Case {
        file: "invalid/no-success-response.yaml",
        expect: &[(Rule::NoSuccessResponse, "/paths/~1a/get/responses", 9)],
    },
    Case {
        file: "invalid/body-without-schema-request.yaml",
        expect: &[(
            Rule::BodyWithoutSchema,
            "/paths/~1a/post/requestBody/content/application~1json",
            11,
        )],
    },
    Case {
        file: "invalid/body-without-schema-response.yaml",
        expect: &[(
            Rule::BodyWithoutSchema,
            "/paths/~1a/get/responses/200/content/application~1problem+json",
            13,
        )],
    },
    Case {
        file: "invalid/example-media-type.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/paths/~1count/get/responses/200/content/application~1json/example",
            16,
        )],
    },
    // The bad value lives in components/examples, so that is where it is reported.
    Case {
        file: "invalid/example-examples-ref.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/components/examples/NotANumber/value",
            25,
        )],
    },
    Case {
        file: "invalid/example-parameter.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/paths/~1items/get/parameters/0/example",
            14,
        )],
    },
    Case {
        file: "invalid/example-schema.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/components/schemas/Item/properties/size/example",
            23,
        )],
    },
    Case {
        file: "invalid/example-default.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/paths/~1items/get/parameters/0/schema/default",
            14,
        )],
    },
    Case {
        file: "invalid/example-max-length.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/paths/~1code/get/responses/200/content/application~1json/example",
            17,
        )],
    },
    Case {
        file: "invalid/example-max-items.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/paths/~1tags/get/responses/200/content/application~1json/example",
            19,
        )],
    },
    // Located at the offending property, not the whole example.
    Case {
        file: "invalid/example-enum.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/paths/~1colour/get/responses/200/content/application~1json/example/colour",
            21,
        )],
    },
    Case {
        file: "invalid/example-required.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/paths/~1person/post/requestBody/content/application~1json/example",
            20,
        )],
    },
    Case {
        file: "invalid/example-minimum.yaml",
        expect: &[(
            Rule::InvalidExample,
            "/paths/~1items/get/parameters/0/example",
            15,
        )],
    },
    Case {
        file: "invalid/undefined-security-scheme.yaml",
        expect: &[
            (Rule::UndefinedSecurityScheme, "/security/0/apiKey", 6),
            (
                Rule::UndefinedSecurityScheme,
                "/paths/~1a/get/security/0/bearer",
                12,
            ),
        ],
    },
    // Not a name that fits an environment variable; a second variable of
    // one server with the extension.
    Case {
        file: "invalid/region-override.yaml",
        expect: &[
            (
                Rule::Unsupported,
                "/servers/0/variables/region/x-region-override",
                10,
            ),
            (
                Rule::Unsupported,
                "/servers/1/variables/zone/x-region-override",
                18,
            ),
        ],
    },
    // Not a string, and on a header parameter.
    Case {
        file: "invalid/invalid-credential.yaml",
        expect: &[
            (
                Rule::InvalidCredential,
                "/paths/~1v1~1{project_id}~1items/get/parameters/0/x-credential",
                19,
            ),
            (
                Rule::InvalidCredential,
                "/paths/~1v1~1{project_id}~1items/parameters/0/x-credential",
                11,
            ),
        ],
    },
    Case {
        file: "invalid/unused-component.yaml",
        expect: &[(Rule::UnusedComponent, "/components/schemas/Orphan", 14)],
    },
    Case {
        file: "invalid/multiple-problems.yaml",
        expect: &[
            (Rule::PathParamUndeclared, "/paths/~1items~1{id}/get", 7),
            (Rule::OperationIdMissing, "/paths/~1items~1{id}/get", 7),
            (
                Rule::UnresolvedRef,
                "/paths/~1items~1{id}/get/responses/200/content/application~1json/schema/$ref",
                14,
            ),
            (
                Rule::UndefinedSecurityScheme,
                "/paths/~1other/post/security/0/oauth",
                19,
            ),
            (Rule::NoSuccessResponse, "/paths/~1other/post/responses", 20),
        ],
    },
];

fn case(file: &str) -> &'static Case {
    CASES
        .iter()
        .find(|c| c.file == file)
        .unwrap_or_else(|| panic!("no case for {file}"))
}

#[test]
fn each_invalid_fixture_reports_exactly_its_problems() {
    let mut failures = Vec::new();
    for case in CASES {
        let diagnostics = check(case.file);
        let mut expected: Vec<Found> = case
            .expect
            .iter()
            .map(|(r, p, l)| (*r, (*p).to_owned(), *l))
            .collect();
        expected.sort();
        let found = triples(&diagnostics);
        if found != expected {
            let shown: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
            failures.push(format!(
                "{}\n  expected {expected:?}\n  found    {found:?}\n  {}",
                case.file,
                shown.join("\n  ")
            ));
        }
        for d in &diagnostics {
            assert_eq!(d.file, case.file, "diagnostics name the file as given");
            assert_eq!(d.severity, d.rule.severity());
            assert!(d.position.column >= 1, "{d}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) reported the wrong problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_invalid_fixture_has_a_case() {
    let mut files: Vec<String> = std::fs::read_dir(fixtures().join("invalid"))
        .expect("fixtures/invalid exists")
        .map(|e| {
            format!(
                "invalid/{}",
                e.expect("dir entry").file_name().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    let mut cases: Vec<String> = CASES.iter().map(|c| c.file.to_owned()).collect();
    cases.sort();
    assert_eq!(files, cases);
}

#[test]
fn every_rule_but_unsupported_has_a_failing_fixture() {
    let all = [
        Rule::Syntax,
        Rule::DuplicateKey,
        Rule::InvalidDocument,
        Rule::UnresolvedRef,
        Rule::RefCycle,
        Rule::PathParamUndeclared,
        Rule::PathParamUnused,
        Rule::OperationIdMissing,
        Rule::OperationIdDuplicate,
        Rule::OperationIdCollision,
        Rule::NoSuccessResponse,
        Rule::BodyWithoutSchema,
        Rule::InvalidExample,
        Rule::UndefinedSecurityScheme,
        Rule::UnusedComponent,
    ];
    for rule in all {
        let covered = CASES
            .iter()
            .any(|c| c.expect.iter().all(|(r, _, _)| *r == rule));
        assert!(covered, "no fixture isolates {}", rule.name());
    }
}

#[test]
fn valid_minimal_is_clean() {
    assert_eq!(check("valid/minimal.yaml"), Vec::<Diagnostic>::new());
}

#[test]
fn check_str_agrees_with_check_file() {
    let name = "invalid/multiple-problems.yaml";
    let text = std::fs::read_to_string(fixtures().join(name)).unwrap();
    assert_eq!(codegen::check_str(name, &text), check(name));
}

#[test]
fn reporting_continues_past_the_first_problem() {
    let diagnostics = check("invalid/multiple-problems.yaml");
    let rules: std::collections::BTreeSet<Rule> = diagnostics.iter().map(|d| d.rule).collect();
    assert!(
        rules.len() >= 3,
        "expected at least three different rules, got {rules:?}"
    );
    assert_eq!(
        diagnostics.len(),
        case("invalid/multiple-problems.yaml").expect.len()
    );
    // Diagnostics come back in source order.
    let positions: Vec<_> = diagnostics.iter().map(|d| d.position).collect();
    assert!(positions.is_sorted(), "{positions:?}");
}

#[test]
fn unused_component_and_name_collisions_are_only_warnings() {
    for file in [
        "invalid/unused-component.yaml",
        "invalid/operation-id-collision.yaml",
    ] {
        let diagnostics = check(file);
        assert_eq!(diagnostics.len(), 1, "{file}");
        assert_eq!(diagnostics[0].severity, Severity::Warning, "{file}");
        assert!(!diagnostics[0].is_error(), "{file}");
    }
}

#[test]
fn messages_say_what_is_wrong() {
    let message = |file: &str| {
        let d = check(file);
        assert_eq!(d.len(), 1, "{file}: {d:?}");
        d[0].message.clone()
    };
    assert!(message("invalid/invalid-document-swagger.yaml")
        .contains("supported: Swagger 2.0, OpenAPI 3.0.x, 3.1.x and 3.2.x"));
    assert!(message("invalid/invalid-document-no-version.yaml").contains("missing `openapi`"));
    assert!(message("invalid/invalid-document-shape.yaml").contains("expected struct Responses"));
    assert!(message("invalid/duplicate-key.yaml").contains("`operationId`"));
    // The duplicate names where the id was first used.
    assert!(message("invalid/operation-id-duplicate.yaml").contains("/paths/~1a/get/operationId"));
    assert!(message("invalid/path-param-undeclared.yaml").contains("{id}"));
    assert!(message("invalid/path-param-unused.yaml").contains("`id`"));
    assert!(message("invalid/unresolved-ref.yaml").contains("#/components/schemas/Missing"));
    // Examples name the schema they were checked against (followed through `$ref`).
    let media_schema = "/paths/~1count/get/responses/200/content/application~1json/schema";
    assert!(message("invalid/example-media-type.yaml").contains(media_schema));
    assert!(message("invalid/example-examples-ref.yaml").contains(media_schema));
    assert!(message("invalid/example-parameter.yaml")
        .contains("(/paths/~1items/get/parameters/0/schema)"));
    assert!(message("invalid/example-schema.yaml")
        .contains("(/components/schemas/Item/properties/size)"));
    assert!(message("invalid/example-required.yaml").contains("\"name\""));
    let cycle = message("invalid/ref-cycle.yaml");
    assert!(
        cycle.contains(
            "#/components/parameters/A -> #/components/parameters/B -> #/components/parameters/A"
        ) && cycle.contains("never reach a parameter"),
        "{cycle}"
    );
    let collision = message("invalid/operation-id-collision.yaml");
    assert!(
        collision.contains("`GetFoo`")
            && collision.contains("`get_foo`")
            && collision.contains("`getFoo` at /paths/~1foo/get/operationId"),
        "{collision}"
    );
    let utf8 = check("invalid/syntax-utf8.yaml").remove(0);
    assert_eq!((utf8.position.line, utf8.position.column), (3, 14));
    assert!(utf8.message.contains("not UTF-8") && utf8.message.contains("0xE9"));
    let bomb = check("invalid/syntax-alias-bomb.yaml").remove(0);
    assert_eq!((bomb.position.line, bomb.position.column), (7, 32));
    assert!(
        bomb.message
            .contains("expands past 500000 nodes through aliases"),
        "{}",
        bomb.message
    );
}

#[test]
fn json_serialization_has_the_documented_keys() {
    let d = check("invalid/path-param-unused.yaml").remove(0);
    let value = serde_json::to_value(&d).expect("serializes");
    let object = value.as_object().expect("an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["column", "file", "line", "message", "pointer", "rule", "severity"]
    );
    assert_eq!(value["file"], "invalid/path-param-unused.yaml");
    assert_eq!(value["line"], 10);
    assert_eq!(value["column"], 11);
    assert_eq!(value["pointer"], "/paths/~1items/get/parameters/0");
    assert_eq!(value["rule"], "path-param-unused");
    assert_eq!(value["severity"], "error");
    assert_eq!(value["message"], d.message.as_str());

    let warning = serde_json::to_value(check("invalid/unused-component.yaml").remove(0)).unwrap();
    assert_eq!(warning["rule"], "unused-component");
    assert_eq!(warning["severity"], "warning");
}

#[test]
fn rule_names_are_kebab_case_in_json_too() {
    for d in CASES.iter().flat_map(|c| check(c.file)) {
        let name = d.rule.name();
        assert_eq!(serde_json::to_value(d.rule).unwrap(), name);
        assert!(
            name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{name}"
        );
    }
}

#[test]
fn display_is_file_line_column_pointer_rule_message() {
    let d = check("invalid/path-param-unused.yaml").remove(0);
    assert_eq!(
        d.to_string(),
        "invalid/path-param-unused.yaml:10:11: /paths/~1items/get/parameters/0: path-param-unused: \
         path parameter `id` does not appear in `/items`"
    );
    // The root pointer is shown as `/`, and warnings say so.
    let root = check("invalid/invalid-document-no-version.yaml").remove(0);
    assert!(
        root.to_string()
            .starts_with("invalid/invalid-document-no-version.yaml:1:1: /: invalid-document: "),
        "{root}"
    );
    let warning = check("invalid/unused-component.yaml").remove(0);
    assert_eq!(
        warning.to_string(),
        "invalid/unused-component.yaml:14:5: /components/schemas/Orphan: unused-component: \
         warning: components/schemas/Orphan is never referenced"
    );
}

/// The `ref-cycle` problems of a document held in memory: (pointer, message).
fn cycles(text: &str) -> Vec<(String, String)> {
    codegen::check_str("loops.yaml", text)
        .into_iter()
        .filter(|d| d.rule == Rule::RefCycle)
        .map(|d| (d.pointer, d.message))
        .collect()
}

#[test]
fn ref_cycles_of_every_kind_are_reported_once_each() {
    let text = r##"openapi: 3.0.3
info: {title: Loops, version: "1"}
paths:
  /a:
    $ref: "#/paths/~1b"
  /b:
    $ref: "#/paths/~1a"
  /c:
    post:
      operationId: c
      requestBody: {$ref: "#/components/requestBodies/Body"}
      responses:
        "200": {$ref: "#/components/responses/R1"}
        "201":
          description: ok
          headers:
            X-A: {$ref: "#/components/headers/H"}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/S1"}
              example: {a: 1}
              examples:
                one: {$ref: "#/components/examples/E"}
components:
  schemas:
    S1: {$ref: "#/components/schemas/S2"}
    S2: {$ref: "#/components/schemas/S1"}
  responses:
    R1: {$ref: "#/components/responses/R2"}
    R2: {$ref: "#/components/responses/R1"}
  requestBodies:
    Body: {$ref: "#/components/requestBodies/Body"}
  headers:
    H: {$ref: "#/components/headers/H"}
  examples:
    E: {$ref: "#/components/examples/E"}
"##;
    let found = cycles(text);
    let pointers: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/paths/~1a/$ref",
            "/components/schemas/S1/$ref",
            "/components/responses/R1/$ref",
            "/components/requestBodies/Body/$ref",
            "/components/headers/H/$ref",
            "/components/examples/E/$ref",
        ],
        "{found:#?}"
    );
    let said = |at: &str, what: &str| {
        let (_, message) = found.iter().find(|(p, _)| p == at).unwrap();
        assert!(
            message.contains(&format!("never reach {what}:")),
            "{message}"
        );
    };
    said("/paths/~1a/$ref", "a path item");
    said("/components/schemas/S1/$ref", "a schema");
    said("/components/responses/R1/$ref", "a response");
    said("/components/requestBodies/Body/$ref", "a request body");
    said("/components/headers/H/$ref", "a header");
    said("/components/examples/E/$ref", "an example");
    let (_, self_loop) = &found[3];
    assert!(
        self_loop.ends_with("#/components/requestBodies/Body -> #/components/requestBodies/Body"),
        "{self_loop}"
    );
}

#[test]
fn recursive_schemas_are_not_cycles() {
    let text = r##"openapi: 3.0.3
info: {title: Trees, version: "1"}
paths:
  /tree:
    get:
      operationId: tree
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Alias"}
components:
  schemas:
    Alias: {$ref: "#/components/schemas/Tree"}
    Tree:
      type: object
      properties:
        parent: {$ref: "#/components/schemas/Tree"}
        children: {type: array, items: {$ref: "#/components/schemas/Alias"}}
        either:
          oneOf:
            - {$ref: "#/components/schemas/Tree"}
            - {type: string}
        extra: {additionalProperties: {$ref: "#/components/schemas/Tree"}}
"##;
    assert_eq!(
        codegen::check_str("trees.yaml", text),
        Vec::<Diagnostic>::new()
    );
}

#[test]
fn operation_ids_that_collide_as_rust_names_are_warned_about() {
    let text = r##"openapi: 3.0.3
info: {title: Names, version: "1"}
paths:
  /a:
    get: {operationId: self, responses: {"204": {description: ok}}}
    put: {operationId: Self, responses: {"204": {description: ok}}}
  /b:
    get: {operationId: x_2, responses: {"204": {description: ok}}}
    put: {operationId: x2, responses: {"204": {description: ok}}}
  /c:
    get: {operationId: listItems, responses: {"204": {description: ok}}}
    put: {operationId: listItems, responses: {"204": {description: ok}}}
"##;
    let found: Vec<(Rule, String, String)> = codegen::check_str("names.yaml", text)
        .into_iter()
        .map(|d| (d.rule, d.pointer, d.message))
        .collect();
    let rules: Vec<(Rule, &str)> = found.iter().map(|(r, p, _)| (*r, p.as_str())).collect();
    assert_eq!(
        rules,
        [
            (Rule::OperationIdCollision, "/paths/~1a/put/operationId"),
            (Rule::OperationIdCollision, "/paths/~1b/put/operationId"),
            // The same id twice is a duplicate, not also a collision.
            (Rule::OperationIdDuplicate, "/paths/~1c/put/operationId"),
        ],
        "{found:#?}"
    );
    assert!(found[0].2.contains("the method `self_`"), "{}", found[0].2);
    // `x_2` and `x2` are different methods but the same types (`X2…`).
    assert!(found[1].2.contains("the types `X2…`"), "{}", found[1].2);
}

#[test]
fn messages_cut_long_values() {
    // JSON: YAML limits implicit keys to 1024 characters, JSON does not.
    let huge = "x".repeat(1 << 20);
    let ok = r#"{"200": {"description": "ok"}}"#;
    let text = format!(
        r##"{{
  "openapi": "3.0.3",
  "info": {{"title": "Huge", "version": "1"}},
  "paths": {{
    "/{huge}": {{"get": {{
      "operationId": "{huge}",
      "responses": {{"200": {{"description": "ok", "content": {{"application/json": {{
        "schema": {{"type": "string", "enum": ["a", "{huge}"]}},
        "example": "b{huge}"
      }}}}}}}}
    }}}},
    "/b/{{{huge}}}": {{"get": {{
      "operationId": "{huge}",
      "parameters": [{{"name": "{huge}y", "in": "path", "required": true, "schema": {{"type": "string"}}}}],
      "responses": {{"200": {{"description": "ok", "content": {{"application/json": {{
        "schema": {{"$ref": "#/components/schemas/{huge}"}}
      }}}}}}}},
      "security": [{{"{huge}": []}}]
    }}}},
    "/c": {{"get": {{
      "operationId": "c",
      "parameters": [{{"name": "q", "in": "{huge}", "schema": {{"type": "string"}}}}],
      "responses": {ok}
    }}}}
  }},
  "components": {{"schemas": {{
    "A": {{"type": "object"}},
    "A": {{"type": "object"}},
    "{huge}z": {{"type": "object"}}
  }}}}
}}"##
    );
    let diagnostics = codegen::check_str("huge.json", &text);
    let rules: std::collections::BTreeSet<Rule> = diagnostics.iter().map(|d| d.rule).collect();
    for rule in [
        Rule::DuplicateKey,
        Rule::InvalidDocument,
        Rule::UnresolvedRef,
        Rule::PathParamUndeclared,
        Rule::PathParamUnused,
        Rule::OperationIdDuplicate,
        Rule::InvalidExample,
        Rule::UndefinedSecurityScheme,
        Rule::UnusedComponent,
    ] {
        assert!(rules.contains(&rule), "{rule:?} not reported: {rules:?}");
    }
    for d in &diagnostics {
        assert!(
            d.message.len() < 1024,
            "{:?} at {}: a message of {} bytes",
            d.rule,
            codegen::diagnostic::cut(&d.pointer),
            d.message.len()
        );
    }
}
