//! Every version people write — Swagger 2.0, OpenAPI 3.0, 3.1 and 3.2 — comes
//! into the one model: the exact types each construct becomes, the warnings
//! for what generated code does not check, and diagnostics that point into the
//! user's own file (never a converted copy). The generated crates are
//! snapshotted in `snapshots.rs` and compiled with clippy in
//! `compile_fixtures.rs`.

use std::path::{Path, PathBuf};

use codegen::diagnostic::{Diagnostic, Rule};
use codegen::load::Version;
use codegen::{CrateOptions, GenerateError, Generated, Input};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn fixture(name: &str) -> String {
    format!("codegen/tests/fixtures/versions/{name}")
}

fn generate(name: &str, strict: bool) -> Result<Generated, GenerateError> {
    let spec = fixture(name);
    let path = workspace().join(&spec);
    let document = codegen::load_document(&path, &spec).expect("the fixture loads");
    let input = Input {
        module: codegen::module_name(&path),
        source: spec.clone(),
        document,
    };
    let mut opts = CrateOptions::standalone("versions", "");
    opts.strict = strict;
    codegen::generate(&[input], &opts, "test")
}

/// The text of the generated file `src/<module>/<file>`.
fn generated_file(generated: &Generated, module: &str, file: &str) -> String {
    generated
        .files
        .get(&Path::new("src").join(module).join(file))
        .unwrap_or_else(|| panic!("no src/{module}/{file}"))
        .clone()
}

/// (rule, pointer, line) of each diagnostic.
fn located(diagnostics: &[Diagnostic]) -> Vec<(Rule, String, usize)> {
    diagnostics
        .iter()
        .map(|d| (d.rule, d.pointer.clone(), d.position.line))
        .collect()
}

fn version_of(name: &str) -> Version {
    let spec = fixture(name);
    codegen::load_document(&workspace().join(&spec), &spec)
        .expect("loads")
        .version()
}

#[test]
fn versions_are_detected() {
    assert_eq!(version_of("swagger2.yaml"), Version::Swagger2);
    assert_eq!(version_of("openapi31.yaml"), Version::OpenApi31);
}

