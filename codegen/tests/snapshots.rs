//! The generated code itself, pinned: every module generated from `specs/`
//! and from the construct fixtures is a reviewed snapshot (`tests/snapshots/`),
//! so any change to the output shows up as a diff. Also: generation is
//! deterministic, every public spec generates, and unsupported constructs are
//! refused with a located diagnostic.
//!
//! After an intended change: `INSTA_UPDATE=always cargo test -p codegen --test
//! snapshots` (or `cargo insta review`), then review the `.snap` diffs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codegen::diagnostic::Rule;
use codegen::{CrateOptions, GenerateError, Generated, Input};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_path_buf()
}

/// Generates the standalone crate for one spec (a path relative to the
/// workspace), as `cargo xtask codegen --spec` would.
fn generate(spec: &str) -> Result<Generated, GenerateError> {
    let path = workspace().join(spec);
    let document = codegen::load_document(&path, spec)
        .unwrap_or_else(|problems| panic!("{spec} does not load: {problems:#?}"));
    let module = codegen::module_name(&path);
    let opts = CrateOptions::standalone(
        module.replace('_', "-"),
        format!("A client generated from {spec}."),
    );
    let command = format!("cargo xtask codegen --spec {spec} --out {module}");
    let input = Input {
        module,
        source: spec.to_owned(),
        document,
    };
    codegen::generate(&[input], &opts, &command)
}

fn files(spec: &str) -> BTreeMap<PathBuf, String> {
    match generate(spec) {
        Ok(generated) => generated.files,
        Err(e) => panic!("{spec} does not generate:\n{e}"),
    }
}

/// Snapshots every file of the spec's own module (`src/<module>/*.rs`); the
/// runtime copies and the crate scaffolding are not per-spec.
fn snapshot_module(group: &str, spec: &str) {
    let module = codegen::module_name(Path::new(spec));
    let dir = Path::new("src").join(&module);
    let files = files(spec);
    let mut seen = 0;
    for (path, text) in &files {
        if path.parent() != Some(dir.as_path()) {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap();
        insta::assert_snapshot!(format!("{group}__{module}__{stem}"), text);
        seen += 1;
    }
    assert!(seen >= 3, "{spec}: expected mod.rs, types.rs and client.rs");
}

macro_rules! snapshots {
    ($($test:ident: $group:literal, $spec:literal;)*) => {
        $(
            #[test]
            fn $test() {
                snapshot_module($group, $spec);
            }
        )*
    };
}

snapshots! {
    spec_csms: "specs", "specs/csms.yaml";
    spec_dbss: "specs", "specs/dbss.yaml";
    spec_roma: "specs", "specs/roma.yaml";
    spec_workspace: "specs", "specs/workspace.yaml";
    construct_refs: "constructs", "codegen/tests/fixtures/constructs/refs.yaml";
    construct_scalars: "constructs", "codegen/tests/fixtures/constructs/scalars.yaml";
    construct_enums: "constructs", "codegen/tests/fixtures/constructs/enums.yaml";
    construct_composition: "constructs", "codegen/tests/fixtures/constructs/composition.yaml";
    construct_params: "constructs", "codegen/tests/fixtures/constructs/params.yaml";
    construct_bodies: "constructs", "codegen/tests/fixtures/constructs/bodies.yaml";
    construct_large_variants: "constructs", "codegen/tests/fixtures/constructs/large_variants.yaml";
    construct_prose: "constructs", "codegen/tests/fixtures/constructs/prose.yaml";
    construct_servers: "constructs", "codegen/tests/fixtures/constructs/servers.yaml";
    version_swagger2: "versions", "codegen/tests/fixtures/versions/swagger2.yaml";
    version_openapi31: "versions", "codegen/tests/fixtures/versions/openapi31.yaml";
    construct_tuples: "constructs", "codegen/tests/fixtures/constructs/tuples.yaml";
    construct_methods: "constructs", "codegen/tests/fixtures/constructs/methods.yaml";
    construct_webhooks: "constructs", "codegen/tests/fixtures/constructs/webhooks.yaml";
    construct_webhooks_only: "constructs", "codegen/tests/fixtures/constructs/webhooks_only.yaml";
    construct_querystring: "constructs", "codegen/tests/fixtures/constructs/querystring.yaml";
    construct_tolerant: "constructs", "codegen/tests/fixtures/constructs/tolerant.yaml";
    construct_std_names: "constructs", "codegen/tests/fixtures/constructs/std_names.yaml";
    construct_flattened: "constructs", "codegen/tests/fixtures/constructs/flattened.yaml";
    construct_streams: "constructs", "codegen/tests/fixtures/constructs/streams.yaml";
    construct_sequences: "constructs", "codegen/tests/fixtures/constructs/sequences.yaml";
    construct_multipart: "constructs", "codegen/tests/fixtures/constructs/multipart.yaml";
}

/// Every spec the tests know, relative to the workspace.
fn all_specs() -> Vec<String> {
    let root = workspace();
    let mut specs = Vec::new();
    for dir in [
        "specs",
        "codegen/tests/fixtures/constructs",
        "codegen/tests/fixtures/public",
    ] {
        for path in codegen::spec_files(&root.join(dir)).unwrap() {
            let rel = path.strip_prefix(&root).unwrap();
            specs.push(rel.display().to_string());
        }
    }
    specs
}

#[test]
fn every_spec_directory_is_covered() {
    let specs = all_specs();
    let count = |dir: &str| specs.iter().filter(|s| s.starts_with(dir)).count();
    // A new spec needs a snapshot test above (and the counts here updated).
    assert_eq!(count("specs/"), 4, "{specs:#?}");
    assert_eq!(
        count("codegen/tests/fixtures/constructs/"),
        20,
        "{specs:#?}"
    );
    assert_eq!(count("codegen/tests/fixtures/public/"), 4, "{specs:#?}");
}

#[test]
fn generation_is_deterministic() {
    for spec in all_specs() {
        let first = files(&spec);
        let second = files(&spec);
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            second.keys().collect::<Vec<_>>(),
            "{spec}: different file sets"
        );
        for (path, text) in &first {
            assert!(
                second[path] == *text,
                "{spec}: {} differs between two runs",
                path.display()
            );
        }
    }
}

