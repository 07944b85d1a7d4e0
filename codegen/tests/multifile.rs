//! Documents spread over several files: `$ref`s to other files (operations,
//! path items, schemas by fragment and whole files, shared responses up the
//! tree, a JSON file among YAML ones, plain values) are bundled into one
//! document that validates and generates; broken references are reported in
//! the file, at the line and pointer where they are written. A reference that
//! cannot be followed (a missing file, one that does not parse, a bad
//! fragment, a URL) costs only what uses it: it is left unresolved, the
//! validator and `strict` refuse it, generation works around it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codegen::diagnostic::{Diagnostic, Rule};
use codegen::load::{self, Document};
use codegen::{CrateOptions, GenerateError, Generated, Input};
use serde_json::Value;

const ROOT: &str = "codegen/tests/fixtures/multifile/api.yaml";
const BROKEN: &str = "codegen/tests/fixtures/multifile-broken";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_path_buf()
}

fn bundle() -> Document {
    codegen::load_document(&workspace().join(ROOT), ROOT)
        .unwrap_or_else(|problems| panic!("{ROOT} does not load: {problems:#?}"))
}

fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn bundles_into_one_document_with_local_refs_only() {
    let doc = bundle();
    let mut all = Vec::new();
    refs(&doc.value, &mut all);
    assert!(!all.is_empty());
    for r in &all {
        assert!(r.starts_with("#/components/"), "{r} is not local");
        assert!(doc.resolve_ref(r).is_some(), "{r} does not resolve");
    }
    let v = &doc.value;
    // A plain value from another file.
    assert_eq!(
        v["info"]["description"],
        "A pet store whose document spans several files.\n"
    );
    // Operations and a path item, copied in place.
    assert_eq!(v["paths"]["/v2/pets"]["get"]["operationId"], "pets_list");
    assert_eq!(v["paths"]["/v2/pets"]["post"]["operationId"], "pets_create");
    assert_eq!(
        v["paths"]["/v2/pets/{pet_id}"]["get"]["operationId"],
        "pets_get"
    );
    assert_eq!(
        v["paths"]["/v2/pets/{pet_id}"]["parameters"][0]["name"],
        "pet_id"
    );
    // Shared parameters and responses, copied where they are used.
    let list = &v["paths"]["/v2/pets"]["get"];
    assert_eq!(list["parameters"][0]["name"], "per_page");
    assert_eq!(list["parameters"][1]["name"], "kind");
    assert_eq!(
        list["responses"]["401"]["description"],
        "Authentication failed."
    );
    // Schemas hoisted once each: a whole file by its stem, fragments by their
    // last token, the JSON file, and the root's own name for owner.yml.
    let schemas = v["components"]["schemas"].as_object().unwrap();
    let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
    // In the order they are first met.
    assert_eq!(names, ["Owner", "pet_kind", "pet", "error", "pet_create"]);
    assert_eq!(
        list["parameters"][1]["schema"]["$ref"],
        "#/components/schemas/pet_kind"
    );
    assert_eq!(
        list["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/error"
    );
    // The cycle between pet.yml and owner.yml.
    assert_eq!(
        schemas["pet"]["properties"]["owner"]["$ref"],
        "#/components/schemas/Owner"
    );
    assert_eq!(
        schemas["Owner"]["properties"]["pets"]["items"]["$ref"],
        "#/components/schemas/pet"
    );
    // A local reference inside a file of several schemas.
    assert_eq!(
        schemas["pet_create"]["properties"]["kind"]["$ref"],
        "#/components/schemas/pet_kind"
    );
}

#[test]
fn nodes_remember_the_file_and_position_they_come_from() {
    let doc = bundle();
    let dir = "codegen/tests/fixtures/multifile";
    let at = |pointer: &str| {
        let (file, position) = doc.location(pointer);
        (file.to_owned(), position.line, position.column)
    };
    assert_eq!(
        at("/paths/~1v2~1pets/get/operationId"),
        (format!("{dir}/resources/pets/pets_list.yml"), 4, 1)
    );
    assert_eq!(
        at("/paths/~1v2~1pets/get/responses/401/description"),
        (format!("{dir}/shared/responses/unauthorized.yml"), 4, 1)
    );
    assert_eq!(
        at("/components/schemas/pet/properties/owner"),
        (format!("{dir}/resources/pets/models/pet.yml"), 15, 3)
    );
    assert_eq!(
        at("/components/schemas/error/properties/message"),
        (format!("{dir}/shared/models/error.json"), 6, 5)
    );
    assert_eq!(at("/paths/~1v2~1pets"), (ROOT.to_owned(), 17, 3));
    // Diagnostics name the file too.
    let d = doc.diagnostic("/paths/~1v2~1pets~1{pet_id}/get", Rule::Unsupported, "x");
    assert_eq!(d.file, format!("{dir}/paths/pet.yml"));
    assert_eq!((d.position.line, d.position.column), (5, 1));
    assert!(doc.files().len() >= 10, "{:?}", doc.files());
    assert_eq!(doc.files()[0], ROOT);
}

#[test]
fn the_bundle_validates_clean() {
    let problems = codegen::check_file(&workspace().join(ROOT), ROOT).unwrap();
    assert!(problems.is_empty(), "{problems:#?}");
}

fn generate() -> BTreeMap<PathBuf, String> {
    let input = Input {
        module: codegen::module_name(Path::new(ROOT)),
        source: ROOT.to_owned(),
        document: bundle(),
    };
    let mut opts =
        CrateOptions::standalone("api", "A client generated from a multi-file document.");
    // The fixture is clean: nothing needs working around.
    opts.strict = true;
    let command = format!("cargo xtask codegen --spec {ROOT} --out api");
    match codegen::generate(&[input], &opts, &command) {
        Ok(generated) => generated.files,
        Err(e) => panic!("{ROOT} does not generate:\n{e}"),
    }
}

#[test]
fn the_bundle_generates_its_types_and_operations() {
    let files = generate();
    let types = &files[Path::new("src/api/types.rs")];
    for ty in [
        "pub struct Pet ",
        "pub struct Owner ",
        "pub enum PetKind ",
        "pub struct PetCreate ",
        "pub struct Error ",
        "pub struct PetsListOkResponse ",
        "pub struct PetsGetOkResponse ",
    ] {
        assert!(types.contains(ty), "no `{ty}` in types.rs:\n{types}");
    }
    // The cycle across files (a Vec needs no Box).
    assert!(types.contains("pub owner: Option<Owner>,"), "{types}");
    assert!(types.contains("pub pets: Option<Vec<Pet>>,"), "{types}");
    let client = &files[Path::new("src/api/client.rs")];
    for op in ["fn pets_list(", "fn pets_create(", "fn pets_get("] {
        assert!(client.contains(op), "no `{op}` in client.rs");
    }
}

#[test]
fn the_same_files_give_the_same_bytes() {
    let a = bundle();
    let b = bundle();
    assert_eq!(
        serde_json::to_string(&a.value).unwrap(),
        serde_json::to_string(&b.value).unwrap()
    );
    assert_eq!(generate(), generate());
}

/// The problems of a fixture (a path relative to `BROKEN`) that does not
/// load at all.
fn broken(name: &str) -> Vec<Diagnostic> {
    let spec = format!("{BROKEN}/{name}");
    let loaded = load::load_path(&workspace().join(&spec), &spec).unwrap();
    assert!(loaded.document.is_none(), "{name} bundles");
    let errors: Vec<Diagnostic> = loaded
        .problems
        .into_iter()
        .filter(|p| p.is_error())
        .collect();
    // `check_file` and `load_document` report the same.
    assert_eq!(
        codegen::check_file(&workspace().join(&spec), &spec).unwrap(),
        errors
    );
    assert_eq!(
        codegen::load_document(&workspace().join(&spec), &spec).unwrap_err(),
        errors
    );
    errors
}

/// Generates the fixture at `BROKEN/name`, strict or not.
fn generate_broken(name: &str, strict: bool) -> Result<Generated, GenerateError> {
    let spec = format!("{BROKEN}/{name}");
    let document = codegen::load_document(&workspace().join(&spec), &spec)
        .unwrap_or_else(|problems| panic!("{spec} does not load: {problems:#?}"));
    let input = Input {
        module: codegen::module_name(Path::new(&spec)),
        source: spec.clone(),
        document,
    };
    let mut opts = CrateOptions::standalone("broken", "");
    opts.strict = strict;
    codegen::generate(&[input], &opts, "test")
}

/// The problems of a fixture (a path relative to `BROKEN`) with references
/// that cannot be followed: it loads all the same, the validator reports
/// them as errors, generation works around them (each a warning at a
/// `$ref`), and strict generation refuses them.
fn unfollowed(name: &str) -> Vec<Diagnostic> {
    let spec = format!("{BROKEN}/{name}");
    let loaded = load::load_path(&workspace().join(&spec), &spec).unwrap();
    let document = loaded.document.expect("the document loads");
    assert!(
        loaded.problems.iter().all(|p| !p.is_error()),
        "{:#?}",
        loaded.problems
    );
    let errors = document.unresolved().to_vec();
    assert!(!errors.is_empty(), "{name}: nothing unresolved");
    assert!(errors.iter().all(Diagnostic::is_error), "{errors:#?}");
    // The validator reports them, once each, where they are written.
    let checked = codegen::check_file(&workspace().join(&spec), &spec).unwrap();
    for e in &errors {
        assert_eq!(checked.iter().filter(|c| *c == e).count(), 1, "{e}");
    }
    let generated = generate_broken(name, false).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        generated
            .warnings
            .iter()
            .any(|w| w.rule == Rule::UnresolvedRef && w.pointer.ends_with("/$ref")),
        "{:#?}",
        generated.warnings
    );
    match generate_broken(name, true) {
        Err(GenerateError::Spec(problems)) => {
            for e in &errors {
                assert!(problems.contains(e), "strict does not refuse {e}");
            }
        }
        Err(e) => panic!("{name}: {e}"),
        Ok(_) => panic!("{name}: strict generates"),
    }
    errors
}