#[test]
fn swagger2_constructs_become_the_one_model() {
    let generated = generate("swagger2.yaml", false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(generated.summary.operations, 4);
    assert_eq!(generated.summary.generated, 4);
    let types = generated_file(&generated, "swagger2", "types.rs");
    let client = generated_file(&generated, "swagger2", "client.rs");
    // `definitions` are types; `x-nullable` is an `Option` even when required.
    for expected in [
        "pub struct Item {",
        "pub name: String,",
        "pub note: Option<String>,",
        "pub kind: Option<Kind>,",
        "pub enum Kind {",
        "pub struct Error {",
    ] {
        assert!(types.contains(expected), "types.rs lacks `{expected}`");
    }
    // `host`, `basePath` and `schemes`: the secure scheme is the default server.
    assert!(
        client.contains(r#"pub const DEFAULT_SERVER_URL: &str = "https://api.example.com/v1";"#)
    );
    // Shared path and query parameters; a body parameter is the request body.
    assert!(client.contains("pub fn list_items(&self, project_id: impl Into<String>)"));
    assert!(client.contains("pub fn limit(mut self, limit: i32) -> Self"));
    assert!(
        client.contains("body: types::Item"),
        "the body parameter is typed"
    );
    // `collectionFormat: csv` (the default) joins with commas; `multi`
    // repeats the key.
    let tags = client.find("const TAGS_PARAM").expect("tags is described");
    assert!(client[tags..].starts_with(
        "const TAGS_PARAM: crate::runtime::style::Param = crate::runtime::style::Param::new(\n                \"tags\",\n                crate::runtime::style::In::Query,\n            )\n            .explode(false);"
    ), "{}", &client[tags..tags + 300]);
    assert!(client.contains("const IDS_PARAM: crate::runtime::style::Param = crate::runtime::style::Param::new(\n            \"ids\",\n            crate::runtime::style::In::Query,\n        );"));
    // `pipes` is `pipeDelimited`.
    assert!(client.contains(".style(crate::runtime::style::Style::PipeDelimited)"));
    assert!(client.contains("call.param(&Self::TAGS_PARAM, value)?;"));
    // A `formData` file makes a multipart body; plain fields a typed form.
    assert!(client.contains("body: impl Into<types::UploadAttachmentForm>,"));
    assert!(types.contains("pub file: crate::runtime::multipart::FilePart,"));
    assert!(client.contains("body: impl Into<types::RenameItemBody>,"));
    assert!(types.contains("pub struct RenameItemBody {"));
    // `tsv` has no OpenAPI 3 style: a warning located in the 2.0 file.
    let warnings = located(&generated.warnings);
    assert!(
        warnings.contains(&(
            Rule::Unsupported,
            "/paths/~1{project_id}~1items/get/parameters/4/collectionFormat".into(),
            73
        )),
        "{warnings:?}"
    );
    for w in &generated.warnings {
        assert!(w.file.ends_with("swagger2.yaml"), "{w}");
    }
}

#[test]
fn swagger2_diagnostics_point_into_the_user_file() {
    // A dangling reference inside a converted body parameter is reported
    // where the user wrote it: in the 2.0 parameter, not in a requestBody.
    let text = "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    post:\n      operationId: postA\n      parameters:\n        - name: h\n          in: header\n          type: string\n        - name: body\n          in: body\n          schema:\n            $ref: \"#/definitions/Missing\"\n      responses:\n        \"200\": {description: ok}\n";
    let problems = codegen::check_str("api.yaml", text);
    let unresolved: Vec<_> = problems
        .iter()
        .filter(|d| d.rule == Rule::UnresolvedRef)
        .collect();
    assert_eq!(unresolved.len(), 1, "{problems:#?}");
    assert_eq!(
        unresolved[0].pointer,
        "/paths/~1a/post/parameters/1/schema/$ref"
    );
    assert_eq!(unresolved[0].file, "api.yaml");
    assert_eq!(unresolved[0].position.line, 14);
}

#[test]
fn openapi31_schemas_become_the_one_model() {
    let generated = generate("openapi31.yaml", false).unwrap_or_else(|e| panic!("{e}"));
    let types = generated_file(&generated, "openapi31", "types.rs");
    for expected in [
        // `const`: a one-value enum.
        "pub kind: PetKind,",
        // `type: [string, "null"]`, required: present, maybe null.
        "pub nickname: Option<String>,",
        // FastAPI's `anyOf: [T, {type: null}]`, and `oneOf` with a null member.
        "pub age: Option<i64>,",
        "pub owner: Option<Owner>,",
        // `enum` with `null`.
        "pub size: Option<PetSize>,",
        // Several types: an untagged union.
        "pub tag: Option<PetTag>,",
        "String(String),",
        "Integer(i64),",
        // `contentEncoding: base64`.
        "pub photo: Option<String>,",
        // `$ref` beside a description, into `$defs`; `$anchor` references.
        "pub home: Option<OwnerDefsAddress>,",
        "pub address: Option<OwnerDefsAddress>,",
        // Boolean schema `true`: any value.
        "pub anything: Option<serde_json::Value>,",
        // One `patternProperties` pattern: a typed map.
        "pub labels: Option<std::collections::BTreeMap<String, String>>,",
        // `unevaluatedProperties: false`.
        "#[serde(deny_unknown_fields)]",
    ] {
        assert!(types.contains(expected), "types.rs lacks `{expected}`");
    }
    // Numeric exclusive bounds.
    assert!(types.contains("/// Greater than 0 and less than 500."));
    let warnings = located(&generated.warnings);
    assert_eq!(
        warnings,
        vec![
            (
                Rule::Unsupported,
                "/components/schemas/Pet/properties/labels/patternProperties".into(),
                108
            ),
            (
                Rule::Unsupported,
                "/components/schemas/Pet/properties/extra/propertyNames".into(),
                113
            ),
            (
                Rule::Unsupported,
                "/components/schemas/Pet/properties/extra/dependentRequired".into(),
                115
            ),
            (
                Rule::Unsupported,
                "/components/schemas/Pet/properties/extra/if".into(),
                117
            ),
        ]
    );
    // Strict refuses what is only worked around, located in the user's file.
    match generate("openapi31.yaml", true) {
        Err(GenerateError::Spec(problems)) => {
            assert!(problems.iter().all(|p| p.file.ends_with("openapi31.yaml")));
            assert_eq!(problems.len(), 4, "{problems:#?}");
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("strict accepted warnings"),
    }
}

#[test]
fn openapi31_keywords_without_a_30_form_are_located_warnings() {
    let text = r##"openapi: 3.1.0
jsonSchemaDialect: https://example.com/my-dialect
info: {title: t, version: "1"}
components:
  schemas:
    Tree:
      $dynamicAnchor: node
      type: object
      properties:
        children:
          type: array
          items:
            $dynamicRef: "#node"
        rest:
          type: array
          unevaluatedItems: false
          contains: {type: string}
"##;
    let problems = codegen::check_str("api.yaml", text);
    let found: Vec<(String, String)> = problems
        .iter()
        .filter(|d| d.rule == Rule::Unsupported)
        .map(|d| (d.pointer.clone(), d.message.clone()))
        .collect();
    let pointers: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/jsonSchemaDialect",
            "/components/schemas/Tree/properties/children/items/$dynamicRef",
            "/components/schemas/Tree/properties/rest/unevaluatedItems",
            "/components/schemas/Tree/properties/rest/contains",
        ],
        "{found:#?}"
    );
    assert!(found[0].1.contains("my-dialect"));
    assert!(found[1].1.contains("resolved statically"));
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:#?}");
}

#[test]
fn versions_not_read_are_refused_with_the_supported_list() {
    for (text, pointer) in [
        (
            "openapi: 4.0.0\ninfo: {title: t, version: \"1\"}\npaths: {}\n",
            "/openapi",
        ),
        (
            "swagger: \"1.2\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n",
            "/swagger",
        ),
    ] {
        let problems = codegen::check_str("api.yaml", text);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].pointer, pointer);
        assert!(problems[0]
            .message
            .contains("Swagger 2.0, OpenAPI 3.0.x, 3.1.x and 3.2.x"));
    }
}

#[test]
fn an_operation_without_responses_reads_any_status_as_default() {
    let generated = generate("no-responses.yaml", false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        located(&generated.warnings),
        vec![(Rule::NoSuccessResponse, "/paths/~1ping/put".into(), 8)]
    );
    let server = generated_file(&generated, "no_responses", "server.rs");
    assert!(server.contains("pub enum PingReply {"));
    assert!(
        !server.contains("pub enum PingReply {}"),
        "a reply needs a variant"
    );
}

#[test]
fn swagger2_reference_to_a_missing_file_costs_only_what_uses_it() {
    let generated = generate("swagger2-missing-file.yaml", false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(generated.summary.generated, 1);
    assert_eq!(
        located(&generated.warnings),
        vec![(
            Rule::UnresolvedRef,
            "/paths/~1a/get/responses/400/schema/$ref".into(),
            16
        )]
    );
    assert!(matches!(
        generate("swagger2-missing-file.yaml", true),
        Err(GenerateError::Spec(_))
    ));
}