#[test]
fn public_specs_generate_the_expected_files() {
    let root = workspace();
    for path in codegen::spec_files(&root.join("codegen/tests/fixtures/public")).unwrap() {
        let spec = path.strip_prefix(&root).unwrap().display().to_string();
        let module = codegen::module_name(&path);
        let got: Vec<PathBuf> = files(&spec).into_keys().collect();
        let mut expected = vec![PathBuf::from("Cargo.toml"), PathBuf::from("src/lib.rs")];
        // No public spec names a signing algorithm: no signing module.
        for name in [
            "mod.rs",
            "auth.rs",
            "client.rs",
            "metadata.rs",
            "multipart.rs",
            "region.rs",
            "sequence.rs",
            "server.rs",
            "stream.rs",
            "style.rs",
            "validation.rs",
        ] {
            expected.push(PathBuf::from("src/runtime").join(name));
        }
        assert!(!expected.contains(&PathBuf::from("src/runtime/signing.rs")));
        assert!(!expected.contains(&PathBuf::from("src/runtime/credentials.rs")));
        for name in ["mod.rs", "types.rs", "client.rs", "server.rs"] {
            expected.push(Path::new("src").join(&module).join(name));
        }
        expected.sort();
        assert_eq!(got, expected, "{spec}");
    }
}

/// One construct the generator works around with a located warning (and
/// refuses with `strict`), and where it must say so.
struct Refusal {
    what: &'static str,
    rule: Rule,
    /// An OpenAPI 3.0 document that is valid but for that construct.
    spec: &'static str,
    pointer: &'static str,
    line: usize,
}