/// (file below `BROKEN`, line, column, pointer, rule) of each problem.
fn located(problems: &[Diagnostic]) -> Vec<(String, usize, usize, String, Rule)> {
    problems
        .iter()
        .map(|p| {
            (
                p.file
                    .strip_prefix(&format!("{BROKEN}/"))
                    .unwrap_or(&p.file)
                    .to_owned(),
                p.position.line,
                p.position.column,
                p.pointer.clone(),
                p.rule,
            )
        })
        .collect()
}

#[test]
fn a_missing_file_is_reported_at_its_ref() {
    let problems = unfollowed("missing-file.yaml");
    assert_eq!(
        located(&problems),
        [(
            "missing-file.yaml".to_owned(),
            10,
            7,
            "/paths/~1a/get/$ref".to_owned(),
            Rule::UnresolvedRef
        )]
    );
    assert!(
        problems[0]
            .message
            .contains(&format!("cannot read `{BROKEN}/ops/missing.yml`")),
        "{}",
        problems[0]
    );
}

#[test]
fn a_missing_file_costs_only_what_refers_to_it() {
    let name = "missing-definitions.yaml";
    let problems = unfollowed(name);
    let at_ref = |p: &str| format!("{p}/$ref");
    let ops = "/paths/~1v1~1items";
    let item = "/paths/~1v1~1items~1{id}/get/responses/default/content/application~1json/schema";
    // The validator: where each reference is written, in its own file.
    assert_eq!(
        located(&problems),
        [
            (
                name.to_owned(),
                22,
                11,
                at_ref(&format!("{ops}/get/responses/400")),
                Rule::UnresolvedRef
            ),
            (
                name.to_owned(),
                37,
                11,
                at_ref(&format!("{ops}/post/responses/400")),
                Rule::UnresolvedRef
            ),
            (
                "ops/item.yml".to_owned(),
                18,
                13,
                "/get/responses/default/content/application~1json/schema/$ref".to_owned(),
                Rule::UnresolvedRef
            ),
        ]
    );
    assert!(
        problems[0]
            .message
            .contains(&format!("cannot read `{BROKEN}/definitions/ErrorRsp`")),
        "{}",
        problems[0]
    );
    // Generation: every operation, and a warning at each copy of a
    // reference (the file, line and column where it is written).
    let generated = generate_broken(name, false).unwrap();
    let s = generated.summary;
    assert_eq!((s.operations, s.generated, s.skipped), (3, 3, 0));
    assert_eq!(
        located(&generated.warnings),
        [
            (
                name.to_owned(),
                22,
                11,
                at_ref(&format!("{ops}/get/responses/400")),
                Rule::UnresolvedRef
            ),
            (
                name.to_owned(),
                37,
                11,
                at_ref(&format!("{ops}/post/responses/400")),
                Rule::UnresolvedRef
            ),
            (
                "ops/item.yml".to_owned(),
                18,
                13,
                at_ref(item),
                Rule::UnresolvedRef
            ),
        ]
    );
    assert!(generated.warnings.iter().all(|w| !w.is_error()));
    assert!(
        generated.warnings[0]
            .message
            .contains("`definitions/ErrorRsp` cannot be followed (cannot read"),
        "{}",
        generated.warnings[0]
    );
    assert!(
        generated.warnings[2].message.contains("untyped"),
        "{}",
        generated.warnings[2]
    );
    let client = &generated.files[Path::new("src/missing_definitions/client.rs")];
    for op in ["fn list_items(", "fn create_item(", "fn get_item("] {
        assert!(client.contains(op), "no `{op}` in client.rs");
    }
}