const REFUSALS: &[Refusal] = &[
    Refusal {
        what: "an x-region-override that is not a service name",
        rule: Rule::Unsupported,
        spec: r#"openapi: 3.0.3
info: {title: T, version: "1"}
servers:
  - url: https://a.{region}.example.com
    variables:
      region:
        default: r-1
        x-region-override: [SVC]
paths:
  /a:
    get:
      operationId: getA
      responses:
        "204": {description: ok}
"#,
        pointer: "/servers/0/variables/region/x-region-override",
        line: 8,
    },
    Refusal {
        what: "a `not` schema",
        rule: Rule::Unsupported,
        spec: r#"openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /a:
    post:
      operationId: postA
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name:
                  not:
                    type: integer
      responses:
        "204": {description: ok}
"#,
        pointer: "/paths/~1a/post/requestBody/content/application~1json/schema/properties/name/not",
        line: 14,
    },
    Refusal {
        what: "an enum of numbers",
        rule: Rule::EnumCoerced,
        spec: r##"openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Size"}
components:
  schemas:
    Size:
      enum:
        - 512
        - 4096
"##,
        pointer: "/components/schemas/Size/enum",
        line: 16,
    },
    Refusal {
        what: "a discriminated union with an inline variant",
        rule: Rule::Unsupported,
        spec: r##"openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Cat:
      type: object
      properties:
        kind: {type: string}
    Pet:
      oneOf:
        - $ref: "#/components/schemas/Cat"
        - type: object
          properties:
            kind: {type: string}
      discriminator:
        propertyName: kind
"##,
        pointer: "/components/schemas/Pet/oneOf/1",
        line: 22,
    },
    Refusal {
        what: "a tuple open at the end",
        rule: Rule::Unsupported,
        spec: r#"openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /a:
    post:
      operationId: postA
      requestBody:
        content:
          application/json:
            schema:
              type: array
              prefixItems:
                - type: string
                - type: integer
      responses:
        "204": {description: ok}
"#,
        pointer: "/paths/~1a/post/requestBody/content/application~1json/schema/prefixItems",
        line: 12,
    },
    Refusal {
        what: "a tuple whose last positions may be missing",
        rule: Rule::Unsupported,
        spec: r#"openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /a:
    post:
      operationId: postA
      requestBody:
        content:
          application/json:
            schema:
              type: array
              prefixItems:
                - type: string
                - type: integer
              maxItems: 2
              minItems: 1
      responses:
        "204": {description: ok}
"#,
        pointer: "/paths/~1a/post/requestBody/content/application~1json/schema/minItems",
        line: 16,
    },
];

#[test]
fn worked_around_constructs_warn_where_they_sit_and_strict_refuses_them() {
    for r in REFUSALS {
        let loaded = codegen::load::load_str("refused.yaml", r.spec);
        assert!(
            loaded.problems.is_empty(),
            "{}: the spec itself has problems: {:#?}",
            r.what,
            loaded.problems
        );
        let document = loaded.document.expect("loads");
        for strict in [false, true] {
            let input = Input {
                module: "refused".into(),
                source: "refused.yaml".into(),
                document: document.clone(),
            };
            let mut opts = CrateOptions::standalone("refused", "");
            opts.strict = strict;
            let diagnostics = match codegen::generate(&[input], &opts, "test") {
                Err(GenerateError::Spec(d)) if strict => d,
                Ok(generated) if !strict => {
                    assert_eq!(generated.summary.skipped, 0, "{}", r.what);
                    assert_eq!(generated.summary.generated, 1, "{}", r.what);
                    generated.warnings
                }
                Err(e) => panic!("{} (strict: {strict}): {e}", r.what),
                Ok(_) => panic!("{}: generated instead of refused", r.what),
            };
            let found: Vec<(Rule, &str, usize, bool)> = diagnostics
                .iter()
                .map(|d| (d.rule, d.pointer.as_str(), d.position.line, d.is_error()))
                .collect();
            assert_eq!(
                found,
                [(r.rule, r.pointer, r.line, strict)],
                "{}: {diagnostics:#?}",
                r.what
            );
            assert_eq!(diagnostics[0].file, "refused.yaml");
            assert!(!diagnostics[0].message.is_empty());
        }
    }
}

/// A signing algorithm the runtime does not implement is refused, lenient or
/// not: no Rust code could sign those requests.
#[test]
fn unknown_signing_algorithms_are_refused() {
    let spec = r#"openapi: 3.0.3
info: {title: T, version: "1"}
security:
  - sig: []
paths:
  /a:
    get:
      operationId: getA
      responses:
        "204": {description: ok}
components:
  securitySchemes:
    sig:
      type: apiKey
      in: header
      name: Authorization
      x-signing: AWS4-HMAC-SHA256
"#;
    let loaded = codegen::load::load_str("refused.yaml", spec);
    let document = loaded.document.expect("loads");
    for strict in [false, true] {
        let input = Input {
            module: "refused".into(),
            source: "refused.yaml".into(),
            document: document.clone(),
        };
        let mut opts = CrateOptions::standalone("refused", "");
        opts.strict = strict;
        let Err(GenerateError::Spec(d)) = codegen::generate(&[input], &opts, "test") else {
            panic!("generated");
        };
        let found: Vec<(Rule, &str, usize)> = d
            .iter()
            .map(|d| (d.rule, d.pointer.as_str(), d.position.line))
            .collect();
        assert_eq!(
            found,
            [(
                Rule::Unsupported,
                "/components/securitySchemes/sig/x-signing",
                17
            )]
        );
    }
}

/// `x-region-override` on a server's region variable gives the client the
/// runtime's region chain for that service; without it there is none.
#[test]
fn a_region_override_generates_the_region_chain() {
    let files = files("codegen/tests/fixtures/constructs/servers.yaml");
    let client = &files[Path::new("src/servers/client.rs")];
    for needle in [
        "pub const REGION_SERVICE: &str = \"DEMO_SVC\";",
        "pub fn region_endpoint(",
        "pub fn for_region(",
        "template: \"https://demo.{region}.example.com/api\",",
        "regions: REGION_VALUES,",
        "pub fn server_url(",
        "pub fn for_server(",
    ] {
        assert!(client.contains(needle), "{needle} in\n{client}");
    }
    let plain = files_of_str(
        "plain.yaml",
        &std::fs::read_to_string(
            workspace().join("codegen/tests/fixtures/constructs/servers.yaml"),
        )
        .unwrap()
        .replace("        x-region-override: DEMO_SVC\n", ""),
    );
    let client = &plain[Path::new("src/plain/client.rs")];
    assert!(client.contains("pub fn server_url("), "{client}");
    assert!(!client.contains("region_endpoint"), "{client}");
    assert!(!client.contains("for_region"), "{client}");
}

fn files_of_str(name: &str, spec: &str) -> BTreeMap<PathBuf, String> {
    let loaded = codegen::load::load_str(name, spec);
    let input = Input {
        module: codegen::module_name(Path::new(name)),
        source: name.to_owned(),
        document: loaded.document.expect("loads"),
    };
    let mut opts = CrateOptions::standalone("plain", "");
    opts.strict = true;
    match codegen::generate(&[input], &opts, "test") {
        Ok(generated) => generated.files,
        Err(e) => panic!("{name} does not generate:\n{e}"),
    }
}

/// The warnings a construct fixture generates with: (rule, pointer, line).
fn warnings(spec: &str) -> (Vec<(Rule, String, usize)>, codegen::Summary) {
    let generated = generate(spec).unwrap_or_else(|e| panic!("{spec} does not generate:\n{e}"));
    let found = generated
        .warnings
        .iter()
        .map(|w| (w.rule, w.pointer.clone(), w.position.line))
        .collect();
    (found, generated.summary)
}

/// Entries of `additionalOperations` that cannot be served are left out,
/// each with a warning where it is written; the rest of the path item
/// generates.
#[test]
fn methods_that_cannot_be_sent_are_left_out_where_they_sit() {
    let (found, summary) = warnings("codegen/tests/fixtures/constructs/methods.yaml");
    let at = |key: &str| format!("/paths/~1items~1{{id}}/additionalOperations/{key}");
    assert_eq!(
        found,
        [
            (Rule::Unsupported, at("LIST ALL"), 99),
            (Rule::Unsupported, at("GET"), 104),
        ]
    );
    assert_eq!(
        summary,
        codegen::Summary {
            operations: 8,
            generated: 6,
            degraded: 0,
            skipped: 2
        }
    );
}

/// A `query` parameter beside a `querystring` one, which is the whole query
/// string, is left out with a warning where it is written.
#[test]
fn a_query_parameter_beside_the_whole_query_string_is_left_out() {
    let (found, summary) = warnings("codegen/tests/fixtures/constructs/querystring.yaml");
    assert_eq!(
        found,
        [(
            Rule::Unsupported,
            "/paths/~1labels/get/parameters/0".to_owned(),
            76
        )]
    );
    assert_eq!((summary.generated, summary.degraded), (3, 1));
}