#[test]
fn an_operation_that_cannot_be_read_is_left_out() {
    unfollowed("missing-file.yaml");
    let generated = generate_broken("missing-file.yaml", false).unwrap();
    let s = generated.summary;
    assert_eq!((s.operations, s.generated, s.skipped), (1, 0, 1));
    assert_eq!(
        located(&generated.warnings),
        [(
            "missing-file.yaml".to_owned(),
            10,
            7,
            "/paths/~1a/get/$ref".to_owned(),
            Rule::UnresolvedRef
        )]
    );
    assert!(
        generated.warnings[0]
            .message
            .contains("the operation is left out"),
        "{}",
        generated.warnings[0]
    );
}

#[test]
fn a_bad_fragment_is_reported_in_the_file_that_holds_it() {
    let problems = unfollowed("bad-fragment.yaml");
    assert_eq!(
        located(&problems),
        [(
            "ops/bad_fragment.yml".to_owned(),
            5,
            5,
            "/parameters/1/$ref".to_owned(),
            Rule::UnresolvedRef
        )]
    );
    assert!(
        problems[0]
            .message
            .contains("`#/no_such_parameter` does not resolve"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_cycle_of_path_items_is_an_error_not_a_hang() {
    let problems = broken("cycle.yaml");
    assert_eq!(
        located(&problems),
        [(
            "paths/b.yml".to_owned(),
            2,
            1,
            "/$ref".to_owned(),
            Rule::UnresolvedRef
        )]
    );
    assert!(
        problems[0].message.contains(&format!(
            "{BROKEN}/paths/a.yml -> {BROKEN}/paths/b.yml -> {BROKEN}/paths/a.yml"
        )),
        "{}",
        problems[0]
    );
}

#[test]
fn a_file_that_does_not_parse_gives_its_own_syntax_problem() {
    let problems = unfollowed("unparseable.yaml");
    let found = located(&problems);
    assert_eq!(found.len(), 2, "{problems:#?}");
    assert_eq!(
        found[0],
        (
            "ops/unparseable.yml".to_owned(),
            found[0].1,
            found[0].2,
            String::new(),
            Rule::Syntax
        )
    );
    assert!(found[0].1 >= 3, "{problems:#?}");
    assert_eq!(
        found[1],
        (
            "unparseable.yaml".to_owned(),
            10,
            7,
            "/paths/~1a/get/$ref".to_owned(),
            Rule::UnresolvedRef
        )
    );
}

#[test]
fn a_file_that_is_not_utf8_gives_a_located_syntax_problem() {
    let problems = unfollowed("not-utf8.yaml");
    assert_eq!(
        located(&problems),
        [
            (
                "not-utf8.yaml".to_owned(),
                9,
                7,
                "/paths/~1a/get/$ref".to_owned(),
                Rule::UnresolvedRef
            ),
            // The first byte that is not UTF-8: `é` in Latin-1.
            (
                "ops/not-utf8.yml".to_owned(),
                2,
                4,
                String::new(),
                Rule::Syntax
            ),
        ],
        "{problems:#?}"
    );
    assert!(problems[1].message.contains("not UTF-8"), "{}", problems[1]);
    assert!(problems[0].message.contains("not UTF-8"), "{}", problems[0]);
    // The root file itself, as generation loads it.
    let spec = "codegen/tests/fixtures/invalid/syntax-utf8.yaml";
    let problems = codegen::load_document(&workspace().join(spec), spec).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].rule, Rule::Syntax);
    assert_eq!(
        (problems[0].position.line, problems[0].position.column),
        (3, 14)
    );
}

#[test]
fn a_url_is_not_fetched() {
    let problems = unfollowed("url.yaml");
    assert_eq!(
        located(&problems),
        [(
            "url.yaml".to_owned(),
            16,
            17,
            "/paths/~1a/get/responses/200/content/application~1json/schema/$ref".to_owned(),
            Rule::UnresolvedRef
        )]
    );
    assert!(
        problems[0].message.contains("not fetched"),
        "{}",
        problems[0]
    );
}

#[test]
fn validator_problems_point_into_the_file_they_concern() {
    let spec = format!("{BROKEN}/bad-example.yaml");
    let problems = codegen::check_file(&workspace().join(&spec), &spec).unwrap();
    assert_eq!(
        located(&problems),
        [(
            "ops/bad_example.yml".to_owned(),
            14,
            11,
            "/paths/~1a/get/responses/200/content/application~1json/example/count".to_owned(),
            Rule::InvalidExample
        )]
    );
}

#[test]
fn a_document_in_memory_cannot_follow_references_to_files() {
    let text = std::fs::read_to_string(workspace().join(ROOT)).unwrap();
    let problems = codegen::check_str("api.yaml", &text);
    let unresolved: Vec<&Diagnostic> = problems
        .iter()
        .filter(|p| p.rule == Rule::UnresolvedRef)
        .collect();
    assert_eq!(unresolved.len(), 5, "{problems:#?}");
    assert!(unresolved
        .iter()
        .all(|p| p.message.contains("refers to another file")));
}

/// Writes a document of `files` files to `dir`: `root.yaml`, whose operation
/// has ten callbacks that refer to `c1.yaml`; `c1.yaml` refers ten times to
/// `c2.yaml`, and so on; the last file holds ten plain values. The last file
/// is copied in place `10^(files - 1)` times.
fn reference_chain(dir: &Path, files: usize) {
    let refs = |to: &str, indent: &str, key: &str| -> String {
        (0..10)
            .map(|i| format!("{indent}{key}{i}: {{$ref: \"{to}\"}}\n"))
            .collect()
    };
    let root = format!(
        "openapi: 3.0.3\ninfo: {{title: Chain, version: \"1\"}}\npaths:\n  /a:\n    post:\n      operationId: a\n      responses: {{\"200\": {{description: OK}}}}\n      callbacks:\n{}",
        refs("c1.yaml", "        ", "c")
    );
    std::fs::write(dir.join("root.yaml"), root).unwrap();
    for n in 1..files - 1 {
        let text = refs(&format!("c{}.yaml", n + 1), "", "x");
        std::fs::write(dir.join(format!("c{n}.yaml")), text).unwrap();
    }
    let leaf: String = (0..10)
        .map(|i| format!("x{i}: {{description: leaf}}\n"))
        .collect();
    std::fs::write(dir.join(format!("c{}.yaml", files - 1)), leaf).unwrap();
}

#[test]
fn copies_that_multiply_are_refused_naming_the_chain() {
    // Seven files of 2 KB in all: the last would be copied a million times.
    let dir = tempfile::tempdir().unwrap();
    reference_chain(dir.path(), 7);
    let root = dir.path().join("root.yaml");
    // As generation loads it: refused.
    let p = &codegen::load_document(&root, "root.yaml").unwrap_err();
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(
        (p[0].file.as_str(), p[0].pointer.as_str(), p[0].rule),
        ("c5.yaml", "/x9/$ref", Rule::UnresolvedRef),
    );
    assert_eq!((p[0].position.line, p[0].position.column), (10, 6));
    assert!(
        p[0].message.contains(
            "root.yaml#/paths/~1a/post/callbacks/c0 -> c1.yaml -> c2.yaml -> c3.yaml -> c4.yaml -> c5.yaml -> c6.yaml"
        ),
        "{}",
        p[0]
    );
    assert!(p[0].message.contains("more than 500000 nodes"), "{}", p[0]);
    // The validator reports the same.
    assert_eq!(&codegen::check_file(&root, "root.yaml").unwrap(), p);
}

#[test]
fn copies_within_the_limit_are_made() {
    // The last of five files copied ten thousand times.
    let dir = tempfile::tempdir().unwrap();
    reference_chain(dir.path(), 5);
    let root = dir.path().join("root.yaml");
    let doc = codegen::load_document(&root, "root.yaml").unwrap();
    let callbacks = &doc.value["paths"]["/a"]["post"]["callbacks"];
    assert_eq!(
        callbacks["c9"]["x9"]["x9"]["x9"]["x9"]["description"],
        "leaf"
    );
    let (file, position) = doc.location("/paths/~1a/post/callbacks/c9/x9/x9/x9/x9");
    assert_eq!((file, position.line, position.column), ("c4.yaml", 10, 1));
}
